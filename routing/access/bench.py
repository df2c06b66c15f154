"""Benchmark the accessibility engine: a travel-time matrix of random points on a real feed.

python -m routing.access.bench --feed PATH [--feed PATH ...] --date YYYY-MM-DD
    [--origins 1000] [--destinations 50] [--start 08:00] [--window-min 60] [--step-s 60]
    [--seed 1] [--cache-dir DIR] [--workers 0] [--footpath-radius-m 300] [--max-walk-m 1000]
    [--walk-speed-mps 1.2] [--min-transfer-s 120] [--max-travel-min 120]

Origins are served stops' coordinates moved up to 400 m in a random direction (seeded),
destinations the same within 200 m, so most points have stops within walking distance and
some do not. Prints one JSON object: the timetable load (compile, or read from the cache) and
the numba warm-up timed apart from the matrix itself, the share of cells reachable and the
median travel time at each percentile.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from routing.access.matrix import travel_time_matrix
from routing.access.points import PointSet
from routing.plan.geo import served_stops
from routing.raptor import RaptorParams, RaptorRouter
from routing.timetable import Timetable, TimetableParams, load_or_compile

METRES_PER_DEGREE = math.pi / 180 * 6_371_008.8


def clock_s(text: str) -> int:
    """Seconds of an HH:MM or HH:MM:SS clock (past 24:00 allowed)."""
    parts = text.split(":")
    if len(parts) not in (2, 3) or not all(p.isdigit() for p in parts):
        raise argparse.ArgumentTypeError(f"expected HH:MM[:SS], got {text!r}")
    h, m, s = (int(p) for p in (parts + ["0"])[:3])
    return h * 3600 + m * 60 + s


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m routing.access.bench",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--feed", action="append", required=True, type=Path)
    parser.add_argument("--date", required=True, type=dt.date.fromisoformat)
    parser.add_argument("--origins", type=int, default=1000)
    parser.add_argument("--destinations", type=int, default=50)
    parser.add_argument("--start", type=clock_s, default=clock_s("08:00"))
    parser.add_argument("--window-min", type=int, default=60)
    parser.add_argument("--step-s", type=int, default=60)
    parser.add_argument("--percentiles", default="25,50,75")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cache-dir", type=Path)
    parser.add_argument("--workers", type=int, default=0, help="threads; 0 = every core")
    parser.add_argument("--footpath-radius-m", type=int, default=300)
    parser.add_argument("--max-walk-m", type=int, default=1000)
    parser.add_argument("--walk-speed-mps", type=float, default=1.2)
    parser.add_argument("--min-transfer-s", type=int, default=120)
    parser.add_argument("--max-travel-min", type=int, default=120)
    return parser.parse_args(argv)


def random_points(timetable: Timetable, n: int, radius_m: float, rng: np.random.Generator,
                  prefix: str) -> PointSet:
    """n points, each a random served stop moved up to radius_m in a random direction."""
    served = np.flatnonzero(served_stops(timetable))
    if len(served) == 0:
        raise ValueError("the timetable serves no stop on that date")
    stops = rng.choice(served, n)
    distance = radius_m * np.sqrt(rng.random(n))  # uniform over the disc
    bearing = rng.random(n) * 2 * math.pi
    lat = timetable.stop_lat[stops] + distance * np.cos(bearing) / METRES_PER_DEGREE
    lon = timetable.stop_lon[stops] + distance * np.sin(bearing) / (
        METRES_PER_DEGREE * np.cos(np.radians(timetable.stop_lat[stops])))
    return PointSet.from_arrays([f"{prefix}{i}" for i in range(n)], lat, lon)


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    percentiles = [float(p) for p in args.percentiles.split(",")]
    with tempfile.TemporaryDirectory() as scratch:
        started = time.perf_counter()
        timetable = load_or_compile(args.feed, args.date,
                                    TimetableParams(footpath_radius_m=args.footpath_radius_m),
                                    cache_dir=args.cache_dir or Path(scratch))
        load_s = time.perf_counter() - started
    router = RaptorRouter(timetable, RaptorParams(min_transfer_s=args.min_transfer_s,
                                                  walk_speed_mps=args.walk_speed_mps,
                                                  max_walk_m=args.max_walk_m))
    rng = np.random.default_rng(args.seed)
    origins = random_points(timetable, args.origins, 400, rng, "o")
    destinations = random_points(timetable, args.destinations, 200, rng, "d")
    options = dict(step_s=args.step_s, percentiles=percentiles, max_walk_m=args.max_walk_m,
                   max_travel_s=args.max_travel_min * 60, workers=args.workers)
    started = time.perf_counter()  # numba compiles (or loads its cache) on the first call
    travel_time_matrix(router, origins.select(np.arange(len(origins)) < 2), destinations,
                       args.start, 0, **options)
    warmup_s = time.perf_counter() - started
    started = time.perf_counter()
    matrix = travel_time_matrix(router, origins, destinations, args.start,
                                args.window_min * 60, **options)
    matrix_s = time.perf_counter() - started
    finite = np.isfinite(matrix)
    summary = {
        "feeds": [p.name for p in args.feed], "date": args.date.isoformat(),
        "stops": timetable.n_stops, "trips": timetable.n_trips,
        "origins": len(origins), "destinations": len(destinations),
        "start": args.start, "window_min": args.window_min, "step_s": args.step_s,
        "workers": args.workers, "timetable_load_s": round(load_s, 3),
        "jit_warmup_s": round(warmup_s, 3), "matrix_s": round(matrix_s, 3),
        "percentiles": percentiles,
        "reachable_share": [round(float(finite[i].mean()), 4) for i in range(len(percentiles))],
        "median_travel_min": [round(float(np.median(matrix[i][finite[i]])) / 60, 2)
                              if finite[i].any() else None for i in range(len(percentiles))],
    }
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
