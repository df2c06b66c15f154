"""Routes as the arrays the compiled insertion works on, and the cheapest insertion of a request.

Candidate positions are filtered by necessary conditions (room for the party at every stop it
rides through, each new stop reachable before its window and its successor's latest start
close, the ride not provably too long) and then timed exactly in order of added distance until
one passes; past MAX_EXACT_CHECKS the route counts as full.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from routing.pooling.kernel import build_route, cheapest_insertion
from routing.pooling.model import PoolingProblem
from routing.pooling.schedule import timing_of

Visit = tuple[int, bool]
MAX_EXACT_CHECKS = 40


@dataclass(frozen=True, eq=False)
class SearchTables:
    """The problem as arrays for the compiled kernels, built once per problem."""

    visit: np.ndarray  # per visit id (2r pickup, 2r+1 drop-off): place, lo, hi, service, seats, chairs
    ride_limit: np.ndarray  # per request: boarding + maximum ride, or inf
    vehicle: np.ndarray  # per vehicle: start, end, shift lo, hi, max duration, seats and chairs on board
    insertion: np.ndarray  # [vehicle, request]: the request row cheapest_insertion takes


def search_tables(problem: PoolingProblem) -> SearchTables:
    cached = problem.__dict__.get("_search_tables")
    if cached is None:
        timing = timing_of(problem)
        n = problem.n_requests
        visit = np.zeros((2 * n, 6))
        for (i, is_pickup), (place, lo, hi, service) in timing.visit.items():
            req = problem.requests[i]
            sign = 1 if is_pickup else -1
            visit[2 * i + (not is_pickup)] = (place, lo, hi, service, sign * req.party_size,
                                              sign * req.wheelchairs)
        vehicle = np.zeros((len(problem.vehicles), 7))
        insertion = np.zeros((len(problem.vehicles), n, 13))
        for k, car in enumerate(problem.vehicles):
            aboard = [r for r in problem.requests if r.on_board and r.vehicle == k]
            vehicle[k] = (*timing.vehicle[k], sum(r.party_size for r in aboard), sum(r.wheelchairs for r in aboard))
            for i, req in enumerate(problem.requests):
                p, q = visit[2 * i], visit[2 * i + 1]
                insertion[k, i] = (p[0], q[0], p[1], p[2], p[3], q[1], q[2], q[3], timing.ride_limit_s[i],
                                   req.party_size, req.wheelchairs, car.seats, car.wheelchair_places)
        cached = SearchTables(visit, np.array(timing.ride_limit_s), vehicle, insertion)
        problem.__dict__["_search_tables"] = cached  # a frozen dataclass still has a __dict__
    return cached


@dataclass
class RouteState:
    """One vehicle's visits with per-node arrays (depots included) and their earliest timing."""

    vehicle: int
    visits: list[Visit]
    arrays: tuple  # place, lo, hi, service, partner, ride limit
    seats: np.ndarray  # taken after each node
    chairs: np.ndarray
    times: np.ndarray  # earliest service starts
    latest: np.ndarray  # latest starts by windows and travel alone
    cost_m: float


def route_state(problem: PoolingProblem, vehicle: int, visits: list[Visit]) -> RouteState | None:
    tables = search_tables(problem)
    ids = np.array([2 * r + (not is_pickup) for r, is_pickup in visits], dtype=np.int64)
    ok, place, lo, hi, svc, partner, ride, seats, chairs, times, latest, cost = build_route(
        ids, tables.visit, tables.ride_limit, tables.vehicle[vehicle], problem.travel.duration_s,
        problem.travel.distance_m)
    if not ok:
        return None
    return RouteState(vehicle, list(visits), (place, lo, hi, svc, partner, ride), seats, chairs,
                      times, latest, cost)


def best_insertion(problem: PoolingProblem, state: RouteState, r: int) -> tuple[float, int, int] | None:
    """(added metres, pickup gap, drop-off gap) of the cheapest feasible insertion found, or None."""
    req = problem.requests[r]
    if req.vehicle is not None and req.vehicle != state.vehicle:
        return None
    tables = search_tables(problem)
    place, lo, hi, svc, partner, ride = state.arrays
    delta, i, j = cheapest_insertion(place, lo, hi, svc, partner, ride, tables.vehicle[state.vehicle, 4],
                                     state.seats, state.chairs, state.times, state.latest,
                                     problem.travel.duration_s, problem.travel.distance_m,
                                     tables.insertion[state.vehicle, r], MAX_EXACT_CHECKS)
    return None if i < 0 else (float(delta), int(i), int(j))


def inserted(visits: list[Visit], r: int, i: int, j: int) -> list[Visit]:
    return visits[:i] + [(r, True)] + visits[i:j] + [(r, False)] + visits[j:]
