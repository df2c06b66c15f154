"""Scenario edits on a tiny hand-written feed whose trips can be counted with a pencil.

Stops on latitude 35.0, 0.01° of longitude (about 911 m) apart: A 139.00, B 139.01, C 139.02.
  R1 weekdays (WK), direction 0: A -> B -> C at 08:00, 08:30, 09:00, 09:30 (10 + 10 minutes),
     plus an express A -> C at 10:00 (15 minutes); direction 1: C -> B -> A at 08:15, 09:15.
  R2 weekends (WE): X -> A at 09:00.
  F  weekdays: A -> B (10 minutes), a frequencies.txt template run every 30 min 07:00-10:00.
  M  A -> B (10 minutes) at 08:00 on weekdays (WK) and at 09:00 every day (ALL): two services
     that overlap, as GTFS-JP feeds often have.
"""

from __future__ import annotations


import numpy as np
import pandas as pd
import pytest

from routing.access import Point, travel_time_matrix
from routing.gtfs import read_feed
from routing.scenarios import (AddRoute, InvalidEdit, NewStop, RemoveRoute, ReplaceByOnDemand,
                               ScenarioError, SetHeadway, SetSpan, UnknownRoute, UnknownStopId,
                               apply_edits, ondemand_replacements)
from routing.timetable import TimetableParams, compile_timetable
from tests.unit.tiny_scenario_feed import _clock, MIN, SATURDAY, STOPS, WEDNESDAY, H, write_tiny_feed

@pytest.fixture(scope="module")
def feed(tmp_path_factory):
    return read_feed(write_tiny_feed(tmp_path_factory.mktemp("scenarios") / "tiny"))


def route_trips(loaded, route_id: str) -> pd.DataFrame:
    trips = loaded.feed.trips
    return trips[trips["route_id"].astype(str) == route_id]


def starts(loaded, route_id: str, direction: int) -> list[str]:
    """First departure clock of each trip of a route and direction, sorted."""
    trips = route_trips(loaded, route_id)
    ids = set(trips.loc[trips["direction_id"] == direction, "trip_id"].astype(str))
    st = loaded.feed.stop_times
    mine = st[st["trip_id"].astype(str).isin(ids) & (st["stop_sequence"] == 1)]
    return sorted(mine["departure_time"].astype(str))


def compiled(loaded, day=WEDNESDAY):
    return compile_timetable([loaded], day, params=TimetableParams(footpath_radius_m=100))


def compiled_trips(loaded, route_id: str, day=WEDNESDAY) -> int:
    tt = compiled(loaded, day)
    route_index = list(tt.route_ids).index(f"tiny:{route_id}") if f"tiny:{route_id}" in \
        tt.route_ids else -1
    return int((np.asarray(tt.trip_route_index) == route_index).sum()) if route_index >= 0 else 0


def test_the_input_feed_is_never_changed(feed):
    before = {name: getattr(feed.feed, name).copy() for name in
              ("routes", "trips", "stop_times", "stops", "calendar", "frequencies")}
    edited = apply_edits(feed, [SetHeadway("R1", 600), SetSpan("F", 8 * H, 9 * H),
                                RemoveRoute("R2"),
                                AddRoute("N", "new", 3, ("A", "N1"), (300,), 1200, 8 * H, 9 * H,
                                         weekdays=(1, 1, 1, 1, 1, 0, 0),
                                         new_stops=(NewStop("N1", "n", 35.001, 139.0),))])
    for name, frame in before.items():
        pd.testing.assert_frame_equal(getattr(feed.feed, name), frame)
    assert edited.feed is not feed.feed and edited.source == feed.source
    assert edited.digest != feed.digest
    # The same edits give the same digest (a timetable cache may key on it).
    assert apply_edits(feed, [RemoveRoute("R2")]).digest == apply_edits(feed, [RemoveRoute("R2")]).digest


def test_set_headway_refills_first_to_last_departure_from_the_common_pattern(feed):
    edited = apply_edits(feed, [SetHeadway("R1", 15 * MIN)])
    # Direction 0: 08:00 .. 10:00 every 15 minutes (9 trips), all A-B-C like the 08:00 template,
    # the express pattern gone. Direction 1: 08:15 .. 09:15 (5 trips).
    assert starts(edited, "R1", 0) == [_clock(8 * H + 15 * MIN * k) for k in range(9)]
    assert starts(edited, "R1", 1) == [_clock(8 * H + 15 * MIN + 15 * MIN * k) for k in range(5)]
    st = edited.feed.stop_times
    trip = st[st["trip_id"].astype(str) == "R1-out-0@hw08:45:00"].sort_values("stop_sequence")
    assert trip["stop_id"].astype(str).tolist() == ["A", "B", "C"]
    assert trip["arrival_time"].astype(str).tolist() == ["08:45:00", "08:55:00", "09:05:00"]
    # New trips are not chained into one vehicle's block.
    assert route_trips(edited, "R1")["block_id"].isna().all()
    assert compiled_trips(edited, "R1") == 14


def test_set_headway_within_a_window_keeps_trips_outside_it(feed):
    edited = apply_edits(feed, [SetHeadway("R1", 10 * MIN, 8 * H + 30 * MIN, 9 * H + 30 * MIN)])
    window = [_clock(8 * H + 30 * MIN + 10 * MIN * k) for k in range(6)]  # 08:30 .. 09:20
    assert starts(edited, "R1", 0) == sorted(["08:00:00", "09:30:00", "10:00:00"] + window)
    assert starts(edited, "R1", 1) == sorted(["08:15:00"] + window)


def test_set_headway_over_overlapping_services_never_duplicates_a_trip(feed):
    edited = apply_edits(feed, [SetHeadway("M", 30 * MIN)])
    assert starts(edited, "M", 0) == ["08:00:00", "08:30:00", "09:00:00"]
    # The new trips run whenever WK or ALL ran: every day of 2026, once.
    assert compiled_trips(edited, "M") == 3 and compiled_trips(edited, "M", SATURDAY) == 3
    assert (compiled_trips(feed, "M"), compiled_trips(feed, "M", SATURDAY)) == (2, 1)
    # One service only: the weekday trip is rebuilt on WK, the daily one stays.
    weekday = apply_edits(feed, [SetHeadway("M", 20 * MIN, 7 * H, 8 * H + 30 * MIN,
                                            service_id="WK")])
    assert starts(weekday, "M", 0) == ["07:00:00", "07:20:00", "07:40:00", "08:00:00",
                                       "08:20:00", "09:00:00"]
    assert (compiled_trips(weekday, "M"), compiled_trips(weekday, "M", SATURDAY)) == (6, 1)
    with pytest.raises(InvalidEdit):
        apply_edits(feed, [SetHeadway("M", 600, service_id="WE")])


def test_a_shorter_headway_shortens_the_wait(feed):
    at_a, at_c = Point("a", *STOPS["A"]), Point("c", *STOPS["C"])
    # Leaving A at 08:01: baseline waits for 08:30 (arrive 08:50), every 15 min for 08:15.
    base = travel_time_matrix(compiled(feed), [at_a], [at_c], 8 * H + MIN, 0, percentiles=(50,))
    edited = apply_edits(feed, [SetHeadway("R1", 15 * MIN)])
    better = travel_time_matrix(compiled(edited), [at_a], [at_c], 8 * H + MIN, 0, percentiles=(50,))
    assert base[0, 0, 0] == 49 * MIN
    assert better[0, 0, 0] == 34 * MIN


def test_set_span_drops_trips_and_clips_frequency_windows(feed):
    edited = apply_edits(feed, [SetSpan("R1", 8 * H + 30 * MIN, 9 * H + 30 * MIN),
                                SetSpan("F", 8 * H, 9 * H)])
    assert starts(edited, "R1", 0) == ["08:30:00", "09:00:00"]
    assert starts(edited, "R1", 1) == ["09:15:00"]
    freq = edited.feed.frequencies
    assert freq[["start_time", "end_time"]].astype(str).values.tolist() == [["08:00:00", "09:00:00"]]
    assert compiled_trips(edited, "F") == 2  # 08:00 and 08:30
    assert compiled_trips(feed, "F") == 6  # baseline 07:00 .. 09:30
    gone = apply_edits(feed, [SetSpan("F", 11 * H, 12 * H)])
    assert route_trips(gone, "F").empty and gone.feed.frequencies.empty


def test_remove_route_drops_trips_and_keeps_stops(feed):
    edited = apply_edits(feed, [RemoveRoute("R1")])
    assert "R1" not in set(edited.feed.routes["route_id"].astype(str))
    assert route_trips(edited, "R1").empty
    assert not edited.feed.stop_times["trip_id"].astype(str).str.startswith("R1-").any()
    assert set(edited.feed.stops["stop_id"].astype(str)) == set(STOPS)
    tt = compiled(edited)
    assert "tiny:R1" not in set(tt.route_ids) and "tiny:F" in set(tt.route_ids)
    m = travel_time_matrix(tt, [Point("a", *STOPS["A"])], [Point("c", *STOPS["C"])], 8 * H, 3600)
    assert np.isinf(m).all()  # 1.8 km: beyond the 1 km walk, and no bus any more


def test_add_route_with_a_new_stop_on_given_weekdays(feed):
    new_stop = NewStop("N1", "new stop", 35.0, 139.05)  # 2.7 km east of C
    edit = AddRoute("N", "new line", 3, ("C", "N1"), (5 * MIN,), 20 * MIN, 8 * H, 9 * H,
                    weekdays=(True, True, True, True, True, False, False), new_stops=(new_stop,),
                    both_directions=True)
    edited = apply_edits(feed, [edit])
    assert starts(edited, "N", 0) == ["08:00:00", "08:20:00", "08:40:00"]
    assert starts(edited, "N", 1) == ["08:00:00", "08:20:00", "08:40:00"]
    assert compiled_trips(edited, "N") == 6
    assert compiled_trips(edited, "N", SATURDAY) == 0
    m = travel_time_matrix(compiled(edited), [Point("c", *STOPS["C"])],
                           [Point("n", new_stop.lat, new_stop.lon)], 8 * H, 0, percentiles=(50,))
    assert m[0, 0, 0] == 5 * MIN
    on_we = apply_edits(feed, [AddRoute("W", "weekend", 3, ("A", "B"), (600,), 3600, 8 * H, 9 * H,
                                        service_id="WE")])
    assert compiled_trips(on_we, "W", SATURDAY) == 1 and compiled_trips(on_we, "W") == 0


def test_replace_by_on_demand_removes_the_routes_and_carries_the_zone(feed):
    zone = ((138.99, 34.99), (139.03, 34.99), (139.03, 35.02), (138.99, 35.02))
    edit = ReplaceByOnDemand(("R1", "F"), zone, vehicles=2, seats=4, start_s=8 * H, end_s=17 * H)
    edited = apply_edits(feed, [edit, SetSpan("R2", 8 * H, 10 * H)])
    assert set(edited.feed.routes["route_id"].astype(str)) == {"R2", "M"}
    assert ondemand_replacements([RemoveRoute("R2"), edit]) == (edit,)


@pytest.mark.parametrize("make", [
    lambda: SetHeadway("R1", 0),
    lambda: SetHeadway("R1", -60),
    lambda: SetHeadway("R1", 600, 9 * H, None),
    lambda: SetHeadway("R1", 600, 9 * H, 9 * H),
    lambda: SetSpan("R1", 9 * H, 8 * H),
    lambda: AddRoute("N", "n", 3, (), (), 600, 8 * H, 9 * H, service_id="WK"),
    lambda: AddRoute("N", "n", 3, ("A", "B"), (60, 60), 600, 8 * H, 9 * H, service_id="WK"),
    lambda: AddRoute("N", "n", 3, ("A", "B"), (60,), 0, 8 * H, 9 * H, service_id="WK"),
    lambda: AddRoute("N", "n", 3, ("A", "B"), (60,), 600, 9 * H, 8 * H, service_id="WK"),
    lambda: AddRoute("N", "n", 3, ("A", "B"), (60,), 600, 8 * H, 9 * H),
    lambda: ReplaceByOnDemand((), ((0, 0), (1, 0), (0, 1)), 1, 4, 0, 10),
    lambda: ReplaceByOnDemand(("R1",), ((0, 0), (1, 0)), 1, 4, 0, 10),
    lambda: ReplaceByOnDemand(("R1",), ((0, 0), (1, 0), (0, 1)), 0, 4, 0, 10),
])
def test_bad_edits_are_refused_when_built(make):
    with pytest.raises(InvalidEdit):
        make()


@pytest.mark.parametrize("edit, error", [
    (SetHeadway("nope", 600), UnknownRoute),
    (SetSpan("nope", 0, 10), UnknownRoute),
    (RemoveRoute("nope"), UnknownRoute),
    (ReplaceByOnDemand(("R1", "nope"), ((0, 0), (1, 0), (0, 1)), 1, 4, 0, 10), UnknownRoute),
    (AddRoute("N", "n", 3, ("A", "Z"), (60,), 600, 8 * H, 9 * H, service_id="WK"), UnknownStopId),
    (AddRoute("R1", "n", 3, ("A", "B"), (60,), 600, 8 * H, 9 * H, service_id="WK"), InvalidEdit),
    (AddRoute("N", "n", 3, ("A", "B"), (60,), 600, 8 * H, 9 * H, service_id="HOLIDAY"), InvalidEdit),
    (AddRoute("N", "n", 3, ("A", "B"), (60,), 600, 8 * H, 9 * H, service_id="WK",
              new_stops=(NewStop("A", "dup", 35.0, 139.0),)), InvalidEdit),
])
def test_edits_naming_what_the_feed_lacks_are_refused_when_applied(feed, edit, error):
    with pytest.raises(error) as caught:
        apply_edits(feed, [edit])
    assert isinstance(caught.value, ScenarioError) and isinstance(caught.value, ValueError)
