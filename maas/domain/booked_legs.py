"""One operator's part of a booked trip (`BookedLeg`, with its cancellation fee under the offer's
conditions), the leg states the trip's rules read, and the small values the Booking aggregate
(maas.domain.bookings) answers with: why a compensation runs, and what to ask the gateway for.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import Enum

from pydantic import BaseModel, ConfigDict, Field

from maas.domain.mobility import BookingState, Conditions, LegBooking
from maas.domain.planning import Money

L = BookingState
# A leg the operator will carry nobody on.
LEG_DONE_WITHOUT_RIDE = frozenset({L.CANCELLED, L.RELEASED, L.EXPIRED, L.REJECTED})
# Ended by the operator, not by the rider letting a reservation lapse.
OPERATOR_DROPPED = frozenset({L.CANCELLED, L.REJECTED})
LEG_HELD = frozenset({L.PENDING, L.CONDITIONAL_CONFIRMED})


class Compensation(BaseModel):
    """Why a booking is being compensated, and what stopped the compensation so far (an operator
    or the gateway was down: recovery finishes it with the same reason)."""

    model_config = ConfigDict(frozen=True)
    reason: str
    pending: str = ""


class PaymentStep(str, Enum):
    NONE = "none"
    CAPTURE = "capture"
    VOID = "void"
    REFUND = "refund"


@dataclass(frozen=True)
class PaymentAction:
    """What to ask the gateway for at the end of a trip or a cancellation, and how much."""

    step: PaymentStep
    amount: Money | None = None


NO_PAYMENT_ACTION = PaymentAction(PaymentStep.NONE)


class BookedLeg(BaseModel):
    """One operator's part of the trip: the offer it was sold as, and the operator's booking."""

    model_config = ConfigDict(frozen=True)
    index: int = Field(ge=0)
    operator_id: str
    offer_id: str
    mode: str
    price: Money
    departure: dt.datetime
    arrival: dt.datetime
    conditions: Conditions = Conditions()
    description: str = ""
    booking: LegBooking | None = None  # once the operator has answered
    # What the rider pays for the leg once the municipality's rules applied, and what the town
    # pays the operator on top (invoiced to it); both default to "the rider pays the price".
    rider_price: Money | None = None
    subsidy: Money | None = None
    rules: tuple[str, ...] = ()  # ids of the fare rules applied
    fee: Money | None = None  # the cancellation fee due, once the leg was cancelled late
    # What a pass of the rider's pays of their share (maas.domain.passes), and which pass.
    covered: Money | None = None
    pass_id: str | None = None
    route_id: str | None = None  # the offer's GTFS route, for a scheduled transit leg

    @property
    def fare_share(self) -> Money:
        """The rider's part of the price after the town's rules, before any pass."""
        return self.rider_price or self.price

    @property
    def rider_share(self) -> Money:
        """What is taken from the rider for the leg."""
        share = self.fare_share
        if self.covered is None:
            return share
        return Money(amount_minor=share.amount_minor - self.covered.amount_minor, currency=share.currency)

    def fee_due(self, at: dt.datetime) -> Money | None:
        """The cancellation fee for this leg cancelled at `at` under its offer's conditions: only
        for a leg the operator cancelled, after the free period, and for a fee above zero."""
        terms = self.conditions
        if self.booking is None or self.booking.state is not L.CANCELLED or terms.cancellation_fee is None:
            return None
        if terms.free_cancellation_until is not None and at <= terms.free_cancellation_until:
            return None
        if terms.cancellation_fee.amount_minor <= 0:
            return None
        return Money(amount_minor=terms.cancellation_fee.amount_minor, currency=self.price.currency)
