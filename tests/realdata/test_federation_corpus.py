"""Federation: the Gunma prefecture feeds of the 2019 GTFS-JP corpus compiled as one network.

About thirty operators (city community buses, Gunma Bus, Kan-etsu Kotsu, JR Bus Kanto, ...)
publish separate feeds whose stops often share a street corner or a station forecourt. Compiled
together with 300 m footpaths they form one network: ids stay unique through the feed keys,
footpaths join stops of different feeds, and RAPTOR finds journeys that change operator.
2019-06-05 is a Wednesday inside every Gunma feed's calendar.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import numpy as np
import pytest

from routing.raptor import RaptorParams, RaptorRouter, TransitLeg
from routing.timetable import TimetableParams, load_or_compile

pytestmark = pytest.mark.corpus

KUWAYAMA = "gtfs-jp/kuwayama-gtfsjp-corpus-2019"
DAY = dt.date(2019, 6, 5)


def _feed_of(ids: np.ndarray) -> np.ndarray:
    return np.asarray([s.split(":", 1)[0] for s in ids.tolist()])


def _cross_feed_journey(tt, feed_of_stop):
    """A journey whose transit legs ride trips of two feeds, searched from origins upstream of
    stops that have a footpath to another feed's stop."""
    router = RaptorRouter(tt, RaptorParams(min_transfer_s=120))
    src = np.repeat(np.arange(tt.n_stops), np.diff(tt.footpath_offsets))
    served = np.diff(tt.stop_pattern_offsets) > 0
    cross = np.flatnonzero((feed_of_stop[src] != feed_of_stop[tt.footpath_to])
                           & served[src] & served[tt.footpath_to])
    tried = set()
    for edge in cross[:: max(len(cross) // 40, 1)]:
        stop = src[edge]
        pattern = tt.stop_patterns[tt.stop_pattern_offsets[stop]]
        origin = int(tt.pattern_stops[tt.pattern_stop_offsets[pattern]])
        if origin in tried:
            continue
        tried.add(origin)
        _, dep = tt.trip_times(pattern, 0)
        depart = int(dep[0]) - 60
        result = router.earliest_arrival(str(tt.stop_ids[origin]), depart)
        other = np.flatnonzero((feed_of_stop != feed_of_stop[origin]) & served)
        reached = [s for s in other if result.earliest_arrival_s(int(s)) is not None]
        for target in reached[:60]:
            journey = result.journey(int(target))
            legs = [leg for leg in journey.legs if isinstance(leg, TransitLeg)]
            if len({leg.trip_id.split(":", 1)[0] for leg in legs}) >= 2:
                return journey
    return None


def test_gunma_feeds_federate(corpus_dir: Path, tmp_path: Path):
    paths = sorted((corpus_dir / KUWAYAMA).glob("gtfs.[012]*.zip"))
    assert len(paths) >= 30
    params = TimetableParams(footpath_radius_m=300)
    started = time.perf_counter()
    tt = load_or_compile(paths, DAY, params, cache_dir=tmp_path)
    cold_s = time.perf_counter() - started
    started = time.perf_counter()
    cached = load_or_compile(paths, DAY, params, cache_dir=tmp_path)
    cached_s = time.perf_counter() - started
    assert cached_s * 10 < cold_s, (cold_s, cached_s)
    assert cached.n_trips == tt.n_trips and np.array_equal(cached.trip_ids, tt.trip_ids)

    # Ids: one distinct key per feed, and every stop, trip and route id unique across feeds.
    assert len(set(tt.feed_keys)) == len(paths)
    for ids in (tt.stop_ids, tt.trip_ids, tt.route_ids):
        assert len(np.unique(ids)) == len(ids)
        assert set(_feed_of(ids).tolist()) <= set(tt.feed_keys)
    running = set(_feed_of(tt.trip_ids).tolist())
    assert len(running) >= 25  # nearly every operator runs on a Wednesday

    # Footpaths join stops of different feeds.
    feed_of_stop = _feed_of(tt.stop_ids)
    src = np.repeat(np.arange(tt.n_stops), np.diff(tt.footpath_offsets))
    cross = feed_of_stop[src] != feed_of_stop[tt.footpath_to]
    assert cross.sum() > 1000

    # Itinerary metadata is there for every trip.
    assert (tt.trip_route_index >= 0).all() and len(tt.route_ids) > 100
    assert (tt.route_agency_names[tt.trip_route_index] != "").all()
    assert set(tt.agency_timezones.tolist()) == {"Asia/Tokyo"}

    journey = _cross_feed_journey(tt, feed_of_stop)
    assert journey is not None
    legs = [leg for leg in journey.legs if isinstance(leg, TransitLeg)]
    assert journey.transfers >= 1 and journey.arrival_s >= journey.departure_s
    for earlier, later in zip(journey.legs, journey.legs[1:]):
        assert later.departure_s >= earlier.arrival_s
    assert all(leg.route_id.split(":", 1)[0] == leg.trip_id.split(":", 1)[0] for leg in legs)

    nbytes = sum(a.nbytes for a in tt.arrays().values())
    print(f"\ngunma: {len(paths)} feeds, cold {cold_s:.1f} s, cached {cached_s:.2f} s, "
          f"{nbytes / 1e6:.1f} MB, {tt.n_stops} stops, {tt.n_trips} trips, "
          f"{tt.n_patterns} patterns, {len(tt.footpath_to)} footpaths "
          f"({int(cross.sum())} cross-feed)")
