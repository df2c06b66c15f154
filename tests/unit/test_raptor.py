"""RAPTOR on a tiny hand-written feed whose answers can be checked with a pencil.

Stops lie on a line of latitude 35.0; E sits about 55 m north of C. On Tuesday 2026-11-24:
  T1  A 08:00  B 08:13  C 08:20  D 08:30      slow all-stops
  T2  A 08:05  B 08:12                        express to B
  T3  B 08:14  D 08:22                        A->B->D beats staying on T1 unless the change
                                              at B needs more than two minutes
  T4  E 08:25  G 08:35                        reached by walking C->E after T1
  T5  H 09:00 (pickup_type 1)  I 09:10        cannot board at H
  T6  A 09:00  J 09:10, Saturdays only        not running on Tuesday
  T7  A 24:30  K 25:00                        past midnight of the service day
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from routing.errors import RoutingError, UnknownStop
from routing.gtfs import read_feed
from routing.raptor import RaptorParams, RaptorRouter, TransitLeg, WalkLeg
from routing.timetable import TimetableParams, compile_timetable

TUESDAY = dt.date(2026, 11, 24)
SATURDAY = dt.date(2026, 11, 28)

STOPS = {"A": (35.0, 139.00), "B": (35.0, 139.01), "C": (35.0, 139.02), "D": (35.0, 139.03),
         "E": (35.0005, 139.02), "G": (35.0, 139.05), "H": (35.1, 139.0), "I": (35.1, 139.01),
         "J": (35.2, 139.0), "K": (35.3, 139.0)}
TRIPS = {  # trip: (service, [(stop, time, pickup_type, drop_off_type), ...])
    "T1": ("WK", [("A", "08:00:00"), ("B", "08:13:00"), ("C", "08:20:00"), ("D", "08:30:00")]),
    "T2": ("WK", [("A", "08:05:00"), ("B", "08:12:00")]),
    "T3": ("WK", [("B", "08:14:00"), ("D", "08:22:00")]),
    "T4": ("WK", [("E", "08:25:00"), ("G", "08:35:00")]),
    "T5": ("WK", [("H", "09:00:00", 1, 0), ("I", "09:10:00")]),
    "T6": ("SA", [("A", "09:00:00"), ("J", "09:10:00")]),
    "T7": ("WK", [("A", "24:30:00"), ("K", "25:00:00")]),
}


def write_feed(folder: Path) -> Path:
    files = {
        "agency.txt": ["agency_id,agency_name,agency_url,agency_timezone",
                       "X,Tiny,https://example.com,Asia/Tokyo"],
        "stops.txt": ["stop_id,stop_name,stop_lat,stop_lon"]
        + [f"{s},{s},{lat},{lon}" for s, (lat, lon) in STOPS.items()],
        "routes.txt": ["route_id,agency_id,route_short_name,route_type"]
        + [f"R{t},X,{t},3" for t in TRIPS],
        "trips.txt": ["route_id,service_id,trip_id"]
        + [f"R{t},{service},{t}" for t, (service, _) in TRIPS.items()],
        "calendar.txt": ["service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,"
                         "start_date,end_date",
                         "WK,1,1,1,1,1,0,0,20260101,20261231",
                         "SA,0,0,0,0,0,1,0,20260101,20261231"],
        "stop_times.txt": ["trip_id,arrival_time,departure_time,stop_id,stop_sequence,"
                           "pickup_type,drop_off_type"],
    }
    for trip, (_, calls) in TRIPS.items():
        for seq, (stop, time, *flags) in enumerate(calls, start=1):
            pickup, drop_off = flags or (0, 0)
            files["stop_times.txt"].append(f"{trip},{time},{time},{stop},{seq},{pickup},{drop_off}")
    folder.mkdir(parents=True, exist_ok=True)
    for name, lines in files.items():
        (folder / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def hms(text: str) -> int:
    h, m, s = (int(x) for x in text.split(":"))
    return h * 3600 + m * 60 + s


@pytest.fixture(scope="module")
def feed(tmp_path_factory):
    return read_feed(write_feed(tmp_path_factory.mktemp("tiny") / "tiny"))


def router(feed, day=TUESDAY, radius_m=0, **raptor):
    timetable = compile_timetable([feed], day, params=TimetableParams(footpath_radius_m=radius_m))
    return RaptorRouter(timetable, RaptorParams(**raptor))


def arrival(r: RaptorRouter, origin: str, destination: str, depart: str) -> int | None:
    result = r.earliest_arrival(origin, hms(depart), destination)
    return result.earliest_arrival_s(r.timetable.stop_index(destination))


def test_direct_trip(feed):
    r = router(feed)
    result = r.earliest_arrival("A", hms("07:55:00"))
    c = r.timetable.stop_index("C")
    assert result.earliest_arrival_s(c) == hms("08:20:00")
    journey = result.journey(c)
    assert [type(leg) for leg in journey.legs] == [TransitLeg]
    assert journey.legs[0].trip_id == "tiny:T1" and journey.transfers == 0


def test_one_transfer_beats_staying_on(feed):
    r = router(feed)
    result = r.earliest_arrival("A", hms("08:00:00"))
    d = r.timetable.stop_index("D")
    assert result.pareto(d) == [(hms("08:30:00"), 0), (hms("08:22:00"), 1)]
    legs = result.journey(d).legs
    assert [leg.trip_id for leg in legs] == ["tiny:T2", "tiny:T3"]
    assert result.journey(d, max_transfers=0).legs[0].trip_id == "tiny:T1"


def test_min_transfer_time_misses_the_connection(feed):
    assert arrival(router(feed, min_transfer_s=120), "A", "D", "08:00:00") == hms("08:22:00")
    assert arrival(router(feed, min_transfer_s=180), "A", "D", "08:00:00") == hms("08:30:00")


def test_footpath_transfer(feed):
    assert arrival(router(feed), "A", "G", "08:00:00") is None
    r = router(feed, radius_m=100)
    result = r.earliest_arrival("A", hms("08:00:00"))
    g = r.timetable.stop_index("G")
    assert result.earliest_arrival_s(g) == hms("08:35:00")
    legs = result.journey(g).legs
    assert [type(leg) for leg in legs] == [TransitLeg, WalkLeg, TransitLeg]
    walk = legs[1]
    assert (walk.from_stop_id, walk.to_stop_id) == ("tiny:C", "tiny:E")
    # 55.6 m straight, x1.3 detour, at 1.2 m/s: about a minute.
    assert 55 <= walk.arrival_s - walk.departure_s <= 65


def test_pickup_type_1_cannot_board(feed):
    assert arrival(router(feed), "H", "I", "08:50:00") is None


def test_service_not_running_on_the_date(feed):
    assert arrival(router(feed), "A", "J", "08:50:00") is None
    assert arrival(router(feed, day=SATURDAY), "A", "J", "08:50:00") == hms("09:10:00")


def test_trips_past_midnight(feed):
    assert arrival(router(feed), "A", "K", "24:10:00") == hms("25:00:00") == 90_000


def test_unknown_stop(feed):
    r = router(feed)
    with pytest.raises(UnknownStop):
        r.earliest_arrival("NOPE", 0)
    with pytest.raises(ValueError):
        r.earliest_arrival("A", 0, "NOPE")
    assert issubclass(UnknownStop, RoutingError)


def test_origin_is_destination(feed):
    r = router(feed)
    result = r.earliest_arrival("B", hms("10:00:00"), "B")
    b = r.timetable.stop_index("B")
    assert result.pareto(b) == [(hms("10:00:00"), 0)]
    assert result.journey(b).legs == ()


def test_params_are_validated():
    with pytest.raises(ValueError):
        RaptorParams(max_transfers=-1)
    with pytest.raises(ValueError):
        RaptorParams(walk_speed_mps=0)
    with pytest.raises(ValueError):
        TimetableParams(footpath_radius_m=-5)


def test_frequencies_expand_to_trips(feed, tmp_path):
    """T2 run every 20 minutes from 07:00 to 08:00 (its own 08:05 times only give the shape)."""
    folder = write_feed(tmp_path / "freq")
    (folder / "frequencies.txt").write_text(
        "trip_id,start_time,end_time,headway_secs\nT2,07:00:00,08:00:00,1200\n", encoding="utf-8")
    r = router(read_feed(folder))
    trips = sorted(str(t) for t in r.timetable.trip_ids if str(t).startswith("freq:T2"))
    assert trips == ["freq:T2@07:00:00", "freq:T2@07:20:00", "freq:T2@07:40:00"]
    # Ready at A at 07:01: the 07:20 run reaches B seven minutes later.
    assert arrival(r, "A", "B", "07:01:00") == hms("07:27:00")


def test_kernel_compiles_without_a_writable_numba_cache(monkeypatch):
    """numba refuses cache=True at decoration when no cache directory is writable."""
    from routing import jit

    real = jit.njit

    def refusing(*args, cache=False, **kwargs):
        if cache:
            raise RuntimeError("cannot cache function: no locator available")
        return real(*args, cache=cache, **kwargs)

    monkeypatch.setattr(jit, "njit", refusing)
    compiled = jit.compile_kernel(lambda x: x + 1)
    assert compiled(41) == 42


def _with_accessibility(folder: Path, inaccessible_trips: set[str]) -> Path:
    """Every stop accessible; the listed trips not (wheelchair code 2), the rest yes (1)."""
    stops = (folder / "stops.txt").read_text(encoding="utf-8").splitlines()
    (folder / "stops.txt").write_text(
        "\n".join([stops[0] + ",wheelchair_boarding"] + [row + ",1" for row in stops[1:]]) + "\n",
        encoding="utf-8")
    trips = (folder / "trips.txt").read_text(encoding="utf-8").splitlines()
    rows = [row + (",2" if row.split(",")[2] in inaccessible_trips else ",1") for row in trips[1:]]
    (folder / "trips.txt").write_text("\n".join([trips[0] + ",wheelchair_accessible"] + rows)
                                      + "\n", encoding="utf-8")
    return folder


def test_wheelchair_rides_only_accessible_trips_and_stops(tmp_path):
    feed = read_feed(_with_accessibility(write_feed(tmp_path / "wc"), {"T3"}))
    assert arrival(router(feed), "A", "D", "08:00:00") == hms("08:22:00")  # T2 then T3
    assert arrival(router(feed, wheelchair=True), "A", "D", "08:00:00") == hms("08:30:00")
    # Unknown accessibility (the plain tiny feed says nothing) is not offered to wheelchairs.
    plain = read_feed(write_feed(tmp_path / "plain"))
    assert arrival(router(plain, wheelchair=True), "A", "C", "07:55:00") is None
    # Arrive-by honours it too: by 08:30 at D, T1 from 08:00, or T2 at 08:05 changing to T1
    # at B (one transfer buys five more minutes at home); never T3.
    journeys = router(feed, wheelchair=True).latest_departure("A", hms("08:30:00"), "D")
    assert [[leg.trip_id for leg in j.legs] for j in journeys] == [["wc:T1"], ["wc:T2", "wc:T1"]]
    assert [j.departure_s for j in journeys] == [hms("08:00:00"), hms("08:05:00")]


def test_max_walk_cuts_footpaths(feed):
    # C to E is 55.6 m straight, 73 m walked with the detour factor.
    assert arrival(router(feed, radius_m=100, max_walk_m=80), "A", "G", "08:00:00") == hms(
        "08:35:00")
    assert arrival(router(feed, radius_m=100, max_walk_m=60), "A", "G", "08:00:00") is None


def test_several_origins_and_targets_with_walking_times(feed):
    r = router(feed)
    result = r.earliest_arrival({"A": 300, "H": 0}, hms("07:55:00"), {"C": 600, "D": 0})
    # Leaving at 07:55 with 5 minutes to A: T1 (08:00) or T2 (08:05). C + 10 min walk = 08:30,
    # D by T1 = 08:30, D by T2 and T3 = 08:22 with one transfer.
    assert result.target_pareto() == [(hms("08:30:00"), 0), (hms("08:22:00"), 1)]
    (first, egress_first), (second, egress_second) = result.target_journeys()
    assert first.legs[0].trip_id == "tiny:T1" and first.legs[0].departure_s == hms("08:00:00")
    assert egress_first in (0, 600)
    assert [leg.trip_id for leg in second.legs] == ["tiny:T2", "tiny:T3"] and egress_second == 0
    with pytest.raises(ValueError):
        r.earliest_arrival({"A": -1}, 0)


def test_arrive_by_latest_departure(feed):
    r = router(feed, min_transfer_s=60)
    journeys = r.latest_departure("A", hms("08:25:00"), "D")
    # T2 08:05 -> B 08:12, T3 08:14 -> D 08:22 is the only way by 08:25; T1 reaches D at 08:30.
    assert [(j.departure_s, j.arrival_s, j.transfers) for j in journeys] == [
        (hms("08:05:00"), hms("08:22:00"), 1)]
    assert [(leg.trip_id, leg.board_stop_id, leg.alight_stop_id) for leg in journeys[0].legs] == [
        ("tiny:T2", "tiny:A", "tiny:B"), ("tiny:T3", "tiny:B", "tiny:D")]
    later = r.latest_departure("A", hms("08:40:00"), "D")
    assert [(j.departure_s, j.transfers) for j in later] == [(hms("08:00:00"), 0),
                                                             (hms("08:05:00"), 1)]
    assert r.latest_departure("A", hms("08:00:00"), "D") == []  # nothing arrives that early
    (stay,) = r.latest_departure("B", hms("10:00:00"), "B")
    assert stay.legs == () and stay.departure_s == hms("10:00:00")


@pytest.mark.parametrize(("rows", "a_to_d", "a_to_g"), [
    ([], "08:22:00", None),
    (["B,B,2,300"], "08:30:00", None),  # five minutes to change at B: T2 + T3 no longer works
    (["B,B,3,"], "08:30:00", None),  # no changing at B at all
    (["C,E,2,360"], "08:22:00", None),  # a fixed 6-minute walk C -> E misses T4 at 08:25
    (["C,E,2,120"], "08:22:00", "08:35:00"),  # a 2-minute one catches it
])
def test_transfers_txt_rules(tmp_path, rows, a_to_d, a_to_g):
    folder = write_feed(tmp_path / "tr")
    (folder / "transfers.txt").write_text(
        "\n".join(["from_stop_id,to_stop_id,transfer_type,min_transfer_time", *rows]) + "\n",
        encoding="utf-8")
    r = router(read_feed(folder))
    assert arrival(r, "A", "D", "08:00:00") == hms(a_to_d)
    assert arrival(r, "A", "G", "08:00:00") == (None if a_to_g is None else hms(a_to_g))
