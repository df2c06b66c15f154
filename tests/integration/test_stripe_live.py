"""A short run against Stripe's real test mode (hold, replay, cancel, a declined card), only when
STRIPE_API_KEY holds a test key (sk_test_...); skipped otherwise, never run with a live key."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator

import pytest

from maas.domain.payments import PaymentDeclined, PaymentState
from maas.domain.planning import Money
from payments.stripe_gateway import StripeGateway


@pytest.fixture
async def gateway(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[StripeGateway]:
    key = os.environ.get("STRIPE_API_KEY", "")
    if not key:
        pytest.skip("STRIPE_API_KEY is not set (a Stripe test-mode key, sk_test_...)")
    if not key.startswith(("sk_test_", "rk_test_")):
        pytest.skip("STRIPE_API_KEY is not a test-mode key; this test never moves real money")
    # Stripe-Notice headers become warnings, which pytest turns into errors here.
    monkeypatch.setenv("STRIPE_SUPPRESS_NOTICES", "true")
    gw = StripeGateway(key, webhook_secret="whsec_unused", timeout_s=20)
    yield gw
    await gw.aclose()


async def test_hold_replay_and_cancel_in_test_mode(gateway: StripeGateway) -> None:
    run = uuid.uuid4().hex
    amount = Money(amount_minor=500, currency="JPY")
    held = await gateway.authorise(booking_id=f"live-{run}", amount=amount, idempotency_key=f"auth-{run}",
                                   payment_method="pm_card_visa")
    assert (held.state, held.authorised) == (PaymentState.AUTHORISED, amount)
    replayed = await gateway.authorise(booking_id=f"live-{run}", amount=amount, idempotency_key=f"auth-{run}",
                                       payment_method="pm_card_visa")
    assert replayed.id == held.id
    cancelled = await gateway.cancel(held, idempotency_key=f"cancel-{run}")
    assert cancelled.state is PaymentState.CANCELLED


async def test_a_declined_card_in_test_mode(gateway: StripeGateway) -> None:
    run = uuid.uuid4().hex
    with pytest.raises(PaymentDeclined):
        await gateway.authorise(booking_id=f"live-{run}", amount=Money(amount_minor=500, currency="JPY"),
                                idempotency_key=f"auth-{run}", payment_method="pm_card_chargeDeclined")
