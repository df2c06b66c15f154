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
from routing.raptor import RaptorParams, RaptorRouter, TransitLeg
from routing.timetable import TimetableParams, compile_timetable
from tests.examples import examples
from tests.property.random_timetables import check_journey, timetables, write_feed

DAY = dt.date(2026, 11, 24)
INF = float("inf")
MAX_TRANSFERS = 3


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
