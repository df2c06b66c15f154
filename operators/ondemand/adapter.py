"""The on-demand van service behind the OperatorAdapter contract, with its riders' and drivers' side.

A quote inserts the ride into the day's plan without moving anyone already promised a window,
and offers the window around the van's scheduled pickup. Booking inserts it again into the plan
as it is then (someone may have booked since) within the window offered, and writes plan and
ride with a compare-and-swap on the plan's version: of two bookings racing for the last seat,
in this process or another one sharing the store, one wins and the other is re-tried against
the new plan and refused. The ride is held CONDITIONAL_CONFIRMED for `hold_s`; `confirm`
commits it. Drivers report pickups, drop-offs and no-shows as trip events, and a background
re-optimisation improves the plan between bookings, keeping every promise.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from maas.domain.accounts import GeoPoint
from maas.domain.analyses import RideService
from maas.domain.errors import Conflict, OperatorRejected, OperatorUnavailable
from maas.domain.mobility import (HELD_STATES, BookingState, Conditions, LegBooking, Offer, OfferQuery,
                                  TripEvent, TripEventKind)
from maas.domain.ondemand import (DayPlan, Manifest, RefusalCode, Ride, RideRefused, RideStore, StalePlan,
                                  StopKind)
from maas.domain.planning import Money
from maas.domain.ports import Clock
from maas.domain.quotes import QuoteStore
from operators.offer_book import Answers, MemoryQuoteStore, SharedOfferBook
from operators.ondemand.area import Admission, ServiceArea, zone_rings
from operators.ondemand.config import OnDemandConfig
from routing.streets import StreetError, StreetRouter
from routing.streets.travel import StreetTravelProvider
from operators.ondemand.day import NEW, Candidate, DayBuilder, DayModel, day_start, seconds
from operators.ondemand.manifest import manifests
from operators.ondemand.plans import Day, load_day, route_metres, without
from routing.flex import FlexFeed
from routing.flex.writer import FlexAgency
from routing.pooling import Insertion, PoolingParams, insert_request, reoptimise
from routing.pooling.warmup import warm_up as pooling_warm_up

log = logging.getLogger(__name__)
S = BookingState
MAX_ATTEMPTS = 8  # compare-and-swap retries before telling the rider to try again


@dataclass(frozen=True)
class _Quote:
    offer: Offer
    query: OfferQuery
    service_date: dt.date
    candidate: Candidate  # pickup window narrowed to the one offered
    latest_dropoff: dt.datetime


def _encode(quote: _Quote) -> dict[str, Any]:
    """The quote's details as JSON, for the shared quote store (the offer is stored beside them)."""
    c = quote.candidate
    return {"query": quote.query.model_dump(mode="json"), "service_date": quote.service_date.isoformat(),
            "latest_dropoff": quote.latest_dropoff.isoformat(),
            "candidate": {"origin": c.origin.model_dump(mode="json"), "destination": c.destination.model_dump(mode="json"),
                          "travellers": c.travellers, "wheelchairs": c.wheelchairs,
                          "pickup_window_s": list(c.pickup_window_s), "dropoff_window_s": list(c.dropoff_window_s)}}


def _decode(offer: Offer, details: Mapping[str, Any]) -> _Quote:
    c = details["candidate"]
    candidate = Candidate(origin=GeoPoint.model_validate(c["origin"]),
                          destination=GeoPoint.model_validate(c["destination"]),
                          travellers=int(c["travellers"]), wheelchairs=int(c["wheelchairs"]),
                          pickup_window_s=(int(c["pickup_window_s"][0]), int(c["pickup_window_s"][1])),
                          dropoff_window_s=(int(c["dropoff_window_s"][0]), int(c["dropoff_window_s"][1])))
    return _Quote(offer, OfferQuery.model_validate(details["query"]),
                  dt.date.fromisoformat(details["service_date"]), candidate,
                  dt.datetime.fromisoformat(details["latest_dropoff"]))


class OnDemandAdapter:
    def __init__(self, config: OnDemandConfig, area: ServiceArea, store: RideStore, clock: Clock,
                 streets: StreetRouter | None = None, quotes: QuoteStore | None = None) -> None:
        self.operator_id, self.config, self.area, self.store, self.clock = (
            config.operator_id, config, area, store, clock)
        self._builder = DayBuilder(config, streets)
        self._lock = asyncio.Lock()
        # Quotes in the service's database when given: any process books what another quoted.
        self._offers: SharedOfferBook[_Quote] = SharedOfferBook(self.operator_id, quotes or MemoryQuoteStore(),
                                                                _encode, _decode)
        self._answers = Answers()
        self._background: dict[dt.date, asyncio.Task[None]] = {}
        self._closing = False

    # -- publishing (GTFS-Flex export) --------------------------------------------------------
    def published_flex(self) -> tuple[FlexFeed, FlexAgency]:
        """The service as the platform runs it (zones, hours, booking rules), and who runs it."""
        feed = self.area.feed
        rule = next(iter(feed.booking_rules.values()), None)
        return feed, FlexAgency(agency_id=self.operator_id, name=self.config.name or self.operator_id,
                                url=(rule.info_url if rule and rule.info_url else ""), timezone=self.config.timezone,
                                phone=rule.phone_number if rule else "")

    # -- for accessibility analyses (the RideArea capability) ----------------------------------
    def ride_services(self, day: dt.date) -> list[RideService]:
        """The van in each zone on a day. Rides are booked ahead, and the pickup falls somewhere in the
        flexible span after the time asked: on average half of it is the wait."""
        return [RideService(mode="on_demand", speed_mps=self.config.speed_mps,
                            wait_s=self.config.promise.flexible_after_s // 2, road_factor=self.config.road_factor,
                            zone=zone_rings(zone.edges_deg), hours=hours, operator_id=self.operator_id,
                            zone_name=zone.name or zone.zone_id)
                for zone, hours in self.area.pickup_zones(day)]

    # -- quoting --------------------------------------------------------------------------------
    def warm_up(self) -> None:
        """Compiles the dispatch kernels ahead of the first quote (called in a worker thread)."""
        pooling_warm_up()

    async def search_offers(self, query: OfferQuery) -> list[Offer]:
        try:
            return [await self.quote(query)]
        except RideRefused as refused:
            log.info("%s: no offer: %s", self.operator_id, refused.message)
            return []

    async def quote(self, query: OfferQuery) -> Offer:
        """An offer with a promised pickup window; RideRefused saying why there is none."""
        now = self.clock.now()
        candidate, admission = self._admit(query, now)
        async with self._lock:
            day = await self._day(admission.service_date, now)
        model, insertion = await asyncio.to_thread(self._insert, day, candidate)
        if insertion is None:
            raise await self._no_insertion(day, candidate, admission, query)
        promise = self.config.promise
        window = (max(candidate.pickup_window_s[0], int(insertion.pickup_s) - promise.before_s),
                  min(int(insertion.pickup_s) + promise.after_s, int(insertion.latest_pickup_s)))
        request = model.problem.requests[model.candidate_index()]
        # The drop-off deadline every later insertion and re-optimisation keeps: the longest ride
        # from the latest pickup, the feed's drop-off hours and the rider's arrive_by.
        latest_dropoff_s = min(window[1] + request.boarding_s + (request.max_ride_s or 0),
                               candidate.dropoff_window_s[1])
        offer = self._offer(query, model, window, insertion.pickup_s, insertion.dropoff_s + request.alighting_s,
                            admission, now, latest_dropoff_s + request.alighting_s)
        await self._offers.add(_Quote(offer, query, admission.service_date,
                                      Candidate(**{**candidate.__dict__, "pickup_window_s": window}),
                                      model.at(latest_dropoff_s)), now)
        return offer

    def _admit(self, query: OfferQuery, now: dt.datetime) -> tuple[Candidate, Admission]:
        chairs = 1 if query.wheelchair else 0
        seats = query.travellers - chairs
        if not any(van.seats >= seats and van.wheelchair_places >= chairs for van in self.config.vans):
            need = f"{seats} seats" + (" and a wheelchair place" if chairs else "")
            raise RideRefused(RefusalCode.PARTY_TOO_LARGE, f"no van of the fleet has {need}")
        admission = self.area.admit(query, now, self.config.promise)
        if isinstance(travel := self._builder.travel, StreetTravelProvider):
            try:  # refused here, so that no later day plan holds a point the vans cannot reach
                travel.check_reachable(query.origin.lat, query.origin.lon, query.destination.lat,
                                       query.destination.lon)
            except StreetError as error:
                raise RideRefused(RefusalCode.OUTSIDE_AREA, f"no road for the van: {error}") from error
        dropoff = admission.dropoff_window_s
        if query.arrive_by is not None:  # alighting ends by arrive_by
            start = day_start(admission.service_date, self.config.zone)
            dropoff = (dropoff[0], min(dropoff[1], seconds(query.arrive_by, start) - self.config.alighting_s))
            if dropoff[1] < dropoff[0]:
                raise RideRefused(RefusalCode.CANNOT_ARRIVE_IN_TIME, f"the van sets nobody down before "
                                  f"{(start + dt.timedelta(seconds=dropoff[0])).astimezone(self.config.zone):%H:%M}")
        return Candidate(query.origin, query.destination, query.travellers, chairs,
                         admission.pickup_window_s, dropoff), admission

    async def _no_insertion(self, day: Day, candidate: Candidate, admission: Admission,
                            query: OfferQuery) -> RideRefused:
        """Why no van takes the ride: full, or (with arrive_by) too late for the time asked."""
        full = RideRefused(RefusalCode.NO_CAPACITY, "no van has room for this ride in the pickup window asked for")
        if candidate.dropoff_window_s == admission.dropoff_window_s:
            return full
        model, insertion = await asyncio.to_thread(
            self._insert, day, Candidate(**{**candidate.__dict__, "dropoff_window_s": admission.dropoff_window_s}))
        if insertion is None:
            return full
        arrival = model.at(insertion.dropoff_s + model.problem.requests[model.candidate_index()].alighting_s)
        assert query.arrive_by is not None
        return RideRefused(RefusalCode.CANNOT_ARRIVE_IN_TIME,
                           f"the van cannot set you down by {query.arrive_by.astimezone(self.config.zone):%H:%M}; "
                           f"the earliest is {arrival.astimezone(self.config.zone):%H:%M}")

    def _insert(self, day: Day, candidate: Candidate, plan: DayPlan | None = None,
                rides: dict[str, Ride] | None = None) -> tuple[DayModel, Insertion | None]:
        plan, rides = plan or day.plan, rides if rides is not None else day.all_rides
        model = self._builder.build(day.date, plan, rides, candidate)
        late = [van for v, van in enumerate(model.van_ids) if not model.keeps_promises(v)]
        if late:  # a van running late keeps its run but takes nobody new until it catches up
            model = self._builder.build(day.date, plan, rides, candidate,
                                        vans=[v for v in model.van_ids if v not in late])
            if not model.van_ids:
                return model, None
        return model, insert_request(model.problem, model.routes, model.candidate_index())

    def _repair(self, day: Day, plan: DayPlan, picked: Ride) -> tuple[DayPlan, list[Ride]]:
        """After a pickup out of the planned order, re-seat the van's waiting riders (on any van,
        each within their promise) if its run no longer keeps every promise."""
        rides = {**day.all_rides, picked.id: picked}
        model = self._builder.build(day.date, plan, rides)
        van = picked.vehicle_id
        if model.keeps_promises(model.van_ids.index(van)):
            return plan, []
        waiting = sorted({r for r, kind in plan.routes.get(van, ()) if kind is StopKind.PICKUP},
                         key=lambda r: rides[r].pickup_from)
        for ride_id in waiting:
            plan = without(plan, ride_id)
        changed: list[Ride] = []
        stranded: list[str] = []
        for ride_id in waiting:
            ride = rides[ride_id]
            start = model.start
            candidate = Candidate(ride.origin, ride.destination, ride.travellers, ride.wheelchairs,
                                  (seconds(ride.pickup_from, start), seconds(ride.pickup_until, start)),
                                  (0, seconds(ride.latest_dropoff, start)))
            placed, insertion = self._insert(day, candidate, plan, rides)
            if insertion is None:
                stranded.append(ride_id)
                continue
            to = placed.van_ids[insertion.vehicle]
            plan = _with_route(plan, to, placed.stops(insertion.vehicle, list(insertion.visits)), ride_id)
            if to != ride.vehicle_id:
                rides[ride_id] = ride.model_copy(update={"vehicle_id": to})
                changed.append(rides[ride_id])
        if stranded:  # kept on their van in order, so the dispatcher sees the van running late
            log.warning("%s: van %s cannot keep its promises to %s after an out-of-order pickup",
                        self.operator_id, van, ", ".join(stranded))
            extra = tuple((r, k) for r in stranded for k in (StopKind.PICKUP, StopKind.DROP_OFF))
            plan = plan.model_copy(update={"routes": {**plan.routes, van: plan.routes.get(van, ()) + extra}})
        return plan, changed

    def _offer(self, query: OfferQuery, model: DayModel, window: tuple[int, int], pickup_s: float,
               arrival_s: float, admission: Admission, now: dt.datetime, latest_arrival_s: float) -> Offer:
        fare, zone = self.config.fare, self.config.zone
        start, end = model.at(window[0]), model.at(window[1])
        fee = Money(amount_minor=fare.cancellation_fee, currency=fare.currency) if fare.cancellation_fee else None
        notes = [f"pickup between {start.astimezone(zone):%H:%M} and {end.astimezone(zone):%H:%M}"]
        latest_arrival = model.at(latest_arrival_s)
        if query.arrive_by is not None:
            notes.append(f"arrival by {latest_arrival.astimezone(zone):%H:%M} at the latest")
        amount, concession = fare.price(query.travellers, query.concessions)
        if concession:
            notes.append(f"{concession} fare for the rider: show the certificate on board")
        if admission.booking_rule is not None and admission.booking_rule.message:
            notes.append(admission.booking_rule.message)
        conditions = Conditions(confirmation_required=True,
                                free_cancellation_until=start - dt.timedelta(seconds=fare.free_cancellation_before_s),
                                cancellation_fee=fee, notes=tuple(notes))
        return Offer(id=f"{self.operator_id}-offer-{uuid.uuid4().hex[:16]}", operator_id=self.operator_id,
                     mode="on_demand", price=Money(amount_minor=amount, currency=fare.currency),
                     valid_until=now + dt.timedelta(seconds=self.config.offer_validity_s),
                     departure=model.at(pickup_s), arrival=model.at(arrival_s), origin=query.origin,
                     destination=query.destination,
                     distance_m=int(model.problem.travel.distance_m[model.problem.requests[-1].pickup_place,
                                                                    model.problem.requests[-1].dropoff_place]),
                     conditions=conditions, vehicle_type="wheelchair_van" if query.wheelchair else "van",
                     latest_arrival=latest_arrival, travel_model=self._builder.travel_model,
                     path=self._path(query),
                     description=f"{self.config.name or self.operator_id}: {notes[0]}")

    def _path(self, query: OfferQuery) -> tuple[tuple[float, float], ...]:
        """The van's direct route on the streets (the ride itself may detour for others)."""
        travel = self._builder.travel
        if not isinstance(travel, StreetTravelProvider):
            return ()
        return tuple(travel.router.route("car", query.origin.lat, query.origin.lon, query.destination.lat,
                                         query.destination.lon).coordinates)

    # -- booking --------------------------------------------------------------------------------
    async def book(self, offer_id: str, *, idempotency_key: str) -> LegBooking:
        return (await self.book_ride(offer_id, idempotency_key=idempotency_key)).booking

    async def book_ride(self, offer_id: str, *, idempotency_key: str, rider_ref: str = "",
                        rider_name: str = "", booked_by: str = "") -> Ride:
        """Hold a place for the offer's ride (CONDITIONAL_CONFIRMED until confirmed or lapsed)."""
        async with self._lock:
            self._answers.replay("book", idempotency_key, offer_id)  # Conflict if the key booked another offer
            existing = await self.store.find_by_offer(self.operator_id, offer_id)
            if existing is not None:
                if existing.book_key == idempotency_key:
                    return existing
                raise Conflict(f"offer {offer_id} is already booked as {existing.id}")
            now = self.clock.now()
            quote = await self._offers.bookable(offer_id, now)
            # Booked as part of a trip, the ride is the rider's the offer was quoted for.
            rider_ref, rider_name = rider_ref or quote.query.rider_ref, rider_name or quote.query.rider_name
            ride = await self._write(quote.service_date, now,
                                     lambda day: self._place(day, quote, now, idempotency_key, rider_ref, rider_name,
                                                             booked_by))
            await self._offers.mark_booked(offer_id, ride.id)
            self._answers.remember("book", idempotency_key, offer_id, ride.booking)
        self._reoptimise_soon(ride.service_date)
        return ride

    def _place(self, day: Day, quote: _Quote, now: dt.datetime, key: str, rider_ref: str,
               rider_name: str, booked_by: str = "") -> tuple[DayPlan, list[Ride], Ride]:
        model, insertion = self._insert(day, quote.candidate)
        if insertion is None:
            raise OperatorRejected("no capacity: the last place in that pickup window has just been taken")
        offer = quote.offer
        booking = LegBooking(id=f"{self.operator_id}-ride-{uuid.uuid4().hex[:16]}", operator_id=self.operator_id,
                             offer_id=offer.id, state=S.NEW, price=offer.price, conditions=offer.conditions,
                             departure=model.at(insertion.pickup_s), arrival=offer.arrival)
        window = quote.candidate.pickup_window_s
        booking = booking.moved_to(S.CONDITIONAL_CONFIRMED).model_copy(
            update={"expires_at": min(now + dt.timedelta(seconds=self.config.hold_s), model.at(window[0]))})
        van = model.van_ids[insertion.vehicle]
        request = model.problem.requests[model.candidate_index()]
        direct_s = int(round(float(model.problem.travel.duration_s[request.pickup_place, request.dropoff_place])))
        ride = Ride(booking=booking, service_date=day.date, origin=quote.query.origin,
                    destination=quote.query.destination, travellers=quote.candidate.travellers,
                    wheelchairs=quote.candidate.wheelchairs, needs=quote.query.needs,
                    requested_pickup=quote.query.depart_at, pickup_from=model.at(window[0]),
                    pickup_until=model.at(window[1]), latest_dropoff=quote.latest_dropoff,
                    arrive_by=quote.query.arrive_by, vehicle_id=van,
                    rider_ref=rider_ref, rider_name=rider_name, booked_by=booked_by, book_key=key,
                    direct_s=direct_s)
        plan = _with_route(day.plan, van, model.stops(insertion.vehicle, list(insertion.visits)), ride.id)
        return plan, [ride], ride

    async def confirm(self, booking_id: str, *, idempotency_key: str) -> LegBooking:
        async with self._lock:
            if (answer := self._answers.replay("confirm", idempotency_key, booking_id)) is not None:
                return answer
            ride = await self.store.get_ride(self.operator_id, booking_id)
            now = self.clock.now()

            def confirmed(day: Day) -> tuple[DayPlan, list[Ride], Ride]:
                current = day.all_rides[booking_id]
                if current.booking.state is S.CONFIRMED:
                    return day.plan, [], current
                booking = current.booking.moved_to(S.CONFIRMED)  # Conflict once lapsed or released
                if day.plan.vehicle_of(booking_id) is None:
                    raise Conflict(f"ride {booking_id} has no place in the plan")
                return day.plan, [current.model_copy(update={"booking": booking.model_copy(
                    update={"expires_at": None})})], current
            await self._write(ride.service_date, now, confirmed)
            answer = (await self.store.get_ride(self.operator_id, booking_id)).booking
            return self._answers.remember("confirm", idempotency_key, booking_id, answer)

    async def cancel(self, booking_id: str, *, idempotency_key: str) -> LegBooking:
        async with self._lock:
            if (answer := self._answers.replay("cancel", idempotency_key, booking_id)) is not None:
                return answer
            ride = await self.store.get_ride(self.operator_id, booking_id)
            now = self.clock.now()

            def cancelled(day: Day) -> tuple[DayPlan, list[Ride], Ride]:
                current = day.all_rides[booking_id]
                if current.booking.state in {S.CANCELLED, S.RELEASED, S.EXPIRED, S.REJECTED}:
                    return day.plan, [], current
                booking = current.booking
                if booking.state in HELD_STATES:
                    booking = booking.moved_to(S.RELEASED, reason="released before confirmation; no fee")
                else:
                    fee = booking.conditions.cancellation_fee
                    late = (booking.conditions.free_cancellation_until is not None
                            and now > booking.conditions.free_cancellation_until and fee is not None)
                    booking = booking.moved_to(S.CANCELLED, reason=(
                        f"cancelled late; cancellation fee {fee.amount_minor} {fee.currency}" if late and fee
                        else "cancelled free of charge"))
                changed = current.model_copy(update={"booking": booking})
                return without(day.plan, booking_id), [changed], changed
            await self._write(ride.service_date, now, cancelled)
            answer = (await self.store.get_ride(self.operator_id, booking_id)).booking
            return self._answers.remember("cancel", idempotency_key, booking_id, answer)

    # -- status and drivers' reports -------------------------------------------------------------
    async def get_booking(self, booking_id: str) -> LegBooking:
        return (await self.get_ride(booking_id)).booking

    async def get_ride(self, ride_id: str) -> Ride:
        ride = await self.store.get_ride(self.operator_id, ride_id)
        return _lapsed(ride, self.clock.now()) or ride

    async def list_rides(self, *, service_date: dt.date | None = None, rider_ref: str | None = None,
                         limit: int = 200) -> list[Ride]:
        now = self.clock.now()
        rides = await self.store.list_rides(self.operator_id, service_date=service_date, rider_ref=rider_ref,
                                            limit=limit)
        return [_lapsed(r, now) or r for r in rides]

    async def receive_event(self, event: TripEvent) -> LegBooking:
        """STARTED: picked up; FINISHED: set down; NO_SHOW: the rider was not there; ISSUE: noted."""
        async with self._lock:
            ride = await self.store.get_ride(self.operator_id, event.booking_id)
            if event.kind is TripEventKind.ISSUE:
                log.warning("%s: issue reported on ride %s: %s", self.operator_id, ride.id, event.detail)
                return ride.booking

            def moved(day: Day) -> tuple[DayPlan, list[Ride], Ride]:
                current = day.all_rides[event.booking_id]
                changed = _after_event(current, event)
                if changed == current:
                    return day.plan, [], current
                reported = StopKind.DROP_OFF if event.kind is TripEventKind.FINISHED else StopKind.PICKUP
                plan = _past_breaks(day.plan, current.vehicle_id, current.id, reported)
                if event.kind is not TripEventKind.STARTED:
                    return without(plan, current.id), [changed], changed
                plan, moved = self._repair(day, without(plan, current.id, kinds=(StopKind.PICKUP,)), changed)
                return plan, [changed, *moved], changed
            return (await self._write(ride.service_date, self.clock.now(), moved)).booking

    async def manifests(self, service_date: dt.date) -> list[Manifest]:
        async with self._lock:
            day = await self._day(service_date, self.clock.now())
        return await asyncio.to_thread(manifests, self.config, self._builder, day)

    # -- re-optimisation -------------------------------------------------------------------------
    async def reoptimise(self, service_date: dt.date, time_limit_s: float | None = None) -> int:
        """Improve the day's plan, keeping every promise; the metres saved (0 if someone wrote first)."""
        async with self._lock:
            day = await self._day(service_date, self.clock.now())
        limit = time_limit_s or self.config.reoptimise_s or 2.0
        solved = await asyncio.to_thread(self._solve, day, limit)
        if solved is None:
            return 0
        plan, rides, saved_m = solved
        async with self._lock:
            try:
                await self.store.save_day(plan, [*rides, *day.lapsed])
            except StalePlan:
                log.info("%s: plan of %s changed during re-optimisation; kept the newer one",
                         self.operator_id, service_date)
                return 0
        return saved_m

    def _solve(self, day: Day, limit_s: float) -> tuple[DayPlan, list[Ride], int] | None:
        model = self._builder.build(day.date, day.plan, day.all_rides)
        vans = [van for v, van in enumerate(model.van_ids) if model.keeps_promises(v)]
        if len(vans) < len(model.van_ids):
            model = self._builder.build(day.date, day.plan, day.all_rides, vans=vans)
        if not model.ride_ids:
            return None
        routes = reoptimise(model.problem, model.routes, PoolingParams(time_limit_s=limit_s, seed=day.plan.version))
        before = sum(route_metres(model.problem, v, r) for v, r in enumerate(model.routes))
        after = sum(route_metres(model.problem, v, r) for v, r in enumerate(routes))
        if after >= before - 0.5:
            return None
        plan = day.plan
        moved: list[Ride] = []
        for v, visits in enumerate(routes):
            van = model.van_ids[v]
            plan = _with_route(plan, van, model.stops(v, list(visits)))
            for ride_id, kind in plan.routes[van]:
                if kind is not StopKind.DROP_OFF:  # the driver's breaks are in the route too
                    continue
                ride = day.all_rides[ride_id]
                if ride.vehicle_id != van:
                    moved.append(ride.model_copy(update={"vehicle_id": van}))
        return plan, moved, round(before - after)

    def _reoptimise_soon(self, service_date: dt.date) -> None:
        if self.config.reoptimise_s <= 0 or self._closing:
            return
        task = self._background.get(service_date)
        if task is not None and not task.done():
            return  # the pending run will see this booking too
        self._background[service_date] = asyncio.create_task(self._reoptimise_later(service_date))

    async def _reoptimise_later(self, service_date: dt.date) -> None:
        await asyncio.sleep(0.5)  # let a burst of bookings land first
        if self._closing:
            return
        try:
            saved = await self.reoptimise(service_date)
            log.info("%s: re-optimised %s, %d m saved", self.operator_id, service_date, saved)
        except Exception:  # a failed improvement must never take the service down
            log.exception("%s: background re-optimisation of %s failed", self.operator_id, service_date)

    async def aclose(self) -> None:
        """Let a running re-optimisation finish (cancelling it mid-write could leave a database
        connection open); one still waiting to start does not start."""
        self._closing = True
        tasks = [t for t in self._background.values() if not t.done()]
        if tasks:
            _, late = await asyncio.wait(tasks, timeout=self.config.reoptimise_s + 10)
            for task in late:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    # -- the day and its compare-and-swap ------------------------------------------------------
    async def _day(self, service_date: dt.date, now: dt.datetime) -> Day:
        plan, rides = await self.store.load_day(self.operator_id, service_date)
        return load_day(plan, rides, now, service_date)

    async def _write(self, service_date: dt.date, now: dt.datetime, change) -> Ride:
        """Apply `change(day) -> (plan, changed rides, result)` and store it if the plan did not move."""
        for _ in range(MAX_ATTEMPTS):
            day = await self._day(service_date, now)
            plan, rides, result = await asyncio.to_thread(change, day)
            if not rides and plan is day.plan and not day.lapsed:
                return result
            try:
                await self.store.save_day(plan, [*rides, *[r for r in day.lapsed if r.id not in {x.id for x in rides}]])
                return result
            except StalePlan:
                continue
        raise OperatorUnavailable("the van service is busy; please try again")


def _with_route(plan: DayPlan, van: str, stops: tuple[tuple[str, StopKind], ...], new_id: str = "") -> DayPlan:
    """The plan with the van's run replaced (the ride being booked named `new_id`), keeping
    the record of the breaks its driver has taken."""
    taken = tuple(entry for entry in plan.routes.get(van, ()) if entry[1] is StopKind.BREAK_TAKEN)
    run = tuple((new_id if r == NEW else r, kind) for r, kind in stops)
    return plan.model_copy(update={"routes": {**plan.routes, van: run + taken}})


def _past_breaks(plan: DayPlan, van: str, ride_id: str, kind: StopKind) -> DayPlan:
    """Breaks planned before a stop the driver has reported are behind them: taken."""
    stops = plan.routes.get(van, ())
    at = next((i for i, (r, k) in enumerate(stops) if r == ride_id and k is kind), None)
    if at is None:
        return plan
    done = [(r, StopKind.BREAK_TAKEN) if k is StopKind.BREAK and i < at else (r, k) for i, (r, k) in enumerate(stops)]
    return plan.model_copy(update={"routes": {**plan.routes, van: tuple(done)}})


def _lapsed(ride: Ride, now: dt.datetime) -> Ride | None:
    booking = ride.booking
    if booking.state in HELD_STATES and booking.expires_at is not None and booking.expires_at <= now:
        return ride.model_copy(update={"booking": booking.moved_to(S.EXPIRED, reason="not confirmed in time")})
    return None


def _after_event(ride: Ride, event: TripEvent) -> Ride:
    booking = ride.booking
    if event.kind is TripEventKind.STARTED:
        if ride.picked_up_at is not None:
            return ride
        return ride.model_copy(update={"booking": booking.moved_to(S.STARTED), "picked_up_at": event.at})
    if event.kind is TripEventKind.FINISHED:
        if ride.dropped_off_at is not None:
            return ride
        return ride.model_copy(update={"booking": booking.moved_to(S.FINISHED), "dropped_off_at": event.at})
    if ride.no_show_at is not None:
        return ride
    if booking.state is S.STARTED:
        raise Conflict(f"ride {ride.id} was picked up; it cannot be a no-show")
    return ride.model_copy(update={"booking": booking.moved_to(S.FINISHED, reason="no-show"), "no_show_at": event.at})
