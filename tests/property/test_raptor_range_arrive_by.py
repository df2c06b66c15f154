"""Range queries, arrive-by and matrices against the plain earliest-arrival search.

The plain search is itself checked against a brute force (test_raptor_bruteforce), so these
properties tie the other query kinds to it: the range kernel gives, at every departure in the
window, the same best arrivals per number of trips as a fresh search; an arrive-by journey
leaves as late as possible (one second later and the plain search misses the deadline with
that many trips); a profile never keeps a departure that a later one matches.
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
from routing.raptor.kernel import INF
from routing.raptor.profile import departure_profile, one_to_all, travel_time_matrix
from routing.raptor.range_kernel import range_rounds
from routing.timetable import TimetableParams, compile_timetable
from tests.examples import examples
from tests.property.random_timetables import check_journey, timetables, write_feed

DAY = dt.date(2026, 11, 24)
MAX_TRANSFERS = 3
# Each example writes, reads and compiles a feed (about half a second): 20 in make test, 80 when thorough.
RUN = settings(max_examples=examples(quick=20, thorough=80), deadline=None,
               suppress_health_check=[HealthCheck.too_slow])


def build(data, transfer_s):
    n_stops, trips, walks = data
    with tempfile.TemporaryDirectory() as folder:
        feed = read_feed(write_feed(Path(folder) / "feed", n_stops, trips, walks))
    timetable = compile_timetable([feed], DAY, params=TimetableParams())
    return n_stops, RaptorRouter(timetable, RaptorParams(max_transfers=MAX_TRANSFERS,
                                                         min_transfer_s=transfer_s))


@RUN
@given(timetables(), st.integers(0, 5), st.integers(0, 5), st.integers(0, 3000),
       st.sampled_from([0, 60, 300]), st.integers(0, 3600))
def test_range_kernel_equals_a_fresh_search_at_every_departure(data, origin, target, start,
                                                                 transfer_s, window):
    n_stops, router = build(data, transfer_s)
    origin, target = origin % n_stops, target % n_stops
    stops, access = router.stop_indices(f"S{origin}")
    departures = np.arange(start + window, start - 1, -97, dtype=np.int64)
    egress = np.full(n_stops, -1, np.int64)
    egress[router.timetable.stop_index(f"S{target}")] = 0
    at_target, _ = range_rounds(departures, stops, access, egress, np.int64(MAX_TRANSFERS + 1),
                                router.transfer_s, *router.kernel_arrays, False)
    no_target = np.full(n_stops, -1, np.int64)
    _, at_stops = range_rounds(departures, stops, access, no_target,
                               np.int64(MAX_TRANSFERS + 1), router.transfer_s,
                               *router.kernel_arrays, True)
    t = router.timetable.stop_index(f"S{target}")
    for row, depart in enumerate(departures.tolist()):
        fresh = router.earliest_arrival(f"S{origin}", depart)
        # Labels of later departures persist, so the range answer is the best over this
        # departure and every later one: equal to a fresh search by FIFO.
        assert at_target[row].tolist() == fresh.arrival_by_round(t).tolist()
        best = [fresh.arrival_by_round(s)[-1] for s in range(n_stops)]
        assert at_stops[row].tolist() == best
    assert np.array_equal(one_to_all(router, f"S{origin}", start),
                          [router.earliest_arrival(f"S{origin}", start).arrival_by_round(s)[-1]
                           for s in range(n_stops)])


@RUN
@given(timetables(), st.integers(0, 5), st.integers(0, 5), st.integers(0, 2000),
       st.sampled_from([0, 60, 300]), st.integers(0, 3600))
def test_profile_entries_are_pareto_optimal_and_complete(data, origin, target, start,
                                                         transfer_s, window):
    n_stops, router = build(data, transfer_s)
    origin_id, target_id = f"S{origin % n_stops}", f"S{target % n_stops}"
    entries = departure_profile(router, origin_id, start, window, target_id)
    t = router.timetable.stop_index(target_id)
    for e in entries:
        assert start <= e.departure_s <= start + window
        fresh = router.earliest_arrival(origin_id, e.departure_s)
        trips = sum(isinstance(leg, TransitLeg) and not leg.stay_seated
                    for leg in e.journey.legs)
        assert fresh.arrival_by_round(t)[trips] == e.arrival_s
        check_journey(e.journey, f"feed:{origin_id}", f"feed:{target_id}", e.departure_s,
                      transfer_s)
        assert e.journey.arrival_s == e.arrival_s
        # No entry dominates another. A walk alone is listed once, at the start, and stands for
        # every departure (it takes as long whenever one leaves), so a ride that leaves later and
        # arrives sooner does not dominate it: only a walk no longer would, and there is one.
        walk_only = not any(isinstance(leg, TransitLeg) for leg in e.journey.legs)
        for other in [] if walk_only else entries:
            if other is not e:
                assert not (other.departure_s >= e.departure_s and other.arrival_s <= e.arrival_s
                            and other.transfers <= e.transfers)
    # Completeness: every minute's best arrival is matched by an entry leaving no earlier.
    for depart in range(start, start + window + 1, 300):
        fresh = router.earliest_arrival(origin_id, depart).arrival_by_round(t)
        for trips, arrival in enumerate(fresh.tolist()):
            if arrival < INF and trips == 0:
                assert any(e.arrival_s - e.departure_s <= arrival - depart and e.transfers == 0
                           for e in entries)
            elif arrival < INF and arrival < fresh[trips - 1]:
                assert any(e.departure_s >= depart and e.arrival_s <= arrival
                           and e.transfers <= max(trips - 1, 0) for e in entries)


@RUN
@given(timetables(), st.integers(0, 5), st.integers(0, 5), st.integers(0, 6000),
       st.sampled_from([0, 60, 300]))
def test_arrive_by_leaves_as_late_as_possible(data, origin, target, deadline, transfer_s):
    n_stops, router = build(data, transfer_s)
    origin_id, target_id = f"S{origin % n_stops}", f"S{target % n_stops}"
    t = router.timetable.stop_index(target_id)
    journeys = router.latest_departure(origin_id, deadline, target_id)
    for journey in journeys:
        assert journey.arrival_s <= deadline
        assert journey.origin_stop_id == f"feed:{origin_id}"
        check_journey(journey, f"feed:{origin_id}", f"feed:{target_id}", journey.departure_s,
                      transfer_s)
        trips = sum(isinstance(leg, TransitLeg) for leg in journey.legs)
        if not journey.legs:
            continue
        assert journey.departure_s == journey.legs[0].departure_s
        forward = router.earliest_arrival(origin_id, journey.departure_s).arrival_by_round(t)
        assert forward[trips] <= deadline
        later = router.earliest_arrival(origin_id, journey.departure_s + 1).arrival_by_round(t)
        assert later[trips] > deadline
    # Nothing is missed: if leaving at 0 reaches the target by the deadline, there is an answer.
    if router.earliest_arrival(origin_id, 0).arrival_by_round(t)[-1] <= deadline:
        assert journeys


def test_matrix_is_the_median_over_the_window():
    data = (3, [("ON", [(0, 0, 0, True, True), (1, 600, 600, True, True)]),
                ("ON", [(0, 1200, 1200, True, True), (1, 1500, 1500, True, True)])], {})
    _, router = build(data, 0)
    matrix = travel_time_matrix(router, ["S0"], ["S1", "S2", "S0"], 0, 1200, step_s=600)
    # departures 0, 600, 1200 -> travel times 600, 1500 - 600 = 900, 300: median 600
    assert matrix[0, 0] == 600
    assert np.isnan(matrix[0, 1])
    assert matrix[0, 2] == 0
