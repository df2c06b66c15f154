"""Run the Cordeau benchmark sets and print per-instance tables with gaps to bks.csv.

python -m routing.pooling.bench_all --corpus DIR [--time-limit-s 30] [--sets a pr] [--only a2-16 ...]
    [--out-dir DIR]

Each solution is re-read from its JSON and re-verified from scratch by the checker (a fresh
schedule of the written routes), so the table reports what an outside tool would recompute.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

from routing.pooling.bench import solve_instance
from routing.pooling.checker import check_plan
from routing.pooling.cordeau import METRES_PER_UNIT, read_cordeau, read_reference_costs
from routing.pooling.result import Route, Stop
from routing.pooling.schedule import earliest_schedule

SETS = {"a": ("cordeau2006", "a"), "b": ("cordeau2006", "b"), "pr": ("cordeau_laporte2003", "pr")}


def verify(path: Path, solution: dict) -> tuple[float, int, list[str]]:
    """(recomputed cost, requests served, violations) of a solution JSON, from scratch."""
    instance = read_cordeau(path)
    n = instance.n_requests
    routes, problems = [], []
    for v, ids in enumerate(solution["routes"]):
        visits = [(i - 1, True) if i <= n else (i - n - 1, False) for i in ids]
        times = earliest_schedule(instance.problem, v, visits)
        if times is None:
            problems.append(f"route {v} has no feasible schedule")
            continue
        stops = tuple(Stop(r, p, t) for (r, p), t in zip(visits, times[1:-1]))
        routes.append(Route(v, stops, times[0], times[-1]))
    report = check_plan(instance.problem, routes)
    problems += list(report.violations) + [f"request {r + 1} unserved" for r in report.unserved]
    return float(report.cost_m) / METRES_PER_UNIT, len(report.served), problems


def run_set(corpus: Path, name: str, time_limit_s: float, only: set[str], out_dir: Path | None,
            bks: dict[str, float]) -> None:
    folder, prefix = SETS[name]
    paths = sorted((corpus / folder).glob(f"{prefix}*.txt"))
    paths = [p for p in paths if not only or p.stem in only]
    if not paths:
        return
    print(f"\n{'instance':<9} {'served':>9} {'cost':>10} {'reference':>10} {'gap %':>7} {'time s':>7}  checker")
    gaps = []
    for path in paths:
        solution = solve_instance(path, time_limit_s)
        if out_dir is not None:
            out_dir.mkdir(parents=True, exist_ok=True)
            (out_dir / f"{path.stem}.json").write_text(json.dumps(solution, indent=1))
        cost, served, problems = verify(path, solution)
        n = read_cordeau(path).n_requests
        ref = bks.get(path.stem)
        gap = None if ref is None else 100.0 * (cost / ref - 1.0)
        if gap is not None:
            gaps.append(gap)
        print(f"{path.stem:<9} {served:>4}/{n:<4} {cost:>10.2f} {ref if ref else float('nan'):>10.2f} "
              f"{gap if gap is not None else float('nan'):>7.2f} {solution['runtime_s']:>7.1f}  "
              f"{'ok' if not problems else '; '.join(problems[:2])}", flush=True)
    if gaps:
        print(f"{name}: mean gap {statistics.fmean(gaps):.2f} %, max gap {max(gaps):.2f} % "
              f"over {len(gaps)} instances", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m routing.pooling.bench_all", description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", required=True, type=Path, help="the corpus root (MAAS_CORPUS)")
    parser.add_argument("--time-limit-s", type=float, default=30.0)
    parser.add_argument("--sets", nargs="+", default=["a", "pr"], choices=sorted(SETS))
    parser.add_argument("--only", nargs="*", default=[])
    parser.add_argument("--out-dir", type=Path)
    args = parser.parse_args(argv)
    darp = args.corpus / "pooling" / "darp"
    bks = read_reference_costs(darp / "bks.csv")
    print(f"Cordeau DARP, {args.time_limit_s:g} s per instance, one process")
    for name in args.sets:
        run_set(darp, name, args.time_limit_s, set(args.only), args.out_dir, bks)
    return 0


if __name__ == "__main__":
    sys.exit(main())
