"""Ridership CSV checked row by row, and where a scenario's fixed-route riders come from."""

from __future__ import annotations

import datetime as dt

import pytest

from maas.domain.errors import InvalidRequest
from maas.domain.ridership import RidershipCount, parse_ridership_csv
from maas.services.scenario_demand import route_riders

DAY = dt.date(2026, 11, 24)


def test_rows_with_and_without_trips_a_bom_and_crlf():
    text = "\ufeffroute_id,date,boardings,trip_id\r\nbus-loop,2026-11-24,31,t1\r\nbus-loop,2026-11-24,27,t2\r\n" \
           "bus-hinokizawa,2026-11-24,11,\r\n"
    assert parse_ridership_csv(text) == [RidershipCount("bus-loop", DAY, 31, "t1"), RidershipCount("bus-loop", DAY, 27, "t2"),
                                         RidershipCount("bus-hinokizawa", DAY, 11, "")]


@pytest.mark.parametrize(("text", "field"), [
    ("route,date,boardings\nx,2026-11-24,1\n", "content"),  # no route_id column
    ("route_id,date,boardings\n", "content"),  # no rows
    ("route_id,date,boardings\nbus-loop,24/11/2026,3\n", "row 2"),
    ("route_id,date,boardings\nbus-loop,2026-11-24,-3\n", "row 2"),
    ("route_id,date,boardings\nbus-loop,2026-11-24,2.5\n", "row 2"),
    ("route_id,date,boardings\nbus-loop,2026-11-24,\n", "row 2"),
    ("route_id,date,boardings\n,2026-11-24,3\n", "row 2"),
    ("route_id,date,boardings\nbus-loop,2026-11-24,3\nbus-loop,2026-11-24,4\n", "row 3"),  # the same key twice
    ("route_id,date,boardings\nbus-loop,2026-11-24,3\nbus-loop,2026-02-30,4\n", "row 3"),
])
def test_a_bad_row_refuses_the_upload_and_is_named(text, field):
    with pytest.raises(InvalidRequest) as raised:
        parse_ridership_csv(text)
    assert field in raised.value.fields, raised.value.fields


def test_given_riders_win_over_uploaded_over_recorded():
    riders = route_riders({"bus-loop": 60}, {"bus-loop": 40, "bus-hinokizawa": 11},
                          ["demo:bus-loop", "demo:bus-hinokizawa", "bus-hinokizawa", "rail-yamabuki", None])
    assert riders.per_day == {"bus-loop": 60, "bus-hinokizawa": 11, "rail-yamabuki": 1}
    assert riders.source == {"bus-loop": "given", "bus-hinokizawa": "uploaded", "rail-yamabuki": "recorded"}
    assert route_riders({}, {}, []).per_day == {}
