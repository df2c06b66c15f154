"""Booking days ahead with a saved card, through the API and the real Stripe SDK against localstripe:
a trip beyond a card hold's life needs a saved method; the rider saves one (SetupIntent confirmed
in the app), books without the card at hand, and the hold is made off-session a day before the
trip; a saved card declined then cancels the trip with the reason and nothing taken."""

from __future__ import annotations

import pytest

import datetime as dt

from tests.e2e.demo_bookings import SYSTEM
from tests.e2e.stripe_town import sign_up

DAY = "2026-12-04"  # a Friday, ten days after the fixture's morning

@pytest.fixture
def town(stripe_town):
    """The `stripe_town` of tests/e2e/conftest.py, under the name these tests use."""
    return stripe_town



async def bus_offer(town, headers: dict) -> dict:
    response = await town["client"].post("/v1/plan", headers=headers, json={
        "from": {"stop_id": "B01"}, "to": {"stop_id": "B04"}, "depart_at": f"{DAY}T08:15:00+09:00"})
    assert response.status == 200, await response.text()
    (bus,) = [leg for leg in (await response.json())["itineraries"][0]["legs"] if leg["mode"] == "transit"]
    return bus


async def save_card(town, headers: dict, stripe_app, method: str, key: str) -> dict:
    client = town["client"]
    started = await client.post("/v1/payments/methods", headers={**headers, "Idempotency-Key": key})
    assert started.status == 201, await started.text()
    setup = await started.json()
    assert setup["client_secret"].startswith(setup["setup_id"]) and setup["customer_ref"].startswith("cus_")
    early = await client.post(f"/v1/payments/methods/{setup['setup_id']}/confirm", headers=headers)
    assert early.status == 409  # the app has not confirmed it with the card yet
    await stripe_app.v1.setup_intents.confirm_async(setup["setup_id"], {"payment_method": method})
    confirmed = await client.post(f"/v1/payments/methods/{setup['setup_id']}/confirm", headers=headers)
    assert confirmed.status == 200, await confirmed.text()
    assert (await confirmed.json())["confirmed"] is True
    return setup


async def test_a_trip_days_ahead_is_held_a_day_before_with_the_saved_card(town, stripe_app) -> None:
    client, clock, container = town["client"], town["clock"], town["container"]
    haru = town["haru"]
    bus = await bus_offer(town, haru)
    refused = await client.post("/v1/bookings", headers={**haru, "Idempotency-Key": "no-card"},
                                json={"offer_ids": [bus["offer_id"]], "payment_method": "pm_card_visa"})
    assert refused.status == 422 and (await refused.json())["error"]["fields"] == {
        "payment_method": "save a payment method"}
    assert (await client.get("/v1/payments/methods", headers=haru)).status == 404
    assert (await client.post("/v1/payments/methods", headers=haru)).status == 422  # no Idempotency-Key
    setup = await save_card(town, haru, stripe_app, "pm_card_visa", "card-1")
    assert (await (await client.get("/v1/payments/methods", headers=haru)).json())["setup_id"] == setup["setup_id"]

    made = await client.post("/v1/bookings", headers={**haru, "Idempotency-Key": "ahead"},
                             json={"offer_ids": [bus["offer_id"]]})
    assert made.status == 201, await made.text()
    booking = await made.json()
    departure = dt.datetime.fromisoformat(bus["departure"])
    assert booking["state"] == "CONFIRMED" and booking["payment"] is None
    assert dt.datetime.fromisoformat(booking["authorise_at"]) == departure - dt.timedelta(days=1)

    clock.at = departure - dt.timedelta(days=2)
    await container.bookings.check_all()
    assert (await container.bookings.get(SYSTEM, booking["id"])).payment is None  # not yet
    clock.at = departure - dt.timedelta(days=1)
    await container.bookings.check_all()
    held = (await container.bookings.get(SYSTEM, booking["id"])).payment
    assert held is not None and held.state.value == "AUTHORISED" and held.authorised.amount_minor == 100
    intent = await stripe_app.v1.payment_intents.retrieve_async(held.id)
    assert (intent.status, intent.customer, intent.amount) == ("requires_capture", setup["customer_ref"], 100)

    clock.at = dt.datetime.fromisoformat(bus["arrival"]) + dt.timedelta(minutes=1)
    await container.bookings.check_all()
    settled = await container.bookings.get(SYSTEM, booking["id"])
    assert settled.state.value == "SETTLED" and settled.payment.captured_minor == 100
    assert (await container.payments.get(held.id)).captured_minor == 100


async def test_a_saved_card_declined_a_day_before_cancels_the_trip(town, stripe_app) -> None:
    client, clock, container = town["client"], town["clock"], town["container"]
    ken = await sign_up(town, "ken@example.jp", birth_date=dt.date(1990, 1, 1), resident=True)
    declining = await stripe_app.v1.payment_methods.create_async(
        {"type": "card", "card": {"number": "4000000000000341", "exp_month": 12, "exp_year": 2034, "cvc": "123"}})
    await save_card(town, ken, stripe_app, declining.id, "card-ken")
    bus = await bus_offer(town, ken)
    booking = await (await client.post("/v1/bookings", headers={**ken, "Idempotency-Key": "ahead"},
                                       json={"offer_ids": [bus["offer_id"]]})).json()
    assert booking["state"] == "CONFIRMED" and booking["total"]["amount_minor"] == 200
    clock.at = dt.datetime.fromisoformat(booking["authorise_at"])
    await container.bookings.check_all()
    after = await container.bookings.get(SYSTEM, booking["id"])  # (ken's session has long expired)
    assert after.state.value == "CANCELLED" and after.reason.startswith("payment_declined")
    assert after.payment is None and after.legs[0].booking.state.value == "CANCELLED"
    await container.bookings.check_all()  # nothing more happens to it
    assert (await container.bookings.get(SYSTEM, booking["id"])).state.value == "CANCELLED"
