"""Seam found walking the demo: Haru books the van door to door arriving by 10:00; before the
offer query carried her arrive_by, the van's promise let it drop her off up to 10:10, and after
later bookings the manifest had her at the hospital at 10:06. The promise now holds."""

from __future__ import annotations


from tests.journeys.conftest import HARU, HOSPITAL, Town, iso


async def test_the_van_booked_to_arrive_by_ten_promises_to_arrive_by_ten(town: Town) -> None:
    haru = await town.sign_in(HARU)
    home = (await (await town.client.get("/v1/me", headers=haru)).json())["account"]["home"]
    planned = await town.client.post("/v1/plan/door-to-door", headers=haru, json={
        "from": home, "to": HOSPITAL, "arrive_by": iso("10:00")})
    assert planned.status == 200, await planned.text()
    van = next(o for o in (await planned.json())["options"]
               if o["kind"] == "direct" and o["legs"][0]["mode"] == "on_demand")
    booked = await town.client.post("/v1/bookings", headers={**haru, "Idempotency-Key": "by-ten"}, json={
        "offer_ids": [van["legs"][0]["offer_id"]], "payment_method": "pm_card_visa"})
    assert booked.status == 201, await booked.text()
    ride_id = (await booked.json())["legs"][0]["operator_booking_id"]
    manifests = await (await town.client.get(f"/v1/on-demand/noriai/manifests?date={iso('10:00')[:10]}",
                                             headers=town.operator_keys["noriai"])).json()
    drop = next(s for m in manifests["items"] for s in m["stops"] if s["ride_id"] == ride_id and s["kind"] == "drop_off")
    assert drop["window_until"] <= iso("10:00"), drop
