"""`python -m routing.streets.bench`: street paths for pairs of points, and their timing.

--pairs P.csv (from_lat,from_lon,to_lat,to_lon) writes A.csv with distance_m, duration_s,
snap_from_m, snap_to_m, query_ms added (empty distance and duration where unreachable or too far,
with the reason in `error`); --random N --seed S draws N pairs of points on the graph's own
positions instead. It prints the build (cold and cached), one-to-one percentiles and, with
--matrix M, an M x M matrix's time.
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from routing.streets.cache import load_graph
from routing.streets.errors import StreetError
from routing.streets.graph import StreetGraph
from routing.streets.search import StreetRouter

FIELDS = ["from_lat", "from_lon", "to_lat", "to_lon", "distance_m", "duration_s", "snap_from_m", "snap_to_m",
          "query_ms", "error"]


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        cache_dir = Path(args.cache_dir) if args.cache_dir else Path(scratch)
        started = time.perf_counter()
        graph = load_graph(args.osm, cache_dir=cache_dir)
        first_s = time.perf_counter() - started
        started = time.perf_counter()
        graph = load_graph(args.osm, cache_dir=cache_dir)
        cached_s = time.perf_counter() - started
    print(f"graph: {graph.vertex_count} vertices, {graph.edge_count} edges; "
          f"build {first_s:.2f} s (first load: cold unless --cache-dir holds it), {cached_s:.3f} s from the cache")
    router = StreetRouter(graph)
    started = time.perf_counter()
    router.snapper(args.profile)
    graph.arcs(args.profile)
    print(f"snap index and {args.profile} arcs: {time.perf_counter() - started:.2f} s")
    pairs = _read_pairs(args.pairs) if args.pairs else _random_pairs(graph, args.random, args.seed)
    if pairs:
        _routable(router, args.profile, pairs[0])  # compile the kernel outside the timing
    cpu_started = time.process_time()
    rows = [_one(router, args.profile, pair) for pair in pairs]
    cpu_ms = (time.process_time() - cpu_started) * 1000 / max(len(rows), 1)
    times = np.array([r["query_ms"] for r in rows if r["error"] == ""], dtype=np.float64)
    failed = sum(1 for r in rows if r["error"])
    if times.shape[0]:
        print(f"one-to-one {args.profile}: {len(rows)} pairs, {failed} unreachable or too far; "
              f"p50 {np.percentile(times, 50):.3f} ms, p90 {np.percentile(times, 90):.3f} ms, "
              f"max {times.max():.3f} ms (wall); {cpu_ms:.3f} ms CPU per query on average")
    if args.out:
        with open(args.out, "w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=FIELDS)
            writer.writeheader()
            writer.writerows(rows)
    if args.matrix:
        points = _random_points(graph, args.matrix, args.seed + 1)
        router.matrix(args.profile, points[:2], points[:2])  # compile the kernel outside the timing
        started, cpu_started = time.perf_counter(), time.process_time()
        result = router.matrix(args.profile, points, points)
        elapsed, cpu_s = time.perf_counter() - started, time.process_time() - cpu_started
        reached = np.isfinite(result.duration_s).mean() * 100
        print(f"matrix {args.profile}: {args.matrix} x {args.matrix} in {elapsed:.2f} s wall, {cpu_s:.2f} s CPU "
              f"({reached:.1f} % reached)")
    return 0


def _routable(router: StreetRouter, profile: str, pair: tuple[float, float, float, float]) -> bool:
    try:
        router.route(profile, *pair)
    except StreetError:
        return False
    return True


def _one(router: StreetRouter, profile: str, pair: tuple[float, float, float, float]) -> dict[str, object]:
    row: dict[str, object] = dict(zip(FIELDS[:4], pair))
    started = time.perf_counter()
    try:
        path = router.route(profile, *pair)
    except StreetError as error:
        row.update(distance_m="", duration_s="", snap_from_m="", snap_to_m="", error=type(error).__name__)
    else:
        row.update(distance_m=round(path.distance_m, 1), duration_s=round(path.duration_s, 1),
                   snap_from_m=round(path.snap_from_m, 1), snap_to_m=round(path.snap_to_m, 1), error="")
    row["query_ms"] = round((time.perf_counter() - started) * 1000, 3)
    return row


def _read_pairs(path: str) -> list[tuple[float, float, float, float]]:
    with open(path, newline="") as handle:
        return [(float(r["from_lat"]), float(r["from_lon"]), float(r["to_lat"]), float(r["to_lon"]))
                for r in csv.DictReader(handle)]


def _random_points(graph: StreetGraph, n: int, seed: int) -> npt.NDArray[np.float64]:
    rng = np.random.default_rng(seed)
    chosen = rng.integers(0, graph.pos_lat.shape[0], size=n)
    return np.column_stack([graph.pos_lat[chosen], graph.pos_lon[chosen]])


def _random_pairs(graph: StreetGraph, n: int, seed: int) -> list[tuple[float, float, float, float]]:
    a, b = _random_points(graph, n, seed), _random_points(graph, n, seed + 1000)
    return [(float(a[i, 0]), float(a[i, 1]), float(b[i, 0]), float(b[i, 1])) for i in range(n)]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m routing.streets.bench", description=__doc__)
    parser.add_argument("--osm", required=True, help=".osm.pbf or .osm file")
    parser.add_argument("--profile", default="walk", choices=["walk", "wheelchair", "bicycle", "car"])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--pairs", help="CSV with from_lat,from_lon,to_lat,to_lon")
    source.add_argument("--random", type=int, help="draw this many random pairs")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", help="CSV to write the answers to")
    parser.add_argument("--matrix", type=int, default=0, help="also time an M x M matrix of random points")
    parser.add_argument("--cache-dir", help="graph cache directory (default: a temporary one)")
    return parser


if __name__ == "__main__":
    sys.exit(main())
