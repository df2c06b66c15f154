"""A minute's answer does not depend on the window when walking between stops beats a bus.

Stops A and B, 664 m apart (a footpath of 721 s, and 721 s from a point at A); one bus leaves
B at 08:35 and reaches A at 08:36 (it waits there until 08:37). Someone at A goes to a clinic
222 m from A (241 s on foot), the direct walk not allowed. Walking to B and riding back to A
only counts when walking back would be slower, as in one plain search per minute: leaving at
08:01 walks to B by 08:13:01 and would be back on foot at 08:25:02, before the bus, so 08:01
is not reached, whether the window starts at 08:00 or at 08:01. Leaving at 08:12 (back on foot
at 08:36:02) the bus counts: 08:36 + 241 s is 1,681 s. The profile candidates include the times
where walking to A ties with the bus arriving there, so a row never straddles that line.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from routing.access import Point, travel_time_matrix
from routing.gtfs import read_feed
from routing.raptor import RaptorParams, RaptorRouter
from routing.timetable import TimetableParams, compile_timetable

DAY = dt.date(2026, 11, 25)
A, B, CLINIC = (35.014, 139.010), (35.009, 139.014), (35.012, 139.010)
H8 = 8 * 3600


@pytest.fixture(scope="module")
def router(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ties")
    files = {
        "agency.txt": "agency_id,agency_name,agency_url,agency_timezone\nX,X,https://example.com,Asia/Tokyo",
        "stops.txt": f"stop_id,stop_name,stop_lat,stop_lon\nA,A,{A[0]},{A[1]}\nB,B,{B[0]},{B[1]}",
        "routes.txt": "route_id,agency_id,route_short_name,route_type\nL,X,L,3",
        "trips.txt": "route_id,service_id,trip_id\nL,ALL,T",
        "calendar.txt": "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,"
                        "start_date,end_date\nALL,1,1,1,1,1,1,1,20260101,20271231",
        "stop_times.txt": "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
                          "T,08:35:00,08:35:00,B,1\nT,08:36:00,08:37:00,A,2",
    }
    for name, text in files.items():
        (folder / name).write_text(text + "\n", encoding="utf-8")
    timetable = compile_timetable([read_feed(folder)], DAY,
                                  params=TimetableParams(footpath_radius_m=700))
    return RaptorRouter(timetable, RaptorParams())


def per_minute(router, start_s: int, minutes: int) -> list[float]:
    """Every rank of a window of `minutes` departures: the sorted per-minute travel times."""
    return travel_time_matrix(router, [Point("home", *A)], [Point("clinic", *CLINIC)], start_s,
                              minutes * 60, max_direct_walk_m=0,
                              percentiles=[100 * (r + 1) / minutes for r in range(minutes)]
                              )[:, 0, 0].tolist()


def test_minutes_walking_beats_are_not_reached_in_any_window(router):
    assert np.isinf(per_minute(router, H8 + 60, 1)).all()  # 08:01 alone: the window's start
    # 08:00..08:19: only 08:12..08:19 take the bus (1,681 s down to 1,261 s); before the fix
    # 08:01..08:11 counted too, since their profile row (08:13:01 onwards) started later.
    every = per_minute(router, H8, 20)
    assert [v for v in every if np.isfinite(v)] == list(range(1261, 1682, 60))


def test_a_later_minute_counts_the_bus_in_any_window(router):
    assert 36 * 60 + 241 - 12 * 60 == 1681
    assert per_minute(router, H8 + 12 * 60, 1) == [1681]
    assert 1681 in per_minute(router, H8 + 11 * 60, 5)
