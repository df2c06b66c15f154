"""Payment gateway webhooks: Stripe tells the service what happened to a booking's payment."""

from __future__ import annotations

from pydantic import BaseModel, Field

from maas.api.endpoints import Call, EndpointTable

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
