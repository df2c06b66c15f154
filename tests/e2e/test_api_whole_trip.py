"""The whole product in the demo region, through the API, paid with the real Stripe SDK against
localstripe: an 85-year-old resident plans a trip, books bike-share, the bus and the on-demand
van as one booking, gets one ticket, rides each leg, and is charged once the final amount; another
booking is cancelled and its hold released; the operators' statements and the town's subsidy
statement add up to the money that moved."""

from __future__ import annotations

import datetime as dt

import pytest

from maas.ticket_check import verify_ticket
from tests.e2e.demo_bookings import SYSTEM
from tests.e2e.stripe_town import PERIOD, plan_bike_and_bus, van_quote
from tests.tomp_spec_check import SpecRecorder, tomp_call, tomp_headers, tomp_spec

async def book(town, offer_ids: list[str], key: str) -> dict:
    response = await town["client"].post("/v1/bookings", headers={**town["haru"], "Idempotency-Key": key},
                                         json={"offer_ids": offer_ids, "payment_method": "pm_card_visa"})
    assert response.status == 201, await response.text()
    return await response.json()

@pytest.fixture
def town(stripe_town):
    """The `stripe_town` of tests/e2e/conftest.py, under the name these tests use."""
    return stripe_town



async def test_bike_bus_and_van_as_one_booking_paid_once(town, stripe_app) -> None:
    client, clock, container = town["client"], town["clock"], town["container"]
    bike, bus = await plan_bike_and_bus(town)
    assert bus["offer_id"] and bus["fare"]["amount_minor"] == 200 and bike["offer_id"]
    van = await van_quote(town, "2026-11-24T09:05:00+09:00")
    booking = await book(town, [van["offer_id"], bus["offer_id"], bike["offer_id"]], "whole-trip")

    # One booking, its legs in travel order, each priced by its seller and the town's rules.
    assert booking["state"] == "CONFIRMED", booking["reason"]
    legs = booking["legs"]
    assert [leg["operator_id"] for leg in legs] == ["yamabuki-cycle", "transit", "noriai"]
    assert [leg["mode"] for leg in legs] == ["bike", "bus", "on_demand"]
    # The town's rules for an 85-year-old resident: half fare on the bus, 100 yen for the van.
    assert (legs[1]["price"]["amount_minor"], legs[1]["rider_price"]["amount_minor"], legs[1]["rules"]) == (
        200, 100, ["bus-senior-half"])
    assert (legs[2]["price"]["amount_minor"], legs[2]["rider_price"]["amount_minor"], legs[2]["rules"]) == (
        300, 100, ["noriai-senior-copay"])
    share = sum(leg["rider_price"]["amount_minor"] for leg in legs)
    assert booking["total"]["amount_minor"] == share
    intent_id = (await container.bookings.get(SYSTEM, booking["id"])).payment.id
    intent = await stripe_app.v1.payment_intents.retrieve_async(intent_id)
    assert (intent.status, intent.amount, intent.capture_method) == ("requires_capture", share, "manual")

    # One ticket for the three legs, checked offline by the van's driver with the public key.
    issued = await (await client.get(f"/v1/bookings/{booking['id']}/ticket", headers=town["haru"])).json()
    assert [leg["operator_id"] for leg in issued["ticket"]["legs"]] == ["yamabuki-cycle", "transit", "noriai"]
    keys = (await (await client.get("/v1/tickets/keys")).json())["keys"]
    assert verify_ticket(issued["token"], keys, at=dt.datetime.fromisoformat(legs[2]["departure"]),
                         operator_id="noriai")["booking_id"] == booking["id"]

    # The ride: Haru unlocks the bike, the docks report its return, the bus runs, the van driver reports.
    clock.at = dt.datetime.fromisoformat(legs[0]["departure"])
    started = await client.post(f"/v1/bookings/{booking['id']}/legs/0/unlock", headers=town["haru"])
    assert started.status == 200 and (await started.json())["state"] == "STARTED"
    clock.at = dt.datetime.fromisoformat(legs[0]["arrival"])
    # The docks report the return through the platform's TOMP endpoint, as TOMP 1.6.1 defines it.
    spec = SpecRecorder(tomp_spec())
    docks = tomp_headers(town["cycle"]["Authorization"].removeprefix("Bearer "))
    returned = await tomp_call(client, spec, f"/legs/{legs[0]['operator_booking_id']}/events",
                               {"time": legs[0]["arrival"], "event": "FINISH"}, docks)
    assert returned.status == 204, await returned.text()
    again = await tomp_call(client, spec, f"/legs/{legs[0]['operator_booking_id']}/events",
                            {"time": legs[0]["arrival"], "event": "FINISH"}, docks)
    assert again.status == 204, await again.text()  # a retried callback is answered as the first
    spec.assert_clean()
    bike_done = await (await client.get(f"/v1/bookings/{booking['id']}", headers=town["haru"])).json()
    assert bike_done["legs"][0]["state"] == "FINISHED"
    clock.at = dt.datetime.fromisoformat(legs[2]["departure"]) + dt.timedelta(minutes=5)
    for kind in ("picked_up", "dropped_off"):
        reported = await client.post(f"/v1/on-demand/noriai/rides/{legs[2]['operator_booking_id']}/reports",
                                     json={"kind": kind}, headers=town["driver"])
        assert reported.status == 200, await reported.text()
    await container.bookings.check_all()  # the bus has arrived: its ticket is used
    settled = await (await client.get(f"/v1/bookings/{booking['id']}", headers=town["haru"])).json()
    assert settled["state"] == "SETTLED", settled
    assert [leg["state"] for leg in settled["legs"]] == ["FINISHED"] * 3
    assert settled["payment"]["captured_minor"] == share
    assert (await stripe_app.v1.payment_intents.retrieve_async(intent_id)).status == "succeeded"
    at_stripe = await container.payments.get(intent_id)  # what Stripe's charge says was taken
    assert at_stripe.captured_minor == share

    # Another booking, cancelled before it starts: the hold is released at Stripe, nothing is owed.
    later_van = await van_quote(town, "2026-11-24T14:00:00+09:00")
    other = await book(town, [later_van["offer_id"]], "afternoon")
    other_intent = (await container.bookings.get(SYSTEM, other["id"])).payment.id
    cancelled = await (await client.post(f"/v1/bookings/{other['id']}/cancel", headers=town["haru"])).json()
    assert cancelled["state"] == "CANCELLED" and cancelled["payment"]["state"] == "CANCELLED"
    assert (await stripe_app.v1.payment_intents.retrieve_async(other_intent)).status == "canceled"

    # Statements: each operator is owed its legs' prices, from the rider and the town; they add up.
    statements = {}
    for operator_id in ("yamabuki-cycle", "transit", "noriai"):
        got = await client.get(f"/v1/settlement/operators/{operator_id}?{PERIOD}", headers=town["analyst"])
        assert got.status == 200, await got.text()
        statements[operator_id] = await got.json()
    subsidies = await (await client.get(f"/v1/settlement/subsidies?{PERIOD}", headers=town["analyst"])).json()
    # The town pays what its concessions and subsidies take off the riders' fares.
    assert subsidies["by_rule"] == {"bus-senior-half": 100, "noriai-senior-copay": 200}
    assert [statements[o]["due"]["amount_minor"] for o in ("yamabuki-cycle", "transit", "noriai")] == [
        leg["price"]["amount_minor"] for leg in legs]
    owed = sum(s["due"]["amount_minor"] for s in statements.values())
    assert owed == at_stripe.captured_minor + subsidies["total"]["amount_minor"]
    assert sum(s["from_riders"]["amount_minor"] for s in statements.values()) == at_stripe.captured_minor


async def test_leg_events_and_unlocks_refuse_what_they_cannot_do(town) -> None:
    client, clock = town["client"], town["clock"]
    bike, bus = await plan_bike_and_bus(town)
    booking = await book(town, [bus["offer_id"], bike["offer_id"]], "refusals")
    bike_leg, bus_leg = booking["legs"]
    unlock = f"/v1/bookings/{booking['id']}/legs"
    assert (await client.post(f"{unlock}/1/unlock", headers=town["haru"])).status == 409  # a bus has no lock
    assert (await client.post(f"{unlock}/7/unlock", headers=town["haru"])).status == 404
    assert (await client.post(f"{unlock}/x/unlock", headers=town["haru"])).status == 404
    events = f"/v1/operators/yamabuki-cycle/legs/{bike_leg['operator_booking_id']}/events"
    # Another operator's key, a rider, an unknown leg, an unknown kind, a time without offset.
    assert (await client.post(events, headers=town["driver"], json={"kind": "STARTED"})).status == 403
    assert (await client.post(events, headers=town["haru"], json={"kind": "STARTED"})).status == 403
    unknown = await client.post("/v1/operators/yamabuki-cycle/legs/nope/events", headers=town["cycle"],
                                json={"kind": "STARTED"})
    assert unknown.status == 404 and (await unknown.json())["error"]["code"] == "not_found"
    for body in ({"kind": "TELEPORTED"}, {"kind": "STARTED", "at": "2026-11-24T08:00:00"}, {"kind": "STARTED",
                                                                                           "extra": 1}):
        assert (await client.post(events, headers=town["cycle"], json=body)).status == 422
    # Cancelled, the bike cannot then be ridden; nothing about the booking changes.
    cancelled = await (await client.post(f"/v1/bookings/{booking['id']}/cancel", headers=town["haru"])).json()
    assert cancelled["state"] == "CANCELLED"
    late = await client.post(events, headers=town["cycle"], json={"kind": "FINISHED"})
    assert late.status == 409
    assert (await client.post(f"{unlock}/0/unlock", headers=town["haru"])).status == 409
    after = await (await client.get(f"/v1/bookings/{booking['id']}", headers=town["haru"])).json()
    assert after["state"] == "CANCELLED" and [leg["state"] for leg in after["legs"]] == ["CANCELLED", "CANCELLED"]
    # A bus ticket offer lapses at the departure: booking it then is refused as expired.
    clock.at = dt.datetime.fromisoformat(bus["departure"]) + dt.timedelta(minutes=1)
    expired = await client.post("/v1/bookings", headers={**town["haru"], "Idempotency-Key": "too-late"},
                                json={"offer_ids": [bus["offer_id"]]})
    assert expired.status == 409 and (await expired.json())["error"]["code"] == "offer_expired"
