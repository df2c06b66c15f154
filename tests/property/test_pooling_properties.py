"""Every plan the pooling solver or the dispatcher returns passes the independent checker (hypothesis)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from routing.pooling import (
    Break, PoolingParams, PoolingProblem, Request, Route, Stop, TravelMatrix, Vehicle, check_plan, earliest_schedule,
    break_visit, insert_request, reoptimise, solve,
)
from routing.pooling.dispatch import timed_routes
from routing.pooling.insertion import inserted


@st.composite
def problems(draw, breaks: bool = False) -> PoolingProblem:
    """Small random instances; with breaks, some drivers rest at the depot once in their shift."""
    n_places = draw(st.integers(3, 8))
    xy = np.array(draw(st.lists(st.tuples(st.integers(0, 600), st.integers(0, 600)),
                                min_size=n_places, max_size=n_places)), dtype=float)
    gap = np.sqrt(((xy[:, None] - xy[None, :]) ** 2).sum(axis=2))
    travel = TravelMatrix(duration_s=gap, distance_m=gap * 1.3)
    requests = []
    for _ in range(draw(st.integers(1, 4))):
        pick, drop = draw(st.integers(1, n_places - 1)), draw(st.integers(1, n_places - 1))
        start = draw(st.integers(0, 2000))
        width = draw(st.integers(0, 1500))
        by_dropoff = draw(st.booleans())
        window = (start, start + width)
        requests.append(Request(
            pick, drop,
            pickup_window_s=(0, 10_000) if by_dropoff else window,
            dropoff_window_s=window if by_dropoff else (0, 10_000),
            party_size=draw(st.integers(1, 3)), wheelchairs=draw(st.integers(0, 1)),
            boarding_s=draw(st.integers(0, 60)), alighting_s=draw(st.integers(0, 60)),
            max_ride_s=draw(st.one_of(st.none(), st.integers(300, 1500))),
        ))
    vehicles = [Vehicle(0, 0, (0, draw(st.integers(1500, 10_000))), seats=draw(st.integers(1, 4)),
                        wheelchair_places=draw(st.integers(0, 1)),
                        max_duration_s=draw(st.one_of(st.none(), st.integers(600, 4000))))
                for _ in range(draw(st.integers(1, 2)))]
    if breaks:
        for k, car in enumerate(vehicles):
            if draw(st.booleans()):  # a break that fits in the shift
                duration, width = draw(st.integers(0, 300)), draw(st.integers(0, 600))
                start = draw(st.integers(0, car.shift_s[1] - duration - width))
                vehicles[k] = replace(car, breaks=(Break((start, start + width), duration, place=0),))
    return PoolingProblem(tuple(requests), tuple(vehicles), travel)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(), st.integers(0, 1000))
def test_every_returned_plan_passes_the_checker(problem, seed):
    result = solve(problem, PoolingParams(max_iterations=150, max_no_improvement=50, seed=seed))
    report = check_plan(problem, result.routes)
    assert result.is_feasible() and report.ok, report.violations
    assert set(report.unserved) == set(result.rejected)
    assert report.served.isdisjoint(result.rejected)
    assert abs(report.cost_m - result.cost_m) < 1e-6


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(breaks=True), st.integers(0, 1000))
def test_every_plan_with_breaks_passes_the_checker(problem, seed):
    result = solve(problem, PoolingParams(max_iterations=150, max_no_improvement=50, seed=seed))
    report = check_plan(problem, result.routes)
    assert result.is_feasible() and report.ok, report.violations
    assert set(report.unserved) == set(result.rejected)


@settings(max_examples=60, deadline=None)
@given(problems(), st.randoms(use_true_random=False))
def test_earliest_schedule_is_checker_feasible_or_none(problem, random):
    visits = [(i, p) for i in range(problem.n_requests) for p in (True, False)]
    random.shuffle(visits)
    picked: set[int] = set()
    ordered = []
    for r, _ in visits:  # keep each pickup before its drop-off
        ordered.append((r, r not in picked))
        picked.add(r)
    times = earliest_schedule(problem, 0, ordered)
    if times is None:
        return
    route = Route(0, tuple(Stop(r, p, t) for (r, p), t in zip(ordered, times[1:-1])), times[0], times[-1])
    violations = [v for v in check_plan(problem, [route]).violations if "capacity" not in v]
    assert not violations


def _report(problem: PoolingProblem, routes):
    timed = timed_routes(problem, routes)
    return None if timed is None else check_plan(problem, timed)


def _booked_one_by_one(problem: PoolingProblem, first_on_board: bool, check_each):
    """Book the requests in order through insert_request, narrowing each promise as a service would.

    Returns the problem with every promise made and the routes; check_each(problem, routes, r, found)
    runs on every answer, against the problem of requests 0..r.
    """
    requests = list(problem.requests)
    routes: list[list] = [[break_visit(k) for k in range(len(car.breaks))] for car in problem.vehicles]
    booked: list[int] = []
    if first_on_board:
        car = problem.vehicles[0]
        assume(requests[0].party_size <= car.seats and requests[0].wheelchairs <= car.wheelchair_places)
        requests[0] = replace(requests[0], vehicle=0, picked_up_s=0)
        routes[0].insert(0, (0, False))
        assume(earliest_schedule(PoolingProblem(tuple(requests[:1]), problem.vehicles, problem.travel), 0,
                                 routes[0]) is not None)
        booked.append(0)
    for r in range(len(booked), len(requests)):
        # The problem holds the booked requests and the new one; a refused one is never seen again.
        ids = booked + [r]
        current = PoolingProblem(tuple(requests[i] for i in ids), problem.vehicles, problem.travel)
        local = [[(ids.index(q) if q >= 0 else q, p) for q, p in route] for route in routes]
        found = insert_request(current, local, len(ids) - 1)
        check_each(current, local, len(ids) - 1, found)
        if found is None:
            continue
        lo, hi = requests[r].pickup_window_s
        requests[r] = replace(requests[r], pickup_window_s=(
            max(lo, found.pickup_s - 300), min(hi, found.pickup_s + 600, found.latest_pickup_s)))
        routes[found.vehicle] = [(ids[q] if q >= 0 else q, p) for q, p in found.visits]
        booked.append(r)
    final = PoolingProblem(tuple(requests[i] for i in booked), problem.vehicles, problem.travel)
    return final, [[(booked.index(q) if q >= 0 else q, p) for q, p in route] for route in routes]


def _check_answer(problem: PoolingProblem, routes, r: int, found) -> None:
    """The answer is the cheapest of all positions (by brute force), clean and its latest pickup tight."""
    before = _report(problem, routes)
    assert before is not None and before.ok, before
    feasible = []
    for v, route in enumerate(routes):
        for i in range(len(route) + 1):
            for j in range(i, len(route) + 1):
                trial = [list(x) for x in routes]
                trial[v] = inserted(route, r, i, j)
                report = _report(problem, trial)
                if report is not None and report.ok:
                    feasible.append(report.cost_m - before.cost_m)
    if found is None:
        assert not feasible
        return
    assert feasible and abs(found.added_m - min(feasible)) < 1e-6
    after = [list(x) for x in routes]
    after[found.vehicle] = list(found.visits)
    assert _report(problem, after).ok
    lo, hi = problem.requests[r].pickup_window_s
    assert lo - 1e-6 <= found.pickup_s <= found.latest_pickup_s <= hi + 1e-6

    def pinned(t: float) -> bool:
        reqs = list(problem.requests)
        reqs[r] = replace(reqs[r], pickup_window_s=(t, t))
        return earliest_schedule(PoolingProblem(tuple(reqs), problem.vehicles, problem.travel), found.vehicle,
                                 found.visits) is not None

    assert pinned(found.latest_pickup_s)
    if found.latest_pickup_s + 1e-3 <= hi:
        assert not pinned(found.latest_pickup_s + 1e-3)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(breaks=True), st.booleans())
def test_sequential_insertion_is_exhaustive_and_every_plan_passes_the_checker(problem, first_on_board):
    final, routes = _booked_one_by_one(problem, first_on_board, _check_answer)
    report = _report(final, routes)
    assert report is not None and report.ok, report  # every promise kept
    assert len(report.served) == final.n_requests


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(breaks=True), st.booleans())
def test_reoptimise_keeps_every_booked_rider_and_never_costs_more(problem, first_on_board):
    final, routes = _booked_one_by_one(problem, first_on_board, lambda *_: None)
    better = reoptimise(final, routes, PoolingParams(max_iterations=150, max_no_improvement=50))
    before, after = _report(final, routes), _report(final, better)
    assert after is not None and after.ok
    assert after.served >= before.served
    assert after.cost_m <= before.cost_m + 1e-6
