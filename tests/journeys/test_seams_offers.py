"""Seam: a bus ticket offer from a signed-in rider's transit plan is hers, like the van's and the
taxi's; another rider booking it is refused and nothing is booked. An anonymous plan's offers
stay open to whoever books them."""

from __future__ import annotations

from tests.journeys.conftest import HARU, HOSPITAL, MISAKI, STATION, Town, iso


async def _bus_offer(town: Town, headers: dict[str, str]) -> str:
    planned = await town.client.post("/v1/plan", headers=headers, json={
        "from": STATION, "to": HOSPITAL, "depart_at": iso("08:30")})
    assert planned.status == 200, await planned.text()
    return next(leg["offer_id"] for it in (await planned.json())["itineraries"] for leg in it["legs"]
                if leg["mode"] == "transit" and leg.get("offer_id"))


async def test_a_transit_offer_planned_by_one_rider_is_not_anothers(town: Town) -> None:
    haru, misaki = await town.sign_in(HARU), await town.sign_in(MISAKI)
    offer = await _bus_offer(town, haru)
    taken = await town.client.post("/v1/bookings", headers={**misaki, "Idempotency-Key": "not-mine"},
                                   json={"offer_ids": [offer], "payment_method": "pm_card_visa"})
    assert taken.status == 403 and (await taken.json())["error"]["code"] == "offer_not_yours"
    assert (await (await town.client.get("/v1/bookings", headers=misaki)).json())["items"] == []
    mine = await town.client.post("/v1/bookings", headers={**haru, "Idempotency-Key": "mine"},
                                  json={"offer_ids": [offer], "payment_method": "pm_card_visa"})
    assert mine.status == 201, await mine.text()
    assert (await mine.json())["legs"][0]["rider_price"]["amount_minor"] == 100  # her senior half fare


async def test_an_anonymous_plans_offers_are_booked_by_whoever_books_them(town: Town) -> None:
    offer = await _bus_offer(town, {})
    booked = await town.client.post("/v1/bookings", headers={**await town.sign_in(MISAKI), "Idempotency-Key": "anon"},
                                    json={"offer_ids": [offer], "payment_method": "pm_card_visa"})
    assert booked.status == 201, await booked.text()
    assert (await booked.json())["legs"][0]["rider_price"]["amount_minor"] == 200  # no concession for her


async def test_a_door_to_door_bus_option_shows_the_senior_fare_she_will_pay(town: Town) -> None:
    """Haru's transit option door to door: the bus's 200 yen is 100 for her (the town's senior
    half fare), as the booking will charge; an anonymous plan shows the full fare."""
    haru = await town.sign_in(HARU)
    body = {"from": {**STATION, "name": "山吹駅"}, "to": HOSPITAL, "depart_at": iso("08:30"), "modes": ["transit"]}
    planned = await (await town.client.post("/v1/plan/door-to-door", headers=haru, json=body)).json()
    bus = next(o for o in planned["options"] if any(leg.get("route_type") == 3 and leg.get("offer_id")
                                                     for leg in o["legs"]))
    assert (bus["price"]["amount_minor"], bus["rider_price"]["amount_minor"]) == (200, 100)
    anonymous = await (await town.client.post("/v1/plan/door-to-door", json=body)).json()
    assert {o["rider_price"]["amount_minor"] for o in anonymous["options"] if o["price"]} == {
        o["price"]["amount_minor"] for o in anonymous["options"] if o["price"]}
