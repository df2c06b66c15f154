"""Timetable compilation on a tiny hand-written feed whose answers can be checked by hand.

Stops lie on a line of latitude 35.0, a kilometre apart. Weekdays (WK), Tuesday 2026-11-24:
  X1 (block B1, route RX)  A 08:00  B 08:10  C 08:20
  X2 (block B1, route RY)  C 08:30  D 08:40  E 08:50      10 min layover at C: stay seated
  X3 (block B1, route RY)  E 09:00  F 09:10               and again at E
  X4 (block B1, route RY)  G 09:15  K 09:25               next of the block, starts elsewhere
  Y1 (block B2)            A 10:00  C 10:20
  Y2 (block B3)            C 10:30  E 10:50               another block: a transfer
  Z1 (block B4)            A 12:00  C 12:20
  Z2 (block B4)            C 13:00  E 13:20               40 min layover: a transfer
Mondays only (MO), so seen on Tuesday as the previous service day:
  N1                       A 24:10  K 24:40               Tuesday 00:10 -> 00:40
Stations: P (wheelchair 1) with platforms Q (0: inherits 1) and R (2: keeps 2).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from routing.gtfs import read_feed
from routing.raptor import RaptorParams, RaptorRouter
from routing.timetable import TimetableParams, compile_timetable
from routing.timetable.blocks import MAX_LAYOVER_S
from routing.timetable.cache import load_cached, save_cached

MONDAY, TUESDAY = dt.date(2026, 11, 23), dt.date(2026, 11, 24)
STOPS = "ABCDEFGK"
TRIPS = {  # trip: (route, service, block, wheelchair, office, [(stop, time), ...])
    "X1": ("RX", "WK", "B1", "1", "O1", [("A", "08:00:00"), ("B", "08:10:00"),
                                         ("C", "08:20:00")]),
    "X2": ("RY", "WK", "B1", "1", "", [("C", "08:30:00"), ("D", "08:40:00"),
                                       ("E", "08:50:00")]),
    "X3": ("RY", "WK", "B1", "1", "", [("E", "09:00:00"), ("F", "09:10:00")]),
    "X4": ("RY", "WK", "B1", "2", "", [("G", "09:15:00"), ("K", "09:25:00")]),
    "Y1": ("RX", "WK", "B2", "1", "", [("A", "10:00:00"), ("C", "10:20:00")]),
    "Y2": ("RY", "WK", "B3", "", "", [("C", "10:30:00"), ("E", "10:50:00")]),
    "Z1": ("RX", "WK", "B4", "", "", [("A", "12:00:00"), ("C", "12:20:00")]),
    "Z2": ("RY", "WK", "B4", "", "", [("C", "13:00:00"), ("E", "13:20:00")]),
    "N1": ("RX", "MO", "", "", "", [("A", "24:10:00"), ("K", "24:40:00")]),
}


def hms(text: str) -> int:
    h, m, s = (int(x) for x in text.split(":"))
    return h * 3600 + m * 60 + s


def write_feed(folder: Path, with_blocks: bool = True) -> Path:
    block = ",block_id" if with_blocks else ""
    files = {
        "agency.txt": ["agency_id,agency_name,agency_url,agency_timezone",
                       "X,Tiny Bus,https://example.com,Asia/Tokyo"],
        "stops.txt": ["stop_id,stop_name,stop_lat,stop_lon,location_type,parent_station,"
                      "wheelchair_boarding"]
        + [f"{s},Stop {s},35.0,{139 + i / 90:.5f},0,,{2 if s == 'A' else ''}"
           for i, s in enumerate(STOPS)]
        + ["P,Station P,35.1,139.0,1,,1", "Q,Platform Q,35.1,139.0,0,P,0",
           "R,Platform R,35.1,139.0,0,P,2"],
        "routes.txt": ["route_id,agency_id,route_short_name,route_long_name,route_type,"
                       "route_color",
                       "RX,X,10,Station Line,3,#ff0000", "RY,X,,Hill Line,1501,"],
        "trips.txt": [f"route_id,service_id,trip_id,trip_headsign,wheelchair_accessible,"
                      f"jp_office_id{block}"]
        + [f"{r},{sv},{t},to {calls[-1][0]},{w},{o}" + (f",{b}" if with_blocks else "")
           for t, (r, sv, b, w, o, calls) in TRIPS.items()],
        "office_jp.txt": ["office_id,office_name,office_phone", "O1,Main Office,000"],
        "calendar.txt": ["service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,"
                         "start_date,end_date",
                         "WK,1,1,1,1,1,0,0,20260101,20261231",
                         "MO,1,0,0,0,0,0,0,20260101,20261231"],
        "stop_times.txt": ["trip_id,arrival_time,departure_time,stop_id,stop_sequence"],
    }
    for trip, (*_, calls) in TRIPS.items():
        for seq, (stop, time) in enumerate(calls, start=1):
            files["stop_times.txt"].append(f"{trip},{time},{time},{stop},{seq}")
    folder.mkdir(parents=True, exist_ok=True)
    for name, lines in files.items():
        (folder / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def feed(tmp_path_factory):
    return read_feed(write_feed(tmp_path_factory.mktemp("tiny") / "tiny"))


@pytest.fixture(scope="module")
def timetable(feed):
    return compile_timetable([feed], TUESDAY, params=TimetableParams())


def journey(timetable, origin: str, destination: str, depart: str):
    router = RaptorRouter(timetable, RaptorParams(min_transfer_s=60))
    result = router.earliest_arrival(origin, hms(depart), destination)
    return result.journey(timetable.stop_index(destination))


def test_previous_day_trip_after_midnight(feed, timetable):
    i = timetable.trip_index("tiny:N1@prev")
    p = int(np.searchsorted(timetable.pattern_trip_offsets, i, side="right") - 1)
    arr, dep = timetable.trip_times(p, i - timetable.pattern_trip_offsets[p])
    assert dep[0] == hms("00:10:00") and arr[-1] == hms("00:40:00")
    trip = journey(timetable, "A", "K", "00:05:00")
    assert trip.arrival_s == hms("00:40:00")
    assert [leg.trip_id for leg in trip.legs] == ["tiny:N1@prev"]
    # On Monday itself N1 runs at 24:10 under its own id; Sunday has nothing to carry over.
    monday = compile_timetable([feed], MONDAY, params=TimetableParams())
    assert "tiny:N1" in set(monday.trip_ids.tolist())
    assert not any("@prev" in t for t in monday.trip_ids.tolist())
    assert "tiny:N1" not in set(timetable.trip_ids.tolist())


def test_block_continuation_rides_on_without_a_transfer(timetable):
    tt = timetable
    following = {t: int(tt.trip_next[tt.trip_index(f"tiny:{t}")]) for t in ("X1", "X2", "X3")}
    assert following == {"X1": tt.trip_index("tiny:X2"), "X2": tt.trip_index("tiny:X3"),
                         "X3": -1}  # X4 starts at G, not at F where X3 ends
    trip = journey(tt, "A", "F", "07:55:00")
    assert trip.arrival_s == hms("09:10:00") and trip.transfers == 0
    assert [(leg.trip_id, leg.board_stop_id, leg.alight_stop_id, leg.stay_seated)
            for leg in trip.legs] == [("tiny:X1", "tiny:A", "tiny:C", False),
                                      ("tiny:X2", "tiny:C", "tiny:E", True),
                                      ("tiny:X3", "tiny:E", "tiny:F", True)]
    assert [leg.route_id for leg in trip.legs] == ["tiny:RX", "tiny:RY", "tiny:RY"]
    assert [(leg.departure_s, leg.arrival_s) for leg in trip.legs] == [
        (hms("08:00:00"), hms("08:20:00")), (hms("08:30:00"), hms("08:50:00")),
        (hms("09:00:00"), hms("09:10:00"))]
    # Boarding the second trip rides on into the third.
    trip = journey(tt, "D", "F", "08:35:00")
    assert [leg.trip_id for leg in trip.legs] == ["tiny:X2", "tiny:X3"] and trip.transfers == 0


def test_arrive_by_stays_seated_too(timetable):
    router = RaptorRouter(timetable, RaptorParams(min_transfer_s=60))
    (trip,) = router.latest_departure("A", hms("09:30:00"), "F")
    assert trip.departure_s == hms("08:00:00") and trip.transfers == 0
    assert [(leg.trip_id, leg.stay_seated) for leg in trip.legs] == [
        ("tiny:X1", False), ("tiny:X2", True), ("tiny:X3", True)]


def test_range_query_follows_continuations(timetable):
    from routing.raptor.profile import departure_profile
    router = RaptorRouter(timetable, RaptorParams(min_transfer_s=60))
    entries = departure_profile(router, "A", hms("07:30:00"), 3600, "F")
    assert [(e.departure_s, e.arrival_s, e.transfers) for e in entries] == [
        (hms("08:00:00"), hms("09:10:00"), 0)]


def test_other_block_or_long_layover_needs_a_transfer(timetable):
    assert hms("13:00:00") - hms("12:20:00") > MAX_LAYOVER_S
    trip = journey(timetable, "A", "E", "09:55:00")
    assert [leg.trip_id for leg in trip.legs] == ["tiny:Y1", "tiny:Y2"] and trip.transfers == 1
    trip = journey(timetable, "A", "E", "11:55:00")
    assert [leg.trip_id for leg in trip.legs] == ["tiny:Z1", "tiny:Z2"] and trip.transfers == 1
    assert not trip.legs[1].stay_seated


def test_no_block_column_no_continuations(tmp_path):
    loaded = read_feed(write_feed(tmp_path / "plain", with_blocks=False))
    tt = compile_timetable([loaded], TUESDAY, params=TimetableParams())
    assert (tt.trip_next == -1).all()
    assert journey(tt, "A", "E", "07:55:00").transfers == 1


def test_wheelchair_of_stops_and_trips(timetable):
    stop = {s: int(timetable.stop_wheelchair[timetable.stop_index(s)]) for s in "PQRAB"}
    assert stop == {"P": 1, "Q": 1, "R": 2, "A": 2, "B": 0}
    trip = {t: int(timetable.trip_wheelchair[timetable.trip_index(f"tiny:{t}")])
            for t in ("X1", "X4", "Y2")}
    assert trip == {"X1": 1, "X4": 2, "Y2": 0}


def test_route_trip_and_stop_metadata(timetable):
    tt = timetable
    assert tt.route_ids.tolist() == ["tiny:RX", "tiny:RY"]
    assert tt.route_short_names.tolist() == ["10", ""]
    assert tt.route_long_names.tolist() == ["Station Line", "Hill Line"]
    assert tt.route_types.tolist() == [3, 1501] and tt.route_types.dtype == np.int32
    assert tt.route_agency_ids.tolist() == ["tiny:X", "tiny:X"]
    assert tt.route_agency_names.tolist() == ["Tiny Bus", "Tiny Bus"]
    assert tt.route_colors.tolist() == ["FF0000", ""]
    assert set(tt.pattern_route_ids.tolist()) == set(tt.route_ids.tolist())
    x1, x2 = tt.trip_index("tiny:X1"), tt.trip_index("tiny:X2")
    assert tt.trip_office_names[x1] == "Main Office" and tt.trip_office_names[x2] == ""
    assert tt.trip_headsigns[x2] == "to E"
    assert tt.route_ids[tt.trip_route_index[x2]] == "tiny:RY"
    assert tt.stop_names[tt.stop_index("Q")] == "Platform Q"
    assert tt.agency_timezones.tolist() == ["Asia/Tokyo"]
    assert len(tt.trip_next) == len(tt.trip_route_index) == tt.n_trips


def test_cache_round_trip_keeps_every_array(timetable, tmp_path):
    save_cached(tmp_path, "k", timetable)
    loaded = load_cached(tmp_path, "k")
    for name, array in timetable.arrays().items():
        again = loaded.arrays()[name]
        assert again.dtype == array.dtype and np.array_equal(again, array), name
