"""On-demand rides for riders, call-centre staff, drivers and operators.

A rider (or an agent booking for one) asks for a quote, books it, sees and cancels their rides;
booked directly, a ride is paid on board, so it is confirmed at once, and released again if the
confirmation fails. Riders see only their own rides; agents and admins every ride. Drivers'
systems (an operator's API key) fetch the day's manifests and report pickups, drop-offs and
no-shows.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence

from maas.domain.accounts import Principal, Role
from maas.domain.errors import DomainError, InvalidRequest, NotFound
from maas.domain.mobility import LegBooking, Offer, OfferQuery, TripEvent, TripEventKind
from maas.domain.ondemand import Manifest, OnDemandDispatch, Ride
from maas.domain.ports import Clock, OperatorAdapter

log = logging.getLogger(__name__)
STAFF = frozenset({Role.AGENT, Role.ADMIN})


class OnDemandService:
    def __init__(self, adapters: Mapping[str, OperatorAdapter], clock: Clock,
                 remember: Callable[[Sequence[Offer]], Awaitable[None]] | None = None,
                 on_event: Callable[[str, str], Awaitable[object]] | None = None) -> None:
        self._services = {op: a for op, a in adapters.items() if isinstance(a, OnDemandDispatch)}
        self._adapters = adapters
        self.clock = clock
        self._remember = remember  # quotes join the offers a trip booking may be made from
        self._on_event = on_event  # a driver's report moves the trip booking holding the ride

    def operator_ids(self) -> list[str]:
        return sorted(self._services)

    def _service(self, operator_id: str) -> OnDemandDispatch:
        service = self._services.get(operator_id)
        if service is None:
            raise NotFound(f"no on-demand service {operator_id!r}")
        return service

    async def quote(self, operator_id: str, query: OfferQuery) -> Offer:
        offer = await self._service(operator_id).quote(query)
        if self._remember is not None:
            await self._remember([offer])
        return offer

    async def request_ride(self, caller: Principal, operator_id: str, offer_id: str, *, idempotency_key: str,
                           rider_name: str = "", for_rider: str | None = None) -> Ride:
        """Book and confirm; agents may book for a rider (`for_rider`, an account id)."""
        service = self._service(operator_id)
        if for_rider is not None and caller.role not in STAFF:
            raise InvalidRequest("only call-centre staff may book for another rider", fields={"for_rider": "not allowed"})
        rider_ref = for_rider or caller.subject_id
        ride = await service.book_ride(offer_id, idempotency_key=idempotency_key, rider_ref=rider_ref,
                                       rider_name=rider_name)
        adapter = self._adapters[operator_id]
        try:
            await adapter.confirm(ride.id, idempotency_key=f"confirm:{idempotency_key}")
        except DomainError:
            # A held place nobody will pay for must not block the van: give it back.
            await adapter.cancel(ride.id, idempotency_key=f"release:{idempotency_key}")
            raise
        return await service.get_ride(ride.id)

    async def get_ride(self, caller: Principal, operator_id: str, ride_id: str) -> Ride:
        ride = await self._service(operator_id).get_ride(ride_id)
        if caller.role not in STAFF and ride.rider_ref != caller.subject_id:
            raise NotFound(f"no ride {ride_id}")  # never confirm that someone else's ride exists
        return ride

    async def list_rides(self, caller: Principal, operator_id: str, *, service_date: dt.date | None = None,
                         rider: str | None = None, limit: int = 200) -> list[Ride]:
        if caller.role not in STAFF:
            rider = caller.subject_id
        return await self._service(operator_id).list_rides(service_date=service_date, rider_ref=rider, limit=limit)

    async def cancel_ride(self, caller: Principal, operator_id: str, ride_id: str, *,
                          idempotency_key: str) -> LegBooking:
        await self.get_ride(caller, operator_id, ride_id)
        return await self._adapters[operator_id].cancel(ride_id, idempotency_key=idempotency_key)

    async def manifests(self, caller: Principal, operator_id: str, service_date: dt.date, *,
                        vehicle_id: str | None = None) -> list[Manifest]:
        caller.require_operator(operator_id)
        found = await self._service(operator_id).manifests(service_date)
        if vehicle_id is not None:
            found = [m for m in found if m.vehicle_id == vehicle_id]
            if not found:
                raise NotFound(f"{operator_id} has no vehicle {vehicle_id!r}")
        return found

    async def report(self, caller: Principal, operator_id: str, ride_id: str, kind: TripEventKind, *,
                     at: dt.datetime | None = None, detail: str = "") -> Ride:
        """A driver's report: picked up (STARTED), set down (FINISHED), NO_SHOW or an ISSUE."""
        caller.require_operator(operator_id)
        service = self._service(operator_id)
        await service.get_ride(ride_id)  # NotFound before anything is recorded
        event = TripEvent(booking_id=ride_id, kind=kind, at=at or self.clock.now(), detail=detail)
        await self._adapters[operator_id].receive_event(event)
        if self._on_event is not None:
            try:
                await self._on_event(operator_id, ride_id)
            except DomainError as exc:  # the ride is recorded; the booking catches up on its next refresh
                log.warning("ride %s reported, but its booking could not be updated: %s", ride_id, exc.message)
        return await service.get_ride(ride_id)
