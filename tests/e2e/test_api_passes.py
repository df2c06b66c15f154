"""Passes through the API, paid with the real Stripe SDK against localstripe: an elderly resident
buys the town's silver pass, rides the bus and the van for nothing, the operators are owed their
prices from the pass and the town; cancelling refunds the pass at Stripe; bad purchases are refused."""

from __future__ import annotations

import pytest

import datetime as dt


from tests.e2e.demo_bookings import SYSTEM
from tests.e2e.stripe_town import PERIOD, plan_bike_and_bus, sign_up, van_quote

SILVER = {"product_id": "silver-30", "payment_method": "pm_card_visa"}

@pytest.fixture
def town(stripe_town):
    """The `stripe_town` of tests/e2e/conftest.py, under the name these tests use."""
    return stripe_town



async def buy(town, headers: dict, key: str, body: dict = SILVER):
    return await town["client"].post("/v1/passes", headers={**headers, "Idempotency-Key": key}, json=body)


async def test_a_silver_pass_pays_the_bus_and_the_van(town, stripe_app) -> None:
    client, container = town["client"], town["container"]
    catalogue = await (await client.get("/v1/passes/products")).json()
    assert [p["id"] for p in catalogue["items"]] == ["silver-30", "day-1"]
    bought = await buy(town, town["haru"], "silver")
    assert bought.status == 201, await bought.text()
    silver = await bought.json()
    assert silver["state"] == "ACTIVE" and silver["paid_minor"] == 1000
    assert silver["valid_from"] == "2026-11-24T00:00:00+09:00" and silver["valid_until"] == "2026-12-24T00:00:00+09:00"
    again = await buy(town, town["haru"], "silver")  # a retry: the same pass, charged once
    assert again.status == 200 and (await again.json())["id"] == silver["id"]
    held = await container.passes.get(SYSTEM, silver["id"])
    intent = await stripe_app.v1.payment_intents.retrieve_async(held.payment.id)
    assert (intent.status, intent.amount) == ("succeeded", 1000)

    # The bus and the van are covered: nothing to pay, so no payment is even held.
    _, bus = await plan_bike_and_bus(town)
    van = await van_quote(town, "2026-11-24T09:05:00+09:00")
    made = await client.post("/v1/bookings", headers={**town["haru"], "Idempotency-Key": "covered"},
                             json={"offer_ids": [bus["offer_id"], van["offer_id"]]})
    assert made.status == 201, await made.text()
    booking = await made.json()
    assert booking["state"] == "CONFIRMED" and booking["total"]["amount_minor"] == 0 and booking["payment"] is None
    assert [(leg["rider_price"]["amount_minor"], leg["covered"]["amount_minor"], leg["pass_id"])
            for leg in booking["legs"]] == [(0, 100, silver["id"]), (0, 100, silver["id"])]

    town["clock"].at = dt.datetime.fromisoformat(booking["legs"][1]["departure"]) + dt.timedelta(minutes=5)
    van_id = booking["legs"][1]["operator_booking_id"]
    for kind in ("picked_up", "dropped_off"):
        assert (await client.post(f"/v1/on-demand/noriai/rides/{van_id}/reports", json={"kind": kind},
                                  headers=town["driver"])).status == 200
    await container.bookings.check_all()
    settled = await container.bookings.get(SYSTEM, booking["id"])
    assert settled.state.value == "SETTLED"
    # Each operator is owed its price: from the town's rules and the pass, nothing from the rider.
    for operator_id, due, town_share in (("transit", 200, 100), ("noriai", 300, 200)):
        statement = await (await client.get(f"/v1/settlement/operators/{operator_id}?{PERIOD}",
                                             headers=town["analyst"])).json()
        assert (statement["due"]["amount_minor"], statement["from_riders"]["amount_minor"],
                statement["from_municipality"]["amount_minor"], statement["from_passes"]["amount_minor"]) == (
            due, 0, town_share, 100)

    # Cancelled that evening: the 29 whole days unused of 30 are refunded at Stripe (after capture).
    town["clock"].at = dt.datetime(2026, 11, 24, 18, 0, tzinfo=town["clock"].at.tzinfo)
    response = await client.post(f"/v1/passes/{silver['id']}/cancel", headers=town["haru"])
    assert response.status == 200, await response.text()
    cancelled = await response.json()
    assert cancelled["state"] == "CANCELLED" and cancelled["refunded"]["amount_minor"] == 1000 * 29 // 30
    at_stripe = await container.payments.get(held.payment.id)
    assert (at_stripe.captured_minor, at_stripe.refunded_minor) == (1000, 966)
    again = await (await client.post(f"/v1/passes/{silver['id']}/cancel", headers=town["haru"])).json()
    assert again["refunded"]["amount_minor"] == 966  # cancelling twice refunds once
    assert (await container.payments.get(held.payment.id)).refunded_minor == 966
    # A cancelled pass covers nothing any more.
    later = await van_quote(town, "2026-11-25T14:00:00+09:00")
    answer = await client.post("/v1/bookings", headers={**town["haru"], "Idempotency-Key": "after"},
                               json={"offer_ids": [later["offer_id"]]})
    body = await answer.json()  # no card for the 100 yen: the booking ends REJECTED, priced all the same
    assert (answer.status, body["error"]["code"]) == (409, "booking_rejected"), body
    priced = body["booking"]
    assert priced["legs"][0]["covered"] is None and priced["total"]["amount_minor"] == 100


async def test_a_pass_bought_ahead_is_refunded_in_full(town, stripe_app) -> None:
    client = town["client"]
    bought = await (await buy(town, town["haru"], "ahead", {**SILVER, "first_day": "2026-12-01"})).json()
    assert bought["valid_from"] == "2026-12-01T00:00:00+09:00"
    # Not yet valid: today's van ride is not covered.
    van = await van_quote(town, "2026-11-24T09:05:00+09:00")
    answer = await client.post("/v1/bookings", headers={**town["haru"], "Idempotency-Key": "today"},
                               json={"offer_ids": [van["offer_id"]]})
    body = await answer.json()  # no card for the fare: the booking ends REJECTED, priced all the same
    assert (answer.status, body["error"]["code"]) == (409, "booking_rejected"), body
    booking = body["booking"]
    assert booking["legs"][0]["covered"] is None
    cancelled = await (await client.post(f"/v1/passes/{bought['id']}/cancel", headers=town["haru"])).json()
    assert cancelled["refunded"]["amount_minor"] == 1000
    mine = await (await client.get("/v1/passes", headers=town["haru"])).json()
    assert [(p["id"], p["state"]) for p in mine["items"]] == [(bought["id"], "CANCELLED")]


async def test_bad_purchases_are_refused_and_charge_nothing(town, stripe_app) -> None:
    client, container = town["client"], town["container"]
    young = await sign_up(town, "ken@example.jp", birth_date=dt.date(1990, 1, 1), resident=True)
    refused = await buy(town, young, "young")
    assert refused.status == 403 and (await refused.json())["error"]["fields"] == {"product_id": "not eligible"}
    for body, status in (({"product_id": "gold-365"}, 404), ({**SILVER, "first_day": "2027-02-01"}, 422),
                         ({**SILVER, "first_day": "2026-11-01"}, 422), ({**SILVER, "colour": "gold"}, 422),
                         ({"payment_method": "pm_card_visa"}, 422)):
        response = await buy(town, town["haru"], f"bad-{status}-{len(body)}", body)
        assert response.status == status, (body, await response.text())
    assert (await client.post("/v1/passes", headers=town["haru"], json=SILVER)).status == 422  # no key
    first = await buy(town, town["haru"], "k1")
    assert first.status == 201
    other = await buy(town, town["haru"], "k1", {**SILVER, "first_day": "2026-11-25"})
    assert other.status == 409
    method = await stripe_app.v1.payment_methods.create_async(
        {"type": "card", "card": {"number": "4000000000000341", "exp_month": 12, "exp_year": 2034, "cvc": "123"}})
    declined = await buy(town, town["haru"], "declined", {"product_id": "day-1", "payment_method": method.id})
    assert declined.status == 402 and (await declined.json())["error"]["code"] == "payment_declined"
    states = {(p["product"]["id"], p["state"]) for p in (await (await client.get(
        "/v1/passes", headers=town["haru"])).json())["items"]}
    assert states == {("silver-30", "ACTIVE"), ("day-1", "FAILED")}
    assert (await client.get("/v1/passes/pass_nope", headers=town["haru"])).status == 404
    mine = (await (await client.get("/v1/passes", headers=town["haru"])).json())["items"]
    assert (await client.get(f"/v1/passes/{mine[0]['id']}", headers=young)).status == 404  # not hers to see
    assert (await client.post(f"/v1/passes/{mine[0]['id']}/cancel", headers=young)).status == 404
    assert len([p for p in await container.passes.list_mine(SYSTEM)]) == 0
