"""The tiny hand-written feed of the scenario tests, whose trips can be counted with a pencil (the
map is in tests/unit/test_scenarios_edits.py; tests/unit/test_scenarios_performance.py uses it too)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

WEDNESDAY, SATURDAY = dt.date(2026, 11, 25), dt.date(2026, 11, 28)
STOPS = {"A": (35.0, 139.0), "B": (35.0, 139.01), "C": (35.0, 139.02), "X": (35.01, 139.0)}
H, MIN = 3600, 60


def _clock(s: int) -> str:
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


def tiny_trips() -> dict[str, tuple[str, str, int, list[tuple[str, int]]]]:
    """trip id -> (route, service, direction, [(stop, time)])."""
    trips = {}
    for k in range(4):
        t = 8 * H + 30 * MIN * k
        trips[f"R1-out-{k}"] = ("R1", "WK", 0, [("A", t), ("B", t + 10 * MIN), ("C", t + 20 * MIN)])
    trips["R1-express"] = ("R1", "WK", 0, [("A", 10 * H), ("C", 10 * H + 15 * MIN)])
    for k in range(2):
        t = 8 * H + 15 * MIN + H * k
        trips[f"R1-back-{k}"] = ("R1", "WK", 1, [("C", t), ("B", t + 10 * MIN), ("A", t + 20 * MIN)])
    trips["R2-0"] = ("R2", "WE", 0, [("X", 9 * H), ("A", 9 * H + 10 * MIN)])
    trips["F-0"] = ("F", "WK", 0, [("A", 7 * H), ("B", 7 * H + 10 * MIN)])
    trips["M-wk"] = ("M", "WK", 0, [("A", 8 * H), ("B", 8 * H + 10 * MIN)])
    trips["M-all"] = ("M", "ALL", 0, [("A", 9 * H), ("B", 9 * H + 10 * MIN)])
    return trips


def write_tiny_feed(folder: Path, shapes: dict[str, list[tuple[float, float]]] | None = None) -> Path:
    """The feed above; `shapes` maps trip ids to (lat, lon) polylines given as their shape."""
    shapes = shapes or {}
    trips = tiny_trips()
    files = {
        "agency.txt": ["agency_id,agency_name,agency_url,agency_timezone",
                       "X,Tiny,https://example.com,Asia/Tokyo"],
        "stops.txt": ["stop_id,stop_name,stop_lat,stop_lon"]
        + [f"{s},{s},{lat},{lon}" for s, (lat, lon) in STOPS.items()],
        "routes.txt": ["route_id,agency_id,route_short_name,route_type",
                       "R1,X,1,3", "R2,X,2,3", "F,X,F,3", "M,X,M,3"],
        "trips.txt": ["route_id,service_id,trip_id,direction_id,block_id,shape_id"]
        + [f"{r},{s},{t},{d},blk,{'S-' + t if t in shapes else ''}"
           for t, (r, s, d, _) in trips.items()],
        "calendar.txt": ["service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,"
                         "start_date,end_date", "WK,1,1,1,1,1,0,0,20260101,20261231",
                         "WE,0,0,0,0,0,1,1,20260101,20261231",
                         "ALL,1,1,1,1,1,1,1,20260101,20261231"],
        "frequencies.txt": ["trip_id,start_time,end_time,headway_secs", "F-0,07:00:00,10:00:00,1800"],
        "stop_times.txt": ["trip_id,arrival_time,departure_time,stop_id,stop_sequence"],
    }
    for trip, (_, _, _, calls) in trips.items():
        for seq, (stop, time) in enumerate(calls, start=1):
            files["stop_times.txt"].append(f"{trip},{_clock(time)},{_clock(time)},{stop},{seq}")
    if shapes:
        files["shapes.txt"] = ["shape_id,shape_pt_lat,shape_pt_lon,shape_pt_sequence"] + [
            f"S-{trip},{lat},{lon},{i}" for trip, line in shapes.items()
            for i, (lat, lon) in enumerate(line, start=1)]
    folder.mkdir(parents=True, exist_ok=True)
    for name, lines in files.items():
        (folder / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder
