"""Trip events that move a booked leg along from outside the booking: an operator reports a leg
started, finished or a no-show (TOMP's leg events), or the rider unlocks a reserved vehicle.

Either way the operator's adapter records it first and the booking holding the leg is refreshed
from the operator's answer; a leg no booking holds is still recorded.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from typing import Literal
from zoneinfo import ZoneInfo

from maas.domain.accounts import Principal
from maas.domain.bookings import Booking
from maas.domain.errors import Conflict, DomainError, NotFound
from maas.domain.mobility import EVENT_TARGET, BookingState, LegBooking, TripEvent, TripEventKind
from maas.domain.plausibility import EventWindow, check_event_time
from maas.domain.ports import Clock, OperatorAdapter, VehicleUnlock
from maas.services.bookings import BookingService

log = logging.getLogger(__name__)
UNLOCKABLE = frozenset({BookingState.CONFIRMED, BookingState.STARTED})
OPERATOR_ENDED = frozenset({BookingState.CANCELLED, BookingState.REJECTED})


class TripEventService:
    def __init__(self, adapters: Mapping[str, OperatorAdapter], bookings: BookingService, clock: Clock, *,
                 events: EventWindow | None = None, timezone: str = "Asia/Tokyo") -> None:
        self._adapters, self._bookings, self._clock = adapters, bookings, clock
        self._events, self._zone = events or EventWindow(), ZoneInfo(timezone)  # when an event can be true

    def _adapter(self, operator_id: str) -> OperatorAdapter:
        try:
            return self._adapters[operator_id]
        except KeyError:
            raise NotFound(f"no enabled operator {operator_id!r}") from None

    async def report(self, caller: Principal, operator_id: str, leg_booking_id: str, kind: TripEventKind, *,
                     at: dt.datetime | None = None, detail: str = "",
                     source: Literal["maas", "operator"] = "maas") -> tuple[LegBooking, Booking | None]:
        """The operator's leg as it now stands, and the booking holding it (None if none does).
        `source="operator"`: the operator's own system reports it (a TOMP callback), so its leg
        must already stand where the event puts it (Conflict otherwise, nothing changed), and the
        same report again (a retried callback) is answered as the first."""
        caller.require_operator(operator_id)
        adapter = self._adapter(operator_id)
        now = self._clock.now()
        target = EVENT_TARGET[kind]
        leg: LegBooking | None = None
        if kind is not TripEventKind.ISSUE:  # NotFound, or a time the leg cannot have had, before recording
            booked = await adapter.get_booking(leg_booking_id)
            check_event_time(at or now, now=now, scheduled_from=booked.departure, scheduled_until=booked.arrival,
                             window=self._events, what=f"leg {leg_booking_id}", zone=self._zone)
            if source == "operator" and booked.state is target:
                leg = booked  # already where the report puts it: a retried callback changes nothing
        if leg is None:
            leg = await adapter.receive_event(TripEvent(booking_id=leg_booking_id, kind=kind, at=at or now,
                                                        detail=detail, source=source))
        if source == "operator" and target is not None and leg.state is not target:
            raise Conflict(f"{operator_id} reports leg {leg_booking_id} {kind.value} but its booking is "
                           f"{leg.state.value}")
        try:
            booking = await self._bookings.refresh_leg(operator_id, leg_booking_id)
        except DomainError as exc:  # recorded at the operator; the booking catches up on its next check
            log.warning("leg %s/%s: event recorded, booking not refreshed: %s", operator_id, leg_booking_id,
                        exc.message)
            booking = None
        return leg, booking

    async def operator_cancelled(self, caller: Principal, operator_id: str,
                                 leg_booking_id: str) -> tuple[LegBooking, Booking | None]:
        """The operator cancelled one of its legs in its own system: check that it says so, then
        refresh the booking (which is cancelled free of charge if its trip has not begun)."""
        caller.require_operator(operator_id)
        leg = await self._adapter(operator_id).get_booking(leg_booking_id)
        if leg.state not in OPERATOR_ENDED:
            raise Conflict(f"{operator_id} reports leg {leg_booking_id} as {leg.state.value}, not cancelled")
        return leg, await self._bookings.refresh_leg(operator_id, leg_booking_id)

    async def unlock(self, caller: Principal, booking_id: str, leg_index: int) -> Booking:
        """Open the vehicle of a booked bike or car leg; the ride starts now."""
        booking = await self._bookings.get(caller, booking_id)
        if not 0 <= leg_index < len(booking.legs):
            raise NotFound(f"booking {booking_id} has no leg {leg_index}")
        leg = booking.legs[leg_index]
        adapter = self._adapter(leg.operator_id)
        if not isinstance(adapter, VehicleUnlock):
            raise Conflict(f"leg {leg_index} ({leg.mode}) has no vehicle to unlock")
        if leg.booking is None or leg.booking.state not in UNLOCKABLE:
            state = "not booked" if leg.booking is None else leg.booking.state.value
            raise Conflict(f"leg {leg_index} is {state} and cannot be unlocked")
        await adapter.unlock(leg.booking.id)
        return await self._bookings.refresh(booking_id)
