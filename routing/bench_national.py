"""The national benchmark: every GTFS / GTFS-JP feed of a folder as one network for its whole
calendar, and random queries on dates across it.

python -m routing.bench_national [--corpus DIR] [--queries 1000] [--seed 1] [--workers 2]
    [--footpath-radius-m 300] [--min-transfer-s 120] [--range-queries 100] [--local-feed NAME]

Feeds are the zip files under DIR (recursively) and the folders holding a stops.txt; a file
that is no feed, or a feed that fails to compile, is counted and left out, as the server does.
Prints: feeds loaded and failed; the cold compile (every feed parsed and compiled, --workers
processes into an empty cache, then linked) and the load from that cache (the linked network's
file, then each feed's file and a relink); peak RSS of this process and of
the largest worker; per query date the cost of its trip mask; one-to-one p50 / p95 over random
stop pairs and dates where something runs; a 60-minute range query p50 / p95; and the same
one-to-one queries inside one feed (--local-feed, default the largest) on the national network
and on that feed alone; and the time until plans use a re-imported feed (the smallest, given a
new digest: it compiles alone, then the network relinks).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import sys
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

from routing.gtfs import feed_digest
from routing.plan.feeds import CompiledFeeds
from routing.plan.network import FeedSource, Network
from routing.raptor import RaptorParams, RaptorRouter
from routing.raptor.profile import departure_profile
from routing.timetable.compile import feed_keys
from routing.timetable.model import Timetable
from routing.timetable.params import TimetableParams


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    corpus = Path(os.environ.get("MAAS_CORPUS", "../shared/corpus")) / "gtfs-jp"
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=corpus)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--range-queries", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--footpath-radius-m", type=int, default=300)
    parser.add_argument("--min-transfer-s", type=int, default=120)
    parser.add_argument("--local-feed", default="")
    return parser.parse_args(argv)


def find_feeds(folder: Path) -> list[Path]:
    """Zip files and folders with a stops.txt, sorted by path."""
    found = sorted(folder.rglob("*.zip"))
    found += sorted(p.parent for p in folder.rglob("stops.txt"))
    return sorted(set(found))


def _compile_one(path: Path, key: str, cache_dir: Path, params: TimetableParams) -> tuple[str, str]:
    """Worker: compile one feed into the cache; (key, "" or the failure)."""
    try:
        CompiledFeeds(cache_dir).get(FeedSource(path, feed_digest(path)), key, params)
        return key, ""
    except Exception as exc:  # counted and named, as the server names it in /health
        return key, f"{type(exc).__name__}: {exc}"


def _digest(path: Path) -> str:
    try:
        return feed_digest(path)
    except (OSError, ValueError):
        return ""


def _worker_peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def _served_days(tt: Timetable) -> np.ndarray:
    """Calendar days on which some trip runs."""
    used = np.zeros(tt.day_bits.shape[0], np.bool_)
    used[np.unique(tt.trip_days)] = True
    return np.flatnonzero(tt.day_bits[used].any(axis=0))


def _queries(tt: Timetable, rng: np.random.Generator, n: int, stops: np.ndarray,
             days: np.ndarray) -> list[tuple[int, int, dt.date, int]]:
    first = dt.date.fromisoformat(tt.first_day)
    out = []
    for _ in range(n):
        a, b = rng.choice(stops, 2, replace=False)
        day = first + dt.timedelta(days=int(rng.choice(days)))
        out.append((int(a), int(b), day, int(rng.integers(6 * 3600, 20 * 3600))))
    return out


def _run(base: RaptorRouter, queries: list[tuple[int, int, dt.date, int]],
         ids: np.ndarray) -> tuple[list[float], list[float], int]:
    """(query ms, trip-mask ms per new date, reached) of one-to-one queries."""
    routers: dict[dt.date, RaptorRouter] = {}
    times, masks, reached = [], [], 0
    for a, b, day, depart in queries:
        if day not in routers:
            started = time.perf_counter()
            routers[day] = base.for_day(day)
            masks.append((time.perf_counter() - started) * 1000)
        router = routers[day]
        started = time.perf_counter()
        result = router.earliest_arrival(str(ids[a]), depart, str(ids[b]))
        arrival = result.earliest_arrival_s(b)
        times.append((time.perf_counter() - started) * 1000)
        reached += arrival is not None
    return times, masks, reached


def _percentiles(values: list[float]) -> str:
    if not values:
        return "none"
    p50, p95 = np.percentile(values, [50, 95])
    return f"p50 {p50:.3f} ms  p95 {p95:.3f} ms"


def main(argv: Sequence[str] | None = None) -> int:
    args = _arguments(argv)
    paths = find_feeds(args.corpus)
    if not paths:
        print(f"no feeds under {args.corpus}", file=sys.stderr)
        return 2
    keys = feed_keys(paths)
    params = TimetableParams(footpath_radius_m=args.footpath_radius_m)
    with tempfile.TemporaryDirectory() as scratch:
        cache_dir = Path(scratch)  # always empty: the cold compile is cold
        started = time.perf_counter()
        with ProcessPoolExecutor(max_workers=max(args.workers, 1)) as pool:
            outcome = dict(pool.map(_compile_one, paths, keys, [cache_dir] * len(paths),
                                    [params] * len(paths)))
        sources = [FeedSource(p, digest) for p, k in zip(paths, keys)
                   if not outcome[k] and (digest := _digest(p))]
        cold = Network(sources, cache_dir=cache_dir, footpath_radius_m=args.footpath_radius_m)
        cold.link()
        cold_s = time.perf_counter() - started
        del cold
        started = time.perf_counter()
        network = Network(sources, cache_dir=cache_dir, footpath_radius_m=args.footpath_radius_m)
        tt = network.link().timetable
        cached_s = time.perf_counter() - started
        started = time.perf_counter()
        per_feed = Network(sources, cache_dir=cache_dir, footpath_radius_m=args.footpath_radius_m)
        per_feed._link_feeds()
        per_feed_s = time.perf_counter() - started
        _report(args, paths, outcome, network, tt, params, cold_s, cached_s, per_feed_s)
        _reimport(per_feed, sources)
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB"
          f" (largest compile worker {_worker_peak_mib():.0f} MiB)")
    return 0


def _report(args: argparse.Namespace, paths: list[Path], outcome: dict[str, str],
            network: Network, tt: Timetable, params: TimetableParams, cold_s: float,
            cached_s: float, per_feed_s: float) -> None:
    failed = {k: v for k, v in outcome.items() if v} | network.failures
    print(f"feeds {len(paths)}: loaded {len(paths) - len(failed)}, failed {len(failed)}")
    for key, why in sorted(failed.items()):
        print(f"  failed {key}: {why[:160]}")
    print(f"stops {tt.n_stops}  patterns {tt.n_patterns}  trips {tt.n_trips}"
          f"  footpaths {len(tt.footpath_to)}  calendar {tt.first_day} + {tt.day_bits.shape[1]}"
          f" days  bitfields {tt.day_bits.shape[0]}")
    print(f"compile cold {cold_s:.1f} s ({args.workers} workers)  from cache {cached_s:.2f} s"
          f" (network file; from the {len(network.sources)} feed files and relinked"
          f" {per_feed_s:.2f} s)")
    rng = np.random.default_rng(args.seed)
    served = np.flatnonzero(np.diff(tt.stop_pattern_offsets.astype(np.int64)) > 0)
    days = _served_days(tt)
    base = RaptorRouter(tt, RaptorParams(min_transfer_s=args.min_transfer_s))
    queries = _queries(tt, rng, args.queries, served, days)
    _run(base, queries[:1], tt.stop_ids)  # JIT warm-up
    times, masks, reached = _run(base, queries, tt.stop_ids)
    print(f"one-to-one: {len(times)} queries on {len(set(q[2] for q in queries))} dates "
          f"(reached {reached})  {_percentiles(times)}")
    print(f"new date (trip mask): {_percentiles(masks)}")
    range_ms = []
    for a, b, day, depart in queries[:args.range_queries]:
        router = base.for_day(day)
        started = time.perf_counter()
        departure_profile(router, str(tt.stop_ids[a]), depart, 3600, str(tt.stop_ids[b]))
        range_ms.append((time.perf_counter() - started) * 1000)
    print(f"range 60 min: {len(range_ms)} queries  {_percentiles(range_ms)}")
    _local(args, network, tt, base, rng, params)


def _reimport(network: Network, sources: list[FeedSource]) -> None:
    """Re-importing the smallest feed into a server holding the compiled feeds in memory: it
    alone compiles (its digest is new), then all relink."""
    by_size = sorted(sources, key=lambda s: s.path.stat().st_size if s.path.is_file() else 0)
    changed = by_size[0]
    replaced = [FeedSource(s.path, s.digest + "-reimported") if s == changed else s
                for s in sources]
    before = network.feeds.compiled
    started = time.perf_counter()
    fresh = Network(replaced, cache_dir=network.cache_dir,
                    footpath_radius_m=network.params.footpath_radius_m, feeds=network.feeds)
    fresh.link()
    print(f"re-import {changed.path.name}: {time.perf_counter() - started:.2f} s until plans use"
          f" it, feeds compiled {network.feeds.compiled - before}")


def _local(args: argparse.Namespace, network: Network, tt: Timetable, base: RaptorRouter,
           rng: np.random.Generator, params: TimetableParams) -> None:
    """The same queries inside one feed, on the national network and on the feed alone."""
    sizes = {k: int(np.char.startswith(tt.stop_ids.astype(str), k + ":").sum())
             for k in network.keys if k not in network.failures}
    key = args.local_feed or max(sizes, key=lambda k: sizes[k])
    source = network.sources[network.keys.index(key)]
    alone = Network([source], cache_dir=None, footpath_radius_m=params.footpath_radius_m,
                    feeds=network.feeds).link().timetable
    mine = np.flatnonzero(np.char.startswith(tt.stop_ids.astype(str), key + ":"))
    served = mine[np.diff(tt.stop_pattern_offsets.astype(np.int64))[mine] > 0]
    days = _served_days(alone)
    first = dt.date.fromisoformat(alone.first_day)
    local = _queries(alone, rng, min(args.queries, 300), np.arange(len(served)), days)
    national_q = [(int(served[a]), int(served[b]), d, t) for a, b, d, t in local]
    index = {str(s): i for i, s in enumerate(alone.stop_ids)}
    alone_q = [(index[str(tt.stop_ids[a])], index[str(tt.stop_ids[b])], d, t)
               for a, b, d, t in national_q]
    alone_base = RaptorRouter(alone, RaptorParams(min_transfer_s=args.min_transfer_s))
    _run(alone_base, alone_q[:1], alone.stop_ids)
    national_ms, _, reached_n = _run(base, national_q, tt.stop_ids)
    alone_ms, _, reached_a = _run(alone_base, alone_q, alone.stop_ids)
    print(f"inside {key} ({len(local)} queries from {first}): national {_percentiles(national_ms)}"
          f" (reached {reached_n});  feed alone {_percentiles(alone_ms)} (reached {reached_a})")


if __name__ == "__main__":
    sys.exit(main())
