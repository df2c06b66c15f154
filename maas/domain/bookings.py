"""One ticket for a whole trip: the Booking aggregate over several operators' legs, its life
cycle, the saga's step journal, and the ports that keep them.

A booking is made by a saga (maas.services.bookings): reserve every leg with its operator,
hold the payment, commit every leg, confirm. Each step is written to the journal before it is
taken and when it ends, so after a crash the saga can be resumed or compensated from what the
journal says. States follow TOMP-API's booking states for the whole trip; `Booking.moved_to`
is the one place where a step between them is allowed or refused.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from enum import Enum
from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field

from maas.domain.errors import Conflict
from maas.domain.mobility import Conditions, LegBooking, Offer
from maas.domain.payments import Payment
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

    async def add_step(self, step: SagaStep) -> None: ...

    async def steps(self, booking_id: str) -> list[SagaStep]:
        """The journal in order."""
        ...


class OfferRegistry(Protocol):
    """Offers the service handed to riders, so a booking is priced from what was offered, never
    from what a client sends back."""

    async def remember(self, offers: Sequence[Offer], *, now: dt.datetime) -> None: ...

    async def get(self, offer_id: str) -> Offer | None: ...
