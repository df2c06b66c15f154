"""An independent check of a plan against the problem, recomputing its cost from scratch.

It trusts nothing the solver computed: it walks every route with the given service start times
and verifies vehicles, precedence, assignments, windows, travel times, shift and duration
bounds, ride times, both capacities at every stop, and that a vehicle that drives takes each
of its breaks once, at its place, with no one on board, starting in its window and lasting
its full duration.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from routing.pooling.model import PoolingProblem, break_index
from routing.pooling.result import Route

TOLERANCE_S = 1e-6


@dataclass(frozen=True)
class CheckReport:
    violations: tuple[str, ...]
    cost_m: float
    served: frozenset[int]
    unserved: tuple[int, ...]

    @property
    def ok(self) -> bool:
        return not self.violations


def check_plan(problem: PoolingProblem, routes: Sequence[Route]) -> CheckReport:
    violations: list[str] = []
    seen_vehicles: set[int] = set()
    visits: dict[tuple[int, bool], tuple[int, float, int]] = {}  # -> (vehicle, time, position)
    cost_m = 0.0
    for route in routes:
        if not 0 <= route.vehicle < len(problem.vehicles) or route.vehicle in seen_vehicles:
            violations.append(f"route for unknown or repeated vehicle {route.vehicle}")
            continue
        seen_vehicles.add(route.vehicle)
        if route.is_empty:
            continue
        cost_m += _check_route(problem, route, visits, violations)
    served = _check_requests(problem, visits, violations)
    unserved = tuple(i for i in range(problem.n_requests) if i not in served)
    return CheckReport(tuple(violations), cost_m, frozenset(served), unserved)


def _check_route(problem: PoolingProblem, route: Route, visits: dict, violations: list[str]) -> float:
    car = problem.vehicles[route.vehicle]
    where = f"vehicle {route.vehicle}"
    dist, dur = problem.travel.distance_m, problem.travel.duration_s
    seats = sum(r.party_size for r in problem.requests if r.on_board and r.vehicle == route.vehicle)
    chairs = sum(r.wheelchairs for r in problem.requests if r.on_board and r.vehicle == route.vehicle)
    if route.start_s < car.shift_s[0] - TOLERANCE_S:
        violations.append(f"{where}: leaves at {route.start_s} before its shift")
    place, ready_s, cost_m = car.start_place, route.start_s, 0.0
    rests_taken: set[int] = set()
    for position, stop in enumerate(route.stops):
        rest = break_index(stop.request)
        if rest is not None:
            if rest >= len(car.breaks) or rest in rests_taken or stop.is_pickup:
                violations.append(f"{where}: unknown or repeated break {stop}")
                continue
            rests_taken.add(rest)
            if seats or chairs:
                violations.append(f"{where}: takes break {rest} with riders on board")
            to, (lo, hi), busy_s = car.breaks[rest].place, car.breaks[rest].window_s, car.breaks[rest].duration_s
        else:
            if stop.request >= problem.n_requests or (stop.request, stop.is_pickup) in visits:
                violations.append(f"{where}: unknown or repeated stop {stop}")
                continue
            req = problem.requests[stop.request]
            visits[(stop.request, stop.is_pickup)] = (route.vehicle, stop.service_start_s, position)
            to = req.pickup_place if stop.is_pickup else req.dropoff_place
            lo, hi = req.pickup_window_s if stop.is_pickup else req.dropoff_window_s
            busy_s = req.boarding_s if stop.is_pickup else req.alighting_s
            sign = 1 if stop.is_pickup else -1
            seats += sign * req.party_size
            chairs += sign * req.wheelchairs
            if seats > car.seats or chairs > car.wheelchair_places:
                violations.append(f"{where}: over capacity after {stop} ({seats} seats, {chairs} wheelchairs)")
        cost_m += dist[place, to]
        t = stop.service_start_s
        if t < ready_s + dur[place, to] - TOLERANCE_S:
            violations.append(f"{where}: {stop} starts before the vehicle can arrive")
        if not lo - TOLERANCE_S <= t <= hi + TOLERANCE_S:
            violations.append(f"{where}: {stop} outside its window [{lo}, {hi}]")
        # The next stop's arrival check holds the vehicle here for the whole boarding, alighting or break.
        place, ready_s = to, t + busy_s
    missing = sorted(set(range(len(car.breaks))) - rests_taken)
    if missing:
        violations.append(f"{where}: drives without taking its breaks {missing}")
    cost_m += dist[place, car.end_place]
    if route.end_s < ready_s + dur[place, car.end_place] - TOLERANCE_S:
        violations.append(f"{where}: reaches the end depot before it can arrive")
    if route.end_s > car.shift_s[1] + TOLERANCE_S:
        violations.append(f"{where}: reaches the end depot at {route.end_s} after its shift")
    if car.max_duration_s is not None and route.end_s - route.start_s > car.max_duration_s + TOLERANCE_S:
        violations.append(f"{where}: route lasts {route.end_s - route.start_s} s, over {car.max_duration_s}")
    return cost_m


def _check_requests(problem: PoolingProblem, visits: dict, violations: list[str]) -> set[int]:
    served: set[int] = set()
    for i, req in enumerate(problem.requests):
        pick, drop = visits.get((i, True)), visits.get((i, False))
        if req.picked_up_s is not None:  # on board
            if pick is not None or drop is None or drop[0] != req.vehicle:
                violations.append(f"request {i}: on board of vehicle {req.vehicle}, must only be dropped off by it")
                continue
            pick = (req.vehicle, float(req.picked_up_s), -1)
        elif pick is None and drop is None:
            if req.vehicle is not None:
                violations.append(f"request {i}: assigned to vehicle {req.vehicle} but not served")
            continue
        elif pick is None or drop is None or pick[0] != drop[0]:
            violations.append(f"request {i}: pickup and drop-off not on one vehicle")
            continue
        if req.vehicle is not None and pick[0] != req.vehicle:
            violations.append(f"request {i}: moved off its assigned vehicle {req.vehicle}")
        ride_s = drop[1] - (pick[1] + req.boarding_s)
        if ride_s < -TOLERANCE_S or pick[2] >= drop[2]:
            violations.append(f"request {i}: dropped off before being picked up")
        if req.max_ride_s is not None and ride_s > req.max_ride_s + TOLERANCE_S:
            violations.append(f"request {i}: rides {ride_s:.3f} s, over {req.max_ride_s}")
        served.add(i)
    return served
