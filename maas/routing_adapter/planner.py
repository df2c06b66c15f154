"""The domain's JourneyPlanner port implemented with routing.plan (RAPTOR over GTFS).

Maps trip requests to service-date seconds in the network's timezone, routing errors to
domain errors (with the request field at fault), and itineraries back to aware datetimes.
The feed set is read on every call; when it changed (a feed imported), a new network is
built, so imported feeds join without a restart.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

from maas.domain import errors
from maas.domain.planning import (Departure, DepartureBoard, Itinerary, Leg, LegPlace, Money,
                                  PlaceRef, TransitLeg, TravellerProfile, TripPlan, TripRequest,
                                  WalkLeg)
from routing.errors import UnknownStop
from routing.plan.feeds import CompiledFeeds
from routing.plan.geo import haversine_m
from routing.plan import (Endpoint, FeedSource, Network, NoService, NoStopNearby, Place, Planner,
                          PlanRequest, Profile, Ride, UnknownEndpoint, Walk, to_instant,
                          to_service_time)
from routing.plan import Itinerary as PlannedItinerary
from routing.plan.streets import StreetWalks
from routing.streets import StreetRouter

DEPART_WINDOW_S = 3600
HUB_WALK_M = 300  # stops this close to a hub count as part of it
_WHEELCHAIR = {1: True, 2: False}


class RaptorJourneyPlanner:
    def __init__(self, sources: Callable[[], Sequence[FeedSource]], cache_dir: Path, *,
                 max_dates: int = 8, streets: StreetRouter | None = None) -> None:
        self._sources = sources
        self._streets = None if streets is None else StreetWalks(streets)
        self._cache_dir = Path(cache_dir)
        self._max_dates = max_dates
        self._feeds = CompiledFeeds(self._cache_dir)
        self._network: Network | None = None
        self._building = threading.Lock()

    def network(self) -> Network:
        """The network of the current feed set. When the set changed, the new network is
        linked first (only new or replaced feeds compile) and then swapped in with one
        reference assignment; a call holds the network it got for its whole run, so it sees
        the old network or the new one, never a mix. While one thread builds, others keep
        using the old network."""
        current = tuple(self._sources())
        network = self._network
        if network is not None and network.sources == current:
            return network
        if not self._building.acquire(blocking=network is None):
            return network  # type: ignore[return-value]  # not None: blocking otherwise
        try:
            network = self._network
            if network is None or network.sources != current:
                fresh = Network(current, cache_dir=self._cache_dir, max_dates=self._max_dates,
                                feeds=self._feeds)
                fresh.link()
                self._feeds.retain(zip(fresh.keys, (s.digest for s in current)))
                self._network = network = fresh
            return network
        finally:
            self._building.release()

    def feed_failures(self) -> dict[str, str]:
        """Feeds left out of the current network because they failed to compile."""
        network = self._network
        return {} if network is None else network.failures

    # -- the port ---------------------------------------------------------------------------
    def plan(self, request: TripRequest) -> TripPlan:
        network = self.network()
        field, when = (("depart_at", request.depart_at) if request.depart_at is not None
                       else ("arrive_by", request.arrive_by))
        assert when is not None
        tz = network.timezone
        day, seconds = _service_time(when, tz, field)
        planner = self._planner(network, day, field)
        origin = _endpoint(request.origin, "from")
        destination = _endpoint(request.destination, "to")
        for end, name in ((origin, "from"), (destination, "to")):
            if end.stop_id is not None:
                _stop_or_unknown(planner, end.stop_id, f"{name}.stop_id")
        if not planner.has_service:
            raise errors.NoService(f"no transit service on {day.isoformat()}",
                                   fields={field: f"no transit runs on {day.isoformat()}"})
        routed = PlanRequest(origin, destination, seconds, arrive_by=field == "arrive_by",
                             profile=_profile(request.profile), window_s=DEPART_WINDOW_S,
                             max_itineraries=request.max_itineraries)
        try:
            result = planner.plan(routed)
        except UnknownEndpoint as exc:
            name = "from" if exc.role == "origin" else "to"
            raise errors.UnknownStop(str(exc), fields={f"{name}.stop_id": str(exc)}) from None
        except NoStopNearby as exc:
            name = "from" if exc.role == "origin" else "to"
            raise errors.NoStopNearby(str(exc), fields={name: str(exc)}) from None
        return TripPlan(itineraries=tuple(_itinerary(it, day, tz) for it in result.itineraries),
                        service_date=day, timezone=tz.key, reason=result.reason)

    def departures(self, stop_id: str, at: dt.datetime, *, limit: int) -> DepartureBoard:
        network = self.network()
        tz = network.timezone
        day, seconds = _service_time(at, tz, "from")
        planner = self._planner(network, day, "from")
        try:
            stop = planner.stop_index(stop_id)
        except UnknownStop as exc:
            raise errors.NotFound(str(exc), fields={"stop_id": "no such stop"}) from None
        if not planner.has_service:
            raise errors.NoService(f"no transit service on {day.isoformat()}",
                                   fields={"from": f"no transit runs on {day.isoformat()}"})
        found = planner.departures(stop_id, seconds, limit)
        return DepartureBoard(stop=_place(planner.place(stop)), service_date=day, timezone=tz.key,
                              departures=tuple(
                                  Departure(stop=_place(d.stop),
                                            departure=to_instant(day, d.departure_s, tz),
                                            trip_id=d.trip_id, route_id=d.route_id,
                                            route_short_name=d.route_short_name,
                                            route_long_name=d.route_long_name,
                                            route_type=d.route_type, route_color=d.route_color,
                                            agency_name=d.agency_name, headsign=d.headsign,
                                            wheelchair_accessible=_WHEELCHAIR.get(
                                                d.wheelchair_accessible))
                                  for d in found))

    def warm_up(self, at: dt.datetime) -> None:
        network = self.network()
        if network.sources:
            day, _ = to_service_time(at, network.timezone)
            network.planner(day, allow_empty=True)

    def hubs(self, lat: float, lon: float, at: dt.datetime, *, radius_m: int,
             limit: int) -> list[LegPlace]:
        network = self.network()
        if not network.sources:
            return []
        day, _ = _service_time(at, network.timezone, "depart_at")
        planner = self._planner(network, day, "depart_at")
        tt = planner.timetable
        if not planner.has_service:
            return []
        trip_pattern = np.repeat(np.arange(tt.n_patterns),
                                 np.diff(tt.pattern_trip_offsets.astype(np.int64)))
        running = np.bincount(trip_pattern[planner.active_trips], minlength=tt.n_patterns)
        trips = running[tt.stop_patterns]
        per_stop = np.zeros(tt.n_stops, np.int64)
        np.add.at(per_stop, np.repeat(np.arange(tt.n_stops),
                                      np.diff(tt.stop_pattern_offsets.astype(np.int64))), trips)
        distance = haversine_m(lat, lon, tt.stop_lat, tt.stop_lon)
        near = np.flatnonzero((distance <= radius_m) & (per_stop > 0))
        # A station's platforms share its name: rank by the departures of all of them together,
        # so a two-platform station is not outranked by a one-platform halt with half its trains;
        # the stops a short walk away count too (the bus stop in front of the station), so an
        # interchange outranks a halt on the same line.
        by_name: dict[str, list[int]] = {}
        for stop in near.tolist():
            by_name.setdefault(str(tt.stop_names[stop]), []).append(stop)
        around = {name: int(per_stop[near[haversine_m(float(tt.stop_lat[stops[0]]), float(tt.stop_lon[stops[0]]),
                                                      tt.stop_lat[near], tt.stop_lon[near]) <= HUB_WALK_M]].sum())
                  for name, stops in by_name.items()}
        ranked = sorted(by_name.values(), key=lambda stops: (-around[str(tt.stop_names[stops[0]])],
                                                             -int(per_stop[stops].sum()),
                                                             float(distance[stops].min())))
        chosen: list[int] = []
        for stops in ranked:
            best = max(stops, key=lambda s: (int(per_stop[s]), -float(distance[s])))
            if all(float(haversine_m(float(tt.stop_lat[best]), float(tt.stop_lon[best]), float(tt.stop_lat[c]),
                                     float(tt.stop_lon[c]))) > HUB_WALK_M for c in chosen):
                chosen.append(best)  # one hub per interchange: the planner walks to the rest
            if len(chosen) == limit:
                break
        return [_place(planner.place(stop)) for stop in chosen]

    # -- helpers ----------------------------------------------------------------------------
    def _planner(self, network: Network, day: dt.date, field: str) -> Planner:
        try:
            planner = network.planner(day, allow_empty=True)
        except NoService as exc:
            raise errors.NoService(str(exc), fields={field: str(exc)}) from None
        planner.streets = self._streets  # the same for every date's planner
        return planner


def _service_time(when: dt.datetime, tz: ZoneInfo, field: str) -> tuple[dt.date, int]:
    try:
        return to_service_time(when, tz)
    except ValueError as exc:
        raise errors.InvalidRequest(str(exc), fields={field: str(exc)}) from None


def _stop_or_unknown(planner: Planner, stop_id: str, field: str) -> None:
    try:
        planner.stop_index(stop_id)
    except UnknownStop as exc:
        raise errors.UnknownStop(str(exc), fields={field: "no such stop"}) from None


def _endpoint(ref: PlaceRef, field: str) -> Endpoint:
    try:
        if ref.stop_id is not None:
            return Endpoint.stop(ref.stop_id)
        assert ref.lat is not None and ref.lon is not None
        return Endpoint.at(ref.lat, ref.lon, ref.name)
    except ValueError as exc:
        raise errors.InvalidRequest(str(exc), fields={field: str(exc)}) from None


def _profile(profile: TravellerProfile) -> Profile:
    try:
        return Profile(walk_speed_mps=profile.walk_speed_mps, max_walk_m=profile.max_walk_m,
                       wheelchair=profile.wheelchair, max_transfers=profile.max_transfers,
                       min_transfer_s=profile.min_transfer_s)
    except ValueError as exc:
        raise errors.InvalidRequest(str(exc), fields={"profile": str(exc)}) from None


def _place(place: Place) -> LegPlace:
    return LegPlace(name=place.name, lat=place.lat, lon=place.lon, stop_id=place.stop_id)


def _leg(leg: Walk | Ride, day: dt.date, tz: ZoneInfo) -> Leg:
    times = {"departure": to_instant(day, leg.departure_s, tz),
             "arrival": to_instant(day, leg.arrival_s, tz), "duration_s": leg.duration_s}
    if isinstance(leg, Walk):
        return WalkLeg(origin=_place(leg.origin), destination=_place(leg.destination),
                       distance_m=leg.distance_m, street_model=leg.model, path=leg.geometry, **times)
    fare = None if leg.fare is None else Money(amount_minor=leg.fare.price_minor,
                                               currency=leg.fare.currency)
    return TransitLeg(origin=_place(leg.origin), destination=_place(leg.destination),
                      trip_id=leg.trip_id, route_id=leg.route_id,
                      route_short_name=leg.route_short_name, route_long_name=leg.route_long_name,
                      route_type=leg.route_type, route_color=leg.route_color,
                      agency_name=leg.agency_name, operator_office=leg.office_name,
                      headsign=leg.headsign,
                      wheelchair_accessible=_WHEELCHAIR.get(leg.wheelchair_accessible),
                      stay_seated=leg.stay_seated, fare=fare, **times)


def _itinerary(it: PlannedItinerary, day: dt.date, tz: ZoneInfo) -> Itinerary:
    total = it.fare_total
    return Itinerary(departure=to_instant(day, it.departure_s, tz),
                     arrival=to_instant(day, it.arrival_s, tz), duration_s=it.duration_s,
                     transfers=it.transfers, walk_distance_m=it.walk_distance_m,
                     legs=tuple(_leg(leg, day, tz) for leg in it.legs),
                     fare=None if total is None else Money(amount_minor=total[0], currency=total[1]))
