"""Seam found walking the demo: Haru holds the town's silver pass, which covers the van; the
options she is shown must say what she will pay (nothing), as the booking then charges, not the
100-yen co-payment of a rider without the pass."""

from __future__ import annotations

from tests.journeys.conftest import HARU, HOSPITAL, MISAKI, Town, iso


async def test_a_pass_holder_is_shown_the_price_the_booking_charges(town: Town) -> None:
    haru = await town.sign_in(HARU)
    bought = await town.client.post("/v1/passes", headers={**haru, "Idempotency-Key": "silver"},
                                    json={"product_id": "silver-30", "payment_method": "pm_card_visa"})
    assert bought.status == 201, await bought.text()
    home = (await (await town.client.get("/v1/me", headers=haru)).json())["account"]["home"]

    planned = await town.client.post("/v1/plan/door-to-door", headers=haru, json={
        "from": home, "to": HOSPITAL, "depart_at": iso("13:00")})
    assert planned.status == 200, await planned.text()
    vans = [leg for o in (await planned.json())["options"] for leg in o["legs"] if leg["mode"] == "on_demand"]
    assert vans and all(leg["rider_price"]["amount_minor"] == 0 for leg in vans), vans
    assert all(leg["price"]["amount_minor"] == 300 for leg in vans)  # the operator is still owed its fare

    quoted = await town.client.post("/v1/on-demand/noriai/quotes", headers=haru, json={
        "origin": home, "destination": HOSPITAL, "depart_at": iso("15:00")})
    assert quoted.status == 200, await quoted.text()
    offer = await quoted.json()
    assert (offer["price"]["amount_minor"], offer["rider_price"]["amount_minor"]) == (300, 0), offer

    booked = await town.client.post("/v1/bookings", headers={**haru, "Idempotency-Key": "covered"},
                                    json={"offer_ids": [offer["offer_id"]], "payment_method": "pm_card_visa"})
    assert booked.status == 201, await booked.text()
    booking = await booked.json()
    assert booking["total"]["amount_minor"] == 0 and booking["legs"][0]["rider_price"]["amount_minor"] == 0

    # Someone without the pass (and too young for the senior rule) still sees the full fare.
    misaki = await town.sign_in(MISAKI)
    other = await town.client.post("/v1/on-demand/noriai/quotes", headers=misaki, json={
        "origin": home, "destination": HOSPITAL, "depart_at": iso("15:00")})
    assert other.status == 200, await other.text()
    assert (await other.json())["rider_price"]["amount_minor"] == 300
