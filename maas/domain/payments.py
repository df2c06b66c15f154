"""Payments: a hold on the rider's money for a booking, captured when the trip ends (never more
than the hold), cancelled on compensation, refunded in part or in full afterwards; and the port
every payment gateway implements (Stripe; pay on board / invoice to the municipality).

Amounts are integer minor units with a currency (yen have no minor unit). Every call that
moves money takes an idempotency key: the same key again returns the first answer and moves
nothing.
"""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field

from maas.domain.errors import Conflict, DomainError, InvalidRequest
from maas.domain.planning import Money


class PaymentDeclined(DomainError):
    """The gateway refused the payment (card declined, authentication needed, no method)."""

    code = "payment_declined"


class PaymentUnavailable(DomainError, ConnectionError):
    """The gateway did not answer in time or answered with something unusable; safe to retry
    with the same idempotency key."""

    code = "payment_unavailable"


class WebhookRejected(InvalidRequest):
    """A webhook whose signature does not verify, is too old, or cannot be read."""

    code = "webhook_rejected"


class PaymentState(str, Enum):
    AUTHORISED = "AUTHORISED"  # money held, nothing taken yet
    CAPTURED = "CAPTURED"  # taken (possibly less than held); refunds may follow
    CANCELLED = "CANCELLED"  # the hold was released, nothing taken
    FAILED = "FAILED"


class Payment(BaseModel):
    """One booking's payment as the gateway reports it."""

    model_config = ConfigDict(frozen=True)
    id: str  # the gateway's reference (a PaymentIntent id for Stripe)
    gateway: str  # stripe, on_board
    booking_id: str
    state: PaymentState
    authorised: Money
    captured_minor: int = Field(default=0, ge=0)
    refunded_minor: int = Field(default=0, ge=0)
    created_at: dt.datetime | None = None

    @property
    def refundable_minor(self) -> int:
        return self.captured_minor - self.refunded_minor

    def check_capture(self, amount: Money) -> None:
        if amount.currency != self.authorised.currency:
            raise InvalidRequest(f"capture in {amount.currency}, held in {self.authorised.currency}")
        if not 0 <= amount.amount_minor <= self.authorised.amount_minor:
            raise InvalidRequest(f"cannot capture {amount.amount_minor}: the hold is {self.authorised.amount_minor}")
        if self.state is not PaymentState.AUTHORISED:
            raise Conflict(f"payment {self.id} is {self.state.value}; only a hold can be captured")

    def check_refund(self, amount: Money) -> None:
        if amount.currency != self.authorised.currency:
            raise InvalidRequest(f"refund in {amount.currency}, paid in {self.authorised.currency}")
        if self.state is not PaymentState.CAPTURED:
            raise Conflict(f"payment {self.id} is {self.state.value}; only a captured payment is refunded")
        if not 0 < amount.amount_minor <= self.refundable_minor:
            raise InvalidRequest(f"cannot refund {amount.amount_minor}: {self.refundable_minor} is refundable")


class SavedMethod(BaseModel):
    """A payment method saved for bookings made days ahead (beyond the life of a hold)."""

    model_config = ConfigDict(frozen=True)
    setup_id: str  # a SetupIntent id for Stripe
    customer_ref: str
    client_secret: str = ""  # handed to the app to confirm the method with the rider
    payment_method: str | None = None  # known once the rider confirmed it


class PaymentProfile(BaseModel):
    """A rider's saved way to pay: the gateway's customer, and the method confirmed for charging
    without the rider present (None while the setup is not confirmed)."""

    model_config = ConfigDict(frozen=True)
    account_id: str
    gateway: str
    customer_ref: str
    setup_id: str
    payment_method: str | None = None
    updated_at: dt.datetime


class PaymentProfiles(Protocol):
    async def get(self, account_id: str) -> PaymentProfile | None: ...

    async def put(self, profile: PaymentProfile) -> None:
        """Store the account's profile, replacing the one it had."""
        ...


class Transfer(BaseModel):
    """Money sent to an operator's account for its legs of one booking."""

    model_config = ConfigDict(frozen=True)
    id: str
    operator_account: str
    amount: Money
    booking_id: str


class GatewayEvent(BaseModel):
    """A verified notification from the gateway (a Stripe webhook event)."""

    model_config = ConfigDict(frozen=True)
    id: str  # unique per event: the dedupe key
    type: str  # e.g. payment_intent.succeeded, payment_intent.canceled, charge.refunded
    payment_id: str | None  # the payment it is about, if any
    created: dt.datetime
    data: dict[str, object] = Field(default_factory=dict)


class PaymentEventLog(Protocol):
    """Gateway events already handled, kept so a redelivered event is applied once."""

    async def add(self, event: GatewayEvent, outcome: str, *, received_at: dt.datetime) -> bool:
        """Record the event and what handling it did; False (nothing recorded) if its id was
        recorded before. Decided by the store's unique key, so two deliveries racing each other
        cannot both get True."""
        ...


class PaymentGateway(Protocol):
    """How the service takes money. Errors: PaymentDeclined, PaymentUnavailable, InvalidRequest
    (capture above the hold, refund above what was captured), Conflict (wrong state)."""

    name: str
    hold_life_s: int | None  # how long a hold lasts before the provider drops it; None: it does not lapse

    async def aclose(self) -> None: ...

    async def authorise(self, *, booking_id: str, amount: Money, idempotency_key: str,
                        customer_ref: str | None = None, payment_method: str | None = None) -> Payment:
        """Hold `amount` (manual capture); with a saved method, without the rider present."""
        ...

    async def capture(self, payment: Payment, amount: Money, *, idempotency_key: str) -> Payment: ...

    async def cancel(self, payment: Payment, *, idempotency_key: str) -> Payment: ...

    async def refund(self, payment: Payment, amount: Money, *, idempotency_key: str) -> Payment: ...

    async def get(self, payment_id: str) -> Payment: ...

    async def save_method(self, customer_ref: str, *, idempotency_key: str) -> SavedMethod: ...

    async def saved_method(self, setup_id: str) -> SavedMethod:
        """Where a method being saved stands: `payment_method` is set once the rider confirmed it.
        NotFound for an unknown setup id."""
        ...

    async def forget_method(self, customer_ref: str, payment_method: str | None) -> None:
        """Detach a saved method and delete the customer kept for the rider (account deletion);
        what is already gone is not an error."""
        ...

    async def transfer(self, *, operator_account: str, amount: Money, booking_id: str,
                       idempotency_key: str) -> Transfer: ...

    def verify_event(self, raw_body: bytes, signature_header: str) -> GatewayEvent:
        """The event in a webhook body, if its signature verifies; WebhookRejected otherwise."""
        ...
