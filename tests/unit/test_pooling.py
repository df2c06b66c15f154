"""Pooling engine on instances small enough to check by hand: places on a line, 1 m = 1 s."""

from __future__ import annotations

import numpy as np
import pytest

from routing.pooling import (
    InvalidPoolingProblem, PoolingParams, PoolingProblem, Request, Route, Stop, TravelMatrix, Vehicle,
    check_plan, earliest_schedule, ride_limit_s, solve,
)
from routing.pooling.travel import CachedProvider, StraightLineProvider

FAST = PoolingParams(max_iterations=400, max_no_improvement=100, seed=1)  # counted: the same plan on any machine


def line(*xs: float) -> TravelMatrix:
    """Places at positions along a road: travel time in seconds equals distance in metres."""
    x = np.array(xs, dtype=float)
    gap = np.abs(x[:, None] - x[None, :])
    return TravelMatrix(duration_s=gap, distance_m=gap)


def van(seats: int = 4, shift: tuple[int, int] = (0, 10_000), **kw) -> Vehicle:
    return Vehicle(start_place=0, end_place=0, shift_s=shift, seats=seats, **kw)


def order(result, vehicle: int = 0) -> list[tuple[int, bool]]:
    return [(s.request, s.is_pickup) for s in result.routes[vehicle].stops]


def test_windows_force_the_order_against_geography():
    # places: 0 depot, 1 at 10, 2 at 20, 3 at 30, 4 at 40
    travel = line(0, 10, 20, 30, 40)
    near_late = Request(1, 2, pickup_window_s=(200, 300))
    far_early = Request(3, 4, pickup_window_s=(0, 50))
    result = solve(PoolingProblem((near_late, far_early), (van(),), travel), FAST)
    assert result.is_feasible() and not result.rejected
    assert order(result) == [(1, True), (1, False), (0, True), (0, False)]
    assert result.cost_m == pytest.approx(30 + 10 + 30 + 10 + 20)


@pytest.mark.parametrize("first_solution", ["PARALLEL_CHEAPEST_INSERTION", "SAVINGS"])
def test_ortools_first_solutions_reach_the_same_plan(first_solution):
    travel = line(0, 10, 20, 30, 40)
    requests = (Request(1, 2, pickup_window_s=(200, 300)), Request(3, 4, pickup_window_s=(0, 50)))
    params = PoolingParams(max_iterations=400, max_no_improvement=100, first_solution=first_solution)
    result = solve(PoolingProblem(requests, (van(),), travel), params)
    assert result.is_feasible() and order(result) == [(1, True), (1, False), (0, True), (0, False)]


def test_a_wheelchair_user_rides_the_van_with_a_wheelchair_place():
    travel = line(0, 10, 20)
    rider = Request(1, 2, party_size=0, wheelchairs=1, boarding_s=120, alighting_s=120)
    result = solve(PoolingProblem((rider,), (van(), van(wheelchair_places=1)), travel), FAST)
    assert result.is_feasible() and not result.rejected
    assert result.routes[0].is_empty and order(result, 1) == [(0, True), (0, False)]
    assert result.routes[1].stops[1].service_start_s >= result.routes[1].stops[0].service_start_s + 120 + 10


def test_capacity_forces_a_second_vehicle():
    travel = line(0, 10, 100)
    pair = [Request(1, 2, pickup_window_s=(10, 12), party_size=2) for _ in range(2)]
    result = solve(PoolingProblem(tuple(pair), (van(seats=2), van(seats=2)), travel), FAST)
    assert result.is_feasible() and not result.rejected
    assert all(len(route.stops) == 2 for route in result.routes)
    assert result.cost_m == pytest.approx(2 * 200)


def test_ride_time_limit_forbids_the_pooling_detour():
    # A rides 10 -> 110 (100 s direct, 110 s allowed); B boards and alights on the way, 30 s each.
    travel = line(0, 10, 110, 50, 60)
    a = Request(1, 2, max_ride_s=110)
    b = Request(3, 4, boarding_s=30, alighting_s=30)
    problem = PoolingProblem((a, b), (van(),), travel)
    pooled = Route(0, (Stop(0, True, 10), Stop(1, True, 50), Stop(1, False, 90), Stop(0, False, 170)),
                   0, 280)
    assert any("rides" in v for v in check_plan(problem, [pooled]).violations)
    result = solve(problem, FAST)
    assert result.is_feasible() and not result.rejected
    stops = order(result)
    inside_a = stops[stops.index((0, True)) + 1: stops.index((0, False))]
    assert inside_a == []


def test_impossible_requests_are_rejected_and_the_rest_served():
    travel = line(0, 10, 20, 5000)
    fine = Request(1, 2)
    too_big = Request(1, 2, party_size=5)
    unreachable = Request(3, 1, pickup_window_s=(0, 100))
    result = solve(PoolingProblem((fine, too_big, unreachable), (van(seats=4),), travel), FAST)
    assert result.is_feasible()
    assert result.rejected == (1, 2)
    assert result.n_served == 1


def test_on_board_rider_is_dropped_by_its_vehicle_and_counts_against_seats():
    travel = line(0, 10, 20)
    on_board = Request(1, 2, party_size=3, vehicle=1, picked_up_s=0, max_ride_s=100)
    waiting = Request(1, 2, party_size=2, pickup_window_s=(0, 15))  # vehicle 1 has no room
    problem = PoolingProblem((on_board, waiting), (van(seats=4), van(seats=4)), travel)
    result = solve(problem, FAST)
    assert result.is_feasible() and not result.rejected
    assert order(result, 1) == [(0, False)]
    assert order(result, 0) == [(1, True), (1, False)]


def test_schedule_delays_the_pickup_to_respect_the_ride_limit():
    travel = line(0, 10, 20)
    req = Request(1, 2, dropoff_window_s=(500, 510), boarding_s=5, max_ride_s=30)
    problem = PoolingProblem((req,), (van(),), travel)
    times = earliest_schedule(problem, 0, [(0, True), (0, False)])
    assert times is not None
    assert times[2] == 500
    assert times[1] == 500 - 30 - 5  # boarding waits until the ride fits, not the earliest arrival


def test_schedule_respects_the_route_duration():
    travel = line(0, 10, 20)
    req = Request(1, 2, pickup_window_s=(0, 1000), dropoff_window_s=(900, 1000))
    problem = PoolingProblem((req,), (van(max_duration_s=950),), travel)
    times = earliest_schedule(problem, 0, [(0, True), (0, False)])
    assert times is not None and times[-1] - times[0] <= 950
    tight = PoolingProblem((req,), (van(max_duration_s=100, shift=(0, 500)),), travel)
    assert earliest_schedule(tight, 0, [(0, True), (0, False)]) is None


def test_checker_finds_capacity_precedence_and_window_violations():
    travel = line(0, 10, 20)
    reqs = (Request(1, 2, party_size=3, pickup_window_s=(0, 10)), Request(1, 2, party_size=3))
    problem = PoolingProblem(reqs, (van(seats=4),), travel)
    both = Route(0, (Stop(0, True, 10), Stop(1, True, 10), Stop(0, False, 20), Stop(1, False, 20)), 0, 40)
    assert any("capacity" in v for v in check_plan(problem, [both]).violations)
    backwards = Route(0, (Stop(0, False, 20), Stop(0, True, 30)), 0, 60)
    violations = check_plan(problem, [backwards]).violations
    assert any("window" in v for v in violations) and any("before being picked up" in v for v in violations)
    report = check_plan(problem, [Route(0, (Stop(0, True, 10), Stop(0, False, 20)), 0, 40)])
    assert report.ok and report.cost_m == 40 and report.unserved == (1,)


def test_bad_input_is_refused():
    travel = line(0, 10)
    with pytest.raises(InvalidPoolingProblem):
        PoolingProblem((Request(0, 1, pickup_window_s=(50, 10)),), (van(),), travel)
    with pytest.raises(InvalidPoolingProblem):
        PoolingProblem((Request(0, 7),), (van(),), travel)
    with pytest.raises(ValueError):
        PoolingProblem((), (van(seats=-1),), travel)
    with pytest.raises(ValueError):
        PoolingParams(time_limit_s=0)
    with pytest.raises(ValueError):
        PoolingParams(first_solution="magic")
    assert ride_limit_s(direct_s=100, factor=1.5, floor_s=600) == 600
    assert ride_limit_s(direct_s=1000, factor=1.5, floor_s=600) == 1500


def test_straight_line_provider_and_its_cache(tmp_path):
    points = np.array([[36.14, 139.39], [36.15, 139.39], [36.14, 139.40]])  # Kumagaya, about 1 km apart
    plain = StraightLineProvider(road_factor=1.3, speed_mps=10.0)
    matrix = plain.matrix(points)
    assert matrix.distance_m[0, 1] == pytest.approx(1.3 * 1112, rel=0.01)
    assert np.array_equal(matrix.distance_m, matrix.distance_m.T)
    assert matrix.duration_s[0, 1] == pytest.approx(matrix.distance_m[0, 1] / 10, abs=1)
    cached = CachedProvider(plain, tmp_path)
    first, again = cached.matrix(points), cached.matrix(points)
    assert len(list(tmp_path.glob("*.npz"))) == 1
    assert np.array_equal(first.duration_s, again.duration_s)


def test_no_requests_is_an_empty_plan():
    result = solve(PoolingProblem((), (van(),), line(0, 10)), PoolingParams(max_iterations=10))
    assert result.is_feasible() and result.cost_m == 0 and result.routes[0].is_empty
    assert "0 rejected" in result.summary()
