"""VehicleHolds in memory, serialised by an asyncio.Lock: one process only (tests, the conformance
kit, a demo without a database); the holds are lost when the process stops."""

from __future__ import annotations

import asyncio
import datetime as dt

from maas.domain.errors import Conflict, NotFound, OperatorRejected
from maas.domain.mobility import BookingState
from maas.domain.vehicle_holds import AvailabilityCheck, HeldBooking


class MemoryVehicleHolds:
    def __init__(self) -> None:
        self._held: dict[tuple[str, str], HeldBooking] = {}  # (operator id, booking id)
        self._lock = asyncio.Lock()

    async def reserve(self, operator_id: str, held: HeldBooking, check: AvailabilityCheck, *,
                      since: dt.datetime) -> HeldBooking:
        async with self._lock:
            if held.book_key and (first := self._by_key(operator_id, held.book_key)) is not None:
                return first
            refusal = await check(await self.live(operator_id, since=since))
            if refusal:
                raise OperatorRejected(refusal)
            if (operator_id, held.id) in self._held:
                raise Conflict(f"booking {held.id} of {operator_id} exists already")
            self._held[(operator_id, held.id)] = held
            return held

    def _by_key(self, operator_id: str, book_key: str) -> HeldBooking | None:
        return next((h for (op, _), h in self._held.items() if op == operator_id and h.book_key == book_key), None)

    async def find_booked(self, operator_id: str, book_key: str) -> HeldBooking | None:
        return self._by_key(operator_id, book_key) if book_key else None

    async def get(self, operator_id: str, booking_id: str) -> HeldBooking:
        held = self._held.get((operator_id, booking_id))
        if held is None:
            raise NotFound(f"no booking {booking_id} at {operator_id}")
        return held

    async def save(self, operator_id: str, held: HeldBooking, *, expected: BookingState) -> HeldBooking:
        async with self._lock:
            stored = await self.get(operator_id, held.id)
            if stored.booking.state is not expected:
                raise Conflict(f"booking {held.id} is {stored.booking.state.value} now, not {expected.value}")
            self._held[(operator_id, held.id)] = held
            return held

    async def live(self, operator_id: str, *, since: dt.datetime) -> list[HeldBooking]:
        return [h for (op, _), h in self._held.items() if op == operator_id and h.is_live(since)]
