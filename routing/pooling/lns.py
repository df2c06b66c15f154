"""Ruin and recreate around a plan: remove related or random requests, reinsert by regret.

A simulated-annealing acceptance with a threshold that falls linearly to zero lets the search
leave local optima early and settles on the best plan late (Ropke and Pisinger 2006's ALNS,
without the adaptive weights: related (Shaw), worst or random removal of 2 to lns_ruin_max
requests, then regret-2 or cheapest-first reinsertion).
"""

from __future__ import annotations

import math
import time

import numpy as np

from routing.pooling.insertion import RouteState, Visit, best_insertion, inserted, route_state
from routing.pooling.model import PoolingProblem, break_visit
from routing.pooling.params import PoolingParams


NOISE = 0.025  # half the recreates blur each request's costs by up to this fraction of the longest arc


class Plan:
    """Routes per vehicle and the requests left out, with the penalised cost."""

    def __init__(self, problem: PoolingProblem, routes: list[RouteState], unassigned: set[int],
                 penalty_m: float):
        self.problem, self.routes, self.unassigned, self.penalty_m = problem, routes, unassigned, penalty_m

    @property
    def cost(self) -> float:
        return sum(route.cost_m for route in self.routes) + self.penalty_m * len(self.unassigned)

    def copy(self) -> Plan:
        return Plan(self.problem, list(self.routes), set(self.unassigned), self.penalty_m)

    def visits(self) -> list[list[Visit]]:
        return [route.visits for route in self.routes]


def fixed_routes(problem: PoolingProblem) -> list[list[Visit]]:
    """The stops each vehicle cannot do without: on-board drop-offs, then breaks by window."""
    routes: list[list[Visit]] = [[] for _ in problem.vehicles]
    for i, req in enumerate(problem.requests):
        if req.on_board and req.vehicle is not None:  # validated: on board names its vehicle
            routes[req.vehicle].append((i, False))
    for v, car in enumerate(problem.vehicles):  # riders leave before the driver rests
        routes[v] += [break_visit(k) for k in sorted(range(len(car.breaks)), key=lambda k: car.breaks[k].window_s)]
    return routes


def plan_from_visits(problem: PoolingProblem, routes: list[list[Visit]], penalty_m: float) -> Plan:
    found = [route_state(problem, v, visits) for v, visits in enumerate(routes)]
    states = [state for state in found if state is not None]
    if len(states) != len(found):
        raise ValueError("a route given to the LNS has no feasible schedule")
    served = {r for visits in routes for r, is_pickup in visits if is_pickup}
    free = {i for i, req in enumerate(problem.requests) if not req.on_board and i not in served}
    return Plan(problem, states, free, penalty_m)


def improve(plan: Plan, params: PoolingParams, deadline: float, rng: np.random.Generator) -> tuple[Plan, int]:
    """The best plan found before the deadline or params' iteration rules, and the number of iterations run."""
    problem = plan.problem
    movable = [i for i, req in enumerate(problem.requests) if req.vehicle is None]
    if not movable:
        return plan, 0
    best, current = plan, plan
    started, iterations, since_best = time.monotonic(), 0, 0
    span = max(deadline - started, 1e-3)
    relatedness = _relatedness(problem, movable)
    movable_set = set(movable)
    noise_m = NOISE * float(problem.travel.distance_m.max())
    cap, patience = params.max_iterations, params.max_no_improvement
    while time.monotonic() < deadline and (cap is None or iterations < cap) and (
            patience is None or since_best < patience):
        iterations += 1
        since_best += 1
        top = min(params.lns_ruin_max, len(movable))
        k = int(rng.integers(min(params.lns_ruin_min, top), top + 1))
        pick = rng.random()
        if pick < 0.4:
            removed = _related(movable, relatedness, k, rng)
        elif pick < 0.7:
            removed = _worst(current, movable_set, k, rng)
        else:
            removed = [movable[i] for i in rng.choice(len(movable), k, replace=False)]
        candidate = _ruin(current, removed)
        if candidate is None:
            continue
        recreate(candidate, rng, use_regret=rng.random() < 0.5, noise_m=noise_m if rng.random() < 0.5 else 0.0)
        # The schedule follows the iterations when they are counted, so a seed gives one run.
        progress = iterations / cap if cap else (time.monotonic() - started) / span
        temperature = params.lns_start_temperature * current.cost * max(0.0, 1.0 - progress)
        worse = candidate.cost - current.cost
        if worse < 0 or (temperature > 0 and rng.random() < math.exp(-worse / temperature)):
            current = candidate
            if current.cost < best.cost - 1e-9:
                best, since_best = current, 0
    return best, iterations


def _relatedness(problem: PoolingProblem, movable: list[int]) -> np.ndarray:
    """Shaw relatedness in seconds: pickups and drop-offs close in space and pickups in time.

    A request's pickup time is estimated from its narrower window (a drop-off window moved back
    by the direct ride), since the other window is often the whole day.
    """
    dur = problem.travel.duration_s
    reqs = [problem.requests[i] for i in movable]
    pick = np.array([r.pickup_place for r in reqs])
    drop = np.array([r.dropoff_place for r in reqs])
    when = np.array([_pickup_estimate_s(r, dur[r.pickup_place, r.dropoff_place]) for r in reqs])
    return dur[pick][:, pick] + dur[drop][:, drop] + np.abs(when[:, None] - when[None, :])


def _pickup_estimate_s(req, direct_s: float) -> float:
    pick_lo, pick_hi = req.pickup_window_s
    drop_lo, drop_hi = req.dropoff_window_s
    if pick_hi - pick_lo <= drop_hi - drop_lo:
        return (pick_lo + pick_hi) / 2
    return (drop_lo + drop_hi) / 2 - direct_s - req.boarding_s


def _related(movable: list[int], relatedness: np.ndarray, k: int, rng: np.random.Generator) -> list[int]:
    seed = int(rng.integers(len(movable)))
    order = np.argsort(relatedness[seed])
    picks = np.unique((rng.random(k * 2) ** 3 * len(movable)).astype(int))
    chosen = order[np.concatenate([[0], picks])][:k]
    return [movable[i] for i in chosen]


def _worst(plan: Plan, movable: set[int], k: int, rng: np.random.Generator) -> list[int]:
    """Requests whose stops cost the most detour, picked with a bias towards the worst."""
    dist = plan.problem.travel.distance_m
    saving: dict[int, float] = {}
    for route in plan.routes:
        place = route.arrays[0]
        detour = dist[place[:-2], place[1:-1]] + dist[place[1:-1], place[2:]] - dist[place[:-2], place[2:]]
        for (r, _), d in zip(route.visits, detour.tolist()):
            saving[r] = saving.get(r, 0.0) + d
    ranked = sorted((r for r in saving if r in movable), key=saving.__getitem__, reverse=True)
    if not ranked:
        return []
    picks = np.unique((rng.random(k * 2) ** 3 * len(ranked)).astype(int))[:k]
    return [ranked[i] for i in picks]


def _ruin(plan: Plan, removed: list[int]) -> Plan | None:
    """The plan without these requests; None in the rare case that breaks a route's timing.

    Leaving a stop out never delays the others when travel times obey the triangle
    inequality, but road matrices need not.
    """
    out = plan.copy()
    gone = set(removed)
    for v, route in enumerate(out.routes):
        if any(r in gone for r, _ in route.visits):
            kept = [visit for visit in route.visits if visit[0] not in gone]
            state = route_state(out.problem, v, kept)
            if state is None:
                return None
            out.routes[v] = state
    out.unassigned |= gone
    return out


def recreate(plan: Plan, rng: np.random.Generator, use_regret: bool, noise_m: float = 0.0) -> None:
    """Insert the unassigned requests, by regret-2 or cheapest first.

    With noise, each request's costs are shifted by one random amount, which reshuffles the
    order of insertion without changing where a request goes cheapest.
    """
    problem = plan.problem
    pending = list(plan.unassigned)
    rng.shuffle(pending)
    options = {r: [best_insertion(problem, route, r) for route in plan.routes] for r in pending}
    blur = dict(zip(pending, (rng.uniform(-noise_m, noise_m, len(pending)) if noise_m else [0.0] * len(pending))))
    while pending:
        chosen, chosen_key, chosen_route = None, None, -1
        for r in pending:
            costs = sorted((opt[0] + blur[r], v) for v, opt in enumerate(options[r]) if opt is not None)
            if not costs:
                continue
            second = costs[1][0] if len(costs) > 1 else math.inf
            key = -(second - costs[0][0]) if use_regret else costs[0][0]
            if chosen_key is None or key < chosen_key:
                chosen, chosen_key, chosen_route = r, key, costs[0][1]
        best = None if chosen is None else options[chosen][chosen_route]
        if chosen is None or best is None:
            return
        _, i, j = best
        state = route_state(problem, chosen_route, inserted(plan.routes[chosen_route].visits, chosen, i, j))
        assert state is not None, "an insertion that passed the exact check stays schedulable"
        plan.routes[chosen_route] = state
        plan.unassigned.discard(chosen)
        pending.remove(chosen)
        for r in pending:
            options[r][chosen_route] = best_insertion(problem, plan.routes[chosen_route], r)
