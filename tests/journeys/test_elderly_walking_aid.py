"""Haru, 85, walks with a stick and needs an escort. She plans from her home up the valley to the
town hospital for a 10:00 appointment, sees a van (alone, or to the train) whose pickup is timed
so she is neither late nor waiting long, books it, and pays the town's 100-yen senior fare."""

from __future__ import annotations

import datetime as dt

from tests.journeys.conftest import HARU, HOSPITAL, Town, at, iso

APPOINTMENT = "10:00"
SHORT_WAIT_S = 180 + 300  # her change time, and a few minutes more at most


def _t(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value)


def _van_timed_to_her_appointment(option: dict) -> bool:
    """A van door to door arriving in the last minutes before the time, or a van to a train whose
    platform wait is short."""
    modes = [leg["mode"] for leg in option["legs"]]
    if "on_demand" not in modes:
        return False
    if option["kind"] == "direct":
        return _t(option["arrival"]) >= at(APPOINTMENT) - dt.timedelta(minutes=5)
    i = modes.index("on_demand")
    return option["kind"] == "first_mile" and 180 <= option["waits_s"][i] <= SHORT_WAIT_S


async def test_haru_is_driven_to_her_appointment_on_time_for_the_senior_fare(town: Town) -> None:
    haru = await town.sign_in(HARU)
    me = await (await town.client.get("/v1/me", headers=haru)).json()
    home = {**me["account"]["home"], "name": "自宅"}

    # Arriving by 10:00: every option arrives in time, none leaves before now (08:00).
    response = await town.client.post("/v1/plan/door-to-door", headers=haru, json={
        "from": home, "to": {**HOSPITAL, "name": "山吹町立病院"}, "arrive_by": iso(APPOINTMENT)})
    assert response.status == 200, await response.text()
    plan = await response.json()
    assert plan["options"], plan
    assert all(_t(o["arrival"]) <= at(APPOINTMENT) and _t(o["departure"]) >= at("08:00") for o in plan["options"])
    timed = [o for o in plan["options"] if _van_timed_to_her_appointment(o)]
    assert timed, [(o["kind"], o["arrival"], o["waits_s"]) for o in plan["options"]]
    option = timed[0]
    van = next(leg for leg in option["legs"] if leg["mode"] == "on_demand")
    assert van["operator_id"] == "noriai" and _t(van["departure"]) > at("09:00")  # not an hour early
    assert van["conditions"]["confirmation_required"] is True

    # She books the rides of that option; the town's rule leaves her 100 yen for the van.
    offers = [leg["offer_id"] for leg in option["legs"] if leg.get("offer_id")]
    booked = await town.client.post("/v1/bookings", headers={**haru, "Idempotency-Key": "haru-hospital"},
                                    json={"offer_ids": offers, "payment_method": "pm_card_visa"})
    assert booked.status == 201, await booked.text()
    booking = await booked.json()
    assert booking["state"] == "CONFIRMED", booking
    (van_leg,) = [leg for leg in booking["legs"] if leg["mode"] == "on_demand"]
    assert (van_leg["price"]["amount_minor"], van_leg["rider_price"]["amount_minor"], van_leg["rules"]) == (
        300, 100, ["noriai-senior-copay"])
    assert _t(van_leg["departure"]) == _t(van["departure"])  # the time quoted is the time booked
    assert _t(van_leg["arrival"]) <= at(APPOINTMENT)

    # Asking again with a time already past, or without an offset, changes nothing and says why.
    for bad in ({"arrive_by": iso("07:30")}, {"arrive_by": at(APPOINTMENT).replace(tzinfo=None).isoformat()}):
        refused = await town.client.post("/v1/plan/door-to-door", headers=haru, json={
            "from": home, "to": HOSPITAL, **bad})
        assert refused.status == 422 and "arrive_by" in str((await refused.json())["error"]["fields"])
    mine = await (await town.client.get("/v1/bookings", headers=haru)).json()
    assert [b["id"] for b in mine["items"]] == [booking["id"]]
