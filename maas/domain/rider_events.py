"""What a rider's app is told: the event types, the event itself, and the events a booking's
change of state means (booking_events), decided without I/O from the booking before and after.

An event id is stable: made from what happened (the booking, its version, the type), so the same
change recorded twice is one event, and a receiver deduplicates on it. Each event carries its
sentence in Japanese and English (maas.domain.event_texts), since a webhook has no request
language to answer in.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from enum import Enum
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field, field_validator

from maas.domain.bookings import Booking, TripState
from maas.domain.event_texts import sentence
from maas.domain.mobility import BookingState
from maas.domain.payments import PaymentState

RIDE_MODES = frozenset({"on_demand", "taxi"})  # a leg someone drives the rider in
RIDING = frozenset({TripState.CONFIRMED, TripState.STARTED, TripState.FINISHED})
ENDED_WITHOUT_RIDE = frozenset({BookingState.CANCELLED, BookingState.RELEASED, BookingState.EXPIRED,
                                BookingState.REJECTED})


class EventType(str, Enum):
    BOOKING_CONFIRMED = "booking.confirmed"
    BOOKING_CHANGED = "booking.changed"  # a leg's times or state moved
    BOOKING_CANCELLED = "booking.cancelled"
    BOOKING_FAILED = "booking.failed"  # rejected or expired; nothing charged
    PAYMENT_CAPTURED = "payment.captured"
    PAYMENT_REFUNDED = "payment.refunded"
    BOOKING_SETTLED = "booking.settled"
    VAN_ASSIGNED = "ride.van_assigned"
    PICKUP_WINDOW_CHANGED = "ride.pickup_window_changed"
    PICKUP_APPROACHING = "ride.pickup_approaching"
    DRIVER_ARRIVED = "ride.driver_arrived"
    PICKED_UP = "ride.picked_up"
    DROPPED_OFF = "ride.dropped_off"
    NO_SHOW = "ride.no_show"
    DISRUPTION = "trip.disruption"  # a leg cancelled or a connection broken (real time)
    DELAY = "trip.delay"


EVENT_TYPES = frozenset(t.value for t in EventType)


class RiderEvent(BaseModel):
    """One thing that happened to a rider's trip, as an app is told it."""

    model_config = ConfigDict(frozen=True)
    id: str = Field(min_length=1, max_length=80)
    type: EventType
    created: dt.datetime
    account_id: str  # the rider
    booking_id: str | None = None
    data: dict[str, Any] = Field(default_factory=dict)
    text: dict[str, str]  # {"ja": ..., "en": ...}

    @field_validator("created")
    @classmethod
    def _aware(cls, value: dt.datetime) -> dt.datetime:
        if value.tzinfo is None:
            raise ValueError("an event's time carries its offset")
        return value

    def payload(self) -> dict[str, Any]:
        """The JSON an app receives (webhook body, SSE data)."""
        return {"id": self.id, "type": self.type.value, "created": self.created.isoformat(),
                "rider_id": self.account_id, "booking_id": self.booking_id, "data": self.data, "text": self.text}


def event_id(*parts: object) -> str:
    """A stable id for what happened: the same parts give the same id."""
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode("utf-8")).hexdigest()
    return f"evt_{digest[:32]}"


def make_event(kind: EventType, *, at: dt.datetime, account_id: str, booking_id: str | None,
               key: object, data: Mapping[str, Any]) -> RiderEvent:
    """`key` says which occurrence this is (a booking version, a report's time)."""
    data = dict(data)
    return RiderEvent(id=event_id(kind.value, account_id, booking_id, key), type=kind, created=at,
                      account_id=account_id, booking_id=booking_id, data=data, text=sentence(kind.value, data))


def booking_events(before: Booking | None, after: Booking, at: dt.datetime) -> list[RiderEvent]:
    """The events a booking's save means: its trip state, its legs, its payment."""
    found: list[RiderEvent] = []

    def add(kind: EventType, **data: Any) -> None:
        found.append(make_event(kind, at=at, account_id=after.account_id, booking_id=after.id,
                                key=f"{after.version}:{len(found)}", data={"booking_id": after.id, **data}))

    old_state = before.state if before is not None else TripState.PENDING
    if after.state is not old_state:
        _state_events(after, add)
    if before is not None and before.state in RIDING:  # the saga's own steps are not news
        _leg_events(before, after, add)
    if before is not None:
        _payment_events(before, after, add)
    return found


def _state_events(after: Booking, add: Any) -> None:
    state = after.state
    if state is TripState.CONFIRMED and after.compensate_to is None:
        add(EventType.BOOKING_CONFIRMED, total=after.total.model_dump(), departure=_iso(after.legs[0].departure))
        for leg in after.legs:
            if leg.mode in RIDE_MODES and leg.booking is not None:
                add(EventType.VAN_ASSIGNED, leg=leg.index, operator_id=leg.operator_id,
                    departure=_iso(leg.booking.departure))
    elif state is TripState.CANCELLED:
        add(EventType.BOOKING_CANCELLED, cancelled_by=_by(after), reason=after.reason)
    elif state in (TripState.REJECTED, TripState.EXPIRED):
        add(EventType.BOOKING_FAILED, state=state.value, reason=after.reason)
    elif state is TripState.SETTLED:
        paid = after.payment.captured_minor if after.payment is not None else 0
        add(EventType.BOOKING_SETTLED, paid={"amount_minor": paid, "currency": after.total.currency})


def _by(booking: Booking) -> str:
    """Who cancelled: the rider, staff for them, or the operator / the system (no one asked)."""
    if booking.cancelled_by is None:
        return "operator"
    return "rider" if booking.cancelled_by == booking.account_id else "staff"


def _leg_events(before: Booking, after: Booking, add: Any) -> None:
    for old, new in zip(before.legs, after.legs, strict=False):
        if old.booking is None or new.booking is None:
            continue
        ride = new.mode in RIDE_MODES
        was, now = old.booking.state, new.booking.state
        if (old.booking.departure, old.booking.arrival) != (new.booking.departure, new.booking.arrival):
            kind = EventType.PICKUP_WINDOW_CHANGED if ride else EventType.BOOKING_CHANGED
            add(kind, leg=new.index, departure=_iso(new.booking.departure), arrival=_iso(new.booking.arrival),
                previous_departure=_iso(old.booking.departure))
        if was is now:
            continue
        if now in ENDED_WITHOUT_RIDE:
            continue  # the booking's own cancellation says it
        if ride and now is BookingState.STARTED:
            add(EventType.PICKED_UP, leg=new.index, operator_id=new.operator_id)
        elif ride and now is BookingState.FINISHED and _no_show(new.booking.reason):
            add(EventType.NO_SHOW, leg=new.index, operator_id=new.operator_id)
        elif ride and now is BookingState.FINISHED:
            add(EventType.DROPPED_OFF, leg=new.index, operator_id=new.operator_id)
        elif after.state is before.state and after.state in (TripState.CONFIRMED, TripState.STARTED):
            add(EventType.BOOKING_CHANGED, leg=new.index, leg_state=now.value, previous_leg_state=was.value)


def _no_show(reason: str) -> bool:
    return "no show" in reason.lower().replace("-", " ").replace("_", " ")


def _payment_events(before: Booking, after: Booking, add: Any) -> None:
    old, new = before.payment, after.payment
    if new is None:
        return
    captured = old.captured_minor if old is not None else 0
    refunded = old.refunded_minor if old is not None else 0
    currency = new.authorised.currency
    if new.state is PaymentState.CAPTURED and new.captured_minor > captured:
        add(EventType.PAYMENT_CAPTURED, amount={"amount_minor": new.captured_minor, "currency": currency})
    if new.refunded_minor > refunded:
        add(EventType.PAYMENT_REFUNDED, amount={"amount_minor": new.refunded_minor - refunded,
                                                "currency": currency})


def _iso(at: dt.datetime) -> str:
    return at.isoformat()


class EventOutbox(Protocol):
    """The outbox: events written in the transaction of the change that caused them, and each
    webhook endpoint's delivery of them (fanned out in the same transaction)."""

    async def add(self, events: list[RiderEvent]) -> int:
        """Record the events not recorded yet (by id) with a delivery per matching endpoint;
        the number recorded."""
        ...

    async def list_for(self, account_id: str, *, after_seq: int = 0, limit: int = 100) -> list[tuple[int, RiderEvent]]:
        """A rider's events after a position, oldest first, with their positions."""
        ...

    async def position(self, event_id: str, account_id: str) -> int | None:
        """Where one of the rider's events stands in the outbox; None if it is not theirs or unknown."""
        ...

    async def last_position(self) -> int:
        ...
