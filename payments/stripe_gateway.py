"""The Stripe gateway: a manual-capture PaymentIntent per booking (hold, capture at most the
hold, cancel, partial refunds), SetupIntents for saved methods, Connect transfers to operators
and signed webhooks, through the official SDK's async client. Stripe errors become domain
errors; every call that moves money carries the caller's idempotency key."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import stripe

from maas.domain.errors import Conflict, DomainError, InvalidRequest, NotFound
from maas.domain.payments import (
    GatewayEvent,
    Payment,
    PaymentDeclined,
    PaymentState,
    PaymentUnavailable,
    SavedMethod,
    Transfer,
    WebhookRejected,
)
from maas.domain.planning import Money

WEBHOOK_TOLERANCE_S = 300

_STATES = {
    "requires_capture": PaymentState.AUTHORISED,
    "succeeded": PaymentState.CAPTURED,
    "canceled": PaymentState.CANCELLED,
}
# Invalid requests that are about the intent's state, not about our parameters.
_STATE_CODES = frozenset({"payment_intent_unexpected_state", "charge_already_captured",
                          "charge_already_refunded", "charge_expired_for_capture"})
_EXPAND = ["latest_charge"]


class StripeGateway:
    """PaymentGateway on Stripe. Close it with `aclose()` (it owns an aiohttp session).

    Capture, cancel and refund check the given Payment first (so pass the latest one); a timed-out
    call is retried with the same idempotency key, and Stripe replays the first answer. Worst-case
    wait: (max_network_retries + 1) * timeout_s plus the SDK's short backoff."""

    name = "stripe"
    # Card authorisations lapse after 7 days; a day's margin so a trip is captured before then.
    hold_life_s = 6 * 86400

    def __init__(self, api_key: str, *, webhook_secret: str, api_base: str | None = None,
                 timeout_s: float = 10, max_network_retries: int = 2,
                 webhook_tolerance_s: int = WEBHOOK_TOLERANCE_S) -> None:
        # aiohttp is already a dependency; the SDK's AIOHTTPClient opens its session lazily,
        # inside the running loop. A ClientTimeout (not a bare float) covers connect and read.
        self._http = stripe.AIOHTTPClient(timeout=aiohttp.ClientTimeout(total=timeout_s))
        self._client = stripe.StripeClient(
            api_key, base_addresses={"api": api_base} if api_base else None,
            max_network_retries=max_network_retries, http_client=self._http)
        self._webhook_secret = webhook_secret
        self._webhook_tolerance_s = webhook_tolerance_s

    async def aclose(self) -> None:
        await self._http.close_async()

    async def authorise(self, *, booking_id: str, amount: Money, idempotency_key: str,
                        customer_ref: str | None = None, payment_method: str | None = None) -> Payment:
        if amount.amount_minor <= 0:
            raise InvalidRequest(f"nothing to hold: {amount.amount_minor} {amount.currency}")
        if payment_method is None:
            raise PaymentDeclined("no payment method given")
        params: dict[str, Any] = {
            "amount": amount.amount_minor, "currency": amount.currency.lower(),
            "capture_method": "manual", "confirm": True, "payment_method": payment_method,
            # card only: automatic payment methods would need a return_url for redirects
            "payment_method_types": ["card"],
            "metadata": {"booking_id": booking_id}, "expand": _EXPAND,
        }
        if customer_ref is not None:
            # A saved method is charged without the rider present (bookings days ahead).
            params |= {"customer": customer_ref, "off_session": True}
        intent = await self._call(self._client.v1.payment_intents.create_async, params,
                                  key=idempotency_key)
        status = intent.get("status")
        if status in ("requires_payment_method", "requires_action", "requires_confirmation"):
            error = intent.get("last_payment_error") or {}
            raise PaymentDeclined(error.get("message") or f"payment needs {status.removeprefix('requires_')}")
        if status not in _STATES:
            raise PaymentUnavailable(f"payment {intent['id']} is {status}; retry with the same key")
        return _payment(intent)

    async def capture(self, payment: Payment, amount: Money, *, idempotency_key: str) -> Payment:
        payment.check_capture(amount)
        intent = await self._call(self._client.v1.payment_intents.capture_async, payment.id,
                                  {"amount_to_capture": amount.amount_minor, "expand": _EXPAND},
                                  key=idempotency_key)
        return _payment(intent)

    async def cancel(self, payment: Payment, *, idempotency_key: str) -> Payment:
        if payment.state is not PaymentState.AUTHORISED:
            raise Conflict(f"payment {payment.id} is {payment.state.value}; only a hold can be cancelled")
        intent = await self._call(self._client.v1.payment_intents.cancel_async, payment.id,
                                  {"expand": _EXPAND}, key=idempotency_key)
        return _payment(intent)

    async def refund(self, payment: Payment, amount: Money, *, idempotency_key: str) -> Payment:
        payment.check_refund(amount)
        await self._call(self._client.v1.refunds.create_async,
                         {"payment_intent": payment.id, "amount": amount.amount_minor,
                          "metadata": {"booking_id": payment.booking_id}}, key=idempotency_key)
        return await self.get(payment.id)

    async def get(self, payment_id: str) -> Payment:
        intent = await self._call(self._client.v1.payment_intents.retrieve_async, payment_id,
                                  {"expand": _EXPAND}, key=None)
        return _payment(intent)

    async def save_method(self, customer_ref: str, *, idempotency_key: str) -> SavedMethod:
        """A SetupIntent for the app to confirm. `customer_ref` that is not a Stripe customer id
        (cus_...) is the service's rider reference: a Customer is created for it (under a key
        derived from the caller's) and the returned SavedMethod carries the new cus_ id, which
        the caller keeps for later off-session authorisations."""
        customer = customer_ref
        if not customer_ref.startswith("cus_"):
            created = await self._call(self._client.v1.customers.create_async,
                                       {"metadata": {"maas_customer_ref": customer_ref}},
                                       key=f"{idempotency_key}:customer")
            customer = created["id"]
        intent = await self._call(self._client.v1.setup_intents.create_async,
                                  {"customer": customer, "usage": "off_session",
                                   "payment_method_types": ["card"]}, key=idempotency_key)
        method = intent.get("payment_method")
        return SavedMethod(setup_id=intent["id"], customer_ref=customer,
                           client_secret=intent.get("client_secret") or "",
                           payment_method=method if isinstance(method, str) else None)

    async def saved_method(self, setup_id: str) -> SavedMethod:
        intent = await self._call(self._client.v1.setup_intents.retrieve_async, setup_id, {}, key=None)
        method = intent.get("payment_method")
        method_id = method if isinstance(method, str) else (method or {}).get("id")
        return SavedMethod(setup_id=intent["id"], customer_ref=intent.get("customer") or "",
                           payment_method=method_id if intent.get("status") == "succeeded" else None)

    async def forget_method(self, customer_ref: str, payment_method: str | None) -> None:
        """Detach the card, then delete the Stripe customer made for the rider; already gone is fine."""
        steps: list[tuple[Callable[..., Awaitable[Any]], str]] = []
        if payment_method:
            steps.append((self._client.v1.payment_methods.detach_async, payment_method))
        if customer_ref.startswith("cus_"):
            steps.append((self._client.v1.customers.delete_async, customer_ref))
        for method, object_id in steps:
            try:
                await self._call(method, object_id, {}, key=None)
            except (NotFound, Conflict):
                pass  # detached or deleted before (a retried deletion)

    async def transfer(self, *, operator_account: str, amount: Money, booking_id: str,
                       idempotency_key: str) -> Transfer:
        created = await self._call(self._client.v1.transfers.create_async,
                                   {"amount": amount.amount_minor, "currency": amount.currency.lower(),
                                    "destination": operator_account, "transfer_group": booking_id,
                                    "metadata": {"booking_id": booking_id}}, key=idempotency_key)
        return Transfer(id=created["id"], operator_account=operator_account, amount=amount,
                        booking_id=booking_id)

    def verify_event(self, raw_body: bytes, signature_header: str) -> GatewayEvent:
        try:
            event = self._client.construct_event(raw_body, signature_header, self._webhook_secret,
                                                 tolerance=self._webhook_tolerance_s).to_dict()
            obj = event["data"]["object"]
            return GatewayEvent(id=event["id"], type=event["type"], payment_id=_payment_id_of(obj),
                                created=dt.datetime.fromtimestamp(event["created"], dt.UTC), data=obj)
        except stripe.SignatureVerificationError as exc:
            raise WebhookRejected(f"webhook signature: {exc.user_message or exc}") from exc
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            # ValueError covers undecodable bytes and bad JSON, the rest a body that is not an event
            raise WebhookRejected(f"unreadable webhook body: {type(exc).__name__}") from exc

    async def _call(self, method: Callable[..., Awaitable[Any]], *args: Any,
                    key: str | None) -> dict[str, Any]:
        options = {"idempotency_key": key} if key is not None else {}
        try:
            obj = await method(*args, options)
        except stripe.StripeError as exc:
            raise _domain_error(exc) from exc
        except (aiohttp.ClientError, asyncio.TimeoutError, json.JSONDecodeError) as exc:
            # The SDK wraps errors while connecting, not while reading the body.
            raise PaymentUnavailable(f"stripe: {type(exc).__name__}") from exc
        return obj.to_dict()


def _domain_error(exc: stripe.StripeError) -> DomainError:
    message = exc.user_message or str(exc) or type(exc).__name__
    if isinstance(exc, stripe.CardError):
        return PaymentDeclined(message, fields={"code": exc.code or ""})
    if isinstance(exc, stripe.IdempotencyError):
        return Conflict(f"idempotency key reused with other parameters: {message}")
    if isinstance(exc, stripe.InvalidRequestError):
        if exc.http_status == 404 or exc.code == "resource_missing":
            return NotFound(message)
        if exc.code in _STATE_CODES:
            return Conflict(message)
        return InvalidRequest(message, fields={exc.param: message} if exc.param else None)
    # APIConnectionError (timeouts included), APIError (5xx, garbage), RateLimitError, and
    # AuthenticationError/PermissionError (our configuration): nothing the rider can fix.
    return PaymentUnavailable(f"stripe: {message}")


def _payment(intent: dict[str, Any]) -> Payment:
    captured, refunded = _captured_and_refunded(intent)
    return Payment(
        id=intent["id"], gateway="stripe", booking_id=(intent.get("metadata") or {}).get("booking_id", ""),
        state=_STATES.get(intent.get("status", ""), PaymentState.FAILED),
        authorised=Money(amount_minor=intent["amount"], currency=intent["currency"].upper()),
        captured_minor=captured, refunded_minor=refunded,
        created_at=dt.datetime.fromtimestamp(intent["created"], dt.UTC) if intent.get("created") else None)


def _captured_and_refunded(intent: dict[str, Any]) -> tuple[int, int]:
    charge = intent.get("latest_charge")
    if not isinstance(charge, dict) or not charge.get("captured"):
        return intent.get("amount_received") or 0, 0
    captured = intent.get("amount_received")
    if captured is None:
        captured = charge.get("amount_captured")
    if captured is None:
        # localstripe 1.15 reports neither; it records the released part of a partial capture
        # as a refund made on the charge alone, while ours name the payment intent.
        released = sum(r["amount"] for r in (charge.get("refunds") or {}).get("data", [])
                       if not r.get("payment_intent"))
        captured = charge["amount"] - released
    # Stripe counts the uncaptured remainder of a partial capture in amount_refunded.
    released = charge["amount"] - captured
    refunded = max(0, (charge.get("amount_refunded") or 0) - released)
    return captured, min(refunded, captured)


def _payment_id_of(obj: dict[str, Any]) -> str | None:
    if obj.get("object") == "payment_intent":
        return obj.get("id")
    intent = obj.get("payment_intent")  # charges and refunds point at their intent
    return intent if isinstance(intent, str) else None
