"""Rider events: recorded in the outbox inside the transaction of the change that caused them,
published directly for news from outside a booking (disruptions and delays from real time, a
driver's arrival), and read back by a rider's event stream (SSE), from a position on.

Whoever commits events calls `committed()`: waiting streams wake, and the webhook deliverer is told
(DeliveryWake) so a delivery starts at once rather than at its next round. Nothing is lost if that
call never happens (a crash right after the commit): streams and the deliverer also poll.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Mapping
from typing import Any

from maas.domain.bookings import Booking
from maas.domain.errors import InvalidRequest, NotFound
from maas.domain.ports import Clock, UnitOfWork, UnitOfWorkFactory
from maas.domain.rider_events import EventType, RiderEvent, booking_events, make_event
from maas.domain.webhooks import DeliveryWake

# What is told from outside a booking's save: real time, and the van (for rides booked on their own).
NEWS = frozenset({EventType.DISRUPTION, EventType.DELAY, EventType.PICKUP_APPROACHING, EventType.DRIVER_ARRIVED,
                  EventType.PICKED_UP, EventType.DROPPED_OFF, EventType.NO_SHOW})


async def record_booking_change(uow: UnitOfWork, before: Booking | None, after: Booking, at: dt.datetime) -> int:
    """Write the events of a booking's save into the outbox, in the caller's transaction."""
    return await uow.events.add(booking_events(before, after, at))


class EventService:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, wake: DeliveryWake | None = None) -> None:
        self._uow, self._clock, self._wake = uow, clock, wake
        self._changed = asyncio.Event()  # replaced by a fresh one each time it is set

    def committed(self) -> None:
        """Events were committed: wake the streams of this process and the deliverer."""
        if self._wake is not None:
            self._wake.wake()
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    async def wait(self, timeout_s: float) -> None:
        """Until events are committed in this process, or the timeout (then streams poll)."""
        try:
            await asyncio.wait_for(self._changed.wait(), timeout_s)
        except TimeoutError:
            pass

    async def publish(self, kind: EventType, *, account_id: str, booking_id: str | None, key: str,
                      data: Mapping[str, Any]) -> RiderEvent:
        """News not caused by a booking's save (real time, a driver's arrival, the van's ETA).
        `key` names the occurrence: publishing the same one again is one event."""
        if kind not in NEWS:
            raise InvalidRequest(f"{kind.value} events come from the booking itself", fields={"type": "not news"})
        event = make_event(kind, at=self._clock.now(), account_id=account_id, booking_id=booking_id, key=key,
                           data=data)
        async with self._uow() as uow:
            if booking_id is not None:
                booking = await uow.bookings.get(booking_id)  # NotFound for no such booking
                if booking.account_id != account_id:
                    raise NotFound(f"no booking {booking_id} for rider {account_id}")
            await uow.events.add([event])
            await uow.commit()
        self.committed()
        return event

    async def publish_disruption(self, booking_id: str, *, summary: Mapping[str, str], key: str,
                                 data: Mapping[str, Any] | None = None) -> RiderEvent:
        """A leg of a booked trip is cancelled or a connection broken (the real-time watcher's call)."""
        account_id = await self._owner(booking_id)
        return await self.publish(EventType.DISRUPTION, account_id=account_id, booking_id=booking_id, key=key,
                                  data={**(data or {}), "booking_id": booking_id, "summary": dict(summary)})

    async def publish_delay(self, booking_id: str, *, delay_s: int, key: str,
                            data: Mapping[str, Any] | None = None) -> RiderEvent:
        account_id = await self._owner(booking_id)
        return await self.publish(EventType.DELAY, account_id=account_id, booking_id=booking_id, key=key,
                                  data={**(data or {}), "booking_id": booking_id, "delay_s": delay_s,
                                        "minutes": round(delay_s / 60)})

    async def _owner(self, booking_id: str) -> str:
        async with self._uow() as uow:
            return (await uow.bookings.get(booking_id)).account_id

    async def start_position(self, account_id: str, last_event_id: str | None) -> int:
        """Where a rider's stream starts: after `Last-Event-ID` (one of theirs), else now."""
        async with self._uow() as uow:
            if last_event_id is None:
                return await uow.events.last_position()
            found = await uow.events.position(last_event_id, account_id)
        if found is None:
            raise NotFound(f"no event {last_event_id} of this rider to resume after",
                           fields={"Last-Event-ID": "unknown event id"})
        return found

    async def after(self, account_id: str, position: int, *, limit: int = 100) -> list[tuple[int, RiderEvent]]:
        async with self._uow() as uow:
            return await uow.events.list_for(account_id, after_seq=position, limit=limit)
