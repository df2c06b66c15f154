"""Drivers' breaks on instances small enough to check by hand: places on a line, 1 m = 1 s."""

from __future__ import annotations

import numpy as np
import pytest

from routing.pooling import (
    Break, InvalidPoolingProblem, PoolingParams, PoolingProblem, Request, Route, Stop, TravelMatrix, Vehicle,
    break_visit, check_plan, earliest_schedule, insert_request, reoptimise, solve, timed_routes,
)

FAST = PoolingParams(max_iterations=400, max_no_improvement=100, seed=1)  # counted: the same plan on any machine
REST = break_visit(0)


def line(*xs: float) -> TravelMatrix:
    x = np.array(xs, dtype=float)
    gap = np.abs(x[:, None] - x[None, :])
    return TravelMatrix(duration_s=gap, distance_m=gap)


def van(*breaks: Break, seats: int = 4, shift: tuple[int, int] = (0, 10_000)) -> Vehicle:
    return Vehicle(start_place=0, end_place=0, shift_s=shift, seats=seats, breaks=breaks)


def test_the_schedule_holds_the_van_for_its_whole_break():
    travel = line(0, 10, 20)
    problem = PoolingProblem((Request(1, 2),), (van(Break((100, 200), 50, place=0)),), travel)
    assert earliest_schedule(problem, 0, [REST, (0, True), (0, False)]) == [0, 100, 160, 170, 190]
    late = PoolingProblem((Request(1, 2, pickup_window_s=(0, 150)),), (van(Break((100, 200), 50, place=0)),),
                          travel)
    assert earliest_schedule(late, 0, [REST, (0, True), (0, False)]) is None  # back at 10 by 160 at best


def test_solve_takes_the_break_in_its_window_between_the_rides():
    # Rides 10 -> 20 early and late; the driver rests at the depot from 100 to 160 at the earliest.
    travel = line(0, 10, 20)
    early = Request(1, 2, pickup_window_s=(0, 50))
    late = Request(1, 2, pickup_window_s=(150, 400))
    problem = PoolingProblem((early, late), (van(Break((100, 120), 60, place=0)),), travel)
    result = solve(problem, FAST)
    assert result.is_feasible() and not result.rejected
    stops = result.routes[0].stops
    assert [(s.request, s.is_pickup) for s in stops] == [(0, True), (0, False), REST, (1, True), (1, False)]
    rest = stops[2]
    assert rest.is_break and 100 <= rest.service_start_s <= 120
    assert stops[3].service_start_s >= rest.service_start_s + 60 + 10
    assert result.cost_m == pytest.approx(2 * 40)


def test_a_break_away_from_the_route_is_driven_to():
    travel = line(0, 10, 20, 50)
    problem = PoolingProblem((Request(1, 2),), (van(Break((0, 1000), 30, place=3)),), travel)
    result = solve(problem, FAST)
    assert result.is_feasible() and not result.rejected
    assert REST in [(s.request, s.is_pickup) for s in result.routes[0].stops]
    assert result.cost_m == pytest.approx(100)


def test_an_idle_vehicle_needs_no_break():
    travel = line(0, 10, 20, 50)
    problem = PoolingProblem((Request(1, 2),), (van(), van(Break((0, 1000), 30, place=3))), travel)
    result = solve(problem, FAST)
    assert result.is_feasible() and result.routes[1].is_empty and result.cost_m == pytest.approx(40)


def test_the_checker_finds_missing_short_late_and_unknown_breaks():
    travel = line(0, 10, 20)
    problem = PoolingProblem((Request(1, 2),), (van(Break((100, 200), 50, place=0)),), travel)
    ride = (Stop(0, True, 10), Stop(0, False, 20))
    assert check_plan(problem, [Route(0, (Stop(-1, False, 100), *[
        Stop(s.request, s.is_pickup, s.service_start_s + 150) for s in ride]), 0, 190)]).ok
    missing = check_plan(problem, [Route(0, ride, 0, 40)]).violations
    assert any("breaks [0]" in v for v in missing)
    short = check_plan(problem, [Route(0, (Stop(-1, False, 100), Stop(0, True, 120), Stop(0, False, 130)),
                                       0, 150)]).violations
    assert any("before the vehicle can arrive" in v for v in short)  # left 30 s into a 50 s break
    late = check_plan(problem, [Route(0, (Stop(-1, False, 250), Stop(0, True, 310), Stop(0, False, 320)),
                                      0, 340)]).violations
    assert any("outside its window" in v for v in late)
    unknown = check_plan(problem, [Route(0, (Stop(-1, False, 100), Stop(-2, False, 150), *ride), 0, 40)])
    assert any("unknown or repeated break" in v for v in unknown.violations)


def test_insertion_works_around_the_break():
    travel = line(0, 10, 20)
    rest = Break((100, 100), 100, place=0)  # the van is at the depot from 100 to 200
    during = Request(1, 2, pickup_window_s=(110, 180))
    after = Request(1, 2, pickup_window_s=(110, 300))
    assert insert_request(PoolingProblem((during,), (van(rest),), travel), [[REST]], 0) is None
    found = insert_request(PoolingProblem((after,), (van(rest),), travel), [[REST]], 0)
    assert found is not None and found.visits == (REST, (0, True), (0, False))
    assert found.pickup_s == 210 and found.latest_pickup_s == 300
    assert insert_request(PoolingProblem((after,), (van(rest),), travel), [[]], 0) == found  # an idle van


def test_reoptimise_keeps_every_break():
    travel = line(0, 10, 20, 30, 40)
    rest = Break((0, 5000), 60, place=0)
    problem = PoolingProblem((Request(1, 2), Request(3, 4)), (van(rest), van(rest)), travel)
    poor = [[REST, (0, True), (0, False)], [(1, True), (1, False), REST]]
    better = reoptimise(problem, poor, FAST)
    report = check_plan(problem, timed_routes(problem, better))
    assert report.ok and report.served == {0, 1} and report.cost_m == 80


def test_a_bad_break_is_refused():
    travel = line(0, 10)
    with pytest.raises(InvalidPoolingProblem):
        PoolingProblem((), (van(Break((50, 10), 30, place=0)),), travel)
    with pytest.raises(InvalidPoolingProblem):
        PoolingProblem((), (van(Break((0, 10), 30, place=5)),), travel)
    with pytest.raises(InvalidPoolingProblem):
        PoolingProblem((), (van(Break((0, 10), -1, place=0)),), travel)
