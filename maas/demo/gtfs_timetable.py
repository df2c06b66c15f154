"""Timetables of the demo feed: calendars, trips and stop times derived from stop distances."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable

from maas.demo.region_data import (
    BUS_STOPS,
    MAIN_STATION,
    PUBLIC_HOLIDAYS,
    SERVICE_END,
    SERVICE_START,
    STATIONS,
    Place,
    in_new_year_break,
)

RAIL_ROUTE, LOOP_ROUTE, BRANCH_ROUTE = "rail-yamabuki", "bus-loop", "bus-hinokizawa"
# Rail and bus keep separate service ids because only the bus stops over the New Year.
WEEKDAY, HOLIDAY = "平日", "土日祝"
BUS_WEEKDAY, BUS_HOLIDAY = "バス平日", "バス土日祝"
RAIL_NEW_YEAR = (dt.date(2026, 12, 30), dt.date(2027, 1, 3))
EASTBOUND, WESTBOUND = 0, 1  # toward 桐原 / toward 奥山吹
PLATFORM_BY_DIRECTION = {EASTBOUND: "R03-2", WESTBOUND: "R03-1"}

_HOURLY = [f"{h:02d}:00" for h in range(6, 24)]
_PEAKS = ["06:30", "07:30", "08:30", "16:30", "17:30", "18:30", "19:30"]
RAIL_DEPARTURES = {
    WEEKDAY: sorted(_HOURLY + _PEAKS),
    HOLIDAY: _HOURLY,
}
WESTBOUND_OFFSET_MIN = 15
# The last train from 桐原 waits for the connection there and arrives after midnight.
LATE_WESTBOUND = "24:03"

LOOP_STOPS = ["B01", "B02", "B03", "B04", "B05", "B06", "B07", "B01"]
BRANCH_STOPS = ["B01", "B06", "B08", "B09", "B10"]
HILL_STOPS = {"B08", "B09", "B10"}
TIMEPOINT_STOPS = {"B01", "B04", "B06", "B10"}
DWELL_MIN = {"B04": 1, "R03": 1}  # hospital riders board slowly; 山吹 is the one staffed station
# (departure from the first stop, block): one weekday bus ends its 檜沢線 day on the loop.
LOOP_DEPARTURES = {
    BUS_WEEKDAY: [("08:35", "平日1号車"), ("10:05", "平日1号車"), ("11:35", "平日1号車"),
                  ("13:05", "平日1号車"), ("14:35", "平日1号車"), ("16:05", "平日2号車")],
    BUS_HOLIDAY: [("09:05", "土日祝1号車"), ("10:35", "土日祝1号車"), ("12:05", "土日祝1号車"),
                  ("13:35", "土日祝1号車"), ("15:05", "土日祝1号車")],
}
BRANCH_DEPARTURES = [(0, "06:50"), (1, "07:15"), (0, "12:00"), (1, "12:25"), (0, "15:00"), (1, "15:25")]
HEADSIGNS = {
    (RAIL_ROUTE, EASTBOUND): "桐原", (RAIL_ROUTE, WESTBOUND): "奥山吹",
    (LOOP_ROUTE, 0): "町内循環 山吹駅前", (BRANCH_ROUTE, 0): "檜沢上", (BRANCH_ROUTE, 1): "山吹駅前",
}


def gtfs_time(total_s: int) -> str:
    hours, rest = divmod(total_s, 3600)
    return f"{hours:02d}:{rest // 60:02d}:{rest % 60:02d}"


def _seconds(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 3600 + int(minutes) * 60


def rail_run_s(a: Place, b: Place) -> int:
    # 45 km/h between stations plus a minute lost to braking and acceleration, in whole minutes.
    return math.ceil((a.distance_m(b) / 12.5 + 60) / 60) * 60


def bus_run_s(a: Place, b: Place) -> int:
    # Roads wind 30% more than the straight line; 18 km/h in town, 14 km/h on the hill road.
    speed_mps = 14 / 3.6 if {a.id, b.id} <= HILL_STOPS else 18 / 3.6
    return max(60, round(a.distance_m(b) * 1.3 / speed_mps / 60) * 60)


def _stop_rows(trip_id: str, stops: list[tuple[str, Place]], first_s: int,
               run_s: Callable[[Place, Place], int], timepoints: set[str] | None) -> list[dict]:
    """Stop times from a first departure; timepoints=None marks every stop as exact."""
    rows, clock_s = [], first_s
    for seq, (stop_id, place) in enumerate(stops, start=1):
        if seq > 1:
            clock_s += run_s(stops[seq - 2][1], place)
        is_end = seq in (1, len(stops))
        dwell_s = 0 if is_end else DWELL_MIN.get(place.id, 0) * 60
        rows.append({
            "trip_id": trip_id, "arrival_time": gtfs_time(clock_s),
            "departure_time": gtfs_time(clock_s + dwell_s), "stop_id": stop_id, "stop_sequence": seq,
            "pickup_type": 1 if seq == len(stops) else 0, "drop_off_type": 1 if seq == 1 else 0,
            "timepoint": 1 if timepoints is None or place.id in timepoints else 0,
        })
        clock_s += dwell_s
    return rows


def _trip(route_id: str, service_id: str, trip_id: str, direction: int, block: str | None) -> dict:
    is_rail = route_id == RAIL_ROUTE
    return {
        "route_id": route_id, "service_id": service_id, "trip_id": trip_id,
        "trip_headsign": HEADSIGNS[(route_id, direction)], "direction_id": direction, "block_id": block,
        # Loop buses are low-floor; the 檜沢線 microbus has steps. Trains carry bikes (サイクルトレイン).
        "wheelchair_accessible": 2 if route_id == BRANCH_ROUTE else 1, "bikes_allowed": 1 if is_rail else 2,
        "jp_office_id": None if is_rail else "yamabuki_kotsu",
    }


def rail_trips() -> tuple[list[dict], list[dict]]:
    trips, stop_times = [], []
    for service_id, departures in RAIL_DEPARTURES.items():
        westbound = [_seconds(d) + WESTBOUND_OFFSET_MIN * 60 for d in departures] + [_seconds(LATE_WESTBOUND)]
        runs = [(EASTBOUND, _seconds(d)) for d in departures] + [(WESTBOUND, s) for s in westbound]
        for number, (direction, first_s) in enumerate(runs, start=1):
            trip_id = f"山吹線-{service_id}-{number:03d}"
            order = STATIONS if direction == EASTBOUND else STATIONS[::-1]
            stops = [(PLATFORM_BY_DIRECTION[direction] if p is MAIN_STATION else p.id, p) for p in order]
            trips.append(_trip(RAIL_ROUTE, service_id, trip_id, direction, None))
            stop_times += _stop_rows(trip_id, stops, first_s, rail_run_s, None)
    return trips, stop_times


def bus_trips() -> tuple[list[dict], list[dict]]:
    trips, stop_times = [], []
    runs = [(LOOP_ROUTE, svc, 0, dep, block) for svc, deps in LOOP_DEPARTURES.items() for dep, block in deps]
    runs += [(BRANCH_ROUTE, BUS_WEEKDAY, d, dep, "平日2号車") for d, dep in BRANCH_DEPARTURES]
    counters: dict[tuple[str, str], int] = {}
    for route_id, service_id, direction, departure, block in runs:
        counters[(route_id, service_id)] = number = counters.get((route_id, service_id), 0) + 1
        name = "循環線" if route_id == LOOP_ROUTE else "檜沢線"
        trip_id = f"{name}-{service_id}-{number:03d}"
        ids = LOOP_STOPS if route_id == LOOP_ROUTE else BRANCH_STOPS[:: -1 if direction else 1]
        stops = [(i, BUS_STOPS[i]) for i in ids]
        trips.append(_trip(route_id, service_id, trip_id, direction, block))
        stop_times += _stop_rows(trip_id, stops, _seconds(departure), bus_run_s, TIMEPOINT_STOPS)
    return trips, stop_times


def calendar_rows() -> list[dict]:
    start, end = SERVICE_START.strftime("%Y%m%d"), SERVICE_END.strftime("%Y%m%d")
    weekdays, weekend = [1, 1, 1, 1, 1, 0, 0], [0, 0, 0, 0, 0, 1, 1]
    names = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
    rows = []
    for service_id, days in [(WEEKDAY, weekdays), (HOLIDAY, weekend), (BUS_WEEKDAY, weekdays), (BUS_HOLIDAY, weekend)]:
        rows.append({"service_id": service_id, **dict(zip(names, days)), "start_date": start, "end_date": end})
    return rows


def calendar_date_rows() -> list[dict]:
    """Weekday holidays run the 土日祝 timetable; trains also from 12/30, buses stop 12/29-1/3."""
    rows = []
    day = SERVICE_START
    while day <= SERVICE_END:
        date, weekday = day.strftime("%Y%m%d"), day.weekday() < 5
        rail_holiday = day in PUBLIC_HOLIDAYS or RAIL_NEW_YEAR[0] <= day <= RAIL_NEW_YEAR[1]
        if weekday and rail_holiday:
            rows += [(date, WEEKDAY, 2), (date, HOLIDAY, 1)]
        if in_new_year_break(day):
            # Remove exactly the bus service calendar.txt would run that day.
            rows.append((date, BUS_WEEKDAY if weekday else BUS_HOLIDAY, 2))
        elif weekday and day in PUBLIC_HOLIDAYS:
            rows += [(date, BUS_WEEKDAY, 2), (date, BUS_HOLIDAY, 1)]
        day += dt.timedelta(days=1)
    return [{"service_id": s, "date": d, "exception_type": e} for d, s, e in rows]
