"""The tiny hand-written feed of the travel-time matrix tests, whose answers can be checked with a
pencil (the map is in tests/unit/test_access_matrix.py; tests/unit/test_access_modes.py rides on it too)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from routing.gtfs import read_feed
from routing.raptor import RaptorParams, RaptorRouter
from routing.timetable import TimetableParams, compile_timetable

WEDNESDAY, SATURDAY = dt.date(2026, 11, 25), dt.date(2026, 11, 28)
STOPS = {"P": (35.0, 139.0), "Q": (35.0, 139.1), "Q2": (35.0005, 139.1), "R": (35.0, 139.2)}
H8 = 8 * 3600
MIN = 60


def _trips() -> dict[str, list[tuple[str, int]]]:
    trips = {}
    for k in range(5):
        depart = H8 + 20 * MIN * k
        trips[f"L1-{k}"] = [("P", depart), ("Q", depart + 15 * MIN)]
    for k in range(4):
        depart = H8 + 10 * MIN + 30 * MIN * k
        trips[f"L2-{k}"] = [("Q2", depart), ("R", depart + 10 * MIN)]
    return trips


def _clock(s: int) -> str:
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


def write_feed(folder: Path) -> Path:
    trips = _trips()
    files = {
        "agency.txt": ["agency_id,agency_name,agency_url,agency_timezone",
                       "X,Tiny,https://example.com,Asia/Tokyo"],
        "stops.txt": ["stop_id,stop_name,stop_lat,stop_lon"]
        + [f"{s},{s},{lat},{lon}" for s, (lat, lon) in STOPS.items()],
        "routes.txt": ["route_id,agency_id,route_short_name,route_type", "L1,X,1,3", "L2,X,2,3"],
        "trips.txt": ["route_id,service_id,trip_id"]
        + [f"{t.split('-')[0]},WK,{t}" for t in trips],
        "calendar.txt": ["service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,"
                         "start_date,end_date", "WK,1,1,1,1,1,0,0,20260101,20261231"],
        "stop_times.txt": ["trip_id,arrival_time,departure_time,stop_id,stop_sequence"],
    }
    for trip, calls in trips.items():
        for seq, (stop, time) in enumerate(calls, start=1):
            files["stop_times.txt"].append(f"{trip},{_clock(time)},{_clock(time)},{stop},{seq}")
    folder.mkdir(parents=True, exist_ok=True)
    for name, lines in files.items():
        (folder / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def tiny_router(feed) -> RaptorRouter:
    """Wednesday's timetable, with footpaths up to 100 m (Q to Q2) and no minimum transfer time."""
    timetable = compile_timetable([feed], WEDNESDAY, params=TimetableParams(footpath_radius_m=100))
    return RaptorRouter(timetable, RaptorParams(min_transfer_s=0))


def tiny_feed(folder: Path):
    return read_feed(write_feed(folder))
