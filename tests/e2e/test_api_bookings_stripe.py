"""A booking paid with Stripe, through the real SDK against localstripe: the hold is made for the
rider's share, captured when the trip is over, released when the booking is cancelled, and a
declined card ends the booking REJECTED with every leg released."""

from __future__ import annotations

from pathlib import Path

import pytest

from maas.api.app import create_app
from maas.bootstrap import build_container
from maas.domain.accounts import NewAccount, Role
from maas.plugins import build_adapters, load_operators_config
from maas.settings import load_settings
from maas.storage import migrate
from payments.stripe_gateway import StripeGateway
from tests.e2e.demo_bookings import HOME, HOSPITAL, NOW, SYSTEM
from tests.fakes import SteppedClock
from tests.localstripe import API_KEY, WEBHOOK_SECRET

DEMO = Path(__file__).resolve().parents[2] / "fixtures" / "demo-region"
PASSWORD = "correct horse battery"


@pytest.fixture
async def api(aiohttp_client, tmp_path, fast_hasher, localstripe_url):
    settings = load_settings({}, database_url=f"sqlite+aiosqlite:///{tmp_path / 'maas.sqlite3'}", data_dir=tmp_path,
                             planner_warmup=False)
    clock = SteppedClock(NOW)
    adapters = build_adapters(load_operators_config(DEMO / "maas-operators.json"), DEMO, clock)
    gateway = StripeGateway(API_KEY, webhook_secret=WEBHOOK_SECRET, api_base=localstripe_url)
    container = build_container(settings, hasher=fast_hasher, clock=clock, operator_adapters=adapters,
                                payments=gateway)
    await migrate.upgrade(container.engine)
    client = await aiohttp_client(create_app(settings, container_factory=lambda _s: container))
    await container.auth.register(NewAccount(email="haru@example.jp", display_name="Haru", role=Role.RIDER,
                                             password=PASSWORD), by=SYSTEM)
    token = (await (await client.post("/v1/auth/token", json={"email": "haru@example.jp",
                                                              "password": PASSWORD})).json())["token"]
    return {"client": client, "container": container, "rider": {"Authorization": f"Bearer {token}"}}


async def book_van(api, key: str, payment_method: str | None) -> dict:
    client, rider = api["client"], api["rider"]
    offer = await (await client.post("/v1/on-demand/noriai/quotes", headers=rider, json={
        "origin": HOME, "destination": HOSPITAL, "depart_at": "2026-11-24T11:00:00+09:00", "travellers": 2})).json()
    response = await client.post("/v1/bookings", json={"offer_ids": [offer["offer_id"]],
                                                       "payment_method": payment_method},
                                 headers={**rider, "Idempotency-Key": key, "Accept-Language": "en"})
    body = await response.json()
    if response.status == 409:  # declined: the booking ended REJECTED, and comes with the error
        assert body["error"]["code"] == "booking_rejected", body
        return body["booking"]
    assert response.status == 201, body
    return body


async def test_the_hold_is_made_at_stripe_and_released_on_cancel(api, stripe_app) -> None:
    booking = await book_van(api, "s1", "pm_card_visa")
    assert booking["state"] == "CONFIRMED" and booking["payment"]["gateway"] == "stripe"
    payment = await api["container"].bookings.get(SYSTEM, booking["id"])
    intent = await stripe_app.v1.payment_intents.retrieve_async(payment.payment.id)
    assert (intent.status, intent.amount, intent.currency, intent.capture_method) == (
        "requires_capture", 600, "jpy", "manual")
    cancelled = await (await api["client"].post(f"/v1/bookings/{booking['id']}/cancel", headers=api["rider"])).json()
    assert cancelled["state"] == "CANCELLED" and cancelled["payment"]["state"] == "CANCELLED"
    assert (await stripe_app.v1.payment_intents.retrieve_async(payment.payment.id)).status == "canceled"


async def test_a_declined_card_rejects_the_booking_and_frees_the_van(api, stripe_app) -> None:
    method = await stripe_app.v1.payment_methods.create_async(
        {"type": "card", "card": {"number": "4000000000000341", "exp_month": 12, "exp_year": 2034, "cvc": "123"}})
    booking = await book_van(api, "s2", method.id)
    assert booking["state"] == "REJECTED" and booking["reason"].startswith("payment_declined")
    assert booking["legs"][0]["state"] in {"RELEASED", "CANCELLED"} and booking["payment"] is None
    nobody = await book_van(api, "s3", None)  # no card at all: declined before Stripe is asked
    assert nobody["state"] == "REJECTED"
    rides = await api["container"].on_demand.list_rides(SYSTEM, "noriai")
    assert all(r.booking.state.value in {"RELEASED", "CANCELLED"} for r in rides) and len(rides) == 2
