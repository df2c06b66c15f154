"""Time reading and applying GTFS-Realtime snapshots against their static feed.

python -m routing.realtime.bench --feed STATIC.zip --gtfs-rt FILE.pb [--gtfs-rt FILE2.pb ...] [--repeat 20]

Prints the static read time once, then per snapshot: entities, trips applied, skips by reason,
and the median and worst time to parse, and to parse and apply (the snapshot built and swapped).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from routing.realtime.reader import MalformedFeed, read_feed
from routing.realtime.state import RealtimeFeed
from routing.realtime.static import StaticTrips


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m routing.realtime.bench", description=__doc__.split("\n")[0])
    parser.add_argument("--feed", required=True, type=Path)
    parser.add_argument("--gtfs-rt", required=True, action="append", type=Path, dest="snapshots")
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    static = StaticTrips.read(args.feed)
    print(f"static {args.feed.name}: {len(static)} trips read in {time.perf_counter() - started:.2f} s")
    print(f"{'snapshot':40} {'entities':>8} {'applied':>7} {'parse p50/max ms':>17} {'apply p50/max ms':>17}  skipped")
    for path in args.snapshots:
        data = path.read_bytes()
        try:
            content = read_feed(data)
        except MalformedFeed as exc:
            print(f"{path.name}: {exc}", file=sys.stderr)
            return 2
        stamp = content.timestamp or 0
        parse_ms, apply_ms = [], []
        report = None
        for _ in range(max(1, args.repeat)):
            t0 = time.perf_counter()
            read_feed(data)
            parse_ms.append((time.perf_counter() - t0) * 1000)
            feed = RealtimeFeed(path.name, static)
            t0 = time.perf_counter()
            report = feed.ingest(data, stamp + 30)
            apply_ms.append((time.perf_counter() - t0) * 1000)
        assert report is not None
        entities = len(content.trip_updates) + len(content.vehicles) + len(content.alerts)
        print(f"{path.name:40} {entities:>8} {report.applied:>7} "
              f"{statistics.median(parse_ms):>8.2f}/{max(parse_ms):<8.2f} "
              f"{statistics.median(apply_ms):>8.2f}/{max(apply_ms):<8.2f}  {dict(report.skipped)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
