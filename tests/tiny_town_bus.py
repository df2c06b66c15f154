"""The town bus feed of the planner tests, tiny and hand-written so that its answers can be checked
with a pencil (the map and timetable are in tests/unit/test_plan.py; tests/e2e/test_api_plan.py
imports it through the API)."""

from __future__ import annotations

from pathlib import Path

STOPS = {  # stop: (lat, lon, wheelchair_boarding)
    "A": (35.0, 139.00, 1), "B": (35.0, 139.01, 1), "C": (35.0, 139.02, 1), "D": (35.0, 139.03, 2),
}
TRIPS = {  # trip: (route, wheelchair_accessible, [(stop, time)])
    "T1": ("R1", 1, [("A", "08:00:00"), ("B", "08:10:00"), ("C", "08:20:00")]),
    "T2": ("R1", 1, [("A", "09:00:00"), ("B", "09:10:00"), ("C", "09:20:00")]),
    "T3": ("R2", 2, [("A", "08:05:00"), ("C", "08:15:00")]),
    "T4": ("R3", 1, [("C", "08:30:00"), ("D", "08:40:00")]),
}


def write_feed(folder: Path) -> Path:
    files = {
        "agency.txt": ["agency_id,agency_name,agency_url,agency_timezone",
                       "X,Town Bus,https://example.com,Asia/Tokyo"],
        "stops.txt": ["stop_id,stop_name,stop_lat,stop_lon,wheelchair_boarding"]
        + [f"{s},Stop {s},{lat},{lon},{w}" for s, (lat, lon, w) in STOPS.items()],
        "routes.txt": ["route_id,agency_id,route_short_name,route_long_name,route_type,route_color",
                       "R1,X,1,Main line,3,FF0000", "R2,X,2,Express,3,", "R3,X,3,Branch,3,"],
        "trips.txt": ["route_id,service_id,trip_id,trip_headsign,wheelchair_accessible"]
        + [f"{r},WK,{t},To {calls[-1][0]},{w}" for t, (r, w, calls) in TRIPS.items()],
        "calendar.txt": ["service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,"
                         "start_date,end_date", "WK,1,1,1,1,1,0,0,20260101,20261231"],
        "stop_times.txt": ["trip_id,arrival_time,departure_time,stop_id,stop_sequence"],
        "fare_attributes.txt": ["fare_id,price,currency_type,payment_method,transfers",
                                "F200,200,JPY,0,0", "F300,300,JPY,0,0"],
        "fare_rules.txt": ["fare_id,route_id", "F200,R1", "F300,R2"],
    }
    for trip, (_, _, calls) in TRIPS.items():
        for seq, (stop, time) in enumerate(calls, start=1):
            files["stop_times.txt"].append(f"{trip},{time},{time},{stop},{seq}")
    folder.mkdir(parents=True, exist_ok=True)
    for name, lines in files.items():
        (folder / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder
