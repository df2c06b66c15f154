"""A day of on-demand service simulated with the pooling engine: demand in, service figures out.

`synthetic_demand` draws a day of trips from a population field: origins among the population
points inside the zone (weighted by residents), destinations among the weighted destinations
inside it, request times uniform over the service window; the same seed gives the same day.
Recorded bookings can be given as `TripRequest`s instead.

`simulate_day` plans the whole day at once (every request known in advance, as a lower bound on
what a real dispatcher achieves with same-day bookings): each request may be picked up from its
requested time to max_wait_s later, rides at most max(floor, factor x direct time), and is
refused when the fleet cannot fit it. The plan is verified with `routing.pooling.check_plan`
and summarised as `OnDemandDayFigures`:
- pooling_rate: share of served requests that shared the vehicle with another request at some
  point of their ride;
- wait: pickup minus requested time; detour: ride time (end of boarding to start of alighting)
  over the direct drive; both as nearest-rank percentiles;
- vehicle_hours: per vehicle that drives, from leaving the depot just in time for its first
  pickup to returning after its last drop-off (idle time between rides counts); km: everything
  driven, depot legs included; utilisation: the share of those hours with a rider on board;
  fleet_hours: vehicles x shift length, what a fleet kept on duty all day costs;
- load: riders_requested and riders_not_served (party sizes of the requests the fleet could not
  fit), max_onboard (the most riders in one vehicle at once), riders per vehicle, and
  `unserved` (indices of the refused requests, so a caller can say whose trips were not taken).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from routing.access.points import Point, PointSet, as_point_set
from routing.plan.geo import haversine_m
from routing.pooling import (PoolingParams, PoolingProblem, Request, Result, StraightLineProvider,
                             TravelProvider, Vehicle, check_plan, ride_limit_s, solve)
from routing.scenarios.edits import ReplaceByOnDemand
from routing.scenarios.errors import ScenarioError

Ring = Sequence[tuple[float, float]]  # (lon, lat) corners, GeoJSON order


@dataclass(frozen=True)
class TripRequest:
    origin_lat: float
    origin_lon: float
    destination_lat: float
    destination_lon: float
    requested_s: int  # earliest pickup, service-day seconds
    party_size: int = 1
    origin_id: str = ""
    destination_id: str = ""


@dataclass(frozen=True)
class OnDemandDayFigures:
    requested: int
    served: int
    refused: int
    riders_served: int  # people: party sizes of the served requests
    pooling_rate: float | None  # None when nobody was served
    passengers_per_vehicle_hour: float | None
    wait_s: dict[int, float] = field(default_factory=dict)  # percentile -> seconds
    detour: dict[int, float] = field(default_factory=dict)  # percentile -> ride / direct
    vehicles_used: int = 0
    vehicle_hours: float = 0.0
    km: float = 0.0
    utilisation: float | None = None
    fleet_hours: float = 0.0
    checked: bool = False  # the plan passed the pooling checker
    riders_requested: int = 0
    riders_not_served: int = 0  # party sizes of the refused requests
    max_onboard: int = 0  # most riders aboard one vehicle at once
    riders_per_vehicle: tuple[int, ...] = ()  # per vehicle used, riders picked up
    unserved: tuple[int, ...] = ()  # indices of the refused requests

    @property
    def served_share(self) -> float | None:
        """Riders taken over riders asking; None when nobody asked."""
        return self.riders_served / self.riders_requested if self.riders_requested else None

    # The names `economics` reads, shared with RoutePerformance.
    @property
    def trips(self) -> int:
        return self.served

    @property
    def service_hours(self) -> float:
        return self.vehicle_hours

    @property
    def service_km(self) -> float:
        return self.km


def point_in_polygon(lat: float, lon: float, ring: Ring) -> bool:
    """Even-odd ray casting on (lon, lat) corners; fine for town-sized zones."""
    inside = False
    n = len(ring)
    for i in range(n):
        (x1, y1), (x2, y2) = ring[i], ring[(i + 1) % n]
        if (y1 > lat) != (y2 > lat):
            x_at = x1 + (lat - y1) * (x2 - x1) / (y2 - y1)
            if lon < x_at:
                inside = not inside
    return inside


def _inside(points: PointSet, zone: Ring) -> np.ndarray:
    return np.array([point_in_polygon(float(a), float(o), zone)
                     for a, o in zip(points.lat, points.lon)], bool)


def synthetic_demand(population: PointSet | Iterable[Point], zone: Ring,
                     destinations: PointSet | Iterable[Point], trips_per_person_day: float,
                     window_s: tuple[int, int], seed: int, *,
                     min_trip_m: float = 300.0) -> list[TripRequest]:
    """round(trips_per_person_day x residents inside the zone) requests, sorted by time.

    Destinations closer than min_trip_m to an origin are not drawn for it (a walk, not a
    ride); an origin with no destination far enough yields no request.
    """
    start, end = window_s
    if end <= start or trips_per_person_day < 0:
        raise ScenarioError("need a window with end > start and trips_per_person_day >= 0")
    people, places = as_point_set(population), as_point_set(destinations)
    people = people.select(_inside(people, zone) & (people.weight > 0))
    places = places.select(_inside(places, zone) & (places.weight > 0))
    if len(people) == 0 or len(places) == 0:
        raise ScenarioError("no residents or no weighted destination inside the zone")
    rng = np.random.default_rng(seed)
    n = int(round(trips_per_person_day * float(people.weight.sum())))
    origins = rng.choice(len(people), size=n, p=people.weight / people.weight.sum())
    times = np.sort(rng.integers(start, end, size=n))
    far = haversine_m(people.lat[:, None], people.lon[:, None], places.lat[None, :],
                      places.lon[None, :]) >= min_trip_m
    out = []
    for o, t in zip(origins, times):
        weights = np.where(far[o], places.weight, 0.0)
        if weights.sum() <= 0:
            continue
        d = rng.choice(len(places), p=weights / weights.sum())
        out.append(TripRequest(float(people.lat[o]), float(people.lon[o]), float(places.lat[d]),
                               float(places.lon[d]), int(t), 1, str(people.ids[o]),
                               str(places.ids[d])))
    return out


def simulate_day(requests: Sequence[TripRequest], vehicles: int, seats: int,
                 depot: tuple[float, float], *, travel: TravelProvider | None = None,
                 speed_mps: float = 7.0, road_factor: float = 1.3,
                 shift_s: tuple[int, int] | None = None, max_wait_s: int = 1200,
                 max_ride_factor: float = 1.5, max_ride_floor_s: int = 900,
                 boarding_s: int = 60, alighting_s: int = 60, time_limit_s: float = 2.0,
                 max_iterations: int | None = None, max_no_improvement: int | None = None,
                 seed: int = 0, percentiles: Sequence[int] = (50, 90, 100)) -> OnDemandDayFigures:
    """Plan the day's requests on `vehicles` vehicles of `seats` seats based at depot (lat, lon).

    Travel is `travel` (a routing.pooling TravelProvider) or straight line x road_factor at
    speed_mps. The solver stops at time_limit_s or at its counted rules (PoolingParams), whichever
    comes first; with max_iterations a seed gives the same figures on any machine. Without shift_s
    the vehicles are on duty from an hour before the first request to three hours after the last.
    """
    if vehicles < 1 or seats < 1:
        raise ScenarioError("simulate at least one vehicle with one seat")
    if not requests:
        return OnDemandDayFigures(0, 0, 0, 0, None, None, checked=True,
                                  fleet_hours=_fleet_hours(vehicles, shift_s))
    provider = travel or StraightLineProvider(road_factor=road_factor, speed_mps=speed_mps)
    points = [depot] + [p for r in requests for p in ((r.origin_lat, r.origin_lon),
                                                      (r.destination_lat, r.destination_lon))]
    matrix = provider.matrix(np.asarray(points, dtype=np.float64))
    dur = matrix.duration_s
    times = [int(r.requested_s) for r in requests]
    shift = shift_s or (max(0, min(times) - 3600), max(times) + max_wait_s + 3 * 3600)
    pooled = tuple(Request(pickup_place=1 + 2 * i, dropoff_place=2 + 2 * i,
                           pickup_window_s=(int(r.requested_s), int(r.requested_s) + max_wait_s),
                           party_size=r.party_size, boarding_s=boarding_s,
                           alighting_s=alighting_s,
                           max_ride_s=ride_limit_s(dur[1 + 2 * i, 2 + 2 * i], max_ride_factor,
                                                   max_ride_floor_s))
                   for i, r in enumerate(requests))
    fleet = tuple(Vehicle(start_place=0, end_place=0, shift_s=shift, seats=seats)
                  for _ in range(vehicles))
    problem = PoolingProblem(pooled, fleet, matrix)
    result = solve(problem, PoolingParams(time_limit_s=time_limit_s, max_iterations=max_iterations,
                                          max_no_improvement=max_no_improvement, seed=seed))
    report = check_plan(problem, result.routes)
    if not report.ok:  # never expected: the solver checks too; a wrong figure is worse than none
        raise ScenarioError(f"pooling plan failed the checker: {report.violations[:3]}")
    return _figures(problem, result, report.served, report.cost_m, percentiles,
                    _fleet_hours(vehicles, shift))


def simulate_replacement(edit: ReplaceByOnDemand, population: PointSet | Iterable[Point],
                         destinations: PointSet | Iterable[Point], depot: tuple[float, float], *,
                         trips_per_person_day: float, seed: int = 0,
                         **simulate: Any) -> tuple[list[TripRequest], OnDemandDayFigures]:
    """Synthetic demand in an edit's zone and window, run on its fleet. Vehicles stay on duty an
    hour past the window so the last requests are still taken home."""
    requests = synthetic_demand(population, edit.zone, destinations, trips_per_person_day,
                                (edit.start_s, edit.end_s), seed)
    simulate.setdefault("shift_s", (edit.start_s, edit.end_s + 3600))
    figures = simulate_day(requests, edit.vehicles, edit.seats, depot, seed=seed, **simulate)
    return requests, figures


def _fleet_hours(vehicles: int, shift_s: tuple[int, int] | None) -> float:
    return 0.0 if shift_s is None else vehicles * (shift_s[1] - shift_s[0]) / 3600


def _nearest_rank(values: Sequence[float], percentiles: Sequence[int]) -> dict[int, float]:
    if not values:
        return {}
    return {int(p): float(np.percentile(values, p, method="inverted_cdf")) for p in percentiles}


def _figures(problem: PoolingProblem, result: Result, served: frozenset[int], cost_m: float,
             percentiles: Sequence[int], fleet_hours: float) -> OnDemandDayFigures:
    dur = problem.travel.duration_s
    pickup_at: dict[int, float] = {}
    waits, detours = [], []
    shared: set[int] = set()
    busy_s = occupied_s = 0.0  # plain floats: figures are reported, not computed on
    used = max_onboard = 0
    per_vehicle: list[int] = []
    for route in result.routes:
        stops = [s for s in route.stops if not s.is_break]
        if not stops:
            continue
        used += 1
        car = problem.vehicles[route.vehicle]
        first = problem.requests[stops[0].request]
        leave = stops[0].service_start_s - float(dur[car.start_place, first.pickup_place])
        aboard: set[int] = set()
        riders = 0
        for k, stop in enumerate(stops):
            req = problem.requests[stop.request]
            if stop.is_pickup:
                aboard.add(stop.request)
                riders += req.party_size
                max_onboard = max(max_onboard, sum(problem.requests[r].party_size for r in aboard))
                pickup_at[stop.request] = stop.service_start_s
                waits.append(float(stop.service_start_s - req.pickup_window_s[0]))
            else:
                aboard.discard(stop.request)
                ride = stop.service_start_s - (pickup_at[stop.request] + req.boarding_s)
                direct = float(dur[req.pickup_place, req.dropoff_place])
                if direct > 0:
                    detours.append(ride / direct)
            if len(aboard) >= 2:
                shared |= aboard
            if aboard and k + 1 < len(stops):
                occupied_s += float(stops[k + 1].service_start_s - stop.service_start_s)
        last = problem.requests[stops[-1].request]
        back = (stops[-1].service_start_s + last.alighting_s
                + float(dur[last.dropoff_place, car.end_place]))
        busy_s += back - leave
        per_vehicle.append(riders)
    riders = sum(problem.requests[i].party_size for i in served)
    requested = sum(r.party_size for r in problem.requests)
    hours = busy_s / 3600
    return OnDemandDayFigures(
        requested=problem.n_requests, served=len(served), refused=problem.n_requests - len(served),
        riders_served=riders,
        pooling_rate=len(shared & served) / len(served) if served else None,
        passengers_per_vehicle_hour=riders / hours if hours > 0 else None,
        wait_s=_nearest_rank(waits, percentiles), detour=_nearest_rank(detours, percentiles),
        vehicles_used=used, vehicle_hours=hours, km=float(cost_m) / 1000,
        utilisation=occupied_s / busy_s if busy_s > 0 else None, fleet_hours=fleet_hours,
        checked=True, riders_requested=requested,
        riders_not_served=requested - riders, max_onboard=max_onboard,
        riders_per_vehicle=tuple(per_vehicle),
        unserved=tuple(i for i in range(problem.n_requests) if i not in served))
