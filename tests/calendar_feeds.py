"""Small hand-written feeds for the whole-calendar network tests (tests/unit/test_calendar_network.py,
tests/e2e/test_api_feed_health.py): a town bus with weekday, Saturday and past-midnight trips and a
national holiday, and a feed whose calendar starts after the town's ends."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from routing.gtfs import feed_digest
from routing.plan import FeedSource

MONDAY, TUESDAY, SATURDAY = dt.date(2026, 11, 9), dt.date(2026, 11, 10), dt.date(2026, 11, 14)
CULTURE_DAY = dt.date(2026, 11, 3)  # a Tuesday without weekday service
LATER_DAY = dt.date(2027, 1, 5)
TZ = dt.timezone(dt.timedelta(hours=9))

CALENDAR = "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date"


def write(folder: Path, files: dict[str, list[str]]) -> FeedSource:
    folder.mkdir(parents=True, exist_ok=True)
    for name, lines in files.items():
        (folder / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return FeedSource(folder, feed_digest(folder))


def town(folder: Path, shift_min: int = 0) -> FeedSource:
    """A -> B -> C: T1 weekdays 08:00-08:20 (plus shift_min), T2 Saturdays 09:00-09:20, N1 weekdays
    23:50 at A, 24:20 at B, 24:40 at C; no weekday service on Culture Day."""
    t1 = [f"08:{m:02d}:00" for m in (shift_min, 10 + shift_min, 20 + shift_min)]
    calls = {"T1": t1, "T2": ["09:00:00", "09:10:00", "09:20:00"],
             "N1": ["23:50:00", "24:20:00", "24:40:00"]}
    return write(folder, {
        "agency.txt": ["agency_id,agency_name,agency_url,agency_timezone",
                       "X,Town bus,https://example.com,Asia/Tokyo"],
        "stops.txt": ["stop_id,stop_name,stop_lat,stop_lon", "A,A,36.00,139.00", "B,B,36.01,139.00",
                      "C,C,36.02,139.00"],
        "routes.txt": ["route_id,agency_id,route_short_name,route_type", "R,X,1,3"],
        "trips.txt": ["route_id,service_id,trip_id", "R,WD,T1", "R,SA,T2", "R,WD,N1"],
        "calendar.txt": [CALENDAR, "WD,1,1,1,1,1,0,0,20261102,20261231",
                         "SA,0,0,0,0,0,1,0,20261102,20261231"],
        "calendar_dates.txt": ["service_id,date,exception_type", "WD,20261103,2"],
        "stop_times.txt": ["trip_id,arrival_time,departure_time,stop_id,stop_sequence"]
        + [f"{trip},{t},{t},{stop},{n}" for trip, times in calls.items()
           for n, (stop, t) in enumerate(zip("ABC", times), start=1)],
    })


def later(folder: Path) -> FeedSource:
    """D -> E at 10:00-10:30 every day of January 2027 from the 4th (after the town's calendar)."""
    return write(folder, {
        "agency.txt": ["agency_id,agency_name,agency_url,agency_timezone",
                       "Y,Later bus,https://example.com,Asia/Tokyo"],
        "stops.txt": ["stop_id,stop_name,stop_lat,stop_lon", "D,D,36.50,139.50", "E,E,36.51,139.50"],
        "routes.txt": ["route_id,agency_id,route_short_name,route_type", "L,Y,9,3"],
        "trips.txt": ["route_id,service_id,trip_id", "L,JAN,L1"],
        "calendar.txt": [CALENDAR, "JAN,1,1,1,1,1,1,1,20270104,20270131"],
        "stop_times.txt": ["trip_id,arrival_time,departure_time,stop_id,stop_sequence",
                           "L1,10:00:00,10:00:00,D,1", "L1,10:30:00,10:30:00,E,2"],
    })


def broken(folder: Path) -> FeedSource:
    """A zip that is no zip: reading it fails."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "broken.zip"
    path.write_bytes(b"not a zip archive")
    return FeedSource(path, "broken-digest")
