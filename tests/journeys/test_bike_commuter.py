"""Misaki commutes by train. At 08:00 she plans her ride from the town hall to the station for
09:30, books a shared bike reserved for then, cannot unlock it an hour early, unlocks it at the
time, rides it and docks it at the station."""

from __future__ import annotations

import datetime as dt

from tests.journeys.conftest import MISAKI, STATION, TOWN_HALL, Town, at, iso

BRISK = {"walk_speed_mps": 1.3, "max_walk_m": 800, "min_transfer_s": 120}  # not the elderly default


def _t(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value)


async def test_misaki_reserves_a_bike_for_later_and_rides_it(town: Town) -> None:
    misaki = await town.sign_in(MISAKI)
    response = await town.client.post("/v1/plan/door-to-door", headers={**misaki, "Accept-Language": "en"}, json={
        "from": {**TOWN_HALL, "name": "役場"}, "to": {**STATION, "name": "山吹駅"}, "depart_at": iso("09:30"),
        "modes": ["bike", "transit"], "profile": BRISK})
    assert response.status == 200, await response.text()
    plan = await response.json()
    assert "yamabuki-cycle" not in {u["operator_id"] for u in plan["unavailable_operators"]}
    bikes = [o for o in plan["options"] if any(leg["mode"] == "bike" for leg in o["legs"])]
    assert bikes, plan
    (bike,) = [leg for leg in bikes[0]["legs"] if leg["mode"] == "bike"]
    assert bike["operator_id"] == "yamabuki-cycle"
    assert at("09:30") <= _t(bike["departure"]) <= at("09:35") and _t(bikes[0]["departure"]) >= at("09:30")
    assert any("reserved from" in note for note in bike["conditions"]["notes"])

    booked = await town.client.post("/v1/bookings", headers={**misaki, "Idempotency-Key": "misaki-bike"},
                                    json={"offer_ids": [bike["offer_id"]], "payment_method": "pm_card_visa"})
    assert booked.status == 201, await booked.text()
    booking = await booked.json()
    assert booking["state"] == "CONFIRMED", booking
    (leg,) = booking["legs"]
    assert leg["mode"] == "bike" and leg["state"] == "CONFIRMED"
    assert _t(leg["departure"]) == _t(bike["departure"])  # the time quoted is the time booked

    unlock = f"/v1/bookings/{booking['id']}/legs/0/unlock"
    town.clock.at = at("08:30")  # an hour early: the bike is hers from 09:30
    early = await town.client.post(unlock, headers={**misaki, "Accept-Language": "en"})
    assert early.status == 409, await early.text()
    assert "reserved from" in (await early.json())["error"]["message"]
    early_ja = await town.client.post(unlock, headers=misaki)  # the town's default language
    assert early_ja.status == 409 and early_ja.headers["Content-Language"] == "ja"
    town.clock.at = at("09:30")
    started = await town.client.post(unlock, headers=misaki)
    assert started.status == 200, await started.text()
    assert (await started.json())["state"] == "STARTED"

    town.clock.at = _t(bike["arrival"])  # docked at the station: the operator reports the return
    returned = await town.client.post(
        f"/v1/operators/yamabuki-cycle/legs/{leg['operator_booking_id']}/events",
        headers=town.operator_keys["yamabuki-cycle"], json={"kind": "FINISHED"})
    assert returned.status == 200, await returned.text()
    after = await (await town.client.get(f"/v1/bookings/{booking['id']}", headers=misaki)).json()
    assert [leg["state"] for leg in after["legs"]] == ["FINISHED"]
