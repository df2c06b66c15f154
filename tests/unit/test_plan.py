"""The trip planner on a tiny hand-written feed whose answers can be checked with a pencil.

Stops lie on latitude 35.0, where 0.01 degree of longitude is 911 m and 0.0025 degree 228 m
(296 m walked, with the 1.3 detour factor: 370 s at the elderly 0.8 m/s, 247 s at 1.2 m/s).

    P ---296 m--- A ------ B ------ C ---296 m--- Q          D (911 m east of C)
    138.9975     139.000  139.010  139.020  139.0225       139.030

On Tuesday 2026-11-24:
  T1  route R1 (200 yen, step-free)     A 08:00  B 08:10  C 08:20
  T2  route R1 (200 yen, step-free)     A 09:00  B 09:10  C 09:20
  T3  route R2 (300 yen, NOT step-free) A 08:05           C 08:15
  T4  route R3 (no fare)                C 08:30  D 08:40   (D: wheelchair_boarding 2)
FAR lies 537 m west of A (699 m walked): beyond the elderly 500 m, within the standard 1000 m.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

import routing.plan.feeds as feeds_module
from routing.errors import UnknownStop
from routing.gtfs import feed_digest, read_feed
from routing.fares import compile_fares
from routing.plan import (ELDERLY, STANDARD, Endpoint, FeedSource, Network, NoService,
                          NoStopNearby, Planner, PlanRequest, Profile, Ride, UnknownEndpoint,
                          Walk, to_instant, to_service_time)
from routing.timetable import TimetableParams, compile_timetable
from tests.tiny_town_bus import write_feed

TUESDAY = dt.date(2026, 11, 24)
TOKYO = ZoneInfo("Asia/Tokyo")
P = Endpoint.at(35.0, 138.9975, "home")
Q = Endpoint.at(35.0, 139.0225, "clinic")
FAR = Endpoint.at(35.0, 138.9941, "farm")


def hms(text: str) -> int:
    h, m, s = (int(x) for x in text.split(":"))
    return h * 3600 + m * 60 + s


@pytest.fixture(scope="module")
def feed_dir(tmp_path_factory) -> Path:
    return write_feed(tmp_path_factory.mktemp("plan") / "town")


@pytest.fixture(scope="module")
def planner(feed_dir) -> Planner:
    loaded = read_feed(feed_dir)
    timetable = compile_timetable([loaded], TUESDAY,
                                  params=TimetableParams(footpath_radius_m=1000))
    return Planner(timetable, compile_fares([loaded], ["town"]))


def plan(planner: Planner, origin: Endpoint, destination: Endpoint, time: str, **options):
    return planner.plan(PlanRequest(origin, destination, hms(time), **options))


def trips_of(itinerary) -> list[str]:
    return [leg.trip_id for leg in itinerary.legs if isinstance(leg, Ride)]


def test_coordinates_walk_to_the_stop_ride_and_walk_on(planner) -> None:
    result = plan(planner, P, Q, "07:50:00")
    assert result.reason is None
    # T3 leaves later and arrives earlier than T1, so T1 is not offered; the next departure
    # after the hour's window (T2) is.
    assert [trips_of(it) for it in result.itineraries] == [["town:T3"], ["town:T2"]]
    first = result.itineraries[0]
    walk_in, ride, walk_out = first.legs
    assert isinstance(walk_in, Walk) and isinstance(walk_out, Walk) and isinstance(ride, Ride)
    assert (walk_in.origin.name, walk_in.destination.stop_id) == ("home", "town:A")
    assert walk_in.distance_m == 296 and walk_in.duration_s == 370  # 296 m at 0.8 m/s
    assert walk_in.departure_s == hms("07:58:50") == first.departure_s  # no wait at the stop
    assert (ride.departure_s, ride.arrival_s) == (hms("08:05:00"), hms("08:15:00"))
    assert (walk_out.origin.stop_id, walk_out.destination.name) == ("town:C", "clinic")
    assert walk_out.arrival_s == hms("08:21:10") == first.arrival_s
    assert first.walk_distance_m == 592 and first.transfers == 0


def test_ride_details_and_fares(planner) -> None:
    ride = plan(planner, Endpoint.stop("A"), Endpoint.stop("B"), "07:59:00").itineraries[0].rides[0]
    assert (ride.trip_id, ride.route_short_name, ride.route_long_name) == ("town:T1", "1", "Main line")
    assert (ride.origin.name, ride.destination.name, ride.headsign) == ("Stop A", "Stop B", "To C")
    assert (ride.route_type, ride.route_color, ride.agency_name) == (3, "FF0000", "Town Bus")
    assert (ride.origin.lat, ride.origin.lon) == (35.0, 139.0) and not ride.stay_seated
    assert (ride.fare.price_minor, ride.fare.currency) == (200, "JPY")
    express = plan(planner, Endpoint.stop("A"), Endpoint.stop("C"), "08:01:00").itineraries[0]
    assert trips_of(express) == ["town:T3"] and express.fare_total == (300, "JPY")


def test_a_ride_without_fare_leaves_the_total_unknown(planner) -> None:
    trip = plan(planner, Endpoint.stop("A"), Endpoint.stop("D"), "07:55:00").itineraries[0]
    assert trips_of(trip) == ["town:T3", "town:T4"] and trip.transfers == 1
    assert [r.fare is None for r in trip.rides] == [False, True]
    assert trip.fare_total is None
    assert trip.arrival_s == hms("08:40:00")


def test_arrive_by_leaves_as_late_as_possible(planner) -> None:
    early = plan(planner, P, Q, "08:25:00", arrive_by=True).itineraries
    assert [trips_of(it) for it in early] == [["town:T3"]]
    assert (early[0].departure_s, early[0].arrival_s) == (hms("07:58:50"), hms("08:21:10"))
    late = plan(planner, P, Q, "09:30:00", arrive_by=True).itineraries
    assert trips_of(late[0]) == ["town:T2"] and late[0].departure_s == hms("08:53:50")
    assert plan(planner, P, Q, "08:20:00", arrive_by=True).reason == "no_connection"


def test_wheelchair_users_get_only_step_free_trips_and_stops(planner) -> None:
    profile = Profile(walk_speed_mps=0.8, max_walk_m=500, wheelchair=True)
    result = plan(planner, P, Q, "07:50:00", profile=profile)
    assert [trips_of(it) for it in result.itineraries] == [["town:T1"], ["town:T2"]]
    # D has no step-free boarding: no way to get off there.
    blocked = plan(planner, Endpoint.stop("A"), Endpoint.stop("D"), "07:55:00", profile=profile)
    assert blocked.itineraries == () and blocked.reason == "no_connection"


def test_elderly_walk_less_and_slower(planner) -> None:
    assert ELDERLY.walk_speed_mps < STANDARD.walk_speed_mps
    assert ELDERLY.max_walk_m < STANDARD.max_walk_m
    with pytest.raises(NoStopNearby) as caught:
        plan(planner, FAR, Q, "07:50:00")  # the elderly profile is the default
    assert caught.value.role == "origin"
    standard = plan(planner, FAR, Q, "07:50:00", profile=STANDARD).itineraries[0]
    assert standard.legs[0].distance_m == 699 and trips_of(standard) == ["town:T3"]
    quick = plan(planner, P, Q, "07:50:00", profile=STANDARD).itineraries[0]
    assert quick.legs[0].duration_s == 247  # 296 m at 1.2 m/s, against 370 s for the elderly


def test_walking_the_whole_way_when_it_is_close(planner) -> None:
    result = plan(planner, P, Endpoint.stop("A"), "07:50:00")
    [walk_only] = result.itineraries
    [walk] = walk_only.legs
    assert isinstance(walk, Walk) and walk.distance_m == 296 and walk.duration_s == 370
    assert (walk.departure_s, walk.destination.name) == (hms("07:50:00"), "Stop A")
    assert walk_only.fare_total is None and walk_only.transfers == 0


def test_origin_equal_to_destination_is_a_zero_length_answer(planner) -> None:
    result = plan(planner, Endpoint.stop("A"), Endpoint.stop("town:A"), "08:00:00")
    [empty] = result.itineraries
    assert empty.legs == () and empty.duration_s == 0 and empty.departure_s == hms("08:00:00")
    assert result.reason == "origin_is_destination"


def test_bad_ends_are_named_errors(planner) -> None:
    with pytest.raises(UnknownStop) as caught:
        plan(planner, Endpoint.stop("A"), Endpoint.stop("nowhere"), "08:00:00")
    assert isinstance(caught.value, UnknownEndpoint) and caught.value.role == "destination"
    with pytest.raises(NoStopNearby) as far:
        plan(planner, P, Endpoint.at(36.0, 140.0), "08:00:00")
    assert far.value.role == "destination"
    with pytest.raises(ValueError):
        Endpoint(stop_id="A", lat=35.0, lon=139.0)
    with pytest.raises(ValueError):
        Endpoint.at(95.0, 139.0)


def test_departures_list_the_next_boardings(planner) -> None:
    at_a = planner.departures("A", hms("08:01:00"), limit=5)
    assert [(d.trip_id, d.departure_s) for d in at_a] == [("town:T3", hms("08:05:00")),
                                                         ("town:T2", hms("09:00:00"))]
    assert (at_a[0].route_long_name, at_a[0].headsign, at_a[0].stop.name) == ("Express", "To C", "Stop A")
    # C is the last stop of T1-T3: only T4 departs from it.
    assert [d.trip_id for d in planner.departures("C", 0, limit=5)] == ["town:T4"]
    assert len(planner.departures("A", 0, limit=1)) == 1
    with pytest.raises(UnknownStop):
        planner.departures("nowhere", 0)


def test_service_time_round_trip() -> None:
    day, seconds = to_service_time(dt.datetime.fromisoformat("2026-11-24T08:00:00+09:00"), TOKYO)
    assert (day, seconds) == (TUESDAY, 8 * 3600)
    # The same instant written in UTC falls on the same Tokyo service day.
    assert to_service_time(dt.datetime(2026, 11, 23, 23, 0, tzinfo=dt.UTC), TOKYO) == (TUESDAY, 8 * 3600)
    assert to_instant(TUESDAY, 25 * 3600, TOKYO).isoformat() == "2026-11-25T01:00:00+09:00"
    with pytest.raises(ValueError):
        to_service_time(dt.datetime(2026, 11, 24, 8, 0), TOKYO)  # no offset
    with pytest.raises(ValueError):
        to_service_time(dt.datetime.fromisoformat("0001-01-01T00:00:00+09:00"), TOKYO)


def test_network_compiles_dates_lazily_and_caches_them(feed_dir, tmp_path, monkeypatch) -> None:
    source = FeedSource(feed_dir, feed_digest(feed_dir))
    network = Network([source], cache_dir=tmp_path)
    assert network.timezone.key == "Asia/Tokyo"
    assert int(network.planner(TUESDAY).active_trips.sum()) == 4
    with pytest.raises(NoService):
        network.planner(dt.date(2030, 1, 1))  # outside the calendar
    with pytest.raises(NoService):
        network.planner(dt.date(2026, 11, 28))  # a Saturday: nothing runs
    assert sorted(p.name.split("-")[0] for p in tmp_path.iterdir()) == ["fares", "timetable"]

    def no_parsing(path, **kwargs):
        raise AssertionError("a warm start must not parse the feeds")

    monkeypatch.setattr(feeds_module, "read_feed", no_parsing)
    warm = Network([source], cache_dir=tmp_path).planner(TUESDAY)
    assert warm.fares is not None and warm.fares.n_fares == 2
    assert trips_of(warm.plan(PlanRequest(P, Q, hms("07:50:00"))).itineraries[0]) == ["town:T3"]
    with pytest.raises(NoService):
        Network([], cache_dir=tmp_path).planner(TUESDAY)


def test_network_keeps_only_a_few_dates(feed_dir, tmp_path) -> None:
    network = Network([FeedSource(feed_dir, feed_digest(feed_dir))], cache_dir=tmp_path, max_dates=2)
    first = network.planner(TUESDAY)
    network.planner(TUESDAY + dt.timedelta(days=1))
    assert network.planner(TUESDAY) is first
    network.planner(TUESDAY + dt.timedelta(days=2))
    network.planner(TUESDAY + dt.timedelta(days=3))
    again = network.planner(TUESDAY)
    assert again is not first  # evicted: a new trip mask over the same compiled network
    assert again.timetable is first.timetable and network.feeds.compiled == 1
