"""Searches on one whole-calendar timetable, on any date, against independent answers.

Random trips run on weekdays, weekends, every day or never, some past midnight, with a
holiday that swaps weekday for weekend service. For a random date (some outside the calendar)
the one-to-one search with the date's trip mask equals a brute force over the trips that run
that day, worked out here from the calendar rules (their own day's trips, and the previous
day's shifted by -24 h); the range kernel equals a fresh one-to-one search at every departure
of its window; and every arrive-by option leaves as late as possible.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from routing.gtfs import read_feed
from routing.raptor import RaptorParams, RaptorRouter, TransitLeg
from routing.raptor.range_kernel import range_rounds
from routing.timetable import TimetableParams, compile_calendar
from tests.examples import examples
from tests.property.random_timetables import timetables, write_feed

DAY_S = 86_400
FIRST, LAST = dt.date(2026, 11, 1), dt.date(2026, 11, 30)
HOLIDAY = dt.date(2026, 11, 3)
CALENDAR = ["WD,1,1,1,1,1,0,0,20261101,20261130", "WE,0,0,0,0,0,1,1,20261101,20261130",
            "ALL,1,1,1,1,1,1,1,20261101,20261130", "NONE,0,0,0,0,0,0,0,20261101,20261130"]
EXCEPTIONS = ["WD,20261103,2", "WE,20261103,1"]
INF = float("inf")
MAX_TRANSFERS = 3
RUN = settings(max_examples=examples(quick=12, thorough=60), deadline=None,
               suppress_health_check=[HealthCheck.too_slow])


def runs(service: str, day: dt.date) -> bool:
    if not FIRST <= day <= LAST or service == "NONE":
        return False
    if day == HOLIDAY:
        return service in ("WE", "ALL")
    weekend = day.weekday() >= 5
    return service == "ALL" or (service == "WE") == weekend


def trips_of(trips, day: dt.date):
    """The calls of every trip running on day, previous-day trips shifted by -24 h."""
    out = []
    for service, calls in trips:
        if runs(service, day):
            out.append(calls)
        if runs(service, day - dt.timedelta(days=1)) and max(c[2] for c in calls) >= DAY_S:
            out.append([(s, a - DAY_S, d - DAY_S, b, al) for s, a, d, b, al in calls])
    return out


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
        for calls in trips:
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


@st.composite
def calendar_timetables(draw):
    n_stops, trips, walks = draw(timetables())
    dated = []
    for _, calls in trips:
        service = draw(st.sampled_from(["WD", "WE", "ALL", "NONE"]))
        late = draw(st.sampled_from([0, 84_000]))  # half the trips leave after 23:20, past midnight
        dated.append((service, [(s, a + late, d + late, b, al) for s, a, d, b, al in calls]))
    return n_stops, dated, walks


@RUN
@given(calendar_timetables(), st.integers(0, 5), st.integers(0, 5),
       st.integers(-1, 30), st.integers(0, 2000), st.sampled_from([0, 60, 300]),
       st.integers(0, 3600))
def test_any_date_of_one_calendar(data, origin, target, day_offset, depart, transfer_s, window):
    n_stops, trips, walks = data
    origin, target = origin % n_stops, target % n_stops
    day = FIRST + dt.timedelta(days=day_offset)  # -1: the day before the calendar
    with tempfile.TemporaryDirectory() as folder:
        feed = read_feed(write_feed(Path(folder) / "feed", n_stops, trips, walks,
                                    CALENDAR, EXCEPTIONS))
    timetable = compile_calendar([feed], ["feed"], TimetableParams())
    router = RaptorRouter(timetable, RaptorParams(max_transfers=MAX_TRANSFERS,
                                                  min_transfer_s=transfer_s), day=day)
    o, t = f"S{origin}", f"S{target}"

    # one-to-one against the brute force over the day's trips
    result = router.earliest_arrival(o, depart)
    expected = brute_force(n_stops, trips_of(trips, day), walks, origin, depart, transfer_s,
                           MAX_TRANSFERS + 1)
    for s in range(n_stops):
        got = [None if a >= 2**62 else int(a)
               for a in result.arrival_by_round(timetable.stop_index(f"S{s}"))]
        assert got == [None if a == INF else a for a in (row[s] for row in expected)]

    # range: every departure of the window equals a fresh one-to-one search
    stops, access = router.stop_indices(o)
    departures = np.arange(depart + window, depart - 1, -97, dtype=np.int64)
    egress = np.full(n_stops, -1, np.int64)
    target_index = timetable.stop_index(t)
    egress[target_index] = 0
    at_target, _ = range_rounds(departures, stops, access, egress, np.int64(MAX_TRANSFERS + 1),
                                router.transfer_s, *router.kernel_arrays, False)
    for row, leave in enumerate(departures.tolist()):
        fresh = router.earliest_arrival(o, leave).arrival_by_round(target_index)
        assert at_target[row].tolist() == fresh.tolist()

    # arrive-by: each option leaves as late as possible, and one exists when one is possible
    deadline = depart + window
    journeys = router.latest_departure(o, deadline, t)
    for journey in journeys:
        assert journey.arrival_s <= deadline
        if not journey.legs:
            continue
        trips_taken = sum(isinstance(leg, TransitLeg) for leg in journey.legs)
        forward = router.earliest_arrival(o, journey.departure_s).arrival_by_round(target_index)
        assert forward[trips_taken] <= deadline
        later = router.earliest_arrival(o, journey.departure_s + 1).arrival_by_round(target_index)
        assert later[trips_taken] > deadline
    if router.earliest_arrival(o, -DAY_S).arrival_by_round(target_index)[-1] <= deadline:
        assert journeys
