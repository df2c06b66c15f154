"""Choosing the payment gateway from settings: Stripe when a secret key is configured, the
on-board gateway otherwise (so the demo runs without a Stripe account)."""

from __future__ import annotations

from maas.domain.payments import PaymentGateway

from payments.on_board import OnBoardGateway


def gateway_from_settings(stripe_api_key: str | None, webhook_secret: str | None,
                          api_base: str | None = None, *, timeout_s: float = 10,
                          max_network_retries: int = 2) -> PaymentGateway:
    if not stripe_api_key:
        return OnBoardGateway()
    if not webhook_secret:
        # Without it every webhook would be rejected and payment states would silently go stale.
        raise ValueError("a Stripe API key needs its webhook signing secret (whsec_...)")
    # Imported here: the stripe SDK is large and the on-board default does not need it.
    from payments.stripe_gateway import StripeGateway

    return StripeGateway(stripe_api_key, webhook_secret=webhook_secret, api_base=api_base,
                         timeout_s=timeout_s, max_network_retries=max_network_retries)
