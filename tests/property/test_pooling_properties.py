"""Every plan the pooling solver returns passes the independent checker (hypothesis)."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from routing.pooling import (
    PoolingParams, PoolingProblem, Request, Route, Stop, TravelMatrix, Vehicle, check_plan, earliest_schedule,
    solve,
)


@st.composite
def problems(draw) -> PoolingProblem:
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
    return PoolingProblem(tuple(requests), tuple(vehicles), travel)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(), st.integers(0, 1000))
def test_every_returned_plan_passes_the_checker(problem, seed):
    result = solve(problem, PoolingParams(time_limit_s=0.2, seed=seed))
    report = check_plan(problem, result.routes)
    assert result.is_feasible() and report.ok, report.violations
    assert set(report.unserved) == set(result.rejected)
    assert report.served.isdisjoint(result.rejected)
    assert abs(report.cost_m - result.cost_m) < 1e-6


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
