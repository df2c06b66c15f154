"""The windowed travel-time matrix against one plain search per departure minute (issue 22).

Random small networks of stops a few hundred metres apart (so walks, footpaths and rides all
matter), trips timed to the second or to the whole minute, random windows and steps, and a
travel-time limit that is usually one of the reference's own travel times, so some trips take
exactly the limit. Every rank of the matrix must equal the sorted per-minute answers.

The reference, per origin and departure minute m, is the definition in docs/routing.md:
- the direct walk (up to max_direct_walk_m) and the direct rides of the modes open at m;
- for each access link (a walk, or a ride of a mode open at m) to a served stop a: one
  plain RAPTOR search from a leaving at m + the link's seconds; at every served stop s that
  riding improves on (its best arrival beats the search's round 0, which only walks from a),
  each egress link from s: a walk, or a ride of a mode open at that arrival;
- travel time = arrival - m; reached when <= the limit, otherwise +inf.
Walks through stops without a trip are not journeys here. So when walking from a to s beats
the ride there, the ride does not count (RAPTOR's round-0 label wins), and the matrix must draw
that line at the minute itself, not at the profile row it uses (a bus the matrix counted or not
depending on the window, with footpaths and a short direct walk, before the candidates included
the times where walking ties with a ride).
"""

from __future__ import annotations

import datetime as dt
import math
import tempfile
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from routing.access import PointSet, departure_times, percentile_ranks, travel_time_matrix
from routing.access.modes import RideMode
from routing.gtfs import read_feed
from routing.plan.geo import haversine_m, served_stops
from routing.raptor import RaptorParams, RaptorRouter
from routing.timetable import TimetableParams, compile_timetable

DAY = dt.date(2026, 11, 24)
H8 = 8 * 3600
GRID_DEG = 0.001  # about 111 m north-south, 91 m east-west at 35°N
DETOUR, SPEED_MPS = 1.3, 1.2
RUN = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def networks(draw):
    n_stops = draw(st.integers(2, 6))
    cells = draw(st.lists(st.tuples(st.integers(0, 20), st.integers(0, 20)), min_size=n_stops,
                          max_size=n_stops, unique=True))
    tick = draw(st.sampled_from([1, 60]))  # seconds, or whole minutes as in normalised feeds
    trips = []
    for _ in range(draw(st.integers(1, 8))):
        stops = draw(st.lists(st.integers(0, n_stops - 1), min_size=2, max_size=4, unique=True))
        t = H8 + tick * draw(st.integers(0, 5400 // tick))
        calls = []
        for stop in stops:
            dwell = tick * draw(st.integers(0, 60 // tick))
            calls.append((stop, t, t + dwell))
            t += dwell + tick * draw(st.integers(1, 900 // tick))
        trips.append(calls)
    return cells, trips


def write_feed(folder: Path, cells, trips) -> Path:
    def clock(s: int) -> str:
        return f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}"

    rows = {
        "agency.txt": ["agency_id,agency_name,agency_url,agency_timezone",
                       "X,Random,https://example.com,Asia/Tokyo"],
        "stops.txt": ["stop_id,stop_name,stop_lat,stop_lon"]
        + [f"S{i},S{i},{35 + y * GRID_DEG:.6f},{139 + x * GRID_DEG:.6f}"
           for i, (y, x) in enumerate(cells)],
        "routes.txt": ["route_id,agency_id,route_short_name,route_type", "R,X,R,3"],
        "trips.txt": ["route_id,service_id,trip_id"] + [f"R,ON,T{i}" for i in range(len(trips))],
        "calendar.txt": ["service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,"
                         "start_date,end_date", "ON,1,1,1,1,1,1,1,20260101,20261231"],
        "stop_times.txt": ["trip_id,arrival_time,departure_time,stop_id,stop_sequence"],
    }
    for i, calls in enumerate(trips):
        for seq, (stop, arr, dep) in enumerate(calls, start=1):
            rows["stop_times.txt"].append(f"T{i},{clock(arr)},{clock(dep)},S{stop},{seq}")
    folder.mkdir(parents=True, exist_ok=True)
    for name, lines in rows.items():
        (folder / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def points(draw, cells, prefix: str) -> PointSet:
    """1-3 points, each on a stop or up to ~400 m from one."""
    picks = []
    for _ in range(draw(st.integers(1, 3))):
        y, x = draw(st.sampled_from(cells))
        dy, dx = (0, 0) if draw(st.booleans()) else (draw(st.integers(-4, 4)),
                                                     draw(st.integers(-4, 4)))
        picks.append((35 + (y + dy) * GRID_DEG, 139 + (x + dx) * GRID_DEG))
    lat, lon = np.asarray(picks).T
    return PointSet.from_arrays([f"{prefix}{i}" for i in range(len(picks))], lat, lon)


def modes(draw) -> list[RideMode]:
    out = []
    for k in range(draw(st.integers(0, 2))):
        zone = None
        if draw(st.booleans()):
            y0, x0 = draw(st.integers(-2, 12)), draw(st.integers(-2, 12))
            y1, x1 = y0 + draw(st.integers(4, 14)), x0 + draw(st.integers(4, 14))
            zone = [(139 + a * GRID_DEG, 35 + b * GRID_DEG)
                    for a, b in ((x0, y0), (x1, y0), (x1, y1), (x0, y1))]
        hours = None
        if draw(st.booleans()):
            lo = H8 + 60 * draw(st.integers(0, 120))
            hours = ((lo, lo + 60 * draw(st.integers(1, 90))),)
        out.append(RideMode(f"m{k}", zone, speed_mps=draw(st.sampled_from([2.0, 5.5, 8.0])),
                            road_factor=draw(st.sampled_from([1.0, 1.3])),
                            wait_s=draw(st.sampled_from([0, 60, 299, 600])),
                            max_ride_m=draw(st.sampled_from([None, 800.0, 2500.0])),
                            hours=hours))
    return out


def seconds(metres: float, speed_mps: float) -> int:
    return math.ceil(metres / speed_mps - 1e-9)


def links(p_lat, p_lon, tt, usable, max_walk_m, rides, served):
    """[(stop, seconds, mode or None)] from one point: walks, then rides of the modes serving it."""
    metres = haversine_m(p_lat, p_lon, tt.stop_lat.astype(np.float64),
                         tt.stop_lon.astype(np.float64))
    out = [(s, seconds(metres[s] * DETOUR, SPEED_MPS), None) for s in np.flatnonzero(usable)
           if metres[s] * DETOUR <= max_walk_m]
    for k, mode in enumerate(rides):
        if not served[k]:
            continue
        inside = usable & mode.contains(tt.stop_lat, tt.stop_lon)
        limit = math.inf if mode.max_ride_m is None else mode.max_ride_m
        out += [(s, mode.wait_s + seconds(metres[s] * mode.road_factor, mode.speed_mps), mode)
                for s in np.flatnonzero(inside) if metres[s] * mode.road_factor <= limit]
    return out


def is_open(mode: RideMode | None, t: int) -> bool:
    return mode is None or any(lo <= t < hi for lo, hi in mode.windows())


def reference(router, origins, destinations, departures, max_walk_m, max_direct_m, rides):
    """[departure, origin, destination] travel seconds (inf: none), one search per access link."""
    tt = router.timetable
    usable = served_stops(tt)
    o_in = [m.contains(origins.lat, origins.lon) for m in rides]
    d_in = [m.contains(destinations.lat, destinations.lon) for m in rides]
    egress = {}  # stop -> [(destination, seconds, mode)]
    for j in range(len(destinations)):
        for s, e, mode in links(destinations.lat[j], destinations.lon[j], tt, usable, max_walk_m,
                                rides, [d[j] for d in d_in]):
            egress.setdefault(s, []).append((j, e, mode))
    out = np.full((len(departures), len(origins), len(destinations)), np.inf)
    no_targets = np.full(tt.n_stops, -1, np.int64)
    for i in range(len(origins)):
        access = links(origins.lat[i], origins.lon[i], tt, usable, max_walk_m, rides,
                       [o[i] for o in o_in])
        for mi, m in enumerate(departures.tolist()):
            best = out[mi, i]
            for j in range(len(destinations)):
                metres = float(haversine_m(origins.lat[i], origins.lon[i], destinations.lat[j],
                                           destinations.lon[j]))
                if metres * DETOUR <= max_direct_m:
                    best[j] = seconds(metres * DETOUR, SPEED_MPS)
                for k, mode in enumerate(rides):
                    limit = math.inf if mode.max_ride_m is None else mode.max_ride_m
                    if o_in[k][i] and d_in[k][j] and metres * mode.road_factor <= limit \
                            and is_open(mode, m):
                        ride = mode.wait_s + seconds(metres * mode.road_factor, mode.speed_mps)
                        best[j] = min(best[j], ride)
            for a, acc, mode in access:
                if not is_open(mode, m):
                    continue
                result = router.search_indices(np.asarray([a], np.int64), np.zeros(1, np.int64),
                                               m + acc, no_targets)
                for s, options in egress.items():
                    by_round = result.arrival_by_round(s)
                    if not by_round[-1] < by_round[0]:  # only walked to from a, or not reached
                        continue
                    t = int(by_round[-1])
                    for j, e, ride in options:
                        if is_open(ride, t):
                            best[j] = min(best[j], t + e - m)
    return out


def check(data, router, origins, destinations, start, window_s, step_s, max_walk_m,
          max_direct_m, rides):
    departures = departure_times(start, window_s, step_s)
    per_minute = reference(router, origins, destinations, departures, max_walk_m, max_direct_m,
                           rides)
    # Mostly a limit some departure takes exactly, often the first or the last (the window's
    # ends, where the profile row starts at that very minute); sometimes one second less.
    ends = per_minute[[0, -1]] if data.draw(st.booleans()) else per_minute
    finite = np.unique(ends[np.isfinite(ends)])
    if len(finite) and data.draw(st.integers(0, 4)) > 0:
        limit = int(data.draw(st.sampled_from(finite.tolist())))
        limit = max(0, limit - data.draw(st.sampled_from([0, 0, 0, 1])))
    else:
        limit = data.draw(st.integers(0, 7200))
    n = len(departures)
    percentiles = [100 * (r + 1) / n for r in range(n)]  # every rank, smallest first
    assert percentile_ranks(percentiles, n).tolist() == list(range(n))
    got = travel_time_matrix(router, origins, destinations, start, window_s, step_s=step_s,
                             percentiles=percentiles, max_walk_m=max_walk_m, max_travel_s=limit,
                             max_direct_walk_m=max_direct_m, walk_speed_mps=SPEED_MPS,
                             modes=rides)
    expected = np.sort(np.where(per_minute <= limit, per_minute, np.inf), axis=0)
    assert np.array_equal(got, expected), (limit, got, expected)


def build(cells, trips, footpath_radius_m, transfer_s):
    with tempfile.TemporaryDirectory() as folder:
        feed = read_feed(write_feed(Path(folder) / "feed", cells, trips))
    timetable = compile_timetable([feed], DAY, params=TimetableParams(
        footpath_radius_m=footpath_radius_m, detour_factor=DETOUR))
    return RaptorRouter(timetable, RaptorParams(max_transfers=3, min_transfer_s=transfer_s,
                                                walk_speed_mps=SPEED_MPS))


windows = st.tuples(st.integers(0, 90).map(lambda k: H8 + 60 * k),
                    st.sampled_from([0, 60, 600, 1800, 3600, 3660]),
                    st.sampled_from([60, 60, 120, 97]))


@RUN
@given(networks(), windows, st.sampled_from([0, 300, 700]), st.sampled_from([0, 60, 180]),
       st.sampled_from([0, 300, 1000]), st.sampled_from([0, 300, 1500, 10**7]), st.data())
def test_every_rank_equals_the_sorted_searches_with_walks_and_footpaths(
        network, window, footpath_radius_m, transfer_s, max_walk_m, max_direct_m, data):
    cells, trips = network
    router = build(cells, trips, footpath_radius_m, transfer_s)
    origins, destinations = points(data.draw, cells, "o"), points(data.draw, cells, "d")
    check(data, router, origins, destinations, *window, max_walk_m, float(max_direct_m), [])


@RUN
@given(networks(), windows, st.sampled_from([0, 300, 700]), st.sampled_from([0, 60, 180]),
       st.sampled_from([0, 300, 1000]), st.sampled_from([0, 300, 1500]), st.data())
def test_every_rank_equals_the_sorted_searches_with_rides(network, window, footpath_radius_m,
                                                          transfer_s, max_walk_m, max_direct_m,
                                                          data):
    cells, trips = network
    router = build(cells, trips, footpath_radius_m, transfer_s)
    origins, destinations = points(data.draw, cells, "o"), points(data.draw, cells, "d")
    check(data, router, origins, destinations, *window, max_walk_m, float(max_direct_m),
          modes(data.draw))
