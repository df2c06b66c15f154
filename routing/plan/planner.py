"""The trip planner: door-to-door itineraries over one compiled timetable, and departure lists.

Each end of a trip is a stop or a coordinate. A coordinate reaches the nearest served stops
within the profile's maximum walk (straight line x 1.3 at the profile's speed); a stop is
used as is and, like a coordinate, also reaches the stops around it (a station's platforms,
the other side of the road). When the two ends lie within one walk of each other, walking
the whole way is offered too.

Depart-at searches every Pareto-optimal departure in a window (rRAPTOR, 60 minutes by
default) so the rider sees several departures; arrive-by asks for the latest departures that
arrive in time. The options are then cut to those no other option beats on leaving later,
arriving earlier, fewer changes and less walking, and the best few are kept.
"""

from __future__ import annotations

import datetime as dt
import math
import threading
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from routing.errors import UnknownStop
from routing.fares import FareSet, FareTable
from routing.plan.errors import NoStopNearby, UnknownEndpoint
from routing.plan.geo import (MAX_ACCESS_STOPS, StopAccess, haversine_m, nearby_stops, served_stops,
                              walk_distance_m)
from routing.plan.itinerary import (NO_CONNECTION, ORIGIN_IS_DESTINATION, Departure, Itinerary,
                                    Place, PlanResult, Ride, Segment, Walk)
from routing.plan.profile import ELDERLY, Profile
from routing.plan.streets import STRAIGHT_LINE, STREETS, StreetWalks
from routing.raptor import Journey, RaptorParams, RaptorRouter, TransitLeg
from routing.raptor.profile import departure_profile
from routing.timetable.model import Timetable

SAME_PLACE_M = 1.0  # ends closer than this are the same place
STATION_RADIUS_M = 300  # an unserved stop (a station) lists the departures of its namesakes here


@dataclass(frozen=True)
class Endpoint:
    """One end of a trip: a stop id (global "feed:stop", or the bare id when unambiguous) or a
    coordinate with an optional name."""

    stop_id: str | None = None
    lat: float | None = None
    lon: float | None = None
    name: str = ""

    def __post_init__(self) -> None:
        has_point = self.lat is not None or self.lon is not None
        if (self.stop_id is None) == (not has_point):
            raise ValueError("give either a stop_id or both lat and lon")
        if has_point:
            if self.lat is None or self.lon is None:
                raise ValueError("give both lat and lon")
            if not (math.isfinite(self.lat) and math.isfinite(self.lon)
                    and -90 <= self.lat <= 90 and -180 <= self.lon <= 180):
                raise ValueError("lat must lie in -90..90 and lon in -180..180")

    @classmethod
    def stop(cls, stop_id: str) -> Endpoint:
        return cls(stop_id=stop_id)

    @classmethod
    def at(cls, lat: float, lon: float, name: str = "") -> Endpoint:
        return cls(lat=lat, lon=lon, name=name)


@dataclass(frozen=True)
class PlanRequest:
    origin: Endpoint
    destination: Endpoint
    time_s: int  # service-day seconds: leave at (depart-at) or arrive by (arrive_by=True)
    arrive_by: bool = False
    profile: Profile = ELDERLY
    window_s: int = 3600  # depart-at: departures considered after time_s
    max_itineraries: int = 5

    def __post_init__(self) -> None:
        if self.window_s < 0 or self.max_itineraries < 1:
            raise ValueError("window_s must be non-negative and max_itineraries positive")


@dataclass(frozen=True)
class _End:
    place: Place
    stop: int | None  # timetable index when the end is a stop


class RouterPool:
    """Routers prepared once per profile on a whole-calendar timetable, shared by the planners
    of every date (a date only adds its trip mask)."""

    def __init__(self, timetable: Timetable) -> None:
        self.timetable = timetable
        self._routers: dict[RaptorParams, RaptorRouter] = {}
        self._lock = threading.Lock()

    def router(self, params: RaptorParams, day: dt.date | None) -> RaptorRouter:
        with self._lock:
            base = self._routers.get(params)
            if base is None:
                base = self._routers[params] = RaptorRouter(self.timetable, params)
        return base if day is None else base.for_day(day)


@dataclass
class Planner:
    """Plans on one service date: a timetable cut to that date (day None), or a whole-calendar
    timetable searched on `day`; routers are built once per distinct profile."""

    timetable: Timetable
    fares: FareTable | FareSet | None = None
    day: dt.date | None = None
    pool: RouterPool | None = field(default=None, repr=False)
    streets: StreetWalks | None = None  # walks to and from stops on the streets; straight lines when None
    _routers: dict[RaptorParams, RaptorRouter] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @cached_property
    def active_trips(self) -> np.ndarray:
        """Per trip: runs on this planner's date."""
        if self.day is None:
            return np.ones(self.timetable.n_trips, np.bool_)
        return self.timetable.active_trips(self.day)

    @property
    def has_service(self) -> bool:
        return bool(self.active_trips.any())

    # -- stops ------------------------------------------------------------------------------
    def stop_index(self, stop_id: str) -> int:
        """A stop by global id, or by its feed's own id when only one feed has it."""
        tt = self.timetable
        try:
            return tt.stop_index(stop_id)
        except UnknownStop:
            matches = [f"{k}:{stop_id}" for k in tt.feed_keys if _has_stop(tt, f"{k}:{stop_id}")]
            if len(matches) == 1:
                return tt.stop_index(matches[0])
            if matches:
                raise UnknownStop(f"stop {stop_id!r} is in several feeds; use one of "
                                  f"{', '.join(matches)}") from None
            raise

    def place(self, stop: int) -> Place:
        tt = self.timetable
        return Place(str(tt.stop_names[stop]), float(tt.stop_lat[stop]), float(tt.stop_lon[stop]),
                     str(tt.stop_ids[stop]))

    def router(self, profile: Profile) -> RaptorRouter:
        params = profile.raptor_params()
        with self._lock:
            router = self._routers.get(params)
            if router is None:
                router = (self.pool.router(params, self.day) if self.pool is not None
                          else RaptorRouter(self.timetable, params, day=self.day))
                self._routers[params] = router
            return router

    # -- planning ---------------------------------------------------------------------------
    def plan(self, request: PlanRequest) -> PlanResult:
        origin = self._resolve(request.origin, "origin")
        destination = self._resolve(request.destination, "destination")
        t = int(request.time_s)
        if self._same(origin, destination):
            return PlanResult((Itinerary((), t, t),), ORIGIN_IS_DESTINATION)
        profile = request.profile
        access, egress = self._reach(origin, profile), self._reach(destination, profile)
        direct = self._direct_walk(origin, destination, profile, t, request.arrive_by)
        if not access and direct is None:
            raise NoStopNearby(f"no stop within {profile.max_walk_m} m of the origin",
                               role="origin")
        if not egress and direct is None:
            raise NoStopNearby(f"no stop within {profile.max_walk_m} m of the destination",
                               role="destination")
        options = [] if direct is None else [direct]
        if access and egress:
            options += self._transit_options(request, origin, destination, access, egress)
        kept = _best(options, request.arrive_by)[: request.max_itineraries]
        return PlanResult(tuple(kept), None if kept else NO_CONNECTION)

    def _resolve(self, end: Endpoint, role: str) -> _End:
        if end.stop_id is None:
            assert end.lat is not None and end.lon is not None
            return _End(Place(end.name, float(end.lat), float(end.lon)), None)
        try:
            stop = self.stop_index(end.stop_id)
        except UnknownStop as exc:
            raise UnknownEndpoint(str(exc), role=role) from None
        return _End(self.place(stop), stop)

    @staticmethod
    def _same(a: _End, b: _End) -> bool:
        if a.stop is not None and a.stop == b.stop:
            return True
        distance = float(haversine_m(a.place.lat, a.place.lon, b.place.lat, b.place.lon))
        return bool(distance < SAME_PLACE_M)

    def _reach(self, end: _End, profile: Profile) -> dict[int, StopAccess]:
        """Stops the search may start (or end) at, with the walk to (or from) each: on the
        streets when the planner has them and the point is near one, else in a straight line."""
        found = None if self.streets is None else self.streets.nearby_stops(
            self.timetable, end.place.lat, end.place.lon, profile, MAX_ACCESS_STOPS)
        if found is None:
            found = nearby_stops(self.timetable, end.place.lat, end.place.lon, profile)
        reach = {a.stop: a for a in found}
        if end.stop is not None:
            reach[end.stop] = StopAccess(end.stop, 0, 0)
        return reach

    def _direct_walk(self, origin: _End, destination: _End, profile: Profile, t: int,
                     arrive_by: bool) -> Itinerary | None:
        a, b = origin.place, destination.place
        distance = float(haversine_m(a.lat, a.lon, b.lat, b.lon))
        if not math.isfinite(distance):
            return None
        on_streets = None if self.streets is None or distance > profile.max_walk_m else self.streets.walk(a, b, profile)
        if on_streets is not None:
            metres, seconds, geometry, model = *on_streets, STREETS
        else:
            metres = walk_distance_m(a.lat, a.lon, b.lat, b.lon)
            seconds, geometry, model = profile.walk_seconds(metres), ((a.lat, a.lon), (b.lat, b.lon)), STRAIGHT_LINE
        if metres > profile.max_walk_m:
            return None
        start = t - seconds if arrive_by else t
        walk = Walk(a, b, start, start + seconds, metres, model, geometry)
        return Itinerary((walk,), start, start + seconds)

    def _transit_options(self, request: PlanRequest, origin: _End, destination: _End,
                         access: dict[int, StopAccess],
                         egress: dict[int, StopAccess]) -> list[Itinerary]:
        tt = self.timetable
        router = self.router(request.profile)
        origins = {str(tt.stop_ids[s]): a.duration_s for s, a in access.items()}
        targets = {str(tt.stop_ids[s]): e.duration_s for s, e in egress.items()}
        if request.arrive_by:
            journeys = router.latest_departure(origins, request.time_s, targets)
        else:
            journeys = [entry.journey for entry in departure_profile(
                router, origins, request.time_s, request.window_s, targets)]
        options = []
        for journey in journeys:
            itinerary = self._itinerary(journey, origin, destination, access, egress, request.profile)
            if itinerary is not None:
                options.append(itinerary)
        return options

    def _itinerary(self, journey: Journey, origin: _End, destination: _End, access: dict[int, StopAccess],
                   egress: dict[int, StopAccess], profile: Profile) -> Itinerary | None:
        """Access walk, the journey's legs and the egress walk, with the walks before the first
        ride timed to end as it leaves (no waiting at the door) and the rest chained after."""
        if not any(isinstance(leg, TransitLeg) for leg in journey.legs):
            return None  # walking alone is the direct walk's business
        tt = self.timetable
        first, last = tt.stop_index(journey.origin_stop_id), tt.stop_index(journey.destination_stop_id)
        pieces: list[tuple[Place, Place, int, int] | TransitLeg] = []  # walks: (from, to, s, m)
        if first != origin.stop or access[first].distance_m > 0:
            pieces.append((origin.place, self.place(first), access[first].duration_s,
                           access[first].distance_m))
        for leg in journey.legs:
            if isinstance(leg, TransitLeg):
                pieces.append(leg)
            else:
                a, b = tt.stop_index(leg.from_stop_id), tt.stop_index(leg.to_stop_id)
                pieces.append((self.place(a), self.place(b), leg.arrival_s - leg.departure_s,
                               self._walk_m(a, b)))
        if last != destination.stop or egress[last].distance_m > 0:
            pieces.append((self.place(last), destination.place, egress[last].duration_s,
                           egress[last].distance_m))
        first_ride = next(i for i, p in enumerate(pieces) if isinstance(p, TransitLeg))
        ride = pieces[first_ride]
        assert isinstance(ride, TransitLeg)
        before = pieces[:first_ride]
        clock = ride.departure_s - sum(p[2] for p in before if not isinstance(p, TransitLeg))
        legs: list[Segment] = []
        for piece in pieces:
            if isinstance(piece, TransitLeg):
                legs.append(self._ride(piece))
                clock = piece.arrival_s
            else:
                start, to_place = clock, piece[1]
                model, geometry = self._walk_shape(piece[0], to_place, profile)
                legs.append(Walk(piece[0], to_place, start, start + piece[2], piece[3], model, geometry))
                clock = start + piece[2]
        return Itinerary(tuple(legs), legs[0].departure_s, legs[-1].arrival_s)

    def _walk_shape(self, a: Place, b: Place, profile: Profile) -> tuple[str, tuple[tuple[float, float], ...]]:
        """The walk's model and path: along the streets when the planner has them and the walk's
        time came from them (access and egress; transfers are the timetable's straight lines)."""
        line = ((a.lat, a.lon), (b.lat, b.lon))
        if self.streets is None or (a.stop_id is not None and b.stop_id is not None):
            return STRAIGHT_LINE, line
        walked = self.streets.walk(a, b, profile)
        return (STRAIGHT_LINE, line) if walked is None else (STREETS, walked[2])

    def _walk_m(self, a: int, b: int) -> int:
        tt = self.timetable
        return walk_distance_m(float(tt.stop_lat[a]), float(tt.stop_lon[a]),
                               float(tt.stop_lat[b]), float(tt.stop_lon[b]))

    def _route(self, route_id: str) -> int:
        routes = self.__dict__.get("_route_lookup")
        if routes is None:
            routes = {str(r): i for i, r in enumerate(self.timetable.route_ids)}
            self.__dict__["_route_lookup"] = routes
        return routes.get(route_id, -1)

    def _route_fields(self, route_id: str) -> dict[str, object]:
        tt, r = self.timetable, self._route(route_id)
        if r < 0:
            return {"route_short_name": "", "route_long_name": "", "route_type": -1,
                    "route_color": "", "agency_name": ""}
        return {"route_short_name": str(tt.route_short_names[r]),
                "route_long_name": str(tt.route_long_names[r]),
                "route_type": int(tt.route_types[r]), "route_color": str(tt.route_colors[r]),
                "agency_name": str(tt.route_agency_names[r])}

    def _ride(self, leg: TransitLeg) -> Ride:
        tt = self.timetable
        trip = leg.trip_index
        fare = None
        if self.fares is not None:
            fare = self.fares.leg_fare(leg.route_id, leg.board_stop_id, leg.alight_stop_id)
        return Ride(
            origin=self.place(tt.stop_index(leg.board_stop_id)),
            destination=self.place(tt.stop_index(leg.alight_stop_id)),
            departure_s=leg.departure_s, arrival_s=leg.arrival_s, trip_id=leg.trip_id,
            route_id=leg.route_id, **self._route_fields(leg.route_id),  # type: ignore[arg-type]
            office_name=str(tt.trip_office_names[trip]), headsign=str(tt.trip_headsigns[trip]),
            wheelchair_accessible=int(tt.trip_wheelchair[trip]),
            stay_seated=leg.stay_seated, fare=fare)

    # -- departures -------------------------------------------------------------------------
    def departures(self, stop_id: str, from_s: int, limit: int = 10) -> list[Departure]:
        """The next departures (at or after from_s) where riders may board at a stop; for a
        stop no trip calls at (a station), those of the same-named stops within 300 m."""
        tt = self.timetable
        stop = self.stop_index(stop_id)
        group = [stop] if served_stops(tt)[stop] else self._namesakes(stop)
        times, trips, stops = [], [], []
        for s in group:
            for j in range(int(tt.stop_pattern_offsets[s]), int(tt.stop_pattern_offsets[s + 1])):
                pattern, position = int(tt.stop_patterns[j]), int(tt.stop_pattern_positions[j])
                lo, hi = int(tt.pattern_stop_offsets[pattern]), int(tt.pattern_stop_offsets[pattern + 1])
                n = hi - lo
                if position == n - 1 or not tt.pattern_can_board[lo + position]:
                    continue
                t0, t1 = int(tt.pattern_time_offsets[pattern]), int(tt.pattern_time_offsets[pattern + 1])
                dep = tt.departure_s[t0 + position:t1:n].astype(np.int64)
                index = int(tt.pattern_trip_offsets[pattern]) + np.arange(len(dep))
                keep = (dep >= from_s) & self.active_trips[index]
                times.append(dep[keep])
                trips.append(index[keep])
                stops.append(np.full(int(keep.sum()), s))
        if not times:
            return []
        dep, trip, at = np.concatenate(times), np.concatenate(trips), np.concatenate(stops)
        order = np.lexsort((trip, dep))[:limit]
        out = []
        for i in order.tolist():
            t = int(trip[i])
            route_id = str(tt.route_ids[tt.trip_route_index[t]]) if tt.trip_route_index[t] >= 0 else ""
            fields = self._route_fields(route_id)
            out.append(Departure(stop=self.place(int(at[i])), departure_s=int(dep[i]),
                                 trip_id=str(tt.trip_ids[t]), route_id=route_id,
                                 headsign=str(tt.trip_headsigns[t]),
                                 wheelchair_accessible=int(tt.trip_wheelchair[t]),
                                 **fields))  # type: ignore[arg-type]
        return out

    def _namesakes(self, stop: int) -> list[int]:
        tt = self.timetable
        near = haversine_m(tt.stop_lat[stop], tt.stop_lon[stop], tt.stop_lat, tt.stop_lon)
        same = (tt.stop_names == tt.stop_names[stop]) & (near <= STATION_RADIUS_M)
        return np.flatnonzero(same & served_stops(tt)).tolist()


def _has_stop(tt: Timetable, stop_id: str) -> bool:
    try:
        tt.stop_index(stop_id)
    except UnknownStop:
        return False
    return True


def _criteria(it: Itinerary) -> tuple[int, int, int, int]:
    """Smaller is better on each: leave later, arrive earlier, fewer changes, less walking."""
    return (-it.departure_s, it.arrival_s, it.transfers, it.walk_distance_m)


def _best(options: list[Itinerary], arrive_by: bool) -> list[Itinerary]:
    """Options no other option matches or beats on every criterion (ties keep the first)."""
    kept: list[Itinerary] = []
    for i, a in enumerate(options):
        ca = _criteria(a)
        beaten = False
        for j, b in enumerate(options):
            if i == j:
                continue
            cb = _criteria(b)
            if all(x <= y for x, y in zip(cb, ca)) and (cb != ca or j < i):
                beaten = True
                break
        if not beaten:
            kept.append(a)
    if arrive_by:
        kept.sort(key=lambda it: (-it.departure_s, it.arrival_s, it.transfers))
    else:
        kept.sort(key=lambda it: (it.arrival_s, -it.departure_s, it.transfers))
    return kept
