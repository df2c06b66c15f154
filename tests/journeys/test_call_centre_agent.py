"""Sakura at the call centre books for Haru (85), who phones in: she finds Haru by name, phone or
member number, plans and books a van to the station and the bus on to the hospital in Haru's name
at Haru's senior prices, and later cancels Haru's return ride for her. Haru sees it all as hers."""

from __future__ import annotations

from tests.journeys.conftest import AGENT, ANALYST, HARU, HOSPITAL, STATION, Town, iso

RIDES = "/v1/on-demand/noriai/rides"
YEN = "JPY"


async def find_caller(town: Town, agent: dict, q: str) -> list[dict]:
    found = await town.client.get("/v1/accounts", params={"q": q, "role": "rider"}, headers=agent)
    assert found.status == 200, await found.text()
    return (await found.json())["items"]


async def test_an_agent_books_a_van_and_bus_trip_for_a_caller_at_her_prices(town: Town) -> None:
    client = town.client
    agent = await town.sign_in(AGENT)
    agent_id = (await (await client.get("/v1/me", headers=agent)).json())["subject_id"]
    # Haru phones: Sakura finds her by name, by phone number and by member number.
    [haru] = await find_caller(town, agent, "ハル")
    assert haru["display_name"] == "佐藤 ハル"
    assert [a["id"] for a in await find_caller(town, agent, "0274-52-1101")] == [haru["id"]]
    assert [a["id"] for a in await find_caller(town, agent, "YMB-01001")] == [haru["id"]]
    # The van from Haru's door to the station, planned for Haru.
    planned = await client.post("/v1/plan/door-to-door", headers=agent, json={
        "from": haru["home"], "to": STATION, "depart_at": iso("09:00"), "modes": ["on_demand"], "for_rider": haru["id"]})
    assert planned.status == 200, await planned.text()
    [van] = [leg for o in (await planned.json())["options"] for leg in o["legs"] if leg["mode"] == "on_demand"][:1]
    # Then the bus from the station to the hospital, after the van arrives.
    bus_plan = await client.post("/v1/plan", headers=agent, json={"from": STATION, "to": HOSPITAL,
                                                                   "depart_at": van["arrival"], "for_rider": haru["id"]})
    assert bus_plan.status == 200, await bus_plan.text()
    [bus] = [leg for it in (await bus_plan.json())["itineraries"] for leg in it["legs"]
             if leg["mode"] == "transit" and leg["offer_id"]][:1]
    assert bus["route_type"] == 3 and bus["fare"]["amount_minor"] == 200
    booked = await client.post("/v1/bookings", headers={**agent, "Idempotency-Key": "call-1"}, json={
        "offer_ids": [van["offer_id"], bus["offer_id"]], "payment_method": "pm_card_visa", "for_rider": haru["id"]})
    assert booked.status == 201, await booked.text()
    trip = await booked.json()
    assert trip["state"] == "CONFIRMED", trip["reason"]
    # In Haru's name, booked by Sakura, at Haru's prices: the van's 100 yen co-payment, half bus fare.
    assert trip["account_id"] == haru["id"] and trip["booked_by"] == agent_id
    van_leg, bus_leg = trip["legs"]
    assert van_leg["mode"] == "on_demand" and van_leg["rider_price"] == {"amount_minor": 100, "currency": YEN}
    assert bus_leg["rider_price"] == {"amount_minor": 100, "currency": YEN}
    assert trip["total"] == {"amount_minor": 200, "currency": YEN}
    # Haru sees the trip in her bookings, and the van in her rides with her name for the driver.
    haru_headers = await town.sign_in(HARU)
    hers = await (await client.get("/v1/bookings", headers=haru_headers)).json()
    assert [b["id"] for b in hers["items"]] == [trip["id"]]
    rides = await (await client.get(RIDES, headers=haru_headers)).json()
    assert [r["id"] for r in rides["items"]] == [van_leg["operator_booking_id"]]
    assert rides["items"][0]["rider_price"]["amount_minor"] == 100
    # The agent's own bookings hold none of it; her list for Haru holds it.
    assert (await (await client.get("/v1/bookings", headers=agent)).json())["items"] == []
    for_haru = await (await client.get("/v1/bookings", params={"rider": haru["id"]}, headers=agent)).json()
    assert [b["id"] for b in for_haru["items"]] == [trip["id"]]

    # Haru calls again: she wants a van home at 14:00, then changes her mind. Sakura cancels it for her.
    quoted = await client.post("/v1/on-demand/noriai/quotes", headers=agent, json={
        "origin": HOSPITAL, "destination": haru["home"], "depart_at": iso("14:00"), "for_rider": haru["id"]})
    assert quoted.status == 200, await quoted.text()
    home = await client.post("/v1/bookings", headers={**agent, "Idempotency-Key": "call-2"}, json={
        "offer_ids": [(await quoted.json())["offer_id"]], "payment_method": "pm_card_visa", "for_rider": haru["id"]})
    assert home.status == 201, await home.text()
    ride_home = await home.json()
    cancelled = await client.post(f"/v1/bookings/{ride_home['id']}/cancel", params={"for_rider": haru["id"]},
                                  headers=agent)
    assert cancelled.status == 200, await cancelled.text()
    gone = await cancelled.json()
    assert gone["state"] == "CANCELLED" and gone["cancelled_by"] == agent_id and gone["booked_by"] == agent_id
    states = {b["id"]: b["state"] for b in (await (await client.get("/v1/bookings", headers=haru_headers)).json())["items"]}
    assert states == {trip["id"]: "CONFIRMED", ride_home["id"]: "CANCELLED"}


async def test_an_agent_acts_only_for_riders_and_a_rider_only_for_herself(town: Town) -> None:
    client = town.client
    agent, haru = await town.sign_in(AGENT), await town.sign_in(HARU)
    analyst = (await (await client.get("/v1/me", headers=await town.sign_in(ANALYST))).json())["subject_id"]
    me = (await (await client.get("/v1/me", headers=haru)).json())["account"]
    body = {"from": me["home"], "to": STATION, "depart_at": iso("09:00"), "modes": ["on_demand"]}
    not_rider = await client.post("/v1/plan/door-to-door", headers=agent, json={**body, "for_rider": analyst})
    assert not_rider.status == 422 and (await not_rider.json())["error"]["code"] == "not_a_rider"
    nobody = await client.post("/v1/plan/door-to-door", headers=agent, json={**body, "for_rider": "acc_nobody"})
    assert nobody.status == 404 and (await nobody.json())["error"]["fields"] == {"for_rider": "no such account"}
    # Haru cannot act for the analyst, nor list someone else's bookings.
    claimed = await client.post("/v1/plan/door-to-door", headers=haru, json={**body, "for_rider": analyst})
    assert claimed.status == 422 and "for_rider" in (await claimed.json())["error"]["fields"]
    assert (await client.get("/v1/bookings", params={"rider": analyst}, headers=haru)).status == 422
    # An offer the agent planned for herself is not Haru's to be booked with.
    own = await (await client.post("/v1/plan/door-to-door", headers=agent, json=body)).json()
    offer_id = next(leg["offer_id"] for o in own["options"] for leg in o["legs"] if leg["mode"] == "on_demand")
    refused = await client.post("/v1/bookings", headers={**agent, "Idempotency-Key": "x1"}, json={
        "offer_ids": [offer_id], "payment_method": "pm_card_visa", "for_rider": me["id"]})
    assert refused.status == 403 and (await refused.json())["error"]["code"] == "offer_not_yours"
    assert (await (await client.get("/v1/bookings", headers=haru)).json())["items"] == []


KIRIHARA = {"lat": 36.38468, "lon": 138.941246, "name": "桐原駅"}  # down the line, beyond the van's zone


async def test_an_agent_books_a_van_and_train_trip_from_one_door_to_door_plan(town: Town) -> None:
    """Haru wants to visit her sister in Kirihara, three stations down the line: one door-to-door
    plan, made by the agent for her, offers the van to 山吹駅 timed to a train; booked in her name,
    the van costs her the town's 100 yen and the train its fare (no rail concession in the town)."""
    client = town.client
    agent = await town.sign_in(AGENT)
    [haru] = await find_caller(town, agent, "佐藤")
    planned = await client.post("/v1/plan/door-to-door", headers=agent, json={
        "from": haru["home"], "to": KIRIHARA, "arrive_by": iso("11:00"), "for_rider": haru["id"]})
    assert planned.status == 200, await planned.text()
    options = (await planned.json())["options"]
    van_and_train = [o for o in options if [leg["mode"] for leg in o["legs"] if leg["mode"] != "walk"][:2] == [
        "on_demand", "transit"] and o["kind"] == "first_mile"]
    assert van_and_train, [(o["kind"], [leg["mode"] for leg in o["legs"]]) for o in options]
    option = van_and_train[0]
    van = next(leg for leg in option["legs"] if leg["mode"] == "on_demand")
    train = next(leg for leg in option["legs"] if leg["mode"] == "transit")
    assert train["route_type"] == 2 and train["offer_id"]
    # What the agent reads out before booking is what Haru will pay, not the operators' prices.
    assert option["price"]["amount_minor"] == 300 + train["fare"]["amount_minor"]
    assert option["rider_price"] == {"amount_minor": 100 + train["fare"]["amount_minor"], "currency": "JPY"}
    # Timed to the train: at the platform her change time before it leaves, not an hour early.
    wait_s = (town.clock.now().fromisoformat(train["departure"]) -
              town.clock.now().fromisoformat(van["arrival"])).total_seconds()
    assert 0 < wait_s <= 15 * 60, (van["arrival"], train["departure"])
    assert van["departure"].endswith("+09:00") and train["departure"].endswith("+09:00")
    offers = [leg["offer_id"] for leg in option["legs"] if leg.get("offer_id")]
    booked = await client.post("/v1/bookings", headers={**agent, "Idempotency-Key": "call-kirihara"}, json={
        "offer_ids": offers, "payment_method": "pm_card_visa", "for_rider": haru["id"]})
    assert booked.status == 201, await booked.text()
    trip = await booked.json()
    assert trip["state"] == "CONFIRMED" and trip["account_id"] == haru["id"]
    prices = {leg["mode"]: (leg["price"]["amount_minor"], leg["rider_price"]["amount_minor"]) for leg in trip["legs"]}
    assert prices["on_demand"] == (300, 100)
    assert prices["rail"][0] == prices["rail"][1] == train["fare"]["amount_minor"]
    assert trip["total"]["amount_minor"] == 100 + train["fare"]["amount_minor"]
    # Haru's ticket covers both rides, with times as she reads them.
    ticket = await (await client.get(f"/v1/bookings/{trip['id']}/ticket", headers=await town.sign_in(HARU))).json()
    assert [leg["mode"] for leg in ticket["ticket"]["legs"]] == [leg["mode"] for leg in trip["legs"]]
