"""Small random timetables for the RAPTOR property tests (hypothesis strategy, GTFS writer) and
the rules every journey the router answers must keep (tests/property/test_raptor_*.py)."""

from __future__ import annotations

from pathlib import Path

from hypothesis import strategies as st

from routing.raptor import TransitLeg, WalkLeg


@st.composite
def timetables(draw):
    n_stops = draw(st.integers(2, 6))
    trips = []
    for _ in range(draw(st.integers(1, 8))):
        stops = draw(st.lists(st.integers(0, n_stops - 1), min_size=2, max_size=4, unique=True))
        t = draw(st.integers(0, 3600))
        calls = []
        for stop in stops:
            dwell = draw(st.integers(0, 60))
            calls.append((stop, t, t + dwell, draw(st.booleans()) or draw(st.booleans()),
                          draw(st.booleans()) or draw(st.booleans())))
            t += dwell + draw(st.integers(1, 600))
        trips.append((draw(st.sampled_from(["ON", "ON", "ON", "OFF"])), calls))
    walks = draw(st.lists(st.tuples(st.integers(0, n_stops - 1), st.integers(0, n_stops - 1),
                                    st.integers(0, 600)), max_size=4))
    walks = {(a, b): d for a, b, d in walks if a != b}
    return n_stops, trips, walks


def clock(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


ALWAYS = ["ON,1,1,1,1,1,1,1,20260101,20261231", "OFF,0,0,0,0,0,0,0,20260101,20261231"]


def write_feed(folder: Path, n_stops: int, trips, walks, calendar: list[str] = ALWAYS,
               calendar_dates: list[str] = ()) -> Path:  # type: ignore[assignment]
    """calendar: calendar.txt rows (services by name); calendar_dates: its exception rows."""
    lines = {
        "agency.txt": ["agency_id,agency_name,agency_url,agency_timezone",
                       "X,Random,https://example.com,Asia/Tokyo"],
        "stops.txt": ["stop_id,stop_name,stop_lat,stop_lon"]
        + [f"S{i},S{i},{35 + i / 10},139.0" for i in range(n_stops)],
        "routes.txt": ["route_id,agency_id,route_short_name,route_type", "R,X,R,3"],
        "trips.txt": ["route_id,service_id,trip_id"]
        + [f"R,{service},T{i}" for i, (service, _) in enumerate(trips)],
        "calendar.txt": ["service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,"
                         "start_date,end_date", *calendar],
        "calendar_dates.txt": ["service_id,date,exception_type", *calendar_dates],
        "stop_times.txt": ["trip_id,arrival_time,departure_time,stop_id,stop_sequence,"
                           "pickup_type,drop_off_type"],
        "transfers.txt": ["from_stop_id,to_stop_id,transfer_type,min_transfer_time"]
        + [f"S{a},S{b},2,{d}" for (a, b), d in walks.items()],
    }
    for i, (_, calls) in enumerate(trips):
        for seq, (stop, arr, dep, can_board, can_alight) in enumerate(calls, start=1):
            lines["stop_times.txt"].append(
                f"T{i},{clock(arr)},{clock(dep)},S{stop},{seq},{int(not can_board)},"
                f"{int(not can_alight)}")
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in lines.items():
        (folder / name).write_text("\n".join(rows) + "\n", encoding="utf-8")
    return folder


def check_journey(journey, origin_id, destination_id, depart, transfer_s):
    assert journey.legs == () or journey.legs[0].departure_s >= depart
    at, ready, last_transit = origin_id, depart, False
    for leg in journey.legs:
        assert isinstance(leg, (TransitLeg, WalkLeg))
        start = leg.board_stop_id if isinstance(leg, TransitLeg) else leg.from_stop_id
        end = leg.alight_stop_id if isinstance(leg, TransitLeg) else leg.to_stop_id
        assert start == at
        change = last_transit and isinstance(leg, TransitLeg) and not leg.stay_seated
        needed = ready + (transfer_s if change else 0)
        assert leg.departure_s >= needed
        assert leg.arrival_s >= leg.departure_s
        at, ready, last_transit = end, leg.arrival_s, isinstance(leg, TransitLeg)
    assert at == destination_id
    assert ready == journey.arrival_s or not journey.legs
