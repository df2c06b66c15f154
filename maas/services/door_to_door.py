"""Door-to-door planning: transit, operators' direct rides, and transit with a taxi, van or
shared bike for the first or last mile, filtered to a handful of sensible options.

Everything that can run at once does: the transit search, the direct offers, and per hub (a
busy stop near either end) the feeder offers and the transit leg after or before them, each
ride timed to its train (door_timing.py), and with arrive_by every mode leaves late. An
operator that is slow or fails only removes its own options and is listed as unavailable.
Options are kept when no other option is at least as good on arrival, price, walking and
changes; the rest are ranked by a generalised time in which walking and changing weigh more
for a slow walker, so door-to-door rides rise for elderly riders.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import math
from collections.abc import Sequence
from functools import partial

from maas.domain.accounts import GeoPoint, great_circle_m
from maas.domain.door_to_door import (DOOR_MODES, AnyLeg, DoorToDoorOption, DoorToDoorPlan,
                                      DoorToDoorRequest, OperatorLeg, UnavailableOperator)
from maas.domain.errors import DomainError, InvalidRequest
from maas.domain.mobility import Offer, OfferQuery
from maas.domain.planning import (Itinerary, LegPlace, Money, PlaceRef, TransitLeg,
                                  TravellerProfile, TripRequest, WalkLeg)
from maas.domain.ports import Clock, JourneyPlanner
from maas.domain.riders import RiderContext
from maas.services.door_timing import (Quote, check_times, feed_train, fit, meet_train, trip_time,
                                       trip_window, waits_s)
from maas.services.offers import OfferService, OperatorFailure
from maas.services.planning import PlanningService

DETOUR_FACTOR = 1.3
SAME_PLACE_M = 30  # an offer starting this close to the rider needs no walk to it
BIKE_MODES = frozenset({"bike", "scooter"})  # between a feeder ride and the train or bus
HUB_RADIUS_M = 8000
MAX_HUBS = 2




def _point(place: PlaceRef, field: str) -> GeoPoint:
    if place.lat is None or place.lon is None:
        raise InvalidRequest("door-to-door planning needs coordinates at both ends",
                             fields={field: "give lat and lon"})
    return GeoPoint(lat=place.lat, lon=place.lon)


def _here(point: GeoPoint, name: str) -> LegPlace:
    return LegPlace(name=name, lat=point.lat, lon=point.lon)


def _walk(a: LegPlace, b: LegPlace, start: dt.datetime, profile: TravellerProfile,
          *, arrive: bool = False) -> WalkLeg | None:
    """A walk from a to b starting (or, with arrive, ending) at `start`; None if too far."""
    metres = int(round(great_circle_m(a, b) * DETOUR_FACTOR))
    if metres > profile.max_walk_m:
        return None
    seconds = int(math.ceil(metres / profile.walk_speed_mps))
    begin = start - dt.timedelta(seconds=seconds) if arrive else start
    return WalkLeg(origin=a, destination=b, departure=begin,
                   arrival=begin + dt.timedelta(seconds=seconds), duration_s=seconds,
                   distance_m=metres)


def _operator_leg(offer: Offer, start: LegPlace, end: LegPlace) -> OperatorLeg:
    return OperatorLeg(mode=offer.mode, operator_id=offer.operator_id, offer_id=offer.id,
                       origin=start, destination=end, departure=offer.departure,
                       arrival=offer.arrival,
                       duration_s=int((offer.arrival - offer.departure).total_seconds()),
                       distance_m=offer.distance_m, price=offer.price,
                       valid_until=offer.valid_until, conditions=offer.conditions,
                       description=offer.description, travel_model=offer.travel_model, path=offer.path)


def _around(offer: Offer, start: LegPlace, end: LegPlace,
            profile: TravellerProfile) -> list[AnyLeg] | None:
    """The offer's ride with the walks to and from it, the walk to it ending as it leaves (None
    when a walk is too long for the rider)."""
    board = LegPlace(name=offer.description or offer.mode, lat=offer.origin.lat,
                     lon=offer.origin.lon)
    alight = LegPlace(name=offer.description or offer.mode, lat=offer.destination.lat,
                      lon=offer.destination.lon)
    legs: list[AnyLeg] = []
    if great_circle_m(start, board) > SAME_PLACE_M:
        walk = _walk(start, board, offer.departure, profile, arrive=True)
        if walk is None:
            return None
        legs.append(walk)
    legs.append(_operator_leg(offer, board if legs else start, alight))
    if great_circle_m(alight, end) > SAME_PLACE_M:
        walk = _walk(alight, end, offer.arrival, profile)
        if walk is None:
            return None
        legs.append(walk)
    else:
        legs[-1] = legs[-1].model_copy(update={"destination": end})
    return legs


def _option(kind: str, legs: list[AnyLeg]) -> DoorToDoorOption:
    rides = [leg for leg in legs if not isinstance(leg, WalkLeg)]
    boardings = sum(1 for leg in rides if not (isinstance(leg, TransitLeg) and leg.stay_seated))
    prices: list[Money | None] = [leg.price if isinstance(leg, OperatorLeg) else leg.fare
                                  for leg in rides]
    known = [p for p in prices if p is not None]
    price = None
    if len(known) == len(prices) and len({p.currency for p in known}) <= 1:
        price = Money(amount_minor=sum(p.amount_minor for p in known),
                      currency=known[0].currency if known else "JPY")
    departure, arrival = legs[0].departure, legs[-1].arrival
    waits = waits_s(legs)
    return DoorToDoorOption(kind=kind, departure=departure, arrival=arrival,
                            duration_s=int((arrival - departure).total_seconds()),
                            transfers=max(boardings - 1, 0),
                            walk_distance_m=sum(leg.distance_m for leg in legs
                                                if isinstance(leg, WalkLeg)),
                            price=price, legs=tuple(legs), waits_s=waits, wait_s=sum(waits))


def _time(o: DoorToDoorOption, arrive_by: bool) -> float:
    """Smaller is better: arriving earlier, or (arrive-by) leaving later."""
    return -o.departure.timestamp() if arrive_by else o.arrival.timestamp()


def _dominates(a: DoorToDoorOption, b: DoorToDoorOption, arrive_by: bool = False) -> bool:
    pa = math.inf if a.price is None else a.price.amount_minor
    pb = math.inf if b.price is None else b.price.amount_minor
    ta, tb = _time(a, arrive_by), _time(b, arrive_by)
    better_or_equal = (ta <= tb and pa <= pb and a.walk_distance_m <= b.walk_distance_m
                       and a.transfers <= b.transfers)
    strictly = (ta < tb or pa < pb or a.walk_distance_m < b.walk_distance_m
                or a.transfers < b.transfers)
    return better_or_equal and strictly


def choose(options: list[DoorToDoorOption], profile: TravellerProfile,
           limit: int, *, arrive_by: bool = False) -> list[DoorToDoorOption]:
    """Pareto-optimal options, ranked by generalised time, at most two of a kind first."""
    kept = [o for o in options if not any(_dominates(other, o, arrive_by) for other in options)]
    unique = {(o.kind, o.departure, o.arrival, tuple(type(leg).__name__ for leg in o.legs),
               o.price): o for o in kept}
    # A slow walker's metre of walking and each change count for more (seconds per metre).
    walk_weight = 2.0 / profile.walk_speed_mps
    change_s = 300 + 2 * profile.min_transfer_s

    def cost(o: DoorToDoorOption) -> float:
        return (_time(o, arrive_by) + walk_weight * o.walk_distance_m + change_s * o.transfers)

    ranked = sorted(unique.values(), key=cost)
    first: list[DoorToDoorOption] = []
    later: list[DoorToDoorOption] = []
    count: dict[str, int] = {}
    for option in ranked:
        count[option.kind] = count.get(option.kind, 0) + 1
        (first if count[option.kind] <= 2 else later).append(option)
    return (first + later)[:limit]


def _for_rider(trip: TripRequest, rider: RiderContext | None) -> TripRequest:
    if rider is None:
        return trip
    profile = trip.profile.model_copy(update={
        "wheelchair": trip.profile.wheelchair or "wheelchair" in rider.needs,
        "concessions": trip.profile.concessions | rider.concessions_on(trip_time(trip).date())})
    return trip.model_copy(update={"profile": profile})


class DoorToDoorService:
    def __init__(self, planning: PlanningService, journeys: JourneyPlanner,
                 offers: OfferService, *, clock: Clock | None = None) -> None:
        self._planning, self._journeys, self._offers = planning, journeys, offers
        self._clock = clock

    def _now(self) -> dt.datetime:
        return self._clock.now() if self._clock is not None else dt.datetime.now(dt.UTC)

    async def plan(self, request: DoorToDoorRequest, rider: RiderContext | None = None) -> DoorToDoorPlan:
        """With a rider, their needs shape the trip (a wheelchair user gets step-free transit and
        wheelchair places) and every offer is issued for them."""
        trip = _for_rider(request.trip, rider)
        now = self._now()
        check_times(trip, now)
        origin, destination = _point(trip.origin, "from"), _point(trip.destination, "to")
        home = _here(origin, trip.origin.name or "出発地")
        goal = _here(destination, trip.destination.name or "目的地")
        failures: dict[str, OperatorFailure] = {}
        modes = request.modes - (BIKE_MODES if trip.profile.avoid_bikes else frozenset())
        rides = [self._direct(trip, origin, destination, home, goal, modes, failures, now, rider)]
        if modes & DOOR_MODES and "transit" in modes:
            rides.append(self._first_mile(trip, origin, home, goal, modes, failures, now, rider))
            rides.append(self._last_mile(trip, destination, home, goal, modes, failures, now, rider))
        (transit, reason), groups = await asyncio.gather(self._transit(trip, rider), asyncio.gather(*rides))
        options = ([_option("transit", list(it.legs)) for it in transit] if "transit" in modes
                   else [])
        for group in groups:
            options.extend(group)
        options = _in_time(options, trip, now)
        return DoorToDoorPlan(
            options=tuple(choose(options, trip.profile, request.max_options,
                                 arrive_by=trip.arrive_by is not None)),
            unavailable_operators=tuple(UnavailableOperator(**f.model_dump())
                                        for f in failures.values()),
            transit_reason=reason)

    async def _transit(self, trip: TripRequest,
                       rider: RiderContext | None = None) -> tuple[list[Itinerary], str | None]:
        try:
            plan = await self._planning.plan(trip, rider)
        except DomainError as exc:
            if exc.code in ("no_stop_nearby", "no_service"):
                return [], exc.code
            raise
        return [it for it in plan.itineraries if it.legs], plan.reason

    async def _search(self, query: OfferQuery, modes: frozenset[str],
                      failures: dict[str, OperatorFailure],
                      operator_ids: Sequence[str] | None = None,
                      rider: RiderContext | None = None) -> list[Offer]:
        result = await self._offers.search(
            query, operator_ids=None if operator_ids is None else list(operator_ids), rider=rider)
        for failure in result.failures:
            failures.setdefault(failure.operator_id, failure)
        return [o for o in result.offers if o.mode in modes]

    def _query(self, trip: TripRequest, a: GeoPoint, b: GeoPoint,
               at: dt.datetime, arrive_by: dt.datetime | None = None) -> OfferQuery:
        needs = frozenset({"wheelchair"}) if trip.profile.wheelchair else frozenset()
        return OfferQuery(origin=a, destination=b, depart_at=at, needs=needs,
                          concessions=trip.profile.concessions, arrive_by=arrive_by)

    def _quoter(self, trip: TripRequest, a: GeoPoint, b: GeoPoint, modes: frozenset[str],
                failures: dict[str, OperatorFailure], rider: RiderContext | None,
                arrive_by: dt.datetime | None = None) -> Quote:
        """The operators' offers for a ride from a to b leaving at a given time, for the rider;
        with arrive_by, only rides the operator promises to end by then."""
        async def quote(at: dt.datetime, operator_ids: Sequence[str] | None,
                        end_by: dt.datetime | None = None) -> list[Offer]:
            query = self._query(trip, a, b, at, end_by if end_by is not None else arrive_by)
            return await self._search(query, modes, failures, operator_ids, rider)
        return quote

    async def _direct(self, trip: TripRequest, origin: GeoPoint, destination: GeoPoint,
                      home: LegPlace, goal: LegPlace, modes: frozenset[str],
                      failures: dict[str, OperatorFailure],
                      now: dt.datetime, rider: RiderContext | None) -> list[DoorToDoorOption]:
        window, first_at = trip_window(trip, now, origin, destination)
        fitted = await fit(self._quoter(trip, origin, destination, modes, failures, rider, trip.arrive_by),
                           lambda o: _around(o, home, goal, trip.profile), window, first_at, now)
        return [_option("direct", legs) for legs in fitted]

    async def _hubs(self, point: GeoPoint, at: dt.datetime) -> list[LegPlace]:
        try:
            return await asyncio.to_thread(self._journeys.hubs, point.lat, point.lon, at,
                                           radius_m=HUB_RADIUS_M, limit=MAX_HUBS)
        except DomainError:
            return []

    async def _first_mile(self, trip: TripRequest, origin: GeoPoint, home: LegPlace,
                          goal: LegPlace, modes: frozenset[str],
                          failures: dict[str, OperatorFailure],
                          now: dt.datetime, rider: RiderContext | None) -> list[DoorToDoorOption]:
        hubs = await self._hubs(origin, trip_time(trip))

        async def via(hub: LegPlace) -> list[DoorToDoorOption]:
            hub_point = GeoPoint(lat=hub.lat, lon=hub.lon)
            quote = self._quoter(trip, origin, hub_point, modes - {"car"}, failures, rider)
            return [_option("first_mile", legs) for legs in await feed_train(
                quote, lambda o: _around(o, home, hub, trip.profile), partial(self._transit, rider=rider), trip,
                hub, now, origin)]

        groups = await asyncio.gather(*(via(h) for h in hubs if h.stop_id))
        return [o for group in groups for o in group]

    async def _last_mile(self, trip: TripRequest, destination: GeoPoint, home: LegPlace,
                         goal: LegPlace, modes: frozenset[str],
                         failures: dict[str, OperatorFailure],
                         now: dt.datetime, rider: RiderContext | None) -> list[DoorToDoorOption]:
        hubs = await self._hubs(destination, trip_time(trip))

        async def via(hub: LegPlace) -> list[DoorToDoorOption]:
            hub_point = GeoPoint(lat=hub.lat, lon=hub.lon)
            quote = self._quoter(trip, hub_point, destination, modes - {"car"}, failures, rider, trip.arrive_by)
            return [_option("last_mile", legs) for legs in await meet_train(
                quote, lambda o: _around(o, hub, goal, trip.profile), partial(self._transit, rider=rider), trip,
                hub, now, destination)]

        groups = await asyncio.gather(*(via(h) for h in hubs if h.stop_id))
        return [o for group in groups for o in group]


def _in_time(options: list[DoorToDoorOption], trip: TripRequest,
             now: dt.datetime) -> list[DoorToDoorOption]:
    """With arrive_by, only options that arrive by then and leave no sooner than now."""
    if trip.arrive_by is None:
        return options
    return [o for o in options if o.arrival <= trip.arrive_by and o.departure >= now]
