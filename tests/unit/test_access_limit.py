"""A trip of exactly the travel-time limit counts as reached, whatever the window (issue 22).

One bus: A 09:00 -> B 10:59. Leaving A at 08:59 takes exactly 7,200 s (a minute's wait and
the ride). Whether 08:59 is the window's last minute (a 60-minute window from 08:00) or not
(61 minutes), that minute is reached at a 120-minute limit and not at 7,199 s.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from routing.access import Point, departure_times, travel_time_matrix
from routing.gtfs import read_feed
from routing.raptor import RaptorParams, RaptorRouter
from routing.timetable import TimetableParams, compile_timetable

DAY = dt.date(2026, 11, 25)
H8 = 8 * 3600
A, B = Point("A", 35.0, 139.0), Point("B", 35.0, 139.3)


@pytest.fixture(scope="module")
def router(tmp_path_factory):
    folder: Path = tmp_path_factory.mktemp("limit")
    files = {
        "agency.txt": "agency_id,agency_name,agency_url,agency_timezone\nX,X,https://example.com,Asia/Tokyo",
        "stops.txt": "stop_id,stop_name,stop_lat,stop_lon\nA,A,35.0,139.0\nB,B,35.0,139.3",
        "routes.txt": "route_id,agency_id,route_short_name,route_type\nL,X,L,3",
        "trips.txt": "route_id,service_id,trip_id\nL,ALL,T",
        "calendar.txt": "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,"
                        "start_date,end_date\nALL,1,1,1,1,1,1,1,20260101,20271231",
        "stop_times.txt": "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
                          "T,09:00:00,09:00:00,A,1\nT,10:59:00,10:59:00,B,2",
    }
    for name, text in files.items():
        (folder / name).write_text(text + "\n", encoding="utf-8")
    timetable = compile_timetable([read_feed(folder)], DAY, params=TimetableParams())
    return RaptorRouter(timetable, RaptorParams())


def every_rank(n: int) -> list[float]:
    return [100 * (r + 1) / n for r in range(n)]


@pytest.mark.parametrize("window_min", [60, 61])
def test_the_minute_before_the_bus_is_reached_at_exactly_the_limit(router, window_min):
    n = len(departure_times(H8, window_min * 60, 60))
    m = travel_time_matrix(router, [A], [B], H8, window_min * 60, percentiles=every_rank(n),
                           max_travel_s=7200)[:, 0, 0]
    reached = m[np.isfinite(m)].tolist()
    # 08:59 takes 7,200 s and 09:00 (in the 61-minute window) 7,140 s; earlier minutes are over.
    assert reached == ([7200] if window_min == 60 else [7140, 7200])


def test_one_second_under_the_limit_is_not_reached(router):
    at_0859 = H8 + 59 * 60
    assert travel_time_matrix(router, [A], [B], at_0859, 0, max_travel_s=7200)[0, 0, 0] == 7200
    assert np.isinf(travel_time_matrix(router, [A], [B], at_0859, 0, max_travel_s=7199)).all()
