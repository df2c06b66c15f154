"""Seams found walking the demo: every time a rider's app shows from a plan or a quote reads in
Japan's time, the offer's deadline too ("book before 08:05"), not UTC."""

from __future__ import annotations

import datetime as dt

from tests.journeys.conftest import HARU, HOSPITAL, Town, iso

JAPAN = dt.timedelta(hours=9)


def _in_japan_time(value: str) -> bool:
    when = dt.datetime.fromisoformat(value)
    return when.utcoffset() == JAPAN and when.microsecond == 0


async def test_the_offers_deadlines_read_in_japan_time(town: Town) -> None:
    # The server's own clock reads UTC, to the microsecond.
    town.clock.at = town.clock.at.astimezone(dt.UTC) + dt.timedelta(microseconds=123456)
    haru = await town.sign_in(HARU)
    home = (await (await town.client.get("/v1/me", headers=haru)).json())["account"]["home"]
    planned = await town.client.post("/v1/plan/door-to-door", headers=haru, json={
        "from": home, "to": HOSPITAL, "arrive_by": iso("10:00")})
    assert planned.status == 200, await planned.text()
    legs = [leg for o in (await planned.json())["options"] for leg in o["legs"] if leg.get("operator_id")]
    assert legs
    for leg in legs:
        assert _in_japan_time(leg["valid_until"]) and _in_japan_time(leg["departure"]), leg
        # The deadline is the offer's: a few minutes from now (08:00), never after the ride leaves.
        assert dt.datetime.fromisoformat(leg["valid_until"]) > dt.datetime.fromisoformat(iso("08:00"))
    quoted = await town.client.post("/v1/on-demand/noriai/quotes", headers=haru, json={
        "origin": home, "destination": HOSPITAL, "depart_at": iso("10:00"), "needs": ["walking_aid"]})
    assert quoted.status == 200, await quoted.text()
    offer = await quoted.json()
    assert _in_japan_time(offer["valid_until"]) and _in_japan_time(offer["pickup_at"]), offer
