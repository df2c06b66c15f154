"""Solve a pooling problem: a first plan, OR-Tools local search, then ruin-and-recreate.

The first plan is the caller's (a warm start), our regret insertion or an OR-Tools first-solution
strategy's; OR-Tools' metaheuristic improves it for a share of the time limit; ruin and recreate
then uses the rest.
Every returned route is timed by the exact scheduler and the whole plan re-verified by the
independent checker, whose findings and recomputed cost go into the result.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

import numpy as np

from routing.pooling.checker import check_plan
from routing.pooling.insertion import Visit
from routing.pooling.lns import Plan, fixed_routes, improve, plan_from_visits, recreate
from routing.pooling.model import PoolingProblem
from routing.pooling.ortools_model import build_model
from routing.pooling.params import PoolingParams
from routing.pooling.result import Result, Route, Stop
from routing.pooling.schedule import earliest_schedule

logger = logging.getLogger(__name__)


def solve(problem: PoolingProblem, params: PoolingParams | None = None,
          initial: Sequence[Sequence[Visit]] | None = None) -> Result:
    """The best plan found before the first of params' stopping rules (time, iterations, no improvement).

    `initial`, visits per vehicle with a feasible timing, replaces the first plan (a warm start);
    an empty route there is an idle vehicle, which gets its breaks to take should it set out.
    ValueError if a route of `initial` cannot be timed.
    """
    params = params or PoolingParams()
    started = time.monotonic()
    deadline = started + params.time_limit_s
    rng = np.random.default_rng(params.seed)
    penalty = float(params.rejection_penalty_m)
    stats: dict[str, float] = {}

    model = build_model(problem, params)
    first: Plan | None = None
    if initial is not None:
        if len(initial) != len(problem.vehicles):
            raise ValueError(f"{len(initial)} initial routes for {len(problem.vehicles)} vehicles")
        idle = fixed_routes(problem)
        first = plan_from_visits(problem, [list(route) or idle[v] for v, route in enumerate(initial)], penalty)
    elif params.first_solution == "regret":
        first = plan_from_visits(problem, fixed_routes(problem), penalty)
        recreate(first, rng, use_regret=True)
    if first is not None:
        stats["first_cost_m"] = first.cost
    ortools_s = max(0.05, params.ortools_share * (deadline - time.monotonic()))
    routes = model.solve(params, ortools_s, None if first is None else first.visits())
    plan = _exact_plan(problem, routes, penalty)
    if first is not None and (plan is None or first.cost < plan.cost):
        plan = first  # OR-Tools' rounded costs can let it hand back a plan worse than its start
    if plan is None:
        plan = plan_from_visits(problem, fixed_routes(problem), penalty)
    stats["ortools_cost_m"] = plan.cost
    plan, iterations = improve(plan, params, deadline, rng)
    stats["lns_iterations"] = iterations
    return _result(problem, plan, time.monotonic() - started, stats)


def _exact_plan(problem: PoolingProblem, routes: list[list[Visit]] | None, penalty: float) -> Plan | None:
    """OR-Tools' routes as a plan, or None when there are none or one fails exact timing.

    Exact timing fails only where a window was rounded outwards to hold a whole tick.
    """
    if routes is None:
        return None
    try:
        return plan_from_visits(problem, routes, penalty)
    except ValueError:
        logger.debug("pooling solve: OR-Tools routes fail exact timing; keeping the first plan")
        return None


def _result(problem: PoolingProblem, plan: Plan, runtime_s: float, stats: dict[str, float]) -> Result:
    routes = []
    for v, state in enumerate(plan.routes):
        times = earliest_schedule(problem, v, state.visits)
        assert times is not None, "the LNS keeps every route schedulable"
        stops = tuple(Stop(r, is_pickup, t) for (r, is_pickup), t in zip(state.visits, times[1:-1]))
        idle = all(stop.is_break for stop in stops)  # a vehicle with only its breaks to take stays home
        routes.append(Route(v, ()) if idle else Route(v, stops, times[0], times[-1]))
    report = check_plan(problem, routes)
    result = Result(tuple(routes), report.unserved, report.cost_m, report.violations, runtime_s, stats)
    logger.debug("pooling solve: %s", result.summary())
    return result
