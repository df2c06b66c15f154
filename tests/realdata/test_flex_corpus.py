"""routing.flex on the five GTFS-Flex sources of the corpus, checked against facts read from the files."""

from __future__ import annotations

import datetime as dt
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

from routing.flex import (BookingType, FlexFeed, FlexPickup, NoticeRefusal, ZoneKind, booking_deadline, can_serve,
                          check_notice, in_zone, read_flex, services_at)

pytestmark = pytest.mark.corpus
H = 3600
ANGERMUENDE_BAHNHOF = (53.015854, 13.996267)  # stops.txt de:12073:900340004:1:50
BERLIN = (52.52, 13.405)
RUBEY_PARK = (39.1874678, -106.8196421)  # Aspen stops.txt 2328421, downtown
BURLINGAME = (39.2121564, -106.8540989)  # Aspen stops.txt 2328350, 3 km north-west of downtown
PUBLIX, HORSESHOE_BEND = (33.864460, -84.674200), (33.883320, -84.620270)  # CobbLinc yz85, 7y7t
FERGUS_FALLS, PERHAM = (46.28348266838213, -96.07780865939003), (46.593913339587104, -95.57152642784416)
NASWI_HOUSING, NASWI_BASE = (48.302291, -122.657736), (48.343264, -122.678203)  # Island Transit 3449367, 3449325

def _refusal(refusal: NoticeRefusal | None) -> str | None:
    return None if refusal is None else refusal.code



def _feed(corpus_dir: Path, relative: str) -> FlexFeed:
    feed = read_flex(corpus_dir / "gtfs-flex" / relative)
    assert feed.errors == ()
    return feed


def _trip_ids(found: list[FlexPickup]) -> list[str]:
    return sorted(p.trip.trip_id for p in found)


def test_bbnavi_rufbus_stop_zones_weekday_evenings_and_60_min_notice(corpus_dir: Path) -> None:
    feed = _feed(corpus_dir, "bbnavi-rufbus-uckermark")
    assert feed.timezone == "Europe/Berlin"
    assert {z.kind for z in feed.zones.values()} == {ZoneKind.STOPS} and len(feed.zones) == 5
    assert len(feed.zones["flex-476-stops"].stop_ids) == 126 and len(feed.trips) == 8
    wednesday, good_friday = dt.date(2023, 6, 14), dt.date(2023, 4, 7)
    assert _trip_ids(services_at(feed, *ANGERMUENDE_BAHNHOF, wednesday, 18 * H)) == [
        "flex-476-weekdays", "flex-477-weekdays", "flex-478-weekdays"]
    assert services_at(feed, *ANGERMUENDE_BAHNHOF, wednesday, 10 * H) == []  # weekdays only from 17:30
    assert services_at(feed, *ANGERMUENDE_BAHNHOF, wednesday, 22 * H + 1) == []
    # calendar_dates.txt runs Good Friday on the weekend timetable, from 08:00.
    assert _trip_ids(services_at(feed, *ANGERMUENDE_BAHNHOF, good_friday, 10 * H)) == [
        "flex-476-weekends", "flex-477-weekends", "flex-478-weekends"]
    assert services_at(feed, *BERLIN, wednesday, 18 * H) == []
    rule = feed.booking_rules["flächenrufbus-angermünde-weekdays"]
    assert (rule.booking_type, rule.notice_min_s, rule.phone_number) == (BookingType.SAME_DAY, 3600, "+49 3332 442 755")
    pickup = dt.datetime(2023, 6, 14, 19, 0)
    assert check_notice(rule, dt.datetime(2023, 6, 14, 18, 0), pickup) is None
    assert _refusal(check_notice(rule, dt.datetime(2023, 6, 14, 18, 1), pickup)) == "notice_too_short"


def test_aspen_downtowner_zone_by_season_and_hour(corpus_dir: Path) -> None:
    feed = _feed(corpus_dir, "otp-aspen-flex-on-demand")
    zone = feed.zones["area_294"]
    assert zone.kind is ZoneKind.AREA and in_zone(zone, *RUBEY_PARK) and not in_zone(zone, *BURLINGAME)
    winter, off_season = dt.date(2021, 1, 15), dt.date(2021, 6, 15)
    assert _trip_ids(services_at(feed, *RUBEY_PARK, winter, 9 * H)) == ["t_1289257_b_28352_tn_0"]
    assert services_at(feed, *RUBEY_PARK, off_season, 9 * H) == []  # off season starts at 11:00
    assert _trip_ids(services_at(feed, *RUBEY_PARK, off_season, 12 * H)) == ["t_1289262_b_29084_tn_0"]
    assert services_at(feed, *RUBEY_PARK, dt.date(2021, 12, 1), 12 * H) == []  # after the feed's calendar
    assert services_at(feed, *BURLINGAME, winter, 9 * H) == []
    rides = can_serve(feed, RUBEY_PARK, (39.1920549, -106.8253224), winter, 22 * H)  # to Main St + 2nd St
    assert [r.trip_id for r in rides] == ["t_1289257_b_28352_tn_0"]
    rule = rides[0].pickup.booking_rule
    assert rule is not None and rule.booking_type is BookingType.REAL_TIME
    assert can_serve(feed, RUBEY_PARK, BURLINGAME, winter, 22 * H) == []


def test_cobblinc_deviated_zones_half_hour_windows_and_2_hour_notice(corpus_dir: Path) -> None:
    feed = _feed(corpus_dir, "otp-cobblinc-scheduled-deviated-flex")
    assert set(feed.zones) == {"zone_1", "zone_2", "zone_3"} and len(feed.trips) == 72
    wednesday = dt.date(2021, 10, 20)
    found = services_at(feed, *PUBLIX, wednesday, 7 * H + 45 * 60)
    assert [(p.trip.trip_id, p.stop_time.zone_id) for p in found] == [
        ("4d838cf4-d44d-4e08-a364-f22c34a8c89e", "zone_1")]
    assert services_at(feed, *PUBLIX, dt.date(2021, 10, 23), 7 * H + 45 * 60) == []  # a Saturday
    assert can_serve(feed, PUBLIX, HORSESHOE_BEND, wednesday, 7 * H + 45 * 60) == []  # zone 1 to zone 2
    rule = feed.booking_rules["1"]  # dropoff_booking_rule_id spelling and a BOM in this file
    assert (rule.notice_min_s, rule.notice_max_s) == (120 * 60, 1440 * 60)
    assert found[0].booking_rule == rule and found[0].stop_time.drop_off_booking_rule_id == "1"
    pickup = dt.datetime(2021, 10, 20, 7, 45)
    assert _refusal(check_notice(rule, dt.datetime(2021, 10, 19, 7, 44), pickup)) == "too_early"


@pytest.mark.parametrize("name", ["cobblinc-bus-30-only.gtfs.zip", "marta-bus-856-only.gtfs.zip"])
def test_fixed_route_companions_load_without_flex_services(corpus_dir: Path, name: str) -> None:
    feed = _feed(corpus_dir, f"otp-fixed-route-companions/{name}")
    assert (dict(feed.zones), feed.trips, dict(feed.booking_rules)) == ({}, (), {})
    assert feed.services and feed.timezone == "America/New_York"


def test_otter_express_dial_a_ride_books_two_days_ahead_by_18(corpus_dir: Path) -> None:
    feed = _feed(corpus_dir, "tdei-real-flex-v2/otterexpress-mn-us--flex-v2.zip")
    wednesday = dt.date(2024, 3, 6)
    assert _trip_ids(services_at(feed, *FERGUS_FALLS, wednesday, 10 * H)) == ["t_5298068_b_77507_tn_0"]
    assert services_at(feed, *FERGUS_FALLS, wednesday, 5 * H) == []  # from 05:30
    assert services_at(feed, *FERGUS_FALLS, dt.date(2024, 12, 25), 10 * H) == []  # Christmas, removed
    assert [r.trip_id for r in can_serve(feed, FERGUS_FALLS, (46.2700, -96.0700), wednesday, 10 * H)] == [
        "t_5298068_b_77507_tn_0"]
    assert can_serve(feed, FERGUS_FALLS, PERHAM, wednesday, 10 * H) == []  # each town is its own zone
    rule = feed.booking_rules["booking_route_74374"]
    assert rule.booking_type is BookingType.PRIOR_DAYS
    pickup = dt.datetime(2024, 3, 6, 10, 0)
    assert booking_deadline(rule, pickup) == dt.datetime(2024, 3, 4, 18, 0)
    assert _refusal(check_notice(rule, dt.datetime(2024, 3, 4, 18, 30), pickup)) == "after_cutoff"
    assert _refusal(check_notice(rule, dt.datetime(2024, 2, 21, 6, 59), pickup)) == "too_early"
    assert check_notice(rule, dt.datetime(2024, 2, 21, 7, 0), pickup) is None


def test_island_transit_naswi_commuter_runs_one_way_each_peak(corpus_dir: Path) -> None:
    feed = _feed(corpus_dir, "tdei-real-flex-v2/islandtransit-wa-us--flex-v2-TEST.zip")
    assert feed.zones["4209759"].name == "Island Transit GO! - NASWI Base"
    assert feed.zones["4209759"].kind is ZoneKind.STOPS and len(feed.zones["4209759"].stop_ids) == 8
    wednesday = dt.date(2023, 11, 1)
    morning = can_serve(feed, NASWI_HOUSING, NASWI_BASE, wednesday, 6 * H)
    assert [(r.trip_id, r.pickup.stop_time.zone_id, r.drop_off.zone_id) for r in morning] == [
        ("t_5736065_b_81516_tn_0", "4209758", "4209759")]
    assert can_serve(feed, NASWI_BASE, NASWI_HOUSING, wednesday, 6 * H) == []
    assert [r.trip_id for r in can_serve(feed, NASWI_BASE, NASWI_HOUSING, wednesday, 16 * H)] == [
        "t_5736066_b_81516_tn_0"]
    rule = morning[0].pickup.booking_rule
    assert rule is not None and rule.notice_min_s == 2 * H
    # 300 m is the default reach of a stop-based zone; 5 km away from every member stop is out.
    assert can_serve(feed, (NASWI_HOUSING[0] - 0.045, NASWI_HOUSING[1]), NASWI_BASE, wednesday, 6 * H) == []


def test_brown_county_polygon_hole_and_next_day_by_15(corpus_dir: Path) -> None:
    source = corpus_dir / "gtfs-flex" / "tdei-real-flex-v2" / "browncounty-mn-us--flex-v2.zip"
    feed = _feed(corpus_dir, "tdei-real-flex-v2/browncounty-mn-us--flex-v2.zip")
    assert len(feed.zones) == 19 and len(feed.trips) == 17
    locations = json.loads(zipfile.ZipFile(source).read("locations.geojson"))
    holed = next(f for f in locations["features"] if f["id"] == "radius_300_s_4149557_s_4149558")
    outer, hole = (np.array(ring) for ring in holed["geometry"]["coordinates"])
    lon, lat = hole[:-1].mean(axis=0)
    zone = feed.zones["radius_300_s_4149557_s_4149558"]
    assert not in_zone(zone, lat, lon)
    assert in_zone(zone, lat - 0.0005, lon)  # 55 m south, between the hole and the outer ring
    assert not in_zone(zone, outer[:, 1].max() + 0.001, lon)
    rule = feed.booking_rules["booking_route_74362"]
    assert booking_deadline(rule, dt.datetime(2024, 5, 8, 9, 0)) == dt.datetime(2024, 5, 7, 15, 0)
