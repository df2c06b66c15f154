"""Real time beside the schedule: the adapter's answers over a feed's snapshot, and plans and boards
annotated by the use case (cancelled, skipped, previous service day, alerts), sources' freshness."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from maas.domain.planning import Departure, DepartureBoard, Itinerary, LegPlace, TransitLeg, TripPlan
from maas.domain.realtime import CallStatus, ServiceAlert
from maas.routing_adapter.realtime import GtfsRealtimeInfo, Source
from maas.services.realtime import annotate_board, annotate_plan
from routing.realtime import (Alert, InformedEntity, RealtimeFeed, StaticTrips, StopTimeUpdate, TripUpdate,
                              feed_message, to_bytes)

TOKYO = ZoneInfo("Asia/Tokyo")
DAY = dt.date(2026, 11, 24)
NOW = dt.datetime(2026, 11, 24, 8, 0, tzinfo=TOKYO)


@pytest.fixture
def static(tmp_path: Path) -> StaticTrips:
    files = {
        "agency.txt": "agency_id,agency_name,agency_url,agency_timezone\nbus,山吹バス,https://x.example,Asia/Tokyo\n",
        "routes.txt": "route_id,agency_id,route_type\nloop,,3\n",
        "trips.txt": "route_id,service_id,trip_id\nloop,WK,L1\nloop,WK,L2\n",
        # L1 is a loop: S1 at 8:00 and again at 8:30.
        "stop_times.txt": ("trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
                           "L1,08:00:00,08:00:00,S1,1\nL1,08:10:00,08:10:00,S2,2\nL1,08:30:00,08:30:00,S1,3\n"
                           "L2,24:30:00,24:30:00,S1,1\nL2,24:40:00,24:40:00,S2,2\n"),
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    return StaticTrips.read(tmp_path)


def _info(static: StaticTrips, *updates: TripUpdate, alerts: tuple[Alert, ...] = ()) -> tuple[GtfsRealtimeInfo,
                                                                                                 Source]:
    feed = RealtimeFeed("bus-rt", static)
    feed.ingest(to_bytes(feed_message(int(NOW.timestamp()), trip_updates=updates, alerts=alerts)), int(NOW.timestamp()))
    source = Source("bus-rt", "town", feed, stale_after_s=60)
    return GtfsRealtimeInfo(lambda: [source]), source


def _at(hour: int, minute: int, day: dt.date = DAY) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=TOKYO)


def test_a_loop_matches_the_call_nearest_the_scheduled_time(static: StaticTrips) -> None:
    info, _ = _info(static, TripUpdate("u", "L1", start_date="20261124", stops=(
        StopTimeUpdate(stop_sequence=2, departure_delay_s=300),)))
    first = info.call("town:L1", DAY, "town:S1", _at(8, 0), departure=True)
    second = info.call("town:L1", DAY, "town:S1", _at(8, 30), departure=False)
    assert first == CallStatus(expected=None, delay_s=None)  # before the first update: no prediction
    assert second == CallStatus(expected=_at(8, 35), delay_s=300)
    assert info.call("town:L1", dt.date(2026, 11, 25), "town:S1", _at(8, 0), departure=True) is None
    assert info.call("other:L1", DAY, "other:S1", _at(8, 0), departure=True) is None  # another feed's trip


def test_alerts_for_the_agency_reach_routes_that_name_no_agency(static: StaticTrips) -> None:
    alerts = (Alert("a1", (InformedEntity(agency_id="bus"),), header={"ja": "運休", "en": "No service"}),
              Alert("a2", (InformedEntity(stop_id="S9"),), header={"ja": "休止"}))
    info, _ = _info(static, alerts=alerts)
    found = info.alerts(NOW, trip_id="town:L1", route_id="town:loop", stop_ids=["town:S1"])
    assert [a.id for a in found] == ["a1"] and found[0].text(found[0].header, "en") == "No service"
    assert [a.id for a in info.alerts(NOW, stop_ids=["town:S9"])] == ["a2"]
    assert info.alerts(NOW, stop_ids=["other:S9"]) == ()  # another feed's stop of the same local id


def _leg(trip: str, board: str, alight: str, dep: dt.datetime, arr: dt.datetime) -> TransitLeg:
    place = LegPlace(name="x", lat=0, lon=0)
    return TransitLeg(origin=place.model_copy(update={"stop_id": board}),
                      destination=place.model_copy(update={"stop_id": alight}), departure=dep, arrival=arr,
                      duration_s=int((arr - dep).total_seconds()), trip_id=trip, route_id="town:loop",
                      route_short_name="", route_long_name="", route_type=3, route_color="", agency_name="",
                      operator_office="", headsign="", wheelchair_accessible=None, stay_seated=False, fare=None)


def _plan(*legs: TransitLeg, day: dt.date = DAY) -> TripPlan:
    it = Itinerary(departure=legs[0].departure, arrival=legs[-1].arrival, duration_s=0, transfers=0,
                   walk_distance_m=0, legs=legs, fare=None)
    return TripPlan(itineraries=(it,), service_date=day, timezone="Asia/Tokyo")


def test_legs_are_cancelled_by_a_cancelled_trip_or_a_skipped_stop(static: StaticTrips) -> None:
    info, _ = _info(static, TripUpdate("u", "L1", start_date="20261124", stops=(
        StopTimeUpdate(stop_sequence=1, departure_delay_s=120), StopTimeUpdate(stop_sequence=2, relationship="SKIPPED"))))
    [it] = annotate_plan(_plan(_leg("town:L1", "town:S1", "town:S2", _at(8, 0), _at(8, 10))), info).itineraries
    [leg] = it.legs
    assert isinstance(leg, TransitLeg) and leg.cancelled and leg.expected_departure == _at(8, 2)
    assert leg.expected_arrival is None
    cancelled, _ = _info(static, TripUpdate("u", "L1", start_date="20261124", relationship="CANCELED"))
    [it] = annotate_plan(_plan(_leg("town:L1", "town:S1", "town:S2", _at(8, 0), _at(8, 10))), cancelled).itineraries
    assert it.legs[0].cancelled  # type: ignore[union-attr]


def test_a_trip_past_midnight_is_found_on_the_previous_service_day(static: StaticTrips) -> None:
    info, _ = _info(static, TripUpdate("u", "L2", start_date="20261124", stops=(
        StopTimeUpdate(stop_sequence=1, departure_delay_s=60),)))
    next_day = dt.date(2026, 11, 25)  # the plan's date: 00:30 on the 25th
    [it] = annotate_plan(_plan(_leg("town:L2", "town:S1", "town:S2", _at(0, 30, next_day), _at(0, 40, next_day)),
                               day=next_day), info).itineraries
    assert it.legs[0].expected_arrival == _at(0, 41, next_day)  # type: ignore[union-attr]


def test_a_leg_without_real_time_is_left_as_it_was(static: StaticTrips) -> None:
    info, _ = _info(static)
    plan = _plan(_leg("town:L1", "town:S1", "town:S2", _at(8, 0), _at(8, 10)))
    assert annotate_plan(plan, info) == plan


def test_departures_carry_delay_and_alerts(static: StaticTrips) -> None:
    alert = Alert("snow", (InformedEntity(route_id="loop"),), header={"ja": "遅れ"})
    info, _ = _info(static, TripUpdate("u", "L1", start_date="20261124", stops=(
        StopTimeUpdate(stop_sequence=1, departure_delay_s=180),)), alerts=(alert,))
    stop = LegPlace(name="S1", lat=0, lon=0, stop_id="town:S1")
    board = DepartureBoard(stop=stop, service_date=DAY, timezone="Asia/Tokyo", departures=(
        Departure(stop=stop, departure=_at(8, 0), trip_id="town:L1", route_id="town:loop", route_short_name="",
                  route_long_name="", route_type=3, route_color="", agency_name="", headsign="",
                  wheelchair_accessible=None),))
    [d] = annotate_board(board, info).departures
    assert (d.expected_departure, d.delay_s, d.cancelled) == (_at(8, 3), 180, False)
    assert d.alerts == (ServiceAlert(id="snow", cause="UNKNOWN_CAUSE", effect="UNKNOWN_EFFECT", header={"ja": "遅れ"},
                                     description={}),)


def test_source_states_waiting_fresh_stale_broken(static: StaticTrips) -> None:
    feed = RealtimeFeed("bus-rt", static)
    source = Source("bus-rt", "town", feed, stale_after_s=60)
    info = GtfsRealtimeInfo(lambda: [source])
    assert info.statuses(NOW)[0].state == "waiting"
    feed.fail(int(NOW.timestamp()), "fetch_failed", "timeout")
    [broken] = info.statuses(NOW)
    assert (broken.state, broken.failures, broken.error) == ("broken", 1, "fetch_failed: timeout")
    feed.ingest(to_bytes(feed_message(int(NOW.timestamp()))), int(NOW.timestamp()))
    assert info.statuses(NOW + dt.timedelta(seconds=30))[0].state == "fresh"
    [stale] = info.statuses(NOW + dt.timedelta(seconds=61))
    assert (stale.state, stale.age_s, stale.skipped) == ("stale", 61, {"fetch_failed": 1})
