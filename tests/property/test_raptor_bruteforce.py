"""RAPTOR against a brute-force search on small random timetables.

The brute force relaxes every (board, alight) pair of every running trip once per round, with
the same rules as the router: one footpath after each trip (and from the origin), the minimum
transfer time when changing trips at a stop, no boarding where pickup_type is 1 and no
alighting where drop_off_type is 1. Round k holds the best arrival using at most k trips.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from routing.gtfs import read_feed
from routing.raptor import RaptorParams, RaptorRouter, TransitLeg, WalkLeg
from routing.timetable import TimetableParams, compile_timetable
from tests.examples import examples

DAY = dt.date(2026, 11, 24)
INF = float("inf")
MAX_TRANSFERS = 3


@st.composite
def timetables(draw):
    n_stops = draw(st.integers(2, 6))
    trips = []
    for _ in range(draw(st.integers(1, 8))):
        stops = draw(st.lists(st.integers(0, n_stops - 1), min_size=2, max_size=4, unique=True))
        t = draw(st.integers(0, 3600))
        calls = []
        for stop in stops:
            dwell = draw(st.integers(0, 60))
            calls.append((stop, t, t + dwell, draw(st.booleans()) or draw(st.booleans()),
                          draw(st.booleans()) or draw(st.booleans())))
            t += dwell + draw(st.integers(1, 600))
        trips.append((draw(st.sampled_from(["ON", "ON", "ON", "OFF"])), calls))
    walks = draw(st.lists(st.tuples(st.integers(0, n_stops - 1), st.integers(0, n_stops - 1),
                                    st.integers(0, 600)), max_size=4))
    walks = {(a, b): d for a, b, d in walks if a != b}
    return n_stops, trips, walks


def clock(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def write_feed(folder: Path, n_stops: int, trips, walks) -> Path:
    lines = {
        "agency.txt": ["agency_id,agency_name,agency_url,agency_timezone",
                       "X,Random,https://example.com,Asia/Tokyo"],
        "stops.txt": ["stop_id,stop_name,stop_lat,stop_lon"]
        + [f"S{i},S{i},{35 + i / 10},139.0" for i in range(n_stops)],
        "routes.txt": ["route_id,agency_id,route_short_name,route_type", "R,X,R,3"],
        "trips.txt": ["route_id,service_id,trip_id"]
        + [f"R,{service},T{i}" for i, (service, _) in enumerate(trips)],
        "calendar.txt": ["service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,"
                         "start_date,end_date",
                         "ON,1,1,1,1,1,1,1,20260101,20261231",
                         "OFF,0,0,0,0,0,0,0,20260101,20261231"],
        "stop_times.txt": ["trip_id,arrival_time,departure_time,stop_id,stop_sequence,"
                           "pickup_type,drop_off_type"],
        "transfers.txt": ["from_stop_id,to_stop_id,transfer_type,min_transfer_time"]
        + [f"S{a},S{b},2,{d}" for (a, b), d in walks.items()],
    }
    for i, (_, calls) in enumerate(trips):
        for seq, (stop, arr, dep, can_board, can_alight) in enumerate(calls, start=1):
            lines["stop_times.txt"].append(
                f"T{i},{clock(arr)},{clock(dep)},S{stop},{seq},{int(not can_board)},"
                f"{int(not can_alight)}")
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in lines.items():
        (folder / name).write_text("\n".join(rows) + "\n", encoding="utf-8")
    return folder


def brute_force(n_stops, trips, walks, origin, depart, transfer_s, rounds):
    """arrival[k][s]: earliest arrival at s using at most k trips."""
    board = [INF] * n_stops
    board[origin] = depart
    for (a, b), d in walks.items():
        if a == origin:
            board[b] = min(board[b], depart + d)
    arrival = [list(board)]
    for _ in range(rounds):
        transit = [INF] * n_stops
        for service, calls in trips:
            if service != "ON":
                continue
            for i, (stop_i, _, dep_i, can_board, _) in enumerate(calls):
                if not can_board or board[stop_i] > dep_i:
                    continue
                for stop_j, arr_j, _, _, can_alight in calls[i + 1:]:
                    if can_alight:
                        transit[stop_j] = min(transit[stop_j], arr_j)
        foot = [INF] * n_stops
        for (a, b), d in walks.items():
            foot[b] = min(foot[b], transit[a] + d)
        board = [min(board[s], transit[s] + transfer_s, foot[s]) for s in range(n_stops)]
        arrival.append([min(arrival[-1][s], transit[s], foot[s]) for s in range(n_stops)])
    return arrival


def check_journey(journey, origin_id, destination_id, depart, transfer_s):
    assert journey.legs == () or journey.legs[0].departure_s >= depart
    at, ready, last_transit = origin_id, depart, False
    for leg in journey.legs:
        assert isinstance(leg, (TransitLeg, WalkLeg))
        start = leg.board_stop_id if isinstance(leg, TransitLeg) else leg.from_stop_id
        end = leg.alight_stop_id if isinstance(leg, TransitLeg) else leg.to_stop_id
        assert start == at
        change = last_transit and isinstance(leg, TransitLeg) and not leg.stay_seated
        needed = ready + (transfer_s if change else 0)
        assert leg.departure_s >= needed
        assert leg.arrival_s >= leg.departure_s
        at, ready, last_transit = end, leg.arrival_s, isinstance(leg, TransitLeg)
    assert at == destination_id
    assert ready == journey.arrival_s or not journey.legs


# Each example writes, reads and compiles a feed (about half a second): 30 in make test, 100 when thorough.
@settings(max_examples=examples(quick=30, thorough=100), deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(timetables(), st.integers(0, 5), st.integers(0, 4000), st.sampled_from([0, 60, 300]),
       st.integers(1, 900))
def test_raptor_matches_brute_force(data, origin, depart, transfer_s, later_by):
    n_stops, trips, walks = data
    origin %= n_stops
    with tempfile.TemporaryDirectory() as folder:
        feed = read_feed(write_feed(Path(folder) / "feed", n_stops, trips, walks))
    timetable = compile_timetable([feed], DAY, params=TimetableParams())
    router = RaptorRouter(timetable, RaptorParams(max_transfers=MAX_TRANSFERS,
                                                  min_transfer_s=transfer_s))
    result = router.earliest_arrival(f"S{origin}", depart)
    later = router.earliest_arrival(f"S{origin}", depart + later_by)
    expected = brute_force(n_stops, trips, walks, origin, depart, transfer_s, MAX_TRANSFERS + 1)
    for s in range(n_stops):
        index = timetable.stop_index(f"S{s}")
        got = [None if a >= 2**62 else int(a) for a in result.arrival_by_round(index)]
        assert got == [None if a == INF else a for a in (row[s] for row in expected)]
        for k in range(MAX_TRANSFERS + 2):
            assert later.arrival_by_round(index)[k] >= result.arrival_by_round(index)[k]
            if k >= 1 and got[k] is not None:
                journey = result.journey(index, max_transfers=k - 1)
                assert journey.arrival_s == got[k]
                assert sum(isinstance(leg, TransitLeg) for leg in journey.legs) <= k
                check_journey(journey, f"feed:S{origin}", f"feed:S{s}", depart, transfer_s)
