"""Same-day dispatch: answer one new request against running routes, and re-optimise them warm.

`insert_request` slots a request into one vehicle's route without reordering anyone else's
stops or the driver's breaks, trying every pickup and drop-off position on every vehicle, so a
refusal means no position works (the positions that necessary conditions skip are provably
infeasible as long as no detour through a stop, its service included, is quicker than going
direct). Other requests are held to their windows, which the caller narrows to what it promised
them. `reoptimise` runs the solver from the given routes and only hands back a plan that the
checker passes, that serves everyone the old one did and that costs no more.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from routing.pooling.checker import check_plan
from routing.pooling.insertion import RouteState, Visit, best_insertion, inserted, route_state, search_tables
from routing.pooling.kernel import stn_latest
from routing.pooling.lns import fixed_routes
from routing.pooling.model import PoolingProblem
from routing.pooling.params import PoolingParams
from routing.pooling.result import Route, Stop
from routing.pooling.schedule import earliest_schedule
from routing.pooling.solve import solve

ALL_POSITIONS = 2**62  # no cap on exact checks: a refusal must mean that no position works
COST_TOLERANCE_M = 1e-6


@dataclass(frozen=True)
class Insertion:
    vehicle: int
    visits: tuple[Visit, ...]  # the vehicle's whole new visit order
    pickup_s: float  # boarding start of the new request in the earliest timing of that order
    latest_pickup_s: float  # the latest boarding start for which the new route is still feasible
    dropoff_s: float
    added_m: float


def insert_request(problem: PoolingProblem, routes: Sequence[Sequence[Visit]], request: int) -> Insertion | None:
    """The cheapest feasible insertion of `request` into one of `routes`, or None when none exists."""
    req = problem.requests[request]
    if req.on_board:
        raise ValueError(f"request {request} is on board: it cannot be inserted as a new request")
    if len(routes) != len(problem.vehicles):
        raise ValueError(f"{len(routes)} routes given for {len(problem.vehicles)} vehicles")
    best: tuple[float, int, int, RouteState] | None = None
    idle = fixed_routes(problem)
    for v, visits in enumerate(routes):
        if req.vehicle is not None and req.vehicle != v:
            continue
        state = route_state(problem, v, list(visits) or idle[v])  # an unused vehicle sets out with its breaks
        if state is None:
            continue  # a route that cannot be timed as it is takes no one more
        found = best_insertion(problem, state, request, ALL_POSITIONS)
        if found is not None and (best is None or found[0] < best[0]):
            best = (found[0], found[1], found[2], state)
    if best is None:
        return None
    added_m, i, j, state = best
    visits = inserted(state.visits, request, i, j)
    new = route_state(problem, state.vehicle, visits)
    assert new is not None, "an insertion that passed the exact check stays schedulable"
    latest = _latest_times(problem, new)
    # Node 0 is the start depot: the pickup is node i + 1 and the drop-off node j + 2.
    return Insertion(state.vehicle, tuple(visits), float(new.times[i + 1]), float(latest[i + 1]),
                     float(new.times[j + 2]), float(added_m))


def _latest_times(problem: PoolingProblem, state: RouteState) -> np.ndarray:
    """The latest service start of every node (depots included) over all timings of the route."""
    place, lo, hi, svc, partner, ride = state.arrays
    out = np.empty(place.shape[0])
    max_duration = search_tables(problem).vehicle[state.vehicle, 4]
    ok = stn_latest(place, lo, hi, svc, partner, ride, max_duration, problem.travel.duration_s, out)
    assert ok, "a route with an earliest timing has a latest one"
    return out


def reoptimise(problem: PoolingProblem, routes: Sequence[Sequence[Visit]],
               params: PoolingParams) -> list[list[Visit]]:
    """Better routes found within params.time_limit_s from `routes`, or `routes` unchanged.

    Only the requests served in `routes` (and those on board) are planned: a request the
    dispatcher refused must not reappear in a vehicle's route without anyone telling the rider.
    """
    given = [list(route) for route in routes]
    if len(given) != len(problem.vehicles):
        raise ValueError(f"{len(given)} routes given for {len(problem.vehicles)} vehicles")
    before = _checked(problem, given)
    if before is None:
        return given
    served, cost_m = before
    keep = sorted(served | {i for i, req in enumerate(problem.requests) if req.on_board})
    sub = PoolingProblem(tuple(problem.requests[i] for i in keep), problem.vehicles, problem.travel)
    local = {old: new for new, old in enumerate(keep)}
    initial = [[(local[r] if r >= 0 else r, p) for r, p in route] for route in given]  # breaks keep theirs
    try:
        result = solve(sub, params, initial=initial)
    except ValueError:
        return given  # an idle vehicle's breaks do not fit its shift: there is no plan to start from
    if result.rejected or not result.is_feasible():
        return given
    better = [[(keep[stop.request] if stop.request >= 0 else stop.request, stop.is_pickup) for stop in route.stops]
              for route in result.routes]
    after = _checked(problem, better)  # re-verified on the caller's problem, trusting nothing above
    if after is None or not after[0] >= served or after[1] > cost_m + COST_TOLERANCE_M:
        return given
    return better


def timed_routes(problem: PoolingProblem, routes: Sequence[Sequence[Visit]]) -> list[Route] | None:
    """Each vehicle's visits timed at their earliest, or None when one of them has no timing.

    A vehicle with only its breaks to take is idle: it stays at the depot, as `solve` plans it.
    """
    timed = []
    for v, visits in enumerate(routes):
        if all(r < 0 for r, _ in visits):
            timed.append(Route(v, ()))
            continue
        times = earliest_schedule(problem, v, visits)
        if times is None:
            return None
        stops = tuple(Stop(r, p, t) for (r, p), t in zip(visits, times[1:-1]))
        timed.append(Route(v, stops, times[0], times[-1]))
    return timed


def _checked(problem: PoolingProblem, routes: list[list[Visit]]) -> tuple[frozenset[int], float] | None:
    """(served requests, cost) of routes timed at their earliest, or None when the checker objects."""
    timed = timed_routes(problem, routes)
    report = None if timed is None else check_plan(problem, timed)
    return None if report is None or report.violations else (report.served, report.cost_m)
