"""Shigeru, a wheelchair user, books a van ride to the hospital through the trip booking: his
needs travel from his account to the van's offer, the ride he sees and the driver's manifest,
and the offer planned for him is his alone."""

from __future__ import annotations

from tests.journeys.conftest import HOSPITAL, MISAKI, SHIGERU, TRAVEL_DAY, Town, iso

SHIGERU_HOME = {"lat": 36.414779, "lon": 138.902341}
RIDES = "/v1/on-demand/noriai/rides"


def van_legs(plan: dict) -> list[dict]:
    return [leg for option in plan["options"] for leg in option["legs"] if leg["mode"] == "on_demand"]


async def test_a_wheelchair_user_books_the_van_and_the_driver_keeps_him_a_wheelchair_place(town: Town) -> None:
    client = town.client
    shigeru = await town.sign_in(SHIGERU)
    me = await (await client.get("/v1/me", headers=shigeru)).json()
    # He plans door to door without saying he uses a wheelchair: his account says so.
    planned = await client.post("/v1/plan/door-to-door", headers=shigeru,
                                json={"from": SHIGERU_HOME, "to": HOSPITAL, "depart_at": iso("10:00")})
    assert planned.status == 200, await planned.text()
    vans = van_legs(await planned.json())
    assert vans, "the van is among his options"
    van = vans[0]
    assert (van["price"]["amount_minor"], van["rider_price"]["amount_minor"]) == (300, 100)  # his co-payment
    # Someone else cannot book the offer planned for him.
    misaki = await town.sign_in(MISAKI)
    stolen = await client.post("/v1/bookings", json={"offer_ids": [van["offer_id"]], "payment_method": "pm_card_visa"},
                               headers={**misaki, "Idempotency-Key": "misaki-1"})
    assert stolen.status == 403, await stolen.text()
    assert (await stolen.json())["error"]["code"] == "offer_not_yours"
    assert (await (await client.get("/v1/bookings", headers=misaki)).json())["items"] == []
    # He books it through the trip booking, at the town's senior co-payment.
    booked = await client.post("/v1/bookings", json={"offer_ids": [van["offer_id"]], "payment_method": "pm_card_visa"},
                               headers={**shigeru, "Idempotency-Key": "shigeru-1"})
    assert booked.status == 201, await booked.text()
    booking = await booked.json()
    assert booking["state"] == "CONFIRMED", booking["reason"]
    assert booking["account_id"] == me["subject_id"] and booking["booked_by"] == me["subject_id"]
    assert booking["total"] == {"amount_minor": 100, "currency": "JPY"}
    ride_id = booking["legs"][0]["operator_booking_id"]
    # The ride is in his rides, the same record, at the same price.
    mine = await (await client.get(RIDES, headers=shigeru)).json()
    assert [r["id"] for r in mine["items"]] == [ride_id]
    ride = await client.get(f"{RIDES}/{ride_id}", headers=shigeru)
    assert ride.status == 200, await ride.text()
    seen = await ride.json()
    assert seen["wheelchairs"] == 1 and "wheelchair" in seen["needs"]
    assert seen["rider_price"] == {"amount_minor": 100, "currency": "JPY"}
    assert (await client.get(f"{RIDES}/{ride_id}", headers=misaki)).status == 404
    # The driver's manifest names him and keeps him a wheelchair place, on the van that has one.
    manifests = await client.get(f"/v1/on-demand/noriai/manifests?date={TRAVEL_DAY}",
                                 headers=town.operator_keys["noriai"])
    assert manifests.status == 200, await manifests.text()
    runs = (await manifests.json())["items"]
    pickups = [(run, stop) for run in runs for stop in run["stops"]
               if stop["ride_id"] == ride_id and stop["kind"] == "pickup"]
    assert len(pickups) == 1
    run, stop = pickups[0]
    assert stop["rider_name"] == me["account"]["display_name"] == "高橋 茂"
    assert stop["wheelchairs"] == 1 and "wheelchair" in stop["needs"]
    assert run["wheelchair_places"] >= 1
