"""Shared vehicles an operator has promised, and the port that keeps them (`VehicleHolds`).

A shared-vehicle operator (bike-share, scooters, car-share over a GBFS feed) reserves a vehicle
when it confirms a booking; the feed learns of that only later, if at all, so the service keeps
its own account of what each booking takes. With several service processes that account must
be shared, and taking the last vehicle must be atomic: `reserve` reads the operator's live holds
and stores a new one only if the caller's availability check, run while the operator is locked
against every other process, still finds the vehicle free. Exactly as many bookings of the last
vehicles succeed as there are vehicles.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field

from maas.domain.mobility import BookingState, LegBooking

S = BookingState
# States in which a hold takes its vehicles whatever the time: reserved, or being ridden.
LAPSED = "the reservation was not used in time"
_NEVER = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


class VehicleHold(BaseModel):
    """What one booking takes: `count` vehicles of a type at a station, or one vehicle by id,
    and when its ride started and finished (to tell whether a feed read since shows it)."""

    model_config = ConfigDict(frozen=True)
    booking_id: str
    station_id: str | None = None
    vehicle_id: str | None = None
    vehicle_type_id: str | None = None
    count: int = Field(default=1, ge=1)
    from_at: dt.datetime | None = None  # a reservation ahead takes its vehicles from then on
    started_at: dt.datetime | None = None
    finished_at: dt.datetime | None = None


class HeldBooking(BaseModel):
    """A booking with its hold, the idempotency key of the `book` call that made it and the
    booking as that call answered it (a retry with the key is answered the same)."""

    model_config = ConfigDict(frozen=True)
    booking: LegBooking
    hold: VehicleHold
    book_key: str = ""
    booked_as: LegBooking | None = None

    @property
    def id(self) -> str:
        return self.booking.id

    def at(self, now: dt.datetime) -> HeldBooking:
        """As it stands at `now`: a reservation not used by its expiry has lapsed (EXPIRED)."""
        b = self.booking
        if b.state is S.CONFIRMED and b.expires_at is not None and now >= b.expires_at:
            return self.model_copy(update={"booking": b.moved_to(S.EXPIRED, reason=LAPSED)})
        return self

    def live_until(self) -> dt.datetime | None:
        """Until when this hold may take vehicles (None: for as long as it stays in its state).
        A reservation takes them until it lapses; a ride, until a feed read after it started
        (docked) or finished (free-floating) shows it; a booking never ridden, not at all."""
        b, hold = self.booking, self.hold
        if b.state is S.CONFIRMED:
            return b.expires_at
        if b.state is S.STARTED:
            return None
        moments = [t for t in (hold.started_at, hold.finished_at) if t is not None]
        return max(moments) if moments and hold.started_at is not None else _NEVER

    def is_live(self, since: dt.datetime) -> bool:
        until = self.live_until()
        return until is None or until >= since


# Given the operator's live holds, why the new booking cannot have its vehicles (or None).
# It may await (tell the operator's own system); raising stores nothing.
AvailabilityCheck = Callable[[Sequence[HeldBooking]], Awaitable[str | None]]


class VehicleHolds(Protocol):
    """Durable holds and leg bookings of shared-vehicle operators."""

    async def reserve(self, operator_id: str, held: HeldBooking, check: AvailabilityCheck, *,
                      since: dt.datetime) -> HeldBooking:
        """Serialised per operator across processes: when the operator already has a booking
        made with `held.book_key`, answer it and store nothing; otherwise load the operator's
        live holds (as `live(since=since)`), await `check(live)` and store `held` if it answers None; raise
        OperatorRejected(reason), storing nothing, if it answers a reason."""
        ...

    async def find_booked(self, operator_id: str, book_key: str) -> HeldBooking | None:
        """The booking made with this idempotency key, or None."""
        ...

    async def get(self, operator_id: str, booking_id: str) -> HeldBooking:
        """NotFound if the operator has no such booking."""
        ...

    async def save(self, operator_id: str, held: HeldBooking, *, expected: BookingState) -> HeldBooking:
        """Store a state move of a booking if its stored state is still `expected`; Conflict
        (storing nothing) if another process moved it meanwhile, NotFound if there is none."""
        ...

    async def live(self, operator_id: str, *, since: dt.datetime) -> list[HeldBooking]:
        """The operator's bookings whose holds may still take vehicles at `since` or later
        (`HeldBooking.is_live`); the caller judges each against the feed it reads."""
        ...
