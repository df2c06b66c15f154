"""One ticket for a whole trip: the Booking aggregate over several operators' legs, its life
cycle, the saga's step journal, and the ports that keep them.

A booking is made by a saga (maas.services.bookings): reserve every leg with its operator,
hold the payment, commit every leg, confirm. Each step is written to the journal before it is
taken and when it ends, so after a crash the saga can be resumed or compensated from what the
journal says. States follow TOMP-API's booking states for the whole trip; `Booking.moved_to`
is the one place where a step between them is allowed or refused. The booking's rules live here
too, free of I/O: the trip's state read from its legs, the outcome once every leg was committed,
cancellation fees, the final amount, and what to do with the payment at the end.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field

# BookedLeg and the values are imported from here by most callers: the aggregate's module.
from maas.domain.booked_legs import (LEG_DONE_WITHOUT_RIDE, LEG_HELD, NO_PAYMENT_ACTION, OPERATOR_DROPPED,
                                     BookedLeg, Compensation, PaymentAction, PaymentStep)
from maas.domain.errors import Conflict
from maas.domain.mobility import BookingState, LegBooking, Offer
from maas.domain.payments import Payment, PaymentState
from maas.domain.planning import Money


class TripState(str, Enum):
    PENDING = "PENDING"  # the saga is reserving legs and holding the payment
    CONDITIONAL_CONFIRMED = "CONDITIONAL_CONFIRMED"  # all held; an operator confirms later
    CONFIRMED = "CONFIRMED"
    STARTED = "STARTED"
    FINISHED = "FINISHED"
    SETTLED = "SETTLED"  # the final amount was taken and shared out
    CANCELLED = "CANCELLED"
    EXPIRED = "EXPIRED"  # an operator never confirmed in time; compensated
    REJECTED = "REJECTED"  # an operator or the payment said no; compensated


T = TripState
TRIP_TRANSITIONS: dict[TripState, frozenset[TripState]] = {
    T.PENDING: frozenset({T.CONDITIONAL_CONFIRMED, T.CONFIRMED, T.REJECTED, T.EXPIRED, T.CANCELLED}),
    T.CONDITIONAL_CONFIRMED: frozenset({T.CONFIRMED, T.REJECTED, T.EXPIRED, T.CANCELLED}),
    T.CONFIRMED: frozenset({T.STARTED, T.FINISHED, T.CANCELLED}),
    T.STARTED: frozenset({T.FINISHED}),
    T.FINISHED: frozenset({T.SETTLED}),
    T.SETTLED: frozenset(),
    T.CANCELLED: frozenset(),
    T.EXPIRED: frozenset(),
    T.REJECTED: frozenset(),
}
TRIP_FINAL = frozenset(s for s, nxt in TRIP_TRANSITIONS.items() if not nxt)
IN_FLIGHT = frozenset({T.PENDING, T.CONDITIONAL_CONFIRMED})
CANCELLABLE = frozenset({T.CONFIRMED, T.CONDITIONAL_CONFIRMED})
CANCEL_STEP = "cancel"  # the journal step around a whole cancellation; its detail is the CancelIntent
L = BookingState


@dataclass(frozen=True)
class Confirmation:
    """Where a booking stands once its legs were committed (or asked about again): CONFIRMED,
    CONDITIONAL_CONFIRMED (an operator confirms later), or REJECTED/EXPIRED, to compensate."""

    state: TripState
    reason: str = ""

    @property
    def compensate(self) -> bool:
        return self.state in (T.REJECTED, T.EXPIRED)


class CancelIntent(BaseModel):
    """Why a cancellation began and whether its fees are waived: journaled before any leg is
    cancelled, so recovery can finish it as it was meant."""

    model_config = ConfigDict(frozen=True)
    at: dt.datetime  # when it was asked for: the fees are those due then, not at recovery
    why: str = ""
    waive_fees: bool = False


class Booking(BaseModel):
    model_config = ConfigDict(frozen=True)
    id: str
    account_id: str  # the rider the trip is for
    booked_by: str | None = None  # who booked it: the rider, or call-centre staff acting for them
    cancelled_by: str | None = None
    state: TripState
    legs: tuple[BookedLeg, ...] = Field(min_length=1, max_length=8)
    total: Money
    payment: Payment | None = None
    payment_gateway: str = ""
    reason: str = ""  # why it ended as it did, for the rider and the call centre
    idempotency_key: str
    request_digest: str  # of the request body: the same key with another body is a Conflict
    created_at: dt.datetime
    updated_at: dt.datetime
    confirm_by: dt.datetime | None = None  # a conditional booking is compensated past this
    compensate_to: TripState | None = None  # a compensation began; it must end in this state
    payment_method: str | None = None  # as asked for, or the rider's saved one: recovery pays with it
    customer_ref: str | None = None  # the gateway customer of a saved method, charged without the rider
    authorise_at: dt.datetime | None = None  # a trip beyond a hold's life is authorised then, not at booking
    version: int = 0  # optimistic lock: a save must find the version it read
    compensation: Compensation | None = None  # while compensate_to is set: why, and what is pending

    def moved_to(self, state: TripState, *, reason: str = "", at: dt.datetime | None = None) -> Booking:
        """This booking in `state`; Conflict when the life cycle forbids the step. The same state
        again is allowed (a repeated request, not a step)."""
        if state == self.state:
            return self
        if state not in TRIP_TRANSITIONS[self.state]:
            raise Conflict(f"booking {self.id} is {self.state.value} and cannot become {state.value}")
        return self.model_copy(update={"state": state, "reason": reason or self.reason,
                                       "updated_at": at or self.updated_at})

    def with_leg(self, leg: BookedLeg) -> Booking:
        legs = tuple(leg if other.index == leg.index else other for other in self.legs)
        return self.model_copy(update={"legs": legs})

    def with_leg_booking(self, index: int, answer: LegBooking) -> Booking:
        """The operator's latest answer about leg `index`."""
        return self.with_leg(self.legs[index].model_copy(update={"booking": answer}))

    @property
    def leg_states(self) -> list[BookingState]:
        """The operators' states of the legs they answered about, in travel order."""
        return [leg.booking.state for leg in self.legs if leg.booking is not None]

    # -- making it: the saga's decisions ------------------------------------------------------------
    def needs_hold(self) -> bool:
        """The payment is held at booking: something to pay, not held yet, not left to the day ahead."""
        return self.payment is None and self.total.amount_minor > 0 and self.authorise_at is None

    def confirmation(self, now: dt.datetime) -> Confirmation:
        """The outcome the legs' states give: a leg without a ride is a refusal; a leg still held
        waits for its operator until `confirm_by`, then expires; otherwise the trip is confirmed."""
        states = self.leg_states
        if any(s in LEG_DONE_WITHOUT_RIDE for s in states):
            return Confirmation(T.REJECTED, "an operator did not confirm its leg")
        if len(states) < len(self.legs) or any(s in LEG_HELD for s in states):
            if self.confirm_by is not None and now > self.confirm_by:
                return Confirmation(T.EXPIRED, "an operator did not confirm in time")
            return Confirmation(T.CONDITIONAL_CONFIRMED)
        return Confirmation(T.CONFIRMED)

    def awaiting_confirmation(self, now: dt.datetime, confirm_within: dt.timedelta) -> Booking:
        """CONDITIONAL_CONFIRMED, to be confirmed by the deadline set the first time: the
        platform's limit, or an operator's own earlier `respond_by`."""
        deadlines = [now + confirm_within]
        for leg in self.legs:
            terms = leg.booking.conditions if leg.booking is not None else leg.conditions
            if terms.respond_by is not None:
                deadlines.append(terms.respond_by)
        return (self.moved_to(T.CONDITIONAL_CONFIRMED, at=now)
                .model_copy(update={"confirm_by": self.confirm_by or min(deadlines)}))

    def compensating(self, state: TripState, reason: str) -> Booking:
        """A compensation begins (or is resumed) towards `state`; the first reason stays."""
        if self.compensate_to is not None:
            return self
        return self.model_copy(update={"compensate_to": state, "reason": reason,
                                       "compensation": Compensation(reason=reason)})

    def compensation_stalled(self, failure: str) -> Booking:
        """A release or the void failed: the booking stays in flight, saying so, for recovery."""
        why = self.compensation_reason
        return self.model_copy(update={"reason": f"{why}; compensation pending: {failure}",
                                       "compensation": Compensation(reason=why, pending=failure)})

    def compensated(self, at: dt.datetime) -> Booking:
        """Every leg and the hold released: the booking ends where the compensation was heading."""
        assert self.compensate_to is not None
        return (self.moved_to(self.compensate_to, reason=self.compensation_reason, at=at)
                .model_copy(update={"compensate_to": None, "compensation": None}))

    @property
    def compensation_reason(self) -> str:
        """Why the compensation began. Bookings stored before `compensation` existed kept it only
        as the text before "; compensation pending" in `reason`."""
        if self.compensation is not None:
            return self.compensation.reason
        return self.reason.partition("; compensation pending")[0]

    # -- the trip after booking ---------------------------------------------------------------------
    def authorisation_due(self, now: dt.datetime) -> bool:
        """A trip beyond a hold's life whose day-ahead authorisation time has come."""
        return self.payment is None and self.authorise_at is not None and self.authorise_at <= now

    def should_be_over(self, now: dt.datetime) -> bool:
        """Finished, or its last leg should have arrived by `now`: time to ask its operators."""
        return self.state is T.FINISHED or max(leg.arrival for leg in self.legs) <= now

    def dropped_by_operator(self) -> str | None:
        """Why the trip cannot go ahead when an operator cancelled a leg before it began (None if
        none did): the rest is no trip at all."""
        if self.state is not T.CONFIRMED:
            return None
        for leg in self.legs:
            if leg.booking is not None and leg.booking.state in OPERATOR_DROPPED:
                told = f" ({leg.booking.reason})" if leg.booking.reason else ""
                return f"{leg.operator_id} cancelled leg {leg.index}{told}"
        return None

    def progressed(self) -> TripState:
        """The trip's state as its legs tell it: FINISHED once every leg is over (ridden or never
        ridden), STARTED once a leg started, else unchanged."""
        states = self.leg_states
        if all(s is L.FINISHED or s in LEG_DONE_WITHOUT_RIDE for s in states):
            return T.FINISHED
        if self.state is T.CONFIRMED and any(s in (L.STARTED, L.FINISHED) for s in states):
            return T.STARTED
        return self.state

    def with_fees(self, at: dt.datetime, *, waive: bool = False) -> Booking:
        """Each cancelled leg with the fee its conditions make due at `at` (none when waived:
        the operator, not the rider, ended the trip)."""
        booking = self
        if waive:
            return booking
        for leg in self.legs:
            fee = leg.fee_due(at)
            if fee is not None:
                booking = booking.with_leg(leg.model_copy(update={"fee": fee}))
        return booking

    @property
    def fees(self) -> Money:
        return Money(amount_minor=sum(leg.fee.amount_minor for leg in self.legs if leg.fee is not None),
                     currency=self.total.currency)

    @property
    def final_amount(self) -> Money:
        """What the rider pays once every leg is over: their share of each leg ridden, and fees."""
        ridden = sum(leg.rider_share.amount_minor for leg in self.legs
                     if leg.booking is not None and leg.booking.state is L.FINISHED)
        return Money(amount_minor=ridden + self.fees.amount_minor, currency=self.total.currency)

    def needs_late_hold(self) -> bool:
        """The day-ahead authorisation never went through and something is owed: hold it now."""
        return self.payment is None and self.authorise_at is not None and self.final_amount.amount_minor > 0

    def settlement_payment(self) -> PaymentAction:
        """At the end of the trip: capture the final amount from the hold, or void a hold nothing
        is owed from; nothing when there is no hold."""
        if self.payment is None or self.payment.state is not PaymentState.AUTHORISED:
            return NO_PAYMENT_ACTION
        final = self.final_amount
        return PaymentAction(PaymentStep.CAPTURE, final) if final.amount_minor > 0 else PaymentAction(PaymentStep.VOID)

    def cancellation_payment(self) -> PaymentAction:
        """After cancelling: take the fees from a hold (never more than it) or void it; refund
        what was taken beyond the fees."""
        payment, fees = self.payment, self.fees.amount_minor
        if payment is None:
            return NO_PAYMENT_ACTION
        if payment.state is PaymentState.AUTHORISED:
            if fees:
                return PaymentAction(PaymentStep.CAPTURE, Money(
                    amount_minor=min(fees, payment.authorised.amount_minor), currency=self.total.currency))
            return PaymentAction(PaymentStep.VOID)
        if payment.state is PaymentState.CAPTURED and payment.refundable_minor > fees:
            return PaymentAction(PaymentStep.REFUND, Money(amount_minor=payment.refundable_minor - fees,
                                                           currency=self.total.currency))
        return NO_PAYMENT_ACTION

    def cancellation_reason(self, why: str = "") -> str:
        fees = self.fees.amount_minor
        said = "cancelled free of charge" if not fees else f"cancelled; fees {fees} {self.total.currency}"
        return f"{why}; {said}" if why else said


class StepStatus(str, Enum):
    STARTED = "started"  # written before the call: after a crash, the call may or may not have happened
    DONE = "done"
    FAILED = "failed"


class SagaStep(BaseModel):
    """One line of a booking's journal: reserve:<leg>, authorise, commit:<leg>, confirm,
    release:<leg>, void, capture, refund, ..."""

    model_config = ConfigDict(frozen=True)
    booking_id: str
    seq: int = Field(ge=0)
    name: str
    status: StepStatus
    at: dt.datetime
    detail: str = Field(default="", max_length=2000)


class BookingRepository(Protocol):
    async def add(self, booking: Booking) -> Booking:
        """Store a new booking; Conflict if the account already used its idempotency key."""
        ...

    async def get(self, booking_id: str) -> Booking:
        """NotFound for an unknown id."""
        ...

    async def find_by_key(self, account_id: str, idempotency_key: str) -> Booking | None: ...

    async def find_by_leg(self, operator_id: str, leg_booking_id: str) -> Booking | None:
        """The booking one of whose legs is this operator booking (a trip event names only it)."""
        ...

    async def find_by_payment(self, payment_id: str) -> Booking | None:
        """The booking whose payment has this gateway id (a webhook names only the payment)."""
        ...

    async def save(self, booking: Booking) -> Booking:
        """Store the booking if the stored version is still `booking.version`; returns it with
        the next version. Conflict (nothing stored) if another writer saved it first."""
        ...

    async def list_for(self, account_id: str, *, limit: int = 50) -> list[Booking]:
        """Newest first."""
        ...

    async def in_states(self, states: Sequence[TripState], *, limit: int = 500) -> list[Booking]:
        """Bookings in these states, least recently updated first."""
        ...

    async def in_flight(self) -> list[Booking]:
        """Bookings in PENDING or CONDITIONAL_CONFIRMED: what recovery looks at after a restart."""
        ...

    async def cancel_begun(self) -> list[Booking]:
        """Bookings still CONFIRMED or CONDITIONAL_CONFIRMED whose journal has a `cancel` step: a
        cancellation that may have been cut short, for recovery to look at."""
        ...

    async def add_step(self, step: SagaStep) -> None: ...

    async def steps(self, booking_id: str) -> list[SagaStep]:
        """The journal in order."""
        ...


class OfferRegistry(Protocol):
    """Offers the service handed to riders, so a booking is priced from what was offered, never
    from what a client sends back."""

    async def remember(self, offers: Sequence[Offer], *, now: dt.datetime) -> None: ...

    async def get(self, offer_id: str) -> Offer | None: ...
