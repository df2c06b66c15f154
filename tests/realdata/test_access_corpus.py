"""The accessibility engine on real feeds: Nanmoku's community bus, and a short benchmark run.

南牧村 (Nanmoku, Gunma), Japan's most aged municipality: on Wednesdays only, route R015 leaves
椚 (Kunugi) at 09:05 and reaches 下仁田駅 (Shimonita station, the rail link and the town with
the hospitals) at 09:25. No other bus serves Kunugi that morning.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from routing.access import Point, summarize, travel_time_matrix
from routing.access.points import PointSet
from routing.timetable import TimetableParams, load_or_compile

pytestmark = pytest.mark.corpus

NANMOKU = "gtfs-jp/kuwayama-gtfsjp-corpus-2019/gtfs.1037.nanmokumura_com.zip"
KUNUGI = Point("kunugi", 36.160613, 138.743847, weight=12)
SHIMONITA = Point("shimonita-station", 36.210786, 138.786266, category="hospital")
WEDNESDAY, MONDAY = dt.date(2019, 6, 5), dt.date(2019, 6, 3)


def _timetable(corpus_dir: Path, day: dt.date, cache: Path):
    return load_or_compile([corpus_dir / NANMOKU], day, TimetableParams(footpath_radius_m=300),
                           cache_dir=cache)


def test_nanmoku_wednesday_bus_to_shimonita(corpus_dir: Path, tmp_path: Path):
    timetable = _timetable(corpus_dir, WEDNESDAY, tmp_path)
    # Leaving Kunugi at 08:50, 08:51, ... 09:04 (15 departures) takes 35, 34, ... 21 minutes.
    # Nearest rank of 15: p25 is the 4th smallest (24), p50 the 8th (28), p75 the 12th (32).
    m = travel_time_matrix(timetable, [KUNUGI], [SHIMONITA], 8 * 3600 + 50 * 60, 15 * 60,
                           max_walk_m=100)
    assert (m[:, 0, 0] / 60).tolist() == [24, 28, 32]
    # Leaving at 09:06 the bus is gone: no other way within two hours.
    late = travel_time_matrix(timetable, [KUNUGI], [SHIMONITA], 9 * 3600 + 6 * 60, 0,
                              max_walk_m=100)
    assert np.isinf(late).all()
    summary = summarize(m[1], PointSet.from_points([KUNUGI]), PointSet.from_points([SHIMONITA]),
                        30 * 60, category="hospital")
    assert summary.share_within == 1.0 and summary.mean_time_s == 28 * 60


def test_nanmoku_kunugi_has_no_bus_on_monday(corpus_dir: Path, tmp_path: Path):
    timetable = _timetable(corpus_dir, MONDAY, tmp_path)
    m = travel_time_matrix(timetable, [KUNUGI], [SHIMONITA], 8 * 3600, 3 * 3600, max_walk_m=100)
    assert np.isinf(m).all()


def test_access_bench_smoke(corpus_dir: Path, tmp_path: Path, repo_root: Path):
    run = subprocess.run([sys.executable, "-m", "routing.access.bench", "--feed",
                          str(corpus_dir / NANMOKU), "--date", "2019-06-05", "--origins", "20",
                          "--destinations", "5", "--start", "07:00", "--window-min", "30",
                          "--seed", "3", "--cache-dir", str(tmp_path / "cache"), "--workers", "1"],
                         capture_output=True, text=True, timeout=300, cwd=repo_root)
    assert run.returncode == 0, run.stderr
    summary = json.loads(run.stdout)
    assert (summary["origins"], summary["destinations"]) == (20, 5)
    assert summary["matrix_s"] >= 0 and summary["timetable_load_s"] >= 0
    assert summary["percentiles"] == [25, 50, 75]
    shares = summary["reachable_share"]
    assert len(shares) == 3 and all(0 < s <= 1 for s in shares)
    assert shares[0] >= shares[1] >= shares[2]  # higher percentiles reach no more cells
