"""Expected times from static stop times and a TripUpdate: the GTFS-RT propagation rules by hand."""

from __future__ import annotations

import pytest

from routing.realtime import (BackwardsTimes, StaticStopTime, StopTimeUpdate, TripUpdate, UnmatchedStop,
                              expected_times)

DAY = 1_000_000  # the service day's start, POSIX seconds
# A five-stop bus: A 8:00, B 8:10, C 8:20 (waits a minute), D 8:30, E 8:40.
TRIP = tuple(StaticStopTime(seq, stop, t, t + (60 if stop == "C" else 0))
             for seq, stop, t in [(1, "A", 28800), (2, "B", 29400), (3, "C", 30000), (4, "D", 30600), (5, "E", 31200)])


def _times(update: TripUpdate, **kw: object) -> list[tuple[int | None, int | None]]:
    trip = expected_times(TRIP, update, DAY, **kw)  # type: ignore[arg-type]
    return [(s.arrival_s, s.departure_s) for s in trip.stops]


def test_a_delay_propagates_downstream_until_the_next_update_and_not_upstream() -> None:
    update = TripUpdate("e", "t", stops=(StopTimeUpdate(stop_sequence=2, departure_delay_s=300),
                                         StopTimeUpdate(stop_sequence=4, arrival_delay_s=60)))
    assert _times(update) == [(None, None), (29700, 29700), (30300, 30360), (30660, 30660), (31260, 31260)]
    trip = expected_times(TRIP, update, DAY)
    assert [s.departure_delay_s for s in trip.stops] == [None, 300, 300, 60, 60]


def test_absolute_times_count_from_the_service_day_start() -> None:
    update = TripUpdate("e", "t", stops=(StopTimeUpdate(stop_id="B", arrival_time=DAY + 29400 + 120),))
    # No departure given: it takes the arrival's delay, which then propagates.
    assert _times(update)[1:3] == [(29520, 29520), (30120, 30180)]


def test_skipped_stop_has_no_time_and_the_delay_propagates_past_it() -> None:
    update = TripUpdate("e", "t", stops=(StopTimeUpdate(stop_sequence=2, departure_delay_s=120),
                                         StopTimeUpdate(stop_sequence=3, relationship="SKIPPED")))
    trip = expected_times(TRIP, update, DAY)
    assert trip.stops[2].skipped and trip.stops[2].arrival_s is None
    assert (trip.stops[3].arrival_s, trip.stops[4].arrival_s) == (30720, 31320)


def test_no_data_stops_propagation_until_the_next_update() -> None:
    update = TripUpdate("e", "t", stops=(StopTimeUpdate(stop_sequence=1, departure_delay_s=240),
                                         StopTimeUpdate(stop_sequence=3, relationship="NO_DATA"),
                                         StopTimeUpdate(stop_sequence=5, arrival_delay_s=30)))
    trip = expected_times(TRIP, update, DAY)
    assert trip.stops[1].departure_delay_s == 240
    assert trip.stops[2].no_data and trip.stops[2].arrival_s is None
    assert trip.stops[3].arrival_s is None  # nothing known after NO_DATA
    assert trip.stops[4].arrival_delay_s == 30


def test_trip_delay_stands_for_stops_no_stop_time_update_reaches() -> None:
    update = TripUpdate("e", "t", delay_s=180, stops=(StopTimeUpdate(stop_sequence=4, arrival_delay_s=0),))
    assert [d for d, _ in _times(update)] == [28980, 29580, 30180, 30600, 31200]


def test_cancelled_trip_serves_no_stop() -> None:
    trip = expected_times(TRIP, TripUpdate("e", "t", relationship="CANCELED"), DAY)
    assert trip.cancelled and all(s.skipped and s.departure_s is None for s in trip.stops)


def test_added_trip_takes_its_times_from_the_update() -> None:
    update = TripUpdate("e", "extra", relationship="ADDED", stops=(
        StopTimeUpdate(stop_id="A", departure_time=DAY + 36000), StopTimeUpdate(stop_id="E", arrival_time=DAY + 36900)))
    trip = expected_times((), update, DAY)
    assert trip.relationship == "ADDED"
    assert [(s.stop_id, s.arrival_s, s.scheduled_arrival_s) for s in trip.stops] == [("A", 36000, None),
                                                                                     ("E", 36900, None)]
    with pytest.raises(UnmatchedStop):
        expected_times((), TripUpdate("e", "x", relationship="ADDED", stops=(StopTimeUpdate(stop_sequence=1),)), DAY)


def test_times_going_backwards_are_clamped_and_counted_or_rejected() -> None:
    # B departs 10 min late, then C is said to arrive 15 min early: before B's departure.
    update = TripUpdate("e", "t", stops=(StopTimeUpdate(stop_sequence=2, departure_delay_s=600),
                                         StopTimeUpdate(stop_sequence=3, arrival_delay_s=-900, departure_delay_s=-900)))
    trip = expected_times(TRIP, update, DAY)
    assert trip.clamped == 2  # C, and D, which the early time propagated to; E (8:25) is after B again
    assert trip.stops[2].arrival_s == trip.stops[1].departure_s == 30000
    times = [t for s in trip.stops for t in (s.arrival_s, s.departure_s) if t is not None]
    assert times == sorted(times)
    with pytest.raises(BackwardsTimes):
        expected_times(TRIP, update, DAY, on_backwards="reject")


def test_an_early_update_below_the_schedule_before_it_is_clamped() -> None:
    update = TripUpdate("e", "t", stops=(StopTimeUpdate(stop_sequence=3, arrival_time=DAY + 29000),))
    trip = expected_times(TRIP, update, DAY)
    assert trip.clamped >= 1 and trip.stops[2].arrival_s == 29400  # B's scheduled departure


@pytest.mark.parametrize("stops", [
    (StopTimeUpdate(stop_sequence=9, arrival_delay_s=0),),  # no such sequence
    (StopTimeUpdate(stop_id="Z", arrival_delay_s=0),),  # no such stop
    (StopTimeUpdate(stop_sequence=2, stop_id="D", arrival_delay_s=0),),  # sequence and stop disagree
    (StopTimeUpdate(stop_sequence=3, arrival_delay_s=0), StopTimeUpdate(stop_sequence=2, arrival_delay_s=0)),
])
def test_stop_updates_that_match_no_stop_in_order_are_refused(stops: tuple[StopTimeUpdate, ...]) -> None:
    with pytest.raises(UnmatchedStop):
        expected_times(TRIP, TripUpdate("e", "t", stops=stops), DAY)


def test_stop_ids_match_the_next_visit_of_a_loop() -> None:
    loop = (*TRIP, StaticStopTime(6, "A", 31800, 31800))
    update = TripUpdate("e", "t", stops=(StopTimeUpdate(stop_sequence=2, departure_delay_s=0),
                                         StopTimeUpdate(stop_id="A", arrival_delay_s=120)))
    trip = expected_times(loop, update, DAY)
    assert trip.stops[0].arrival_s is None and trip.stops[5].arrival_s == 31920
