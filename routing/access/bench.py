"""The accessibility engine from the command line: a matrix for given points, or a benchmark.

Matrix for given points (so anyone can check an analysis against another router):
python -m routing.access.bench --feed F [--feed F ...] --date YYYY-MM-DD --origins-csv O.csv
    --destinations-csv D.csv --out M.csv [--start 08:00] [--window-min 60] [--step-s 60]
    [--percentiles 25,50,75] [--max-walk-m 1000] [--min-transfer-s 120] [--footpath-radius-m 300]
    [--max-travel-min 120] [--walk-speed-mps 1.2] [--cache-dir DIR] [--workers 0]
writes origin_id,destination_id,percentile,travel_time_s (empty when not reached).

Benchmark (make bench-accessibility): without --origins-csv, a matrix of random points, origins
served stops' coordinates moved up to 400 m in a random direction (seeded), destinations the
same within 200 m, so most points have stops within walking distance and some do not. Prints one
JSON object: the timetable load (compile, or read from the cache) and the numba warm-up timed
apart from the matrix itself, the share of cells reachable and the median travel time at each
percentile.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import math
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from routing.access.errors import AccessInputError
from routing.access.matrix import travel_time_matrix
from routing.access.points import PointSet
from routing.access.readers import read_points_csv
from routing.geodesy import METRES_PER_DEGREE
from routing.plan.geo import served_stops
from routing.raptor import RaptorParams, RaptorRouter
from routing.timetable import Timetable, TimetableParams, load_or_compile

DEFINITIONS = """definitions:
  departures      start, start + step, ... before start + window (a 60-minute window at step 60
                  is 60 departures; window 0 is the single departure at start)
  travel time     from leaving the origin at a departure to arriving at the destination, waiting
                  at the origin included: the best of the direct walk and access walk + transit +
                  egress walk (walks are straight line x 1.3 at the walking speed, each at most
                  --max-walk-m; footpaths between stops within --footpath-radius-m, cut at
                  --max-walk-m; --min-transfer-s between trips at one stop)
  reached         travel time <= --max-travel-min (inclusive); otherwise not reached (infinite)
  percentile p    of n departures: the ceil(p * n / 100)-th smallest travel time (p = 0: the
                  smallest), not reached counting as infinite; empty in the CSV when infinite
"""


def clock_s(text: str) -> int:
    """Seconds of an HH:MM or HH:MM:SS clock (past 24:00 allowed)."""
    parts = text.split(":")
    if len(parts) not in (2, 3) or not all(p.isdigit() for p in parts):
        raise argparse.ArgumentTypeError(f"expected HH:MM[:SS], got {text!r}")
    h, m, s = (int(p) for p in (parts + ["0"])[:3])
    return h * 3600 + m * 60 + s


def _metres(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected metres, got {text!r}") from None
    if not (math.isfinite(value) and value >= 0):
        raise argparse.ArgumentTypeError(f"expected non-negative metres, got {text!r}")
    return value


def _percentiles(text: str) -> list[float]:
    try:
        values = [float(p) for p in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected numbers like 25,50,75, got {text!r}") from None
    if not all(0 <= p <= 100 for p in values):
        raise argparse.ArgumentTypeError(f"percentiles must be in 0..100, got {text!r}")
    return values


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m routing.access.bench",
                                     description=__doc__.split("\n")[0], epilog=DEFINITIONS,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--feed", action="append", required=True, type=Path,
                        help="GTFS zip or folder; repeat to federate feeds")
    parser.add_argument("--date", required=True, type=dt.date.fromisoformat,
                        help="service date, YYYY-MM-DD")
    parser.add_argument("--origins-csv", type=Path, help="id,lat,lon; gives a matrix for points")
    parser.add_argument("--destinations-csv", type=Path, help="id,lat,lon")
    parser.add_argument("--out", type=Path, help="the matrix to write: origin_id,destination_id,percentile,"
                             "travel_time_s (whole seconds, empty when not reached)")
    parser.add_argument("--origins", type=int, default=1000, help="benchmark: random origins")
    parser.add_argument("--destinations", type=int, default=50,
                        help="benchmark: random destinations")
    parser.add_argument("--start", type=clock_s, default=clock_s("08:00"),
                        help="first departure, HH:MM[:SS] of the service day (default 08:00)")
    parser.add_argument("--window-min", type=int, default=60)
    parser.add_argument("--step-s", type=int, default=60)
    parser.add_argument("--percentiles", type=_percentiles, default=[25.0, 50.0, 75.0],
                        help="comma-separated, 0..100 (default 25,50,75)")
    parser.add_argument("--seed", type=int, default=0, help="benchmark: random points")
    parser.add_argument("--cache-dir", type=Path, help="keep compiled timetables here")
    parser.add_argument("--workers", type=int, default=0, help="threads; 0 = every core")
    parser.add_argument("--footpath-radius-m", type=int, default=300)
    parser.add_argument("--max-walk-m", type=_metres, default=1000.0,
                        help="metres (decimals allowed) for each walk: access, egress, direct, "
                             "between stops")
    parser.add_argument("--walk-speed-mps", type=float, default=1.2)
    parser.add_argument("--min-transfer-s", type=int, default=120)
    parser.add_argument("--max-travel-min", type=int, default=120)
    return parser


def _arguments(argv: list[str] | None) -> tuple[argparse.ArgumentParser, argparse.Namespace]:
    parser = _parser()
    args = parser.parse_args(argv)
    given = [args.origins_csv is not None, args.destinations_csv is not None,
             args.out is not None]
    if any(given) and not all(given):
        parser.error("--origins-csv, --destinations-csv and --out go together")
    if args.window_min < 0 or args.step_s <= 0 or args.max_travel_min < 0:
        parser.error("--window-min and --max-travel-min must be >= 0, --step-s > 0")
    return parser, args


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


def _router(args: argparse.Namespace) -> tuple[RaptorRouter, float]:
    with tempfile.TemporaryDirectory() as scratch:
        started = time.perf_counter()
        timetable = load_or_compile(args.feed, args.date,
                                    TimetableParams(footpath_radius_m=args.footpath_radius_m),
                                    cache_dir=args.cache_dir or Path(scratch))
        load_s = time.perf_counter() - started
    # Footpaths are whole metres, so cutting them at the floor of a decimal limit is exact.
    return RaptorRouter(timetable, RaptorParams(min_transfer_s=args.min_transfer_s,
                                                walk_speed_mps=args.walk_speed_mps,
                                                max_walk_m=math.floor(args.max_walk_m))), load_s


def _options(args: argparse.Namespace) -> dict:
    return dict(step_s=args.step_s, percentiles=args.percentiles, max_walk_m=args.max_walk_m,
                max_travel_s=args.max_travel_min * 60, workers=args.workers)


def write_matrix(path: Path, matrix: np.ndarray, origins: PointSet, destinations: PointSet,
                 percentiles: list[float]) -> None:
    """One row per origin, destination and percentile; travel_time_s empty when not reached."""
    with open(path, "w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle, lineterminator="\n")
        out.writerow(["origin_id", "destination_id", "percentile", "travel_time_s"])
        for i, origin in enumerate(origins.ids.tolist()):
            for j, destination in enumerate(destinations.ids.tolist()):
                for p, percentile in enumerate(percentiles):
                    value = matrix[p, i, j]
                    out.writerow([origin, destination, f"{percentile:g}",
                                  int(value) if np.isfinite(value) else ""])


def points_matrix(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    try:
        origins = read_points_csv(args.origins_csv, weight_column=None)
        destinations = read_points_csv(args.destinations_csv, weight_column=None)
    except (AccessInputError, OSError, UnicodeDecodeError) as exc:
        parser.error(str(exc))
    router, load_s = _router(args)
    started = time.perf_counter()
    matrix = travel_time_matrix(router, origins, destinations, args.start,
                                args.window_min * 60, **_options(args))
    write_matrix(args.out, matrix, origins, destinations, args.percentiles)
    print(json.dumps({"out": str(args.out), "origins": len(origins),
                      "destinations": len(destinations), "percentiles": args.percentiles,
                      "timetable_load_s": round(load_s, 3),
                      "matrix_s": round(time.perf_counter() - started, 3)}))
    return 0


def benchmark(args: argparse.Namespace) -> int:
    router, load_s = _router(args)
    timetable, percentiles = router.timetable, args.percentiles
    rng = np.random.default_rng(args.seed)
    origins = random_points(timetable, args.origins, 400, rng, "o")
    destinations = random_points(timetable, args.destinations, 200, rng, "d")
    options = _options(args)
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


def main(argv: list[str] | None = None) -> int:
    parser, args = _arguments(argv)
    if args.origins_csv is not None:
        return points_matrix(parser, args)
    return benchmark(args)


if __name__ == "__main__":
    sys.exit(main())
