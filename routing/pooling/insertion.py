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

    visit: np.ndarray  # per visit id (2r pickup, 2r+1 drop-off, then breaks): place, lo, hi, service, seats, chairs
    ride_limit: np.ndarray  # per request: boarding + maximum ride, or inf
    vehicle: np.ndarray  # per vehicle: start, end, shift lo, hi, max duration, seats and chairs on board
    insertion: np.ndarray  # [vehicle, request]: the request row cheapest_insertion takes
    first_break: np.ndarray  # per vehicle: the visit id of its break 0


def search_tables(problem: PoolingProblem) -> SearchTables:
    cached = problem.__dict__.get("_search_tables")
    if cached is None:
        timing = timing_of(problem)
        n = problem.n_requests
        rests = [rest for car in timing.breaks for rest in car]
        visit = np.zeros((2 * n + len(rests), 6))
        for b, rest in enumerate(rests):  # a break is a stop that carries no one
            visit[2 * n + b, :4] = rest
        first_break = 2 * n + np.cumsum([0] + [len(car) for car in timing.breaks[:-1]])
        vehicle = np.zeros((len(problem.vehicles), 7))
        vehicle[:, :5] = timing.vehicle
        for (i, is_pickup), (place, lo, hi, service) in timing.visit.items():
            req = problem.requests[i]
            sign = 1 if is_pickup else -1
            visit[2 * i + (not is_pickup)] = (place, lo, hi, service, sign * req.party_size,
                                              sign * req.wheelchairs)
            if req.on_board and not is_pickup:
                vehicle[req.vehicle, 5:] += (req.party_size, req.wheelchairs)
        ride = np.array(timing.ride_limit_s, dtype=np.float64)
        pick, drop = visit[0:2 * n:2], visit[1:2 * n:2]
        # Built with numpy rather than per (vehicle, request): a dispatcher builds a problem per query.
        insertion = np.empty((len(problem.vehicles), n, 13))
        insertion[:, :, :11] = np.column_stack(
            [pick[:, 0], drop[:, 0], pick[:, 1], pick[:, 2], pick[:, 3], drop[:, 1], drop[:, 2], drop[:, 3],
             ride, pick[:, 4], pick[:, 5]]).reshape(n, 11)
        insertion[:, :, 11] = np.array([car.seats for car in problem.vehicles], dtype=np.float64)[:, None]
        insertion[:, :, 12] = np.array([car.wheelchair_places for car in problem.vehicles], dtype=np.float64)[:, None]
        cached = SearchTables(visit, ride, vehicle, insertion, first_break)
        problem.__dict__["_search_tables"] = cached  # a frozen dataclass still has a __dict__
    return cached


@dataclass
class RouteState:
    """One vehicle's visits with per-node arrays (depots included) and their earliest timing."""

    vehicle: int
    visits: list[Visit]
    arrays: tuple  # place, lo, hi, service, partner, ride limit
    rest: np.ndarray  # whether each node is a driver's break
    seats: np.ndarray  # taken after each node
    chairs: np.ndarray
    times: np.ndarray  # earliest service starts
    latest: np.ndarray  # latest starts by windows and travel alone
    cost_m: float  # distance driven; none while the vehicle is idle
    idle: bool  # no one to carry: the vehicle stays at its depot and skips its breaks


def route_state(problem: PoolingProblem, vehicle: int, visits: list[Visit]) -> RouteState | None:
    tables = search_tables(problem)
    before_rest = int(tables.first_break[vehicle]) - 1
    ids = np.array([2 * r + (not is_pickup) if r >= 0 else before_rest - r for r, is_pickup in visits],
                   dtype=np.int64)
    ok, place, lo, hi, svc, partner, ride, rest, seats, chairs, times, latest, cost = build_route(
        ids, tables.visit, tables.ride_limit, tables.vehicle[vehicle], problem.travel.duration_s,
        problem.travel.distance_m)
    if not ok:
        return None
    idle = all(r < 0 for r, _ in visits)  # unused, as the checker counts it, rather than driving depot to depot
    return RouteState(vehicle, list(visits), (place, lo, hi, svc, partner, ride), rest, seats, chairs,
                      times, latest, 0.0 if idle else cost, idle)


def best_insertion(problem: PoolingProblem, state: RouteState, r: int,
                   max_checks: int = MAX_EXACT_CHECKS) -> tuple[float, int, int] | None:
    """(added metres, pickup gap, drop-off gap) of the cheapest feasible insertion found, or None.

    At most max_checks positions that pass the necessary conditions are timed exactly.
    """
    req = problem.requests[r]
    if req.vehicle is not None and req.vehicle != state.vehicle:
        return None
    tables = search_tables(problem)
    place, lo, hi, svc, partner, ride = state.arrays
    delta, i, j = cheapest_insertion(place, lo, hi, svc, partner, ride, state.rest, tables.vehicle[state.vehicle, 4],
                                     state.seats, state.chairs, state.times, state.latest,
                                     problem.travel.duration_s, problem.travel.distance_m,
                                     tables.insertion[state.vehicle, r], max_checks)
    if i < 0:
        return None
    if state.idle:  # the first rider puts the vehicle on the road: its depots and breaks count
        delta += float(problem.travel.distance_m[place[:-1], place[1:]].sum())
    return float(delta), int(i), int(j)


def inserted(visits: list[Visit], r: int, i: int, j: int) -> list[Visit]:
    return visits[:i] + [(r, True)] + visits[i:j] + [(r, False)] + visits[j:]
