"""Solve a pooling problem: a first plan, OR-Tools local search, then ruin-and-recreate.

The first plan comes from our regret insertion (or an OR-Tools first-solution strategy); OR-Tools'
metaheuristic improves it for a share of the time limit; ruin and recreate then uses the rest.
Every returned route is timed by the exact scheduler and the whole plan re-verified by the
independent checker, whose findings and recomputed cost go into the result.
"""

from __future__ import annotations

import logging
import time

import numpy as np

from routing.pooling.checker import check_plan
from routing.pooling.insertion import Visit
from routing.pooling.lns import Plan, improve, plan_from_visits, recreate
from routing.pooling.model import PoolingProblem
from routing.pooling.ortools_model import build_model
from routing.pooling.params import PoolingParams
from routing.pooling.result import Result, Route, Stop
from routing.pooling.schedule import earliest_schedule

logger = logging.getLogger(__name__)


def solve(problem: PoolingProblem, params: PoolingParams | None = None) -> Result:
    params = params or PoolingParams()
    started = time.monotonic()
    deadline = started + params.time_limit_s
    rng = np.random.default_rng(params.seed)
    penalty = float(params.rejection_penalty_m)
    stats: dict[str, float] = {}

    model = build_model(problem, params)
    initial: list[list[Visit]] | None = None
    if params.first_solution == "regret":
        first = plan_from_visits(problem, _fixed_routes(problem), penalty)
        recreate(first, rng, use_regret=True)
        initial = first.visits()
        stats["first_cost_m"] = first.cost
    ortools_s = max(0.05, params.ortools_share * (deadline - time.monotonic()))
    routes = model.solve(params, ortools_s, initial)
    if routes is None and initial is not None:
        routes = initial
    if routes is None:
        routes = _fixed_routes(problem)
    plan = plan_from_visits(problem, routes, penalty)
    stats["ortools_cost_m"] = plan.cost
    plan, iterations = improve(plan, params, deadline, rng)
    stats["lns_iterations"] = iterations
    return _result(problem, plan, time.monotonic() - started, stats)


def _fixed_routes(problem: PoolingProblem) -> list[list[Visit]]:
    """Each vehicle's on-board drop-offs, the only stops a plan cannot do without."""
    routes: list[list[Visit]] = [[] for _ in problem.vehicles]
    for i, req in enumerate(problem.requests):
        if req.on_board:
            routes[req.vehicle].append((i, False))
    return routes


def _result(problem: PoolingProblem, plan: Plan, runtime_s: float, stats: dict[str, float]) -> Result:
    routes = []
    for v, state in enumerate(plan.routes):
        times = earliest_schedule(problem, v, state.visits)
        assert times is not None, "the LNS keeps every route schedulable"
        stops = tuple(Stop(r, is_pickup, t) for (r, is_pickup), t in zip(state.visits, times[1:-1]))
        routes.append(Route(v, stops, times[0], times[-1]) if stops else Route(v, ()))
    report = check_plan(problem, routes)
    result = Result(tuple(routes), report.unserved, report.cost_m, report.violations, runtime_s, stats)
    logger.debug("pooling solve: %s", result.summary())
    return result
