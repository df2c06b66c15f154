"""routing.flex on a tiny hand-written GTFS-Flex feed whose answers can be checked by hand.

The feed: a 0.02° square zone "sq" (139.00-139.02 E, 35.00-35.02 N) with a hole
(139.008-139.012 E, 35.008-35.012 N), a two-part MultiPolygon, a location group of two stops,
weekday service in 2026 except Tuesday 5 May, booking rule "hour" (type 1: 60 min to 7 days ahead)
and rule "eve" (type 2: the day before by 17:00, opening 7 days before at 08:00).
"""

from __future__ import annotations

import datetime as dt
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

from routing.errors import RoutingError
from routing.flex import (BookingType, FlexError, FlexFeed, NoticeRefusal, ServiceCalendar, UnknownZone, ZoneKind,
                          booking_deadline, booking_opens, can_serve, check_notice, in_zone, read_flex, services_at)
from routing.flex.geometry import distance_m

MONDAY, TUESDAY_OFF, SATURDAY = dt.date(2026, 5, 11), dt.date(2026, 5, 5), dt.date(2026, 5, 16)
IN_SQUARE, IN_HOLE, OUTSIDE = (35.004, 139.004), (35.010, 139.010), (35.030, 139.010)
S1 = (35.1, 139.1)
H = 3600

def _refusal(refusal: NoticeRefusal | None) -> str | None:
    return None if refusal is None else refusal.code



def _square(x0: float, y0: float, size: float) -> list[list[float]]:
    """Counter-clockwise closed ring; reversed for holes by the caller."""
    return [[x0, y0], [x0 + size, y0], [x0 + size, y0 + size], [x0, y0 + size], [x0, y0]]


LOCATIONS = {"type": "FeatureCollection", "features": [
    {"type": "Feature", "id": "sq", "properties": {"stop_name": "Square"},
     "geometry": {"type": "Polygon",
                  "coordinates": [_square(139.0, 35.0, 0.02), _square(139.008, 35.008, 0.004)[::-1]]}},
    {"type": "Feature", "id": "two", "properties": {},
     "geometry": {"type": "MultiPolygon", "coordinates": [[_square(140.0, 36.0, 0.01)], [_square(140.1, 36.0, 0.01)]]}},
    {"type": "Feature", "id": "pt", "properties": {}, "geometry": {"type": "Point", "coordinates": [139.0, 35.0]}},
]}
FILES = {
    "agency.txt": "agency_id,agency_name,agency_url,agency_timezone\nA,Town,https://t.example,Asia/Tokyo\n",
    "stops.txt": "stop_id,stop_name,stop_lat,stop_lon\nS1,One,35.1,139.1\nS2,Two,35.1,139.11\n",
    "location_groups.txt": "location_group_id,location_group_name\ngrp,Village stops\n",
    "location_group_stops.txt": "location_group_id,stop_id\ngrp,S1\ngrp,S2\ngrp,S9\n",
    "booking_rules.txt": (
        "booking_rule_id,booking_type,prior_notice_duration_min,prior_notice_duration_max,prior_notice_start_day,"
        "prior_notice_start_time,prior_notice_last_day,prior_notice_last_time,phone_number\n"
        "hour,1,60,10080,,,,,0279-00-0000\n"
        "eve,2,,,7,08:00:00,1,17:00:00,\n"
        "odd,5,,,,,,,\n"),
    "calendar.txt": ("service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\n"
                     "wk,1,1,1,1,1,0,0,20260101,20261231\n"),
    "calendar_dates.txt": "service_id,date,exception_type\nwk,20260505,2\n",
    "routes.txt": "route_id,agency_id,route_long_name,route_type\nr,A,Van,715\n",
    "trips.txt": "route_id,service_id,trip_id\nr,wk,t_area\nr,wk,t_grp\nr,wk,t_night\n",
    # BOM, CRLF and the H:MM:SS hour of some producers, as real feeds have them.
    "stop_times.txt": "\ufeff" + "\r\n".join([
        "trip_id,stop_sequence,stop_id,location_id,location_group_id,start_pickup_drop_off_window,"
        "end_pickup_drop_off_window,pickup_type,drop_off_type,pickup_booking_rule_id,drop_off_booking_rule_id",
        "t_area,1,,sq,,8:00:00,17:00:00,2,1,hour,hour",
        "t_area,2,,sq,,8:00:00,17:00:00,1,2,hour,hour",
        "t_grp,1,,,grp,09:00:00,12:00:00,2,2,eve,eve",
        "t_grp,2,,nowhere,,09:00:00,12:00:00,2,2,eve,eve",
        "t_night,1,,two,,23:00:00,25:30:00,2,2,,",
        "t_night,2,,two,,26:00:00,25:00:00,2,2,,",
    ]) + "\r\n",
}


def write_feed(folder: Path, files: dict[str, str] = FILES, locations: dict | None = LOCATIONS) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_bytes(text.encode("utf-8"))
    if locations is not None:
        (folder / "locations.geojson").write_text(json.dumps(locations), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def feed(tmp_path_factory: pytest.TempPathFactory) -> FlexFeed:
    return read_flex(write_feed(tmp_path_factory.mktemp("flex") / "feed"))


# --- reading --------------------------------------------------------------------------------------------------


def test_reads_zones_rules_and_trips(feed: FlexFeed) -> None:
    assert feed.timezone == "Asia/Tokyo"
    assert {z: feed.zones[z].kind for z in feed.zones} == {"sq": ZoneKind.AREA, "two": ZoneKind.AREA,
                                                           "grp": ZoneKind.STOPS}
    assert feed.zones["sq"].name == "Square" and feed.zones["grp"].name == "Village stops"
    assert len(feed.zones["sq"].edges_deg) == 8  # 4 outer edges and 4 hole edges
    assert feed.zones["grp"].stop_ids == ("S1", "S2")
    assert set(feed.booking_rules) == {"hour", "eve"}
    hour, eve = feed.booking_rules["hour"], feed.booking_rules["eve"]
    assert (hour.booking_type, hour.notice_min_s, hour.notice_max_s, hour.phone_number) == (
        BookingType.SAME_DAY, 3600, 7 * 86400, "0279-00-0000")
    assert (eve.booking_type, eve.last_days_before, eve.last_time_s, eve.start_days_before, eve.start_time_s) == (
        BookingType.PRIOR_DAYS, 1, 17 * H, 7, 8 * H)
    trips = {t.trip_id: t for t in feed.trips}
    assert [(s.stop_sequence, s.allows_pickup, s.allows_drop_off) for s in trips["t_area"].stop_times] == [
        (1, True, False), (2, False, True)]
    assert (trips["t_area"].stop_times[0].start_window_s, trips["t_area"].stop_times[0].end_window_s) == (8 * H, 17 * H)
    assert [s.zone_id for s in trips["t_grp"].stop_times] == ["grp"]
    assert [s.end_window_s for s in trips["t_night"].stop_times] == [25 * H + 1800]


def test_malformed_rows_become_findings_with_lines(feed: FlexFeed) -> None:
    found = {(f.file, f.row, f.code) for f in feed.findings}
    assert found == {
        ("locations.geojson", 3, "unsupported_geometry"),
        ("location_group_stops.txt", 4, "unknown_stop"),
        ("booking_rules.txt", 4, "bad_booking_rule"),
        ("stop_times.txt", 5, "unknown_zone"),
        ("stop_times.txt", 7, "bad_window"),
    }
    assert {f.code for f in feed.errors} == {"bad_booking_rule", "unknown_zone", "bad_window"}


def test_a_zip_with_the_feed_in_a_folder_reads_the_same(tmp_path: Path, feed: FlexFeed) -> None:
    folder = write_feed(tmp_path / "feed")
    archive = tmp_path / "feed.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for path in sorted(folder.iterdir()):
            z.write(path, f"inner/{path.name}")
    zipped = read_flex(archive)
    assert {t.trip_id: t.stop_times for t in zipped.trips} == {t.trip_id: t.stop_times for t in feed.trips}
    assert zipped.findings == feed.findings


def test_unusable_feeds_raise_named_errors(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        read_flex(tmp_path / "missing")
    (tmp_path / "junk.zip").write_bytes(b"not a zip")
    with pytest.raises(FlexError) as bad_zip:
        read_flex(tmp_path / "junk.zip")
    assert isinstance(bad_zip.value, ValueError) and isinstance(bad_zip.value, RoutingError)
    with pytest.raises(FlexError, match="FeatureCollection"):
        read_flex(write_feed(tmp_path / "nofc", locations={"type": "Feature"}))
    with pytest.raises(FlexError, match="strict mode") as strict:
        read_flex(write_feed(tmp_path / "strict"), strict=True)
    assert len(strict.value.findings) == 5


def test_a_feed_without_flex_files_has_no_services(tmp_path: Path) -> None:
    plain = {k: v for k, v in FILES.items() if k in ("agency.txt", "stops.txt", "calendar.txt", "trips.txt")}
    plain["stop_times.txt"] = "trip_id,arrival_time,departure_time,stop_id,stop_sequence\nt_area,8:00:00,8:00:00,S1,1\n"
    empty = read_flex(write_feed(tmp_path / "plain", plain, locations=None))
    assert (dict(empty.zones), empty.trips, empty.findings) == ({}, (), ())
    with pytest.raises(UnknownZone):
        empty.get_zone("sq")


# --- zones ----------------------------------------------------------------------------------------------------


def test_point_in_polygon_respects_the_hole_and_both_multipolygon_parts(feed: FlexFeed) -> None:
    square, two = feed.zones["sq"], feed.zones["two"]
    assert in_zone(square, *IN_SQUARE)
    assert not in_zone(square, *IN_HOLE)
    assert in_zone(square, 35.007, 139.010)  # just south of the hole
    assert not in_zone(square, *OUTSIDE) and not in_zone(square, 35.01, 138.999)
    assert in_zone(two, 36.005, 140.005) and in_zone(two, 36.005, 140.105)
    assert not in_zone(two, 36.005, 140.05)  # between the two parts


def test_stop_zone_is_a_radius_around_its_stops(feed: FlexFeed) -> None:
    group = feed.zones["grp"]
    near, far = (S1[0] + 0.0018, S1[1]), (S1[0] + 0.0036, S1[1])  # 0.0018° of latitude is 200 m
    assert distance_m(*S1, np.array([near[0]]), np.array([near[1]]))[0] == pytest.approx(200, abs=1)
    assert in_zone(group, *near) and not in_zone(group, *far)
    assert in_zone(group, *far, stop_radius_m=500)


# --- services -------------------------------------------------------------------------------------------------


def test_services_at_follow_zone_window_and_calendar(feed: FlexFeed) -> None:
    found = services_at(feed, *IN_SQUARE, MONDAY, 10 * H)
    assert [(p.trip.trip_id, p.stop_time.stop_sequence, p.booking_rule.rule_id) for p in found] == [
        ("t_area", 1, "hour")]
    assert services_at(feed, *IN_SQUARE, MONDAY, 17 * H)  # the window's end is inclusive
    assert services_at(feed, *IN_SQUARE, MONDAY, 17 * H + 1) == []
    assert services_at(feed, *IN_SQUARE, MONDAY, 7 * H + 59 * 60) == []
    assert services_at(feed, *IN_HOLE, MONDAY, 10 * H) == []
    assert services_at(feed, *IN_SQUARE, SATURDAY, 10 * H) == []
    assert services_at(feed, *IN_SQUARE, TUESDAY_OFF, 10 * H) == []
    assert services_at(feed, *IN_SQUARE, TUESDAY_OFF + dt.timedelta(days=7), 10 * H)


def test_a_window_past_midnight_belongs_to_the_previous_service_day(feed: FlexFeed) -> None:
    tuesday_early = services_at(feed, 36.005, 140.005, MONDAY + dt.timedelta(days=1), 1 * H)
    assert [(p.trip.trip_id, p.service_date, p.pickup_time_s) for p in tuesday_early] == [
        ("t_night", MONDAY, 25 * H)]
    friday_night = services_at(feed, 36.005, 140.005, SATURDAY, 1 * H + 1800)  # Friday's window ends 25:30
    assert [p.service_date for p in friday_night] == [SATURDAY - dt.timedelta(days=1)]
    assert services_at(feed, 36.005, 140.005, SATURDAY, 1 * H + 1801) == []
    assert services_at(feed, 36.005, 140.005, SATURDAY + dt.timedelta(days=1), 1 * H) == []  # no Saturday service


def test_can_serve_needs_pickup_then_drop_off_in_the_right_zones(feed: FlexFeed) -> None:
    rides = can_serve(feed, IN_SQUARE, (35.015, 139.015), MONDAY, 9 * H)
    assert [(r.trip_id, r.pickup.stop_time.stop_sequence, r.drop_off.stop_sequence) for r in rides] == [
        ("t_area", 1, 2)]
    assert rides[0].drop_off_rule is not None and rides[0].drop_off_rule.rule_id == "hour"
    assert can_serve(feed, IN_SQUARE, IN_HOLE, MONDAY, 9 * H) == []
    assert can_serve(feed, IN_SQUARE, OUTSIDE, MONDAY, 9 * H) == []
    assert can_serve(feed, OUTSIDE, IN_SQUARE, MONDAY, 9 * H) == []
    # One group row allows both pickup and drop-off: village stop to village stop, 09:00-12:00 only.
    assert [r.trip_id for r in can_serve(feed, S1, (35.1, 139.11), MONDAY, 11 * H)] == ["t_grp"]
    assert can_serve(feed, S1, (35.1, 139.11), MONDAY, 13 * H) == []


# --- booking rules --------------------------------------------------------------------------------------------

PICKUP = dt.datetime(2026, 5, 12, 10, 0)  # a Tuesday


def test_same_day_rule_needs_60_minutes_and_at_most_7_days(feed: FlexFeed) -> None:
    hour = feed.booking_rules["hour"]
    assert booking_deadline(hour, PICKUP) == dt.datetime(2026, 5, 12, 9, 0)
    assert booking_opens(hour, PICKUP) == dt.datetime(2026, 5, 5, 10, 0)
    assert check_notice(hour, dt.datetime(2026, 5, 12, 9, 0), PICKUP) is None
    short = check_notice(hour, dt.datetime(2026, 5, 12, 9, 1), PICKUP)
    assert short is not None and short.code == "notice_too_short" and "60 min" in short.message
    assert _refusal(check_notice(hour, dt.datetime(2026, 5, 5, 9, 59), PICKUP)) == "too_early"
    assert _refusal(check_notice(hour, dt.datetime(2026, 5, 12, 10, 1), PICKUP)) == "pickup_in_past"


def test_prior_day_rule_closes_the_day_before_at_17(feed: FlexFeed) -> None:
    eve = feed.booking_rules["eve"]
    assert booking_deadline(eve, PICKUP) == dt.datetime(2026, 5, 11, 17, 0)
    assert booking_opens(eve, PICKUP) == dt.datetime(2026, 5, 5, 8, 0)
    assert check_notice(eve, dt.datetime(2026, 5, 11, 17, 0), PICKUP) is None
    late = check_notice(eve, dt.datetime(2026, 5, 11, 17, 1), PICKUP)
    assert late is not None and late.code == "after_cutoff"
    assert _refusal(check_notice(eve, dt.datetime(2026, 5, 12, 6, 0), PICKUP)) == "after_cutoff"
    assert _refusal(check_notice(eve, dt.datetime(2026, 5, 5, 7, 59), PICKUP)) == "too_early"


def test_prior_days_count_service_days_on_a_notice_calendar(feed: FlexFeed) -> None:
    eve = feed.booking_rules["eve"]
    monday_pickup = dt.datetime(2026, 5, 11, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=9)))
    business: ServiceCalendar = feed.services["wk"]
    deadline = booking_deadline(eve, monday_pickup, notice_calendar=business)
    assert deadline == dt.datetime(2026, 5, 8, 17, 0, tzinfo=monday_pickup.tzinfo)  # the Friday before
    assert booking_deadline(eve, monday_pickup) == dt.datetime(2026, 5, 10, 17, 0, tzinfo=monday_pickup.tzinfo)
    # Seven business days back from Monday 11 May: 8, 7, 6, (5 is off), 4, 1 May, 30 and 29 April.
    opens = booking_opens(eve, monday_pickup, notice_calendar=business)
    assert opens is not None and opens.date() == dt.date(2026, 4, 29)
    never = ServiceCalendar("never")
    with pytest.raises(FlexError):
        booking_deadline(eve, monday_pickup, notice_calendar=never)
