"""Counted stopping rules of the pooling solver: iterations and no improvement, not the clock."""

from __future__ import annotations

import numpy as np
import pytest

from routing.pooling import PoolingParams, PoolingProblem, Request, TravelMatrix, Vehicle, reoptimise, solve


def town(n_requests: int = 12, seed: int = 3) -> PoolingProblem:
    """Random places 5 km across, driven at 8 m/s; pickups in 15-minute windows over 80 minutes."""
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 5000, (1 + 2 * n_requests, 2))
    gap = np.sqrt(((xy[:, None] - xy[None, :]) ** 2).sum(axis=2))
    requests = []
    for i in range(n_requests):
        start = int(rng.integers(0, 4800))
        requests.append(Request(1 + 2 * i, 2 + 2 * i, pickup_window_s=(start, start + 900), max_ride_s=1500))
    vans = tuple(Vehicle(0, 0, (0, 9000), seats=3) for _ in range(3))
    return PoolingProblem(tuple(requests), vans, TravelMatrix(duration_s=gap / 8, distance_m=gap))


def plan(result) -> list[list[tuple[int, bool, float]]]:
    return [[(s.request, s.is_pickup, s.service_start_s) for s in route.stops] for route in result.routes]


def test_a_counted_run_gives_one_plan_for_a_seed_and_runs_exactly_its_iterations():
    problem = town()
    params = PoolingParams(time_limit_s=120, max_iterations=150, seed=7)
    first, second = solve(problem, params), solve(problem, params)
    assert first.is_feasible() and plan(first) == plan(second) and first.cost_m == second.cost_m
    assert first.stats["lns_iterations"] == second.stats["lns_iterations"] == 150
    assert first.stats == second.stats


def test_no_improvement_stops_the_search_before_the_iteration_cap():
    # Two riders on one road: the first plan is already the best, so nothing improves on it.
    x = np.array([0.0, 10, 20, 30, 40])
    gap = np.abs(x[:, None] - x[None, :])
    problem = PoolingProblem((Request(1, 2), Request(3, 4)), (Vehicle(0, 0, (0, 10_000), seats=4),),
                             TravelMatrix(duration_s=gap, distance_m=gap))
    result = solve(problem, PoolingParams(time_limit_s=120, max_iterations=10_000, max_no_improvement=25))
    assert result.is_feasible() and result.cost_m == pytest.approx(80)
    assert result.stats["lns_iterations"] == 25


def test_a_counted_reoptimisation_is_repeatable():
    problem = town(8, seed=5)
    start = solve(problem, PoolingParams(max_iterations=0, seed=1))
    routes = [[(s.request, s.is_pickup) for s in route.stops] for route in start.routes]
    params = PoolingParams(time_limit_s=120, max_iterations=100, max_no_improvement=40, seed=2)
    assert reoptimise(problem, routes, params) == reoptimise(problem, routes, params)


@pytest.mark.parametrize("bad", [{"max_iterations": -1}, {"max_iterations": 2.5}, {"max_iterations": True},
                                 {"max_no_improvement": -3}, {"max_no_improvement": "10"},
                                 {"ortools_max_solutions": 0}, {"ortools_max_solutions": None}])
def test_bad_stopping_rules_are_refused(bad):
    with pytest.raises(ValueError):
        PoolingParams(**bad)
