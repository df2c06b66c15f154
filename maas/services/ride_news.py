"""What the on-demand van tells a rider beyond their booking's saves: the van approaching their
pickup (from the driver's run as replanned after each report: the stop before theirs done and
their pickup planned within `approach_s`), the driver's arrival, and for a ride booked on its own
(no trip booking holds it) the pickup, drop-off or no-show. A ride in a trip booking is told
those by the booking's own refresh (maas.domain.rider_events), in the transaction that saves it.

Each event is keyed by the ride and what happened, so a report repeated, or a round of the
watcher run again, is one event.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Mapping
from zoneinfo import ZoneInfo

from maas.domain.accounts import Principal
from maas.domain.bookings import Booking
from maas.domain.errors import DomainError
from maas.domain.ondemand import Manifest, OnDemandDispatch, Ride, StopKind
from maas.domain.ports import Clock, OperatorAdapter, UnitOfWorkFactory
from maas.domain.rider_events import EventType
from maas.services.bookings import BookingService
from maas.services.rider_events import EventService

log = logging.getLogger(__name__)


class RideNews:
    def __init__(self, adapters: Mapping[str, OperatorAdapter], uow: UnitOfWorkFactory, bookings: BookingService,
                 events: EventService, clock: Clock, *, approach_s: int = 600, timezone: str = "Asia/Tokyo") -> None:
        self._services = {op: a for op, a in adapters.items() if isinstance(a, OnDemandDispatch)}
        self._uow, self._bookings, self._events, self._clock = uow, bookings, events, clock
        self._approach, self._zone = dt.timedelta(seconds=approach_s), ZoneInfo(timezone)
        self._closed, self._busy = asyncio.Event(), asyncio.Lock()

    async def reported(self, operator_id: str, ride_id: str) -> Booking | None:
        """After a driver's report: the trip booking holding the ride moves along (and tells the
        rider); a ride booked on its own is told here."""
        booking = await self._bookings.refresh_leg(operator_id, ride_id)
        if booking is not None or operator_id not in self._services:
            return booking
        ride = await self._services[operator_id].get_ride(ride_id)
        for kind, at in ((EventType.PICKED_UP, ride.picked_up_at), (EventType.DROPPED_OFF, ride.dropped_off_at),
                         (EventType.NO_SHOW, ride.no_show_at)):
            if at is not None and ride.rider_ref:
                await self._tell(kind, ride, None)
        return None

    async def arrived(self, caller: Principal, operator_id: str, ride_id: str) -> None:
        """The driver is at the pickup (their report, recorded at the operator as a note)."""
        caller.require_operator(operator_id)
        service = self._services.get(operator_id)
        if service is None:
            return
        ride = await service.get_ride(ride_id)
        if ride.rider_ref and ride.picked_up_at is None and ride.no_show_at is None:
            await self._tell(EventType.DRIVER_ARRIVED, ride, await self._booking_of(ride))

    async def announce_approaching(self) -> int:
        """One round: the van is on its way to a rider (the stop before theirs is done, or theirs
        is the run's first) and their pickup is planned within `approach_s`. Events told."""
        now = self._clock.now()
        told = 0
        for service in self._services.values():
            for manifest in await service.manifests(now.astimezone(self._zone).date()):
                for ride_id, planned in _next_pickups(manifest):
                    if planned - now <= self._approach:
                        ride = await service.get_ride(ride_id)
                        if ride.rider_ref and ride.picked_up_at is None:
                            minutes = max(0, round((planned - now).total_seconds() / 60))
                            await self._tell(EventType.PICKUP_APPROACHING, ride, await self._booking_of(ride),
                                             minutes=minutes)
                            told += 1
        return told

    async def watch(self, stop: asyncio.Event, interval_s: float = 30.0) -> None:
        while not (stop.is_set() or self._closed.is_set()):
            try:
                async with self._busy:
                    if not self._closed.is_set():
                        await self.announce_approaching()
            except Exception:  # an operator's hiccup must not end the watcher
                log.exception("announcing approaching vans failed")
            try:
                await asyncio.wait_for(stop.wait(), interval_s)
            except TimeoutError:
                pass

    async def aclose(self) -> None:
        """No round starts after this; one under way finishes (before the database goes)."""
        self._closed.set()
        async with self._busy:
            pass

    async def _booking_of(self, ride: Ride) -> str | None:
        async with self._uow() as uow:
            booking = await uow.bookings.find_by_leg(ride.operator_id, ride.id)
        return None if booking is None else booking.id

    async def _tell(self, kind: EventType, ride: Ride, booking_id: str | None, *,
                    minutes: int | None = None) -> None:
        data: dict[str, object] = {"ride_id": ride.id, "operator_id": ride.operator_id, "vehicle_id": ride.vehicle_id,
                                   "pickup_from": ride.pickup_from.isoformat(),
                                   "pickup_until": ride.pickup_until.isoformat()}
        if minutes is not None:
            data["minutes"] = minutes
        try:
            await self._events.publish(kind, account_id=ride.rider_ref, booking_id=booking_id,
                                       key=f"{ride.operator_id}:{ride.id}:{kind.value}", data=data)
        except DomainError as exc:  # the ride is recorded; only the news is missed
            log.warning("ride %s: %s not told (%s)", ride.id, kind.value, exc.message)


def _next_pickups(manifest: Manifest) -> list[tuple[str, dt.datetime]]:
    """The pickup the van drives to now: the first stop not done, if it is a pickup."""
    for stop in manifest.stops:
        if stop.kind in (StopKind.BREAK_TAKEN,) or stop.done_at is not None:
            continue
        return [(stop.ride_id, stop.planned_at)] if stop.kind is StopKind.PICKUP else []
    return []
