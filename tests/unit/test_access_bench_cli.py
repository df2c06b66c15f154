"""`python -m routing.access.bench` with given points writes the documented matrix CSV (issue 22).

Run in-process on the demo region (a few seconds): the file has one row per origin,
destination and percentile in input order, travel_time_s empty where not reached, and the same
numbers as travel_time_matrix called with the same settings. Bad input stops with a usage
error (exit 2) naming what is wrong, and writes nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import numpy as np
import pytest

from routing.access import read_points_csv, travel_time_matrix
from routing.access.bench import main
from routing.raptor import RaptorParams, RaptorRouter
from routing.timetable import TimetableParams, load_or_compile

WEDNESDAY = "2026-11-25"
ORIGINS = "id,lat,lon\nokuyamabuki,36.413518,138.860983\nnear-R03,36.4005,138.9012\nsea,36.0,139.5\n"
DESTINATIONS = "id,lat,lon\nR05,36.390087,138.928984\nkamiyamabuki,36.406308,138.878819\n"


@pytest.fixture
def demo(repo_root: Path, tmp_path: Path) -> dict:
    (tmp_path / "o.csv").write_text(ORIGINS, encoding="utf-8")
    (tmp_path / "d.csv").write_text(DESTINATIONS, encoding="utf-8")
    return {"feed": repo_root / "fixtures" / "demo-region" / "gtfs", "dir": tmp_path}


def args(demo: dict, **changes: str) -> list[str]:
    options = {"--feed": str(demo["feed"]), "--date": WEDNESDAY,
               "--origins-csv": str(demo["dir"] / "o.csv"),
               "--destinations-csv": str(demo["dir"] / "d.csv"), "--start": "07:00",
               "--window-min": "60", "--step-s": "60", "--percentiles": "0,50,100",
               "--max-walk-m": "800.5", "--min-transfer-s": "60", "--footpath-radius-m": "300",
               "--max-travel-min": "90", "--out": str(demo["dir"] / "m.csv"),
               "--cache-dir": str(demo["dir"] / "cache"), "--workers": "1"}
    options.update(changes)
    return [part for key, value in options.items() if value is not None
            for part in (key, value)]


def test_writes_the_documented_matrix(demo, capsys):
    assert main(args(demo)) == 0
    assert json.loads(capsys.readouterr().out)["origins"] == 3
    with open(demo["dir"] / "m.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["origin_id", "destination_id", "percentile", "travel_time_s"]
    assert [r[:3] for r in rows[1:]] == [[o, d, p] for o in ("okuyamabuki", "near-R03", "sea")
                                         for d in ("R05", "kamiyamabuki")
                                         for p in ("0", "50", "100")]
    # The same settings through the library give the same numbers; the sea is not reached.
    timetable = load_or_compile([demo["feed"]], dt.date.fromisoformat(WEDNESDAY),
                                TimetableParams(footpath_radius_m=300),
                                cache_dir=demo["dir"] / "cache")
    router = RaptorRouter(timetable, RaptorParams(min_transfer_s=60, max_walk_m=800))
    matrix = travel_time_matrix(router, read_points_csv(demo["dir"] / "o.csv", weight_column=None),
                                read_points_csv(demo["dir"] / "d.csv", weight_column=None),
                                7 * 3600, 3600, percentiles=(0, 50, 100), max_walk_m=800.5,
                                max_travel_s=90 * 60)
    expected = [str(int(v)) if np.isfinite(v) else ""
                for v in matrix.transpose(1, 2, 0).ravel()]
    assert [r[3] for r in rows[1:]] == expected
    assert all(v == "" for v in expected[12:]) and all(v.isdigit() for v in expected[:3])
    assert int(expected[0]) <= int(expected[1]) <= int(expected[2]) or expected[2] == ""


def test_help_states_the_definitions(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--help"])
    assert exit_.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    for phrase in ("start + step, ... before start + window", "ceil(p * n / 100)-th smallest",
                   "travel time <= --max-travel-min (inclusive)", "waiting at the origin included",
                   "not reached counting as infinite", "origin_id,destination_id,percentile"):
        assert phrase in text


@pytest.mark.parametrize("change, message", [
    ({"--out": None}, "go together"),
    ({"--percentiles": "50,101"}, "0..100"),
    ({"--max-walk-m": "-1"}, "non-negative metres"),
    ({"--max-walk-m": "nan"}, "non-negative metres"),
    ({"--start": "8h"}, "HH:MM"),
    ({"--step-s": "0"}, "--step-s > 0"),
    ({"--origins-csv": "missing.csv"}, "missing.csv"),
])
def test_bad_input_is_a_usage_error(demo, capsys, change, message):
    with pytest.raises(SystemExit) as exit_:
        main(args(demo, **change))
    assert exit_.value.code == 2
    assert message in capsys.readouterr().err
    assert not (demo["dir"] / "m.csv").exists()


def test_a_points_file_without_coordinates_names_the_file(demo, capsys):
    (demo["dir"] / "o.csv").write_text("id,latitude\na,36.4\n", encoding="utf-8")
    with pytest.raises(SystemExit):
        main(args(demo))
    assert "o.csv" in capsys.readouterr().err and not (demo["dir"] / "m.csv").exists()
