"""What an operator's system tells the platform through TOMP-API's MaaS-provider endpoints: leg
events, booking notifications (a no-show, a late vehicle), its own booking operations (a
cancellation, the answer to a postponed commit), confirmation requests and support progress.

The caller is the operator (its key or OAuth2 token); the ids are its own booking ids, which are
the legs' ids. A leg another operator holds is PermissionDenied, an unknown one NotFound, a step
the leg cannot take Conflict; in each case nothing changes. Anything that moves no state is
written to the journal of the booking holding the leg.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from maas.domain.accounts import Principal, Role
from maas.domain.bookings import Booking
from maas.domain.errors import Conflict, PermissionDenied
from maas.domain.mobility import BookingState, LegBooking, TripEventKind
from maas.domain.ports import OperatorAdapter
from maas.services.bookings import BookingService
from maas.services.trip_events import TripEventService

LEG_EVENTS = {"SET_IN_USE": TripEventKind.STARTED, "FINISH": TripEventKind.FINISHED}
# Leg events that move no state here: acknowledged and journaled.
NOTED_LEG_EVENTS = frozenset({"PREPARE", "ASSIGN_ASSET", "PAUSE", "OPEN_TRUNK", "START_FINISHING",
                              "TIME_EXTEND", "TIME_POSTPONE"})
ANSWERED = frozenset({BookingState.CONFIRMED, BookingState.CANCELLED, BookingState.REJECTED,
                      BookingState.EXPIRED, BookingState.RELEASED})
RIDEABLE = frozenset({BookingState.CONFIRMED, BookingState.STARTED})


class OperatorCallbacks:
    def __init__(self, adapters: Mapping[str, OperatorAdapter], bookings: BookingService,
                 trip_events: TripEventService) -> None:
        self._adapters, self._bookings, self._events = adapters, bookings, trip_events

    async def _own(self, caller: Principal, leg_id: str) -> tuple[str, Booking | None]:
        """The caller's operator id and the booking holding its leg `leg_id` (None if none does)."""
        if caller.role is not Role.OPERATOR or caller.operator_id is None:
            raise PermissionDenied("TOMP callbacks are made with an operator's key")
        operator_id = caller.operator_id
        if operator_id not in self._adapters:
            raise PermissionDenied(f"operator {operator_id} is not enabled here")
        booking = await self._bookings.find_by_leg(operator_id, leg_id)
        if booking is None:
            for other in self._adapters:
                if other != operator_id and await self._bookings.find_by_leg(other, leg_id) is not None:
                    raise PermissionDenied(f"leg {leg_id} is another operator's")
        return operator_id, booking

    async def _leg(self, operator_id: str, leg_id: str) -> LegBooking:
        return await self._adapters[operator_id].get_booking(leg_id)  # NotFound for an unknown leg

    async def _note(self, booking: Booking | None, name: str, detail: str) -> None:
        if booking is not None:
            await self._bookings.note(booking.id, name, detail)

    async def leg_event(self, caller: Principal, leg_id: str, event: str, *, at: dt.datetime,
                        comment: str = "") -> Booking | None:
        """`POST /legs/{id}/events`: SET_IN_USE and FINISH move the trip; CANCEL is the operator
        cancelling the leg; the rest are acknowledged and journaled."""
        operator_id, booking = await self._own(caller, leg_id)
        if event in LEG_EVENTS:
            _, booking = await self._events.report(caller, operator_id, leg_id, LEG_EVENTS[event], at=at,
                                                   detail=comment, source="operator")
            return booking
        if event == "CANCEL":
            _, booking = await self._events.operator_cancelled(caller, operator_id, leg_id)
            return booking
        if event not in NOTED_LEG_EVENTS:
            raise Conflict(f"leg event {event} is not one this platform takes")
        await self._leg(operator_id, leg_id)
        await self._note(booking, f"operator:{event.lower()}", comment or event)
        return booking

    async def notification(self, caller: Principal, booking_id: str, kind: str, *, comment: str = "",
                           minutes: int | None = None) -> Booking | None:
        """`POST /bookings/{id}/notifications`: USER_NO_SHOW ends the leg unridden; every other
        notice is journaled, and the booking re-reads the operator's state (an EXPIRED or
        CANCELLED booking at the operator is thereby compensated)."""
        operator_id, booking = await self._own(caller, booking_id)
        if kind == "USER_NO_SHOW":
            _, booking = await self._events.report(caller, operator_id, booking_id, TripEventKind.NO_SHOW,
                                                   detail=comment, source="operator")
            return booking
        await self._leg(operator_id, booking_id)
        detail = " ".join(p for p in (kind, f"{minutes} min" if minutes is not None else "", comment) if p)
        await self._note(booking, "operator:notification", detail)
        return await self._bookings.refresh_leg(operator_id, booking_id)

    async def booking_operation(self, caller: Principal, booking_id: str, operation: str) -> LegBooking:
        """`POST /bookings/{id}/events` from the operator: CANCEL of its own booking; COMMIT or
        DENY answering a postponed commit. Its booking must already say so (Conflict otherwise)."""
        operator_id, booking = await self._own(caller, booking_id)
        if operation == "CANCEL":
            leg, _ = await self._events.operator_cancelled(caller, operator_id, booking_id)
            return leg
        if operation not in ("COMMIT", "DENY"):
            raise Conflict(f"{operation} is the MaaS provider's operation, not the operator's")
        leg = await self._leg(operator_id, booking_id)
        wanted = {BookingState.CONFIRMED} if operation == "COMMIT" else ANSWERED - {BookingState.CONFIRMED}
        if leg.state not in wanted:
            raise Conflict(f"{operator_id} sends {operation} for booking {booking_id}, which it has "
                           f"{leg.state.value}")
        await self._bookings.refresh_leg(operator_id, booking_id)
        return leg

    async def confirmation(self, caller: Principal, leg_id: str, kind: str | None) -> bool:
        """`POST /legs/{id}/confirmation`: may the operator start the leg (or swap its asset)?
        Yes while the trip holding it is booked and the leg is confirmed or under way."""
        operator_id, booking = await self._own(caller, leg_id)
        leg = await self._leg(operator_id, leg_id)
        allowed = booking is not None and booking.state.value in ("CONFIRMED", "STARTED") and leg.state in RIDEABLE
        await self._note(booking, "operator:confirmation", f"{kind or 'unspecified'}: {'yes' if allowed else 'no'}")
        return allowed

    async def support_status(self, caller: Principal, booking_id: str, status: str, *, comment: str = "",
                             minutes_to_resolution: int | None = None) -> None:
        """`POST /support/{id}/status`: how the operator is getting on with a support request."""
        operator_id, booking = await self._own(caller, booking_id)
        await self._leg(operator_id, booking_id)
        eta = f" (resolved in about {minutes_to_resolution} min)" if minutes_to_resolution is not None else ""
        await self._note(booking, "operator:support", f"{status}{eta}" + (f": {comment}" if comment else ""))
