"""Seam found walking the demo: Misaki, at the dock an hour before the bike she reserved, is told
when it is hers, in her language and in Japan's time, not that her request "clashed with another
operation"; and nothing about her booking changes."""

from __future__ import annotations

import datetime as dt

from tests.journeys.conftest import MISAKI, STATION, TOWN_HALL, Town, at, iso

BRISK = {"walk_speed_mps": 1.3, "max_walk_m": 800, "min_transfer_s": 120}


async def test_unlocking_a_reserved_bike_early_says_from_when_it_is_hers(town: Town) -> None:
    misaki = await town.sign_in(MISAKI)
    planned = await town.client.post("/v1/plan/door-to-door", headers=misaki, json={
        "from": TOWN_HALL, "to": STATION, "depart_at": iso("09:30"), "modes": ["bike"], "profile": BRISK})
    assert planned.status == 200, await planned.text()
    bike = next(leg for o in (await planned.json())["options"] for leg in o["legs"] if leg["mode"] == "bike")
    booked = await town.client.post("/v1/bookings", headers={**misaki, "Idempotency-Key": "early-bike"},
                                    json={"offer_ids": [bike["offer_id"]], "payment_method": "pm_card_visa"})
    assert booked.status == 201, await booked.text()
    booking = await booked.json()
    unlock = f"/v1/bookings/{booking['id']}/legs/0/unlock"

    town.clock.at = at("08:30")
    for language, words in (("ja", "予約"), ("en", "reserved from")):
        early = await town.client.post(unlock, headers={**misaki, "Accept-Language": language})
        assert early.status == 409, await early.text()
        error = (await early.json())["error"]
        assert error["code"] == "too_early_to_unlock" and words in error["message"], error
        reserved_from = dt.datetime.fromisoformat(error["fields"]["reserved_from"])
        assert reserved_from.utcoffset() == dt.timedelta(hours=9) and reserved_from >= at("09:25"), error
    after = await (await town.client.get(f"/v1/bookings/{booking['id']}", headers=misaki)).json()
    assert after["legs"][0]["state"] == "CONFIRMED"  # still hers, not started
