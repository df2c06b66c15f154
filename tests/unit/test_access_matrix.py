"""Travel-time matrices on a tiny hand-written feed whose answers can be checked with a pencil.

Stops on latitude 35.0 (0.1° of longitude is about 9.1 km, far beyond walking):
  line 1  P 08:00, 08:20, 08:40, 09:00, 09:20 -> Q 15 minutes later (a bus every 20 minutes)
  line 2  Q2 (55 m north of Q) at :10 and :40 from 08:10 -> R 10 minutes later
On Wednesday 2026-11-25 both run; on Saturday nothing does.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from routing.access import (AccessInputError, Point, PointSet, departure_times,
                            percentile_ranks, travel_time_matrix)
from routing.plan.geo import haversine_m
from routing.timetable import TimetableParams, compile_timetable
from tests.unit.tiny_access_feed import H8, MIN, SATURDAY, STOPS, tiny_feed, tiny_router

@pytest.fixture(scope="module")
def feed(tmp_path_factory):
    return tiny_feed(tmp_path_factory.mktemp("access") / "tiny")


@pytest.fixture(scope="module")
def router(feed):
    return tiny_router(feed)


def walk_s(a: tuple[float, float], b: tuple[float, float]) -> int:
    return math.ceil(float(haversine_m(*a, *b)) * 1.3 / 1.2 - 1e-9)


def test_conventions_departures_and_nearest_rank():
    assert departure_times(H8, 3600, 60).tolist() == [H8 + 60 * i for i in range(60)]
    assert departure_times(H8, 0, 60).tolist() == [H8]
    assert departure_times(H8, 90, 60).tolist() == [H8, H8 + 60]
    assert percentile_ranks((0, 25, 50, 75, 100), 60).tolist() == [0, 14, 29, 44, 59]
    assert percentile_ranks((50,), 15).tolist() == [7]
    with pytest.raises(AccessInputError):
        percentile_ranks((101,), 10)
    with pytest.raises(AccessInputError):
        departure_times(H8, 60, 0)


def test_a_bus_every_20_minutes_gives_known_percentiles(router):
    # Leaving P at 08:00..08:59 waits 0..19 minutes three times each, then rides 15.
    m = travel_time_matrix(router, [Point("at-P", *STOPS["P"])], [Point("at-Q", *STOPS["Q"])],
                           H8, 3600, percentiles=(0, 25, 50, 75, 100))
    assert m.shape == (5, 1, 1)
    assert (m[:, 0, 0] / MIN).tolist() == [15, 19, 24, 29, 34]


def test_access_and_egress_walks_are_added(router):
    home = (35.0, 139.0 - 0.002)  # 182 m west of P
    clinic = (35.0 + 0.001, 139.1)  # 111 m north of Q
    access, egress = walk_s(home, STOPS["P"]), walk_s(STOPS["Q"], clinic)
    assert (access, egress) == (198, 121)
    # Via the footpath Q -> Q2 (61 s) and Q2 -> clinic (61 s) would take one second longer.
    assert walk_s(STOPS["Q"], STOPS["Q2"]) + walk_s(STOPS["Q2"], clinic) == egress + 1
    # Leaving at 08:00 minus the access walk catches the 08:00 bus.
    m = travel_time_matrix(router, [Point("home", *home)], [Point("clinic", *clinic)],
                           H8 - access, 0, percentiles=(50,))
    assert m[0, 0, 0] == access + 15 * MIN + egress
    # One second later the 08:00 bus is gone: wait for 08:20.
    m = travel_time_matrix(router, [Point("home", *home)], [Point("clinic", *clinic)],
                           H8 - access + 1, 0, percentiles=(50,))
    assert m[0, 0, 0] == access + 15 * MIN + egress + 20 * MIN - 1


def test_direct_walk_wins_next_to_the_destination(router):
    hospital = (35.0 + 0.0009, 139.1)
    neighbour = (35.0 + 0.0018, 139.1)  # 100 m further north: about 109 s on foot
    m = travel_time_matrix(router, [Point("next-door", *neighbour)],
                           [Point("hospital", *hospital)], H8, 3600)
    assert m[:, 0, 0].tolist() == [walk_s(neighbour, hospital)] * 3
    assert 105 <= m[0, 0, 0] <= 112
    # 700 m walked is beyond max_walk_m = 600 unless the direct walk is allowed further.
    far = (35.0 + 0.0009 + 700 / 1.3 / 111_195, 139.1)
    near_q = Point("hospital", *hospital)
    assert np.isinf(travel_time_matrix(router, [Point("far", *far)], [near_q], H8, 0,
                                       max_walk_m=600)).all()
    longer = travel_time_matrix(router, [Point("far", *far)], [near_q], H8, 0, max_walk_m=600,
                                max_direct_walk_m=800)
    assert longer[0, 0, 0] == walk_s(far, hospital) == 584


def test_transfer_reaches_the_second_line(router):
    # P 08:00 -> Q 08:15, walk 55 m to Q2 (60 s), L2 08:40 -> R 08:50: 50 minutes.
    m = travel_time_matrix(router, [Point("P", *STOPS["P"])], [Point("R", *STOPS["R"])], H8, 0,
                           percentiles=(50,))
    assert m[0, 0, 0] == 50 * MIN


def test_unreachable_is_inf(router, feed):
    nowhere = Point("mountain", 35.5, 139.5)
    m = travel_time_matrix(router, [Point("P", *STOPS["P"]), nowhere],
                           [Point("Q", *STOPS["Q"]), Point("island", 34.5, 139.0)], H8, 3600)
    assert np.isfinite(m[:, 0, 0]).all()
    assert np.isinf(m[:, 1, :]).all() and np.isinf(m[:, :, 1]).all()
    saturday = compile_timetable([feed], SATURDAY, params=TimetableParams(footpath_radius_m=100))
    assert np.isinf(travel_time_matrix(saturday, [Point("P", *STOPS["P"])],
                                       [Point("Q", *STOPS["Q"])], H8, 3600)).all()


def test_max_travel_cuts_percentiles(router):
    # Travel times are 15..34 minutes; with at most 25 minutes the slow departures do not count.
    m = travel_time_matrix(router, [Point("P", *STOPS["P"])], [Point("Q", *STOPS["Q"])], H8,
                           3600, percentiles=(25, 50, 75), max_travel_s=25 * MIN)
    assert m[0, 0, 0] == 19 * MIN and m[1, 0, 0] == 24 * MIN and np.isinf(m[2, 0, 0])


def _brute_force(router, origins, destinations, departures, ranks, max_walk_m, max_travel_s):
    """Every departure searched on its own with the plain RAPTOR search."""
    tt = router.timetable

    def near(p):
        return {s: walk_s((p.lat, p.lon), (tt.stop_lat[s], tt.stop_lon[s]))
                for s in range(tt.n_stops)
                if float(haversine_m(p.lat, p.lon, tt.stop_lat[s], tt.stop_lon[s])) * 1.3
                <= max_walk_m}

    out = np.full((len(ranks), len(origins), len(destinations)), np.inf)
    for i, o in enumerate(origins):
        access = near(o)
        times = np.full((len(departures), len(destinations)), np.inf)
        for mi, x in enumerate(departures.tolist()):
            result = router.search_indices(np.asarray(list(access), np.int64),
                                           np.asarray(list(access.values()), np.int64), x,
                                           np.full(tt.n_stops, -1, np.int64)) if access else None
            for j, d in enumerate(destinations):
                best = walk_s((o.lat, o.lon), (d.lat, d.lon))
                for s, e in near(d).items():
                    arrival = result.earliest_arrival_s(s) if result else None
                    if arrival is not None:
                        best = min(best, arrival + e - x)
                times[mi, j] = best if best <= max_travel_s else np.inf
        times.sort(axis=0)
        out[:, i, :] = times[ranks]
    return out


def test_matches_a_search_per_departure_and_threads_agree(router):
    rng = np.random.default_rng(7)
    stops = np.asarray(list(STOPS.values()))
    picks = stops[rng.integers(0, len(stops), 12)]
    points = PointSet.from_arrays([f"p{i}" for i in range(12)],
                                  picks[:, 0] + rng.uniform(-0.004, 0.004, 12),
                                  picks[:, 1] + rng.uniform(-0.004, 0.004, 12))
    origins, destinations = points.select(np.arange(12) < 8), points.select(np.arange(12) >= 8)
    # An unlimited direct walk dominates every walk-only path through stops, which the plain
    # search counts and the matrix leaves to the direct walk: then both must agree exactly.
    kwargs = dict(step_s=120, percentiles=(0, 30, 50, 90, 100), max_walk_m=600,
                  max_travel_s=45 * MIN, max_direct_walk_m=10**6)
    one = travel_time_matrix(router, origins, destinations, H8 - 600, 4800, **kwargs)
    two = travel_time_matrix(router, origins, destinations, H8 - 600, 4800, workers=2, **kwargs)
    departures = departure_times(H8 - 600, 4800, 120)
    expected = _brute_force(router, list(origins), list(destinations), departures,
                            percentile_ranks(kwargs["percentiles"], len(departures)), 600,
                            45 * MIN)
    assert np.array_equal(one, expected)
    assert np.array_equal(one, two)
    assert np.isfinite(one).any() and np.isinf(one).any()  # the check is not vacuous


def test_rejects_bad_requests(router):
    p = [Point("P", *STOPS["P"])]
    with pytest.raises(AccessInputError):
        travel_time_matrix(router, p, p, H8, -1)
    with pytest.raises(AccessInputError):
        travel_time_matrix(router, p, p, H8, 60, workers=-1)
    with pytest.raises(TypeError):
        travel_time_matrix("router", p, p, H8, 60)
    assert travel_time_matrix(router, [], p, H8, 60).shape == (3, 0, 1)
