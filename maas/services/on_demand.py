"""On-demand rides for riders, call-centre staff, drivers and operators.

A rider (or an agent booking for one) asks for a quote, books it, sees and cancels their rides;
booked directly, a ride is paid on board, so it is confirmed at once, and released again if the
confirmation fails. Riders see only their own rides; agents and admins every ride. Drivers'
systems (an operator's API key) fetch the day's manifests and report pickups, drop-offs and
no-shows.

A refused quote (RideRefused) is recorded for the town's figures (maas.domain.ride_refusals: no
rider, only ~250 m cells; its service date is the requested pickup's date in `timezone`); failing
to record it is logged and never changes the rider's answer.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from zoneinfo import ZoneInfo

from maas.domain.accounts import Principal, Role
from maas.domain.entitlements import Entitlements
from maas.domain.errors import Conflict, DomainError, InvalidRequest, NotFound
from maas.domain.fare_rules import FareRules, LegFacts, Rider
from maas.domain.mobility import FINAL_STATES, LegBooking, Offer, OfferQuery, TripEvent, TripEventKind
from maas.domain.ondemand import Manifest, OnDemandDispatch, Ride, RideRefused
from maas.domain.plausibility import EventWindow, check_event_time
from maas.domain.ports import Clock, OperatorAdapter, UnitOfWorkFactory
from maas.domain.realtime import VehicleFix
from maas.domain.ride_refusals import RideRefusal, quarter_mesh
from maas.domain.riders import RiderContext, issued_for

log = logging.getLogger(__name__)
STAFF = frozenset({Role.AGENT, Role.ADMIN})
# A van's last reported stop is published as its position this long; older, the van is left out
# (a stale position misleads, and a stop is where a rider lives: it is not kept on show).
POSITION_MAX_AGE_S = 600


class OnDemandService:
    def __init__(self, adapters: Mapping[str, OperatorAdapter], clock: Clock,
                 remember: Callable[[Sequence[Offer]], Awaitable[None]] | None = None,
                 on_event: Callable[[str, str], Awaitable[object]] | None = None,
                 refusals: UnitOfWorkFactory | None = None, timezone: str = "Asia/Tokyo",
                 events: EventWindow | None = None, rules: FareRules | None = None) -> None:
        # The service's database: refused quotes are recorded there, offers and accounts read.
        self._refusals, self._zone = refusals, ZoneInfo(timezone)
        self._events = events or EventWindow()  # when a driver's report can be true
        self._rules = rules
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

    async def quote(self, operator_id: str, query: OfferQuery, rider: RiderContext | None = None) -> Offer:
        """With a rider, the van is asked for their needs (a wheelchair place) and the offer is
        issued for them: nobody else can book it."""
        if rider is not None:
            query = rider.apply(query)
        try:
            offer = await self._service(operator_id).quote(query)
        except RideRefused as refused:
            await self._record_refusal(operator_id, query, refused)
            raise
        offer = issued_for([offer], rider)[0]
        if self._remember is not None:
            await self._remember([offer])
        return offer

    async def _record_refusal(self, operator_id: str, query: OfferQuery, refused: RideRefused) -> None:
        if self._refusals is None:
            return
        try:
            refusal = RideRefusal(operator_id=operator_id, service_date=query.depart_at.astimezone(self._zone).date(),
                                  requested_pickup=query.depart_at, code=refused.refusal, travellers=query.travellers,
                                  refused_at=self.clock.now(), origin_cell=quarter_mesh(query.origin),
                                  destination_cell=quarter_mesh(query.destination))
            async with self._refusals() as uow:
                await uow.ride_refusals.add(refusal)
                await uow.commit()
        except Exception:  # the rider still hears why; the town's figures miss one refusal
            log.exception("could not record a refused %s quote (%s)", operator_id, refused.refusal.value)

    async def request_ride(self, caller: Principal, operator_id: str, offer_id: str, *, idempotency_key: str,
                           rider_name: str = "", for_rider: str | None = None,
                           rider: RiderContext | None = None) -> Ride:
        """Book and confirm for `rider` (the caller, or the rider an agent acts for); without a
        resolved rider, agents may still name one by account id (`for_rider`)."""
        service = self._service(operator_id)
        if rider is None and for_rider is not None and caller.role not in STAFF:
            raise InvalidRequest("only call-centre staff may book for another rider", fields={"for_rider": "not allowed"})
        rider_ref = rider.account_id if rider is not None else (for_rider or caller.subject_id)
        await self._check_offer(offer_id, rider_ref)
        name = rider_name or (rider.display_name if rider is not None else "")
        ride = await service.book_ride(offer_id, idempotency_key=idempotency_key, rider_ref=rider_ref,
                                       rider_name=name, booked_by=caller.subject_id)
        adapter = self._adapters[operator_id]
        try:
            await adapter.confirm(ride.id, idempotency_key=f"confirm:{idempotency_key}")
        except DomainError:
            # A held place nobody will pay for must not block the van: give it back.
            await adapter.cancel(ride.id, idempotency_key=f"release:{idempotency_key}")
            raise
        return (await self._priced([await service.get_ride(ride.id)]))[0]

    async def _check_offer(self, offer_id: str, rider_ref: str) -> None:
        if self._refusals is None:
            return
        async with self._refusals() as uow:
            offer = await uow.offers.get(offer_id)
        if offer is not None:
            RiderContext(account_id=rider_ref, display_name="", role=Role.RIDER).check_offer(offer, field="offer_id")

    async def _priced(self, rides: list[Ride]) -> list[Ride]:
        """Each ride with what its rider pays under the town's fare rules, from their account as
        a trip booking prices it: the same price whichever way the ride was booked."""
        if self._rules is None or self._refusals is None or not rides:
            return rides
        accounts: dict[str, Entitlements | None] = {}
        async with self._refusals() as uow:
            for ref in {r.rider_ref for r in rides if r.rider_ref}:
                try:
                    accounts[ref] = Entitlements.of(await uow.claims.list_for((await uow.accounts.get(ref)).id))
                except NotFound:
                    accounts[ref] = None
        priced = []
        for ride in rides:
            entitled = accounts.get(ride.rider_ref)
            who = Rider() if entitled is None else entitled.rider_on(ride.service_date)
            applied = self._rules.apply(LegFacts(operator_id=ride.operator_id, mode="on_demand",
                                                 price=ride.booking.price, origin=ride.origin,
                                                 destination=ride.destination, day=ride.service_date), who)
            priced.append(ride.model_copy(update={"rider_price": applied.rider_price, "subsidy": applied.subsidy}))
        return priced

    async def get_ride(self, caller: Principal, operator_id: str, ride_id: str) -> Ride:
        ride = await self._service(operator_id).get_ride(ride_id)
        if caller.role not in STAFF and ride.rider_ref != caller.subject_id:
            raise NotFound(f"no ride {ride_id}")  # never confirm that someone else's ride exists
        return (await self._priced([ride]))[0]

    async def list_rides(self, caller: Principal, operator_id: str, *, service_date: dt.date | None = None,
                         rider: str | None = None, limit: int = 200) -> list[Ride]:
        if caller.role not in STAFF:
            rider = caller.subject_id
        return await self._priced(await self._service(operator_id).list_rides(
            service_date=service_date, rider_ref=rider, limit=limit))

    async def cancel_ride(self, caller: Principal, operator_id: str, ride_id: str, *,
                          idempotency_key: str) -> LegBooking:
        ride = await self.get_ride(caller, operator_id, ride_id)
        if self._refusals is not None and ride.booking.state not in FINAL_STATES:
            async with self._refusals() as uow:
                trip = await uow.bookings.find_by_leg(operator_id, ride_id)
            if trip is not None:  # its booking releases the payment and the other legs with it
                raise Conflict(f"ride {ride_id} is part of booking {trip.id}: cancel the booking",
                               fields={"booking_id": trip.id})
        return await self._adapters[operator_id].cancel(ride_id, idempotency_key=idempotency_key)

    async def open_rides_of(self, rider_ref: str) -> list[tuple[str, Ride]]:
        """The rider's rides not yet over, with their operator, across the on-demand services."""
        found = []
        for operator_id, service in self._services.items():
            for ride in await service.list_rides(rider_ref=rider_ref, limit=500):
                if ride.booking.state not in FINAL_STATES and ride.rider_ref == rider_ref:
                    found.append((operator_id, ride))
        return found

    async def manifests(self, caller: Principal, operator_id: str, service_date: dt.date, *,
                        vehicle_id: str | None = None) -> list[Manifest]:
        caller.require_operator(operator_id)
        found = await self._service(operator_id).manifests(service_date)
        if vehicle_id is not None:
            found = [m for m in found if m.vehicle_id == vehicle_id]
            if not found:
                raise NotFound(f"{operator_id} has no vehicle {vehicle_id!r}")
        return found

    async def vehicle_positions(self, operator_id: str) -> list[VehicleFix]:
        """Open data: each van on shift now, where its driver last reported a stop within
        POSITION_MAX_AGE_S (the vans send no GPS here); a van without such a report is left out."""
        now = self.clock.now()
        fixes = []
        for manifest in await self._service(operator_id).manifests(now.astimezone(self._zone).date()):
            if not manifest.shift_start <= now <= manifest.shift_end:
                continue
            done = [s for s in manifest.stops if s.done_at is not None and s.done_at <= now]
            if not done:
                continue
            last = max(done, key=lambda s: s.done_at or now)
            assert last.done_at is not None
            if (now - last.done_at).total_seconds() > POSITION_MAX_AGE_S:
                continue
            fixes.append(VehicleFix(vehicle_id=manifest.vehicle_id, label=manifest.vehicle_id, lat=last.place.lat,
                                    lon=last.place.lon, at=last.done_at))
        return fixes

    async def report(self, caller: Principal, operator_id: str, ride_id: str, kind: TripEventKind, *,
                     at: dt.datetime | None = None, detail: str = "") -> Ride:
        """A driver's report: picked up (STARTED), set down (FINISHED), NO_SHOW or an ISSUE."""
        caller.require_operator(operator_id)
        service = self._service(operator_id)
        ride = await service.get_ride(ride_id)  # NotFound before anything is recorded
        now = self.clock.now()
        event = TripEvent(booking_id=ride_id, kind=kind, at=at or now, detail=detail)
        if kind is not TripEventKind.ISSUE:  # a note may come any time; a pickup only around the ride
            check_event_time(event.at, now=now, scheduled_from=ride.pickup_from, scheduled_until=ride.latest_dropoff,
                             window=self._events, what=f"ride {ride_id}", zone=self._zone)
        await self._adapters[operator_id].receive_event(event)
        if self._on_event is not None:
            try:
                await self._on_event(operator_id, ride_id)
            except DomainError as exc:  # the ride is recorded; the booking catches up on its next refresh
                log.warning("ride %s reported, but its booking could not be updated: %s", ride_id, exc.message)
        return await service.get_ride(ride_id)
