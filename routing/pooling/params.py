"""Tuning of the pooling solver, validated on construction.

The solver stops at the first of its stopping rules, as PyVRP's stop criteria do: the time limit
(always), a number of ruin-and-recreate iterations, or a run of iterations without a better plan.
With max_iterations set the run no longer depends on the clock: the annealing schedule follows the
iterations and OR-Tools' descent (with either counted rule) stops after ortools_max_solutions, so a
seed gives one plan on any machine, as long as the time limit, then a safety net, is not reached first.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

FIRST_SOLUTIONS = ("regret", "PARALLEL_CHEAPEST_INSERTION", "LOCAL_CHEAPEST_INSERTION",
                   "SAVINGS", "PATH_CHEAPEST_ARC")
METAHEURISTICS = ("GUIDED_LOCAL_SEARCH", "SIMULATED_ANNEALING", "TABU_SEARCH", "GREEDY_DESCENT")


@dataclass(frozen=True)
class PoolingParams:
    time_limit_s: float = 10.0
    seed: int = 0
    first_solution: str = "regret"  # our regret insertion, or an OR-Tools first-solution strategy
    metaheuristic: str = "GUIDED_LOCAL_SEARCH"  # OR-Tools local search run on the first solution
    ortools_share: float = 0.1  # fraction of the time limit for that first OR-Tools descent
    lns_ruin_min: int = 2  # requests removed per ruin-and-recreate step
    lns_ruin_max: int = 24
    lns_start_temperature: float = 0.004  # accept a plan this fraction worse 1 in e times at first
    rejection_penalty_m: int = 10_000_000  # cost of leaving a request unserved, in metres driven
    ticks_per_s: int = 1000  # OR-Tools works in integers: time is rounded up to these ticks
    max_iterations: int | None = None  # ruin-and-recreate iterations; None: until the time limit
    max_no_improvement: int | None = None  # stop after this many iterations without a better plan
    ortools_max_solutions: int = 20  # with a counted rule: OR-Tools' descent stops after this many solutions

    def __post_init__(self) -> None:
        if not (math.isfinite(self.time_limit_s) and self.time_limit_s > 0):
            raise ValueError("time_limit_s must be a positive number")
        for name in ("max_iterations", "max_no_improvement"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
                raise ValueError(f"{name} must be a non-negative integer or None")
        if not isinstance(self.ortools_max_solutions, int) or self.ortools_max_solutions < 1:
            raise ValueError("ortools_max_solutions must be a positive integer")
        if not isinstance(self.seed, int):
            raise ValueError("seed must be an integer")
        if self.first_solution not in FIRST_SOLUTIONS:
            raise ValueError(f"first_solution must be one of {FIRST_SOLUTIONS}")
        if self.metaheuristic not in METAHEURISTICS:
            raise ValueError(f"metaheuristic must be one of {METAHEURISTICS}")
        if not 0.0 <= self.ortools_share <= 1.0:
            raise ValueError("ortools_share must be in [0, 1]")
        if not 1 <= self.lns_ruin_min <= self.lns_ruin_max:
            raise ValueError("need 1 <= lns_ruin_min <= lns_ruin_max")
        if not (math.isfinite(self.lns_start_temperature) and self.lns_start_temperature >= 0):
            raise ValueError("lns_start_temperature must be a non-negative number")
        if not isinstance(self.rejection_penalty_m, int) or self.rejection_penalty_m <= 0:
            raise ValueError("rejection_penalty_m must be a positive integer")
        if not isinstance(self.ticks_per_s, int) or not 1 <= self.ticks_per_s <= 1_000_000:
            raise ValueError("ticks_per_s must be an integer in 1..1e6")
