"""Every real feed of the corpus loads leniently and keeps its trips; invalid cases never crash."""

from __future__ import annotations

import csv
import io
import time
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pytest

from routing.gtfs import InvalidFeed, LoadedFeed, Severity, read_feed
from tests.conftest import corpus_path

pytestmark = pytest.mark.corpus

KUWAYAMA = "gtfs-jp/kuwayama-gtfsjp-corpus-2019"
TRANSITFEED = "gtfs-testsuites/transitfeed-testdata"


def _real_feeds(root: Path) -> list[str]:
    """Corpus-relative paths: the 2019 zips, the unzipped GTFS-JP folders, the city zips."""
    if not root.is_dir():
        return []
    feeds = sorted((root / KUWAYAMA).glob("*.zip"))
    feeds += sorted(p for p in (root / "gtfs-jp").iterdir()
                    if p.is_dir() and p != root / KUWAYAMA)
    feeds += sorted((root / "gtfs").glob("*/*.zip"))
    return [p.relative_to(root).as_posix() for p in feeds]


def _transitfeed_cases(root: Path) -> list[str]:
    base = root / TRANSITFEED
    if not base.is_dir():
        return []
    cases = sorted(base.iterdir()) + [base / "googletransit" / "good_feed"]
    cases += sorted((base / "upgrade_translations").iterdir())
    return [p.relative_to(root).as_posix() for p in cases]


REAL_FEEDS = _real_feeds(corpus_path())
TRANSITFEED_CASES = _transitfeed_cases(corpus_path())


def _raw_trip_count(path: Path) -> int:
    """Data rows of trips.txt, counted without the reader under test."""
    if path.is_dir():
        data = (path / "trips.txt").read_bytes()
    else:
        with zipfile.ZipFile(path) as archive:
            name = next(n for n in archive.namelist() if Path(n).name == "trips.txt")
            data = archive.read(name)
    rows = csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""))
    return sum(1 for row in rows if any(cell.strip() for cell in row)) - 1


@dataclass(frozen=True)
class Summary:
    raw_trips: int
    trips: int
    stop_times: int
    errors: int
    seconds: float


@lru_cache(maxsize=None)
def _summary(path: Path) -> Summary:
    """Load once per session and keep only counts, so big feeds do not pile up in memory."""
    started = time.perf_counter()
    loaded = read_feed(path)
    seconds = time.perf_counter() - started
    assert all(f.row is None or f.row >= 1 for f in loaded.findings)
    return Summary(_raw_trip_count(path), len(loaded.feed.trips), len(loaded.feed.stop_times),
                   len(loaded.errors), seconds)


def test_corpus_holds_the_expected_feeds(corpus_dir):
    feeds = _real_feeds(corpus_dir)

    assert sum(f.startswith(KUWAYAMA) for f in feeds) == 97
    assert sum(f.startswith("gtfs-jp/") and not f.endswith(".zip") for f in feeds) == 4
    assert sum(f.startswith("gtfs/") for f in feeds) == 5
    assert len(_transitfeed_cases(corpus_dir)) >= 40


@pytest.mark.parametrize("feed", REAL_FEEDS)
def test_real_feed_loads_leniently_and_keeps_its_trips(corpus_dir, feed):
    summary = _summary(corpus_dir / feed)

    assert summary.trips >= 0.9 * summary.raw_trips, summary
    assert summary.stop_times > 0
    # A regression guard for pathological slowness, far above the ~5 s of the biggest feed.
    assert summary.seconds < 60, summary


def test_all_gunma_prefecture_feeds_load(corpus_dir):
    gunma = sorted((corpus_dir / KUWAYAMA).glob("gtfs.[012]*.zip"))

    assert len(gunma) >= 30
    for path in gunma:
        summary = _summary(path)
        assert summary.trips == summary.raw_trips, path.name


def test_gtfs_jp_feed_with_fares_and_translations_works_with_gtfs_kit(corpus_dir):
    loaded = read_feed(corpus_dir / "gtfs-jp" / "donan-bus-muroran")
    feed = loaded.feed

    assert loaded.errors == ()
    assert len(feed.stop_times) == 20_594 and len(feed.fare_rules) == 63_745
    assert feed.stop_times["stop_sequence"].dtype == "Int32"
    extras = set(loaded.extra_tables)
    assert {"agency_jp", "routes_jp", "translations", "rider_categories"} <= extras
    assert list(loaded.extra_tables["translations"].columns) == ["trans_id", "lang", "translation"]
    dates = feed.get_first_week()[:1]
    stats = feed.compute_route_stats(dates, trip_stats=feed.compute_trip_stats())
    assert len(stats) > 20


def test_stations_without_position_are_placed_not_dropped(corpus_dir):
    loaded = read_feed(corpus_dir / KUWAYAMA / "susono-sunoru.zip")

    placed = [f for f in loaded.errors if f.code == "missing_value" and f.file == "stops.txt"]
    assert len(placed) == 62
    assert loaded.feed.stops["stop_lat"].notna().all()
    assert loaded.feed.stops["parent_station"].notna().sum() > 100


# What each invalid case must be reported as: a finding code, or "invalid" for InvalidFeed.
EXPECTED_TRANSITFEED = {
    "bad_date_format": "bad_date",
    "bad_utf8": "bad_encoding",
    "contains_null": "nul_character",
    "duplicate_schedule_id": "duplicate_id",
    "duplicate_stop_sequence": "duplicate_id",
    "empty_file": "invalid",
    "extra_row_cells": "extra_empty_cells",
    "invalid_agency_ids": "missing_value",
    "invalid_route_agency": "dangling_reference",
    "missing_agency": "invalid",
    "missing_calendar": "invalid",
    "missing_column": "missing_column",
    "missing_departure_time": "partial_stop_time",
    "missing_endpoint_times": "missing_endpoint_time",
    "missing_routes": "invalid",
    "missing_row_cells": "short_row",
    "missing_stop_times": "invalid",
    "missing_stops": "invalid",
    "missing_trips": "invalid",
    "missing_weekday_column": "missing_column",
    "negative_stop_sequence": "bad_value",
    "undefined_stop": "dangling_reference",
    "unknown_file": "unknown_file",
    "unknown_format.zip": "invalid",
    "unrecognized_columns": "unknown_column",
    "utf16": "bad_encoding",
}


@pytest.mark.parametrize("case", TRANSITFEED_CASES)
def test_transitfeed_case_loads_or_is_invalid_never_crashes(corpus_dir, case):
    name = Path(case).name
    try:
        outcome: LoadedFeed | InvalidFeed = read_feed(corpus_dir / case)
    except InvalidFeed as exc:
        outcome = exc
    codes = {f.code for f in outcome.findings}

    expected = EXPECTED_TRANSITFEED.get(name)
    if expected == "invalid":
        assert isinstance(outcome, InvalidFeed)
    elif expected is not None:
        assert isinstance(outcome, LoadedFeed) and expected in codes, codes
    if name in ("good_feed", "good_feed.zip", "utf8bom", "only_calendar_dates", "bad_eol.zip"):
        assert isinstance(outcome, LoadedFeed)
        assert not [f for f in outcome.findings if f.severity is Severity.ERROR]
        assert read_feed(corpus_dir / case, strict=True).feed is not None
