"""Compiled timetables and RAPTOR on real feeds: Tampere with its .npz cache, and the demo region."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import numpy as np
import pytest

from routing.gtfs import read_feed
from routing.raptor import RaptorParams, RaptorRouter, TransitLeg
from routing.timetable import TimetableParams, load_or_compile

pytestmark = pytest.mark.corpus

TAMPERE = "gtfs/tampere-nysse/tampere.gtfs.zip"
TAMPERE_DAY = dt.date(2022, 2, 16)  # a Wednesday inside calendar.txt (2021-09-20..2022-03-31)
DEMO = Path(__file__).resolve().parents[2] / "fixtures" / "demo-region" / "gtfs"


def _answers(timetable, queries):
    router = RaptorRouter(timetable, RaptorParams(min_transfer_s=120))
    out = []
    for origin, destination, depart in queries:
        result = router.earliest_arrival(origin, depart, destination)
        out.append(result.pareto(timetable.stop_index(destination)))
    return out


def test_tampere_compiles_answers_and_reloads_from_cache(corpus_dir: Path, tmp_path: Path):
    path = corpus_dir / TAMPERE
    params = TimetableParams(footpath_radius_m=300)
    started = time.perf_counter()
    cold = load_or_compile([path], TAMPERE_DAY, params, cache_dir=tmp_path)
    cold_s = time.perf_counter() - started
    started = time.perf_counter()
    cached = load_or_compile([path], TAMPERE_DAY, params, cache_dir=tmp_path)
    cached_s = time.perf_counter() - started
    assert len(list(tmp_path.glob("timetable-*.npz"))) == 1
    assert cached_s * 10 < cold_s, (cold_s, cached_s)
    assert cold.n_trips > 1000 and cold.n_patterns > 100 and len(cold.footpath_to) > 0
    for name, array in cold.arrays().items():
        assert np.array_equal(array, cached.arrays()[name]), name

    rng = np.random.default_rng(7)
    served = np.flatnonzero(np.diff(cold.stop_pattern_offsets) > 0)
    queries = [(str(cold.stop_ids[a]), str(cold.stop_ids[b]), int(rng.integers(21600, 36000)))
               for a, b in (rng.choice(served, 2, replace=False) for _ in range(30))]
    answers = _answers(cold, queries)
    assert answers == _answers(cached, queries)
    assert sum(bool(a) for a in answers) >= 20  # most random pairs are connected by 10:00
    for (origin, destination, depart), options in zip(queries, answers):
        for arrival_s, _ in options:
            assert arrival_s >= depart
        if options:
            journey = RaptorRouter(cold, RaptorParams(min_transfer_s=120)).earliest_arrival(
                origin, depart, destination).journey(cold.stop_index(destination))
            assert journey.arrival_s == options[-1][0]
            assert all(leg.departure_s >= depart for leg in journey.legs)


def test_demo_region_rail_trip_on_a_weekday():
    """2026-11-24 is a Tuesday: 山吹線-平日-001 runs R01 06:00 ... R04 06:12 ... R06 06:18."""
    day = dt.date(2026, 11, 24)
    timetable = load_or_compile([DEMO], day, TimetableParams())
    stop_times = read_feed(DEMO).feed.stop_times
    trip = stop_times[stop_times["trip_id"] == "山吹線-平日-001"].sort_values("stop_sequence")
    assert list(trip["stop_id"]) == ["R01", "R02", "R03-2", "R04", "R05", "R06"]
    assert list(trip["departure_time"])[:2] == ["06:00:00", "06:04:00"]
    assert list(trip["arrival_time"])[3] == "06:12:00"

    router = RaptorRouter(timetable, RaptorParams())
    result = router.earliest_arrival("R02", 6 * 3600, "R04")
    journey = result.journey(timetable.stop_index("R04"))
    assert journey.arrival_s == 6 * 3600 + 12 * 60
    (leg,) = journey.legs
    assert isinstance(leg, TransitLeg)
    assert leg.trip_id == "gtfs:山吹線-平日-001" and leg.departure_s == 6 * 3600 + 4 * 60
    # Weekend services do not run on a Tuesday: no trip id of 土日祝 is compiled, except the
    # holiday Monday's (勤労感謝の日) last train, still running after midnight ("@prev").
    weekend = [str(t) for t in timetable.trip_ids if "土日祝" in str(t)]
    assert weekend == ["gtfs:山吹線-土日祝-037@prev"]
    assert any("平日" in str(t) for t in timetable.trip_ids)


def test_tampere_matrix_and_range_agree_with_single_queries(corpus_dir: Path, tmp_path: Path):
    from routing.raptor.profile import departure_profile, one_to_all, travel_time_matrix

    timetable = load_or_compile([corpus_dir / TAMPERE], TAMPERE_DAY,
                                TimetableParams(footpath_radius_m=300), cache_dir=tmp_path)
    router = RaptorRouter(timetable, RaptorParams(min_transfer_s=120))
    rng = np.random.default_rng(11)
    served = np.flatnonzero(np.diff(timetable.stop_pattern_offsets) > 0)
    origins = [str(timetable.stop_ids[i]) for i in rng.choice(served, 3, replace=False)]
    targets = [str(timetable.stop_ids[i]) for i in rng.choice(served, 40, replace=False)]
    start, window, step = 8 * 3600, 1800, 300
    matrix = travel_time_matrix(router, origins, targets, start, window, step_s=step,
                                percentile=50)
    for row, origin in enumerate(origins):
        per_departure = []
        for depart in range(start, start + window + 1, step):
            arrivals = one_to_all(router, origin, depart)
            per_departure.append([arrivals[timetable.stop_index(t)] - depart for t in targets])
        durations = np.asarray(per_departure, np.float64)
        durations[durations > 2**61] = np.inf
        expected = np.percentile(durations, 50, axis=0, method="higher")
        expected = np.where(np.isfinite(expected), expected, np.nan)
        assert np.array_equal(matrix[row], expected, equal_nan=True)
        assert np.isfinite(matrix[row]).sum() >= 20  # most of the city is reachable at 08:00
        # A range query's options match fresh searches at their departures.
        for entry in departure_profile(router, origin, start, 3600, targets[0]):
            fresh = router.earliest_arrival(origin, entry.departure_s, targets[0])
            assert (entry.arrival_s, entry.transfers) in fresh.target_pareto()
