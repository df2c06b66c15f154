"""Benchmark one-to-one earliest-arrival RAPTOR queries on real feeds.

python -m routing.bench --feed PATH [--feed PATH ...] --date YYYY-MM-DD
    (--queries QUERIES.csv | --random N --seed S) --out ANSWERS.csv [--min-transfer-s 120]
    [--footpath-radius-m 0] [--walk-speed-mps 1.2] [--max-transfers 8] [--cache-dir DIR]

Prints the cold load time (feeds parsed and compiled for their whole calendar), the cached
load time (the per-feed .npz files read back and linked; a temporary directory is used when
--cache-dir is not given), peak RSS and query p50/p95. Queries search the whole-calendar
timetable with --date's trip mask and are drawn from that date's trips; the answers are those
of a timetable compiled for the date alone.
It then times, on the first --range-queries queries, a range query over --range-window-min
minutes from each query's departure (rRAPTOR, every Pareto-optimal departure with its journey)
and an arrive-by query with the one-to-one answer's arrival as the deadline.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from routing.errors import UnknownStop
from routing.raptor import RaptorParams, RaptorRouter
from routing.raptor.profile import departure_profile
from routing.timetable import Timetable, TimetableParams, load_calendar, timetable_on_day
from routing.timetable.compile import clock_seconds, format_clock




def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m routing.bench", description=__doc__.split("\n")[0])
    parser.add_argument("--feed", action="append", required=True, type=Path)
    parser.add_argument("--date", required=True, type=dt.date.fromisoformat)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--queries", type=Path)
    source.add_argument("--random", type=int)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--min-transfer-s", type=int, default=120)
    parser.add_argument("--footpath-radius-m", type=int, default=0)
    parser.add_argument("--walk-speed-mps", type=float, default=1.2)
    parser.add_argument("--max-transfers", type=int, default=8)
    parser.add_argument("--cache-dir", type=Path)
    parser.add_argument("--range-window-min", type=int, default=60)
    parser.add_argument("--range-queries", type=int, default=200)
    return parser.parse_args(argv)


def _random_queries(timetable: Timetable, n: int, seed: int) -> list[tuple[str, str, int]]:
    """Pairs of distinct served stops departing within the timetable's service hours.

    Departures are drawn between the first departures and one hour before the last, because
    some feeds cover only part of the day (the Tampere extract ends at noon).
    """
    rng = np.random.default_rng(seed)
    served = np.flatnonzero(np.diff(timetable.stop_pattern_offsets) > 0)
    single = len(timetable.feed_keys) == 1
    names = [str(s).split(":", 1)[1] if single else str(s) for s in timetable.stop_ids]
    # From the 1st percentile of departures: previous-day trips running past midnight have
    # negative times, and a handful of night trips would spread queries over empty hours.
    departures = timetable.departure_s[timetable.departure_s >= 0]
    first = int(np.percentile(departures, 1))
    last = int(departures.max())
    queries = []
    for _ in range(n):
        a, b = rng.choice(served, 2, replace=False)
        queries.append((names[a], names[b], int(rng.integers(first, max(first + 1, last - 3600)))))
    return queries


def _read_queries(path: Path) -> list[tuple[str, str, int]]:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    departs = clock_seconds(frame["depart"])
    return [(o, d, int(t)) for o, d, t in zip(frame["origin_stop_id"],
                                             frame["destination_stop_id"], departs)]


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    params = TimetableParams(footpath_radius_m=args.footpath_radius_m)
    with tempfile.TemporaryDirectory() as scratch:
        cache_dir = args.cache_dir or Path(scratch)
        started = time.perf_counter()
        load_calendar(args.feed, params, cache_dir=None)
        cold_s = time.perf_counter() - started
        load_calendar(args.feed, params, cache_dir=cache_dir)  # fill the cache
        started = time.perf_counter()
        timetable = load_calendar(args.feed, params, cache_dir=cache_dir)
        cached_s = time.perf_counter() - started
    # The whole calendar is searched with the date's bit; the queries are drawn from the
    # trips of the date alone, as they were when timetables were compiled per date.
    router = RaptorRouter(timetable, RaptorParams(args.max_transfers, args.min_transfer_s,
                                                  args.walk_speed_mps), day=args.date)
    queries = (_read_queries(args.queries) if args.queries
               else _random_queries(timetable_on_day(timetable, args.date), args.random,
                                    args.seed))
    if not queries:
        print("no queries", file=sys.stderr)
        return 2
    try:
        for origin, destination, _ in queries:
            timetable.stop_index(origin), timetable.stop_index(destination)
    except UnknownStop as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    router.earliest_arrival(queries[0][0], queries[0][2], queries[0][1])  # JIT warm-up
    rows, times_ms = [], []
    for origin, destination, depart in queries:
        started = time.perf_counter()
        result = router.earliest_arrival(origin, depart, destination)
        options = result.pareto(timetable.stop_index(destination))
        elapsed_ms = (time.perf_counter() - started) * 1000
        times_ms.append(elapsed_ms)
        arrival, transfers = options[-1] if options else (None, None)
        rows.append((origin, destination, format_clock(depart),
                     "" if arrival is None else format_clock(arrival),
                     "" if transfers is None else transfers, f"{elapsed_ms:.3f}"))
    with args.out.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["origin_stop_id", "destination_stop_id", "depart", "arrival",
                         "transfers", "query_ms"])
        writer.writerows(rows)
    range_ms, range_entries, arrive_ms = [], [], []
    for (origin, destination, depart), row in zip(queries[:args.range_queries], rows):
        started = time.perf_counter()
        entries = departure_profile(router, origin, depart, args.range_window_min * 60,
                                    destination)
        range_ms.append((time.perf_counter() - started) * 1000)
        range_entries.append(len(entries))
        if row[3]:
            deadline = int(clock_seconds(pd.Series([row[3]]))[0])
            started = time.perf_counter()
            router.latest_departure(origin, deadline, destination)
            arrive_ms.append((time.perf_counter() - started) * 1000)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    p50, p95 = np.percentile(times_ms, [50, 95])
    reached = sum(1 for r in rows if r[3])
    print(f"stops {timetable.n_stops}  patterns {timetable.n_patterns}  trips {timetable.n_trips}"
          f" ({int(router.trip_ok.sum())} on {args.date})  footpaths {len(timetable.footpath_to)}"
          f"  calendar {timetable.first_day} + {timetable.day_bits.shape[1]} days"
          f" ({timetable.day_bits.shape[0]} bitfields)")
    print(f"load cold {cold_s:.3f} s  cached {cached_s:.3f} s  peak RSS {peak_mib:.0f} MiB")
    print(f"queries {len(rows)} (reached {reached})  p50 {p50:.3f} ms  p95 {p95:.3f} ms")
    if range_ms:
        r50, r95 = np.percentile(range_ms, [50, 95])
        print(f"range {args.range_window_min} min: {len(range_ms)} queries  p50 {r50:.3f} ms"
              f"  p95 {r95:.3f} ms  mean options {np.mean(range_entries):.1f}")
    if arrive_ms:
        a50, a95 = np.percentile(arrive_ms, [50, 95])
        print(f"arrive-by: {len(arrive_ms)} queries  p50 {a50:.3f} ms  p95 {a95:.3f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
