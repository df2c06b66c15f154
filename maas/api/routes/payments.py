"""Payments: Stripe's webhooks about a booking's payment, and a rider's saved way to pay."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from maas.api.endpoints import Call, EndpointTable
from maas.domain.accounts import Role

routes = EndpointTable()
TAGS = ("payments",)


class WebhookReceived(BaseModel):
    received: bool = True
    outcome: str = Field(examples=["applied"], description=(
        "applied, unchanged (nothing new), recorded (a failure notice, kept only), "
        "ignored (no booking has the payment), or duplicate (delivered before)."))


# No authentication: the Stripe-Signature header over the exact body is the authentication.
@routes.route("POST", "/v1/payments/stripe/webhook", summary="Receive a Stripe webhook event", tags=TAGS,
              roles=None, raw_body="application/json", response=WebhookReceived, errors=(409,))
async def stripe_webhook(call: Call) -> WebhookReceived:
    """A Stripe event, signed in the `Stripe-Signature` header. A signature that does not verify,
    is older than the tolerance, or a body that is not an event is 400 `webhook_rejected`.
    Events are applied once (a redelivery answers `duplicate`) and never move a payment
    backwards, whatever order they arrive in; 409 asks Stripe to deliver it again later."""
    signature = call.request.headers.get("Stripe-Signature", "")
    outcome = await call.container.payment_events.handle(call.body, signature)
    return WebhookReceived(outcome=outcome)


class SetupOut(BaseModel):
    setup_id: str
    client_secret: str = Field(description="For the app to confirm the setup with the rider's card (Stripe SDK).")
    customer_ref: str


class PaymentMethodOut(BaseModel):
    gateway: str
    setup_id: str
    confirmed: bool = Field(description="A method is saved: bookings days ahead are authorised without the rider.")
    updated_at: dt.datetime


def _method_out(profile) -> PaymentMethodOut:
    return PaymentMethodOut(gateway=profile.gateway, setup_id=profile.setup_id,
                            confirmed=profile.payment_method is not None, updated_at=profile.updated_at)


@routes.route("POST", "/v1/payments/methods", summary="Start saving a way to pay", tags=TAGS, roles=(Role.RIDER,),
              response=SetupOut, status=201, errors=(422, 503))
async def start_saving(call: Call) -> SetupOut:
    """A setup (a Stripe SetupIntent) for the app to confirm with the rider's card; then call
    `POST /v1/payments/methods/{setup_id}/confirm`. Needs an `Idempotency-Key`."""
    assert call.principal is not None
    saved = await call.container.payment_methods.start(call.principal, idempotency_key=call.idempotency_key())
    return SetupOut(setup_id=saved.setup_id, client_secret=saved.client_secret, customer_ref=saved.customer_ref)


@routes.route("POST", "/v1/payments/methods/{setup_id}/confirm", summary="Keep the confirmed way to pay",
              tags=TAGS, roles=(Role.RIDER,), response=PaymentMethodOut, errors=(404, 409, 503))
async def confirm_saving(call: Call) -> PaymentMethodOut:
    """409 while the rider has not confirmed the setup in the app."""
    assert call.principal is not None
    return _method_out(await call.container.payment_methods.confirm(call.principal, call.path("setup_id")))


@routes.route("GET", "/v1/payments/methods", summary="My saved way to pay", tags=TAGS, roles=(Role.RIDER,),
              response=PaymentMethodOut, errors=(404,))
async def saved_method(call: Call) -> PaymentMethodOut:
    assert call.principal is not None
    return _method_out(await call.container.payment_methods.get(call.principal))
