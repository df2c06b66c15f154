"""Solve one Cordeau dial-a-ride instance and write the solution as JSON.

python -m routing.pooling.bench --instance PATH --time-limit-s 30 --out SOLUTION.json [--seed 0]

The JSON holds {"instance", "cost", "routes", "unserved", "runtime_s"} plus "feasible" and
"violations" from the checker: routes list Cordeau node ids (pickup i, drop-off n+i) without the
depots, and cost is the checker's recomputed total length in the instance's units.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from routing.pooling.cordeau import METRES_PER_UNIT, CordeauInstance, read_cordeau
from routing.pooling.params import PoolingParams
from routing.pooling.result import Result
from routing.pooling.solve import solve


def solve_instance(path: Path, time_limit_s: float, seed: int = 0) -> dict:
    instance = read_cordeau(path)
    result = solve(instance.problem, PoolingParams(time_limit_s=time_limit_s, seed=seed))
    return solution_json(instance, result)


def solution_json(instance: CordeauInstance, result: Result) -> dict:
    routes = [[instance.node_ids(stop.request)[0 if stop.is_pickup else 1] for stop in route.stops]
              for route in result.routes if not route.is_empty]
    return {
        "instance": instance.name,
        "cost": round(result.cost_m / METRES_PER_UNIT, 6),
        "routes": routes,
        "unserved": [instance.node_ids(r)[0] for r in result.rejected],
        "runtime_s": round(result.runtime_s, 3),
        "feasible": result.is_feasible(),
        "violations": list(result.violations),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m routing.pooling.bench", description=__doc__.split("\n")[0])
    parser.add_argument("--instance", required=True, type=Path)
    parser.add_argument("--time-limit-s", type=float, default=30.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", required=True, type=Path)
    args = parser.parse_args(argv)
    solution = solve_instance(args.instance, args.time_limit_s, args.seed)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(solution, indent=1))
    print(f"{solution['instance']}: cost {solution['cost']:.4f}, {len(solution['unserved'])} unserved, "
          f"{'feasible' if solution['feasible'] else 'INFEASIBLE'}, {solution['runtime_s']:.1f} s")
    return 0 if solution["feasible"] else 1


if __name__ == "__main__":
    sys.exit(main())
