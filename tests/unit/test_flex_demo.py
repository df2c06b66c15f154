"""The demo region's のりあい号 GTFS-Flex feed, read with routing.flex: zone, hours, calendar and booking."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from maas.demo.region_data import BBOX, VIRTUAL_STOPS, lat_of, lon_of
from routing.flex import (BookingType, FlexFeed, NoticeRefusal, can_serve, check_notice, in_zone, read_flex,
                          services_at)

H = 3600
TUESDAY, SATURDAY, CULTURE_DAY = dt.date(2026, 11, 24), dt.date(2026, 11, 28), dt.date(2026, 11, 3)
STATION_SOUTH = next(s for s in VIRTUAL_STOPS if s.id == "vs-01")  # 山吹駅南口, 130 m south of the station
HOSPITAL = next(s for s in VIRTUAL_STOPS if s.id == "vs-02")
KIRIHARA = (lat_of(-1700), lon_of(3700))  # 桐原駅, in the next town and outside the zone

def _refusal(refusal: NoticeRefusal | None) -> str | None:
    return None if refusal is None else refusal.code



@pytest.fixture(scope="module")
def feed(repo_root: Path) -> FlexFeed:
    return read_flex(repo_root / "fixtures" / "demo-region" / "flex")


def test_demo_flex_feed_reads_cleanly_with_one_zone_and_trip(feed: FlexFeed) -> None:
    assert feed.findings == () and feed.timezone == "Asia/Tokyo"
    assert list(feed.zones) == ["noriai-zone"] and [t.trip_id for t in feed.trips] == ["noriai-weekday-1"]
    rule = feed.booking_rules["noriai-booking"]
    assert (rule.booking_type, rule.notice_min_s, rule.notice_max_s) == (BookingType.SAME_DAY, H, 7 * 24 * H)


def test_the_flex_zone_is_the_on_demand_zone_polygon(feed: FlexFeed, repo_root: Path) -> None:
    zone_file = json.loads((repo_root / "fixtures/demo-region/on-demand-zone.geojson").read_text(encoding="utf-8"))
    flex_file = json.loads((repo_root / "fixtures/demo-region/flex/locations.geojson").read_text(encoding="utf-8"))
    area = next(f for f in zone_file["features"] if f["geometry"]["type"] == "Polygon")
    assert flex_file["features"][0]["geometry"] == area["geometry"] and flex_file["features"][0]["id"] == area["id"]
    assert area["properties"]["booking"]["min_advance_s"] == feed.booking_rules["noriai-booking"].notice_min_s
    for stop in VIRTUAL_STOPS:
        assert in_zone(feed.zones["noriai-zone"], stop.lat, stop.lon), stop.id
    assert not in_zone(feed.zones["noriai-zone"], BBOX[1], BBOX[2])


def test_station_is_served_on_weekday_mornings_only(feed: FlexFeed) -> None:
    station = (STATION_SOUTH.lat, STATION_SOUTH.lon)
    assert [p.trip.trip_id for p in services_at(feed, *station, TUESDAY, 9 * H)] == ["noriai-weekday-1"]
    assert services_at(feed, *KIRIHARA, TUESDAY, 9 * H) == []
    assert services_at(feed, *station, TUESDAY, 7 * H + 59 * 60) == []
    assert services_at(feed, *station, TUESDAY, 17 * H + 1) == []
    assert services_at(feed, *station, SATURDAY, 9 * H) == []
    assert services_at(feed, *station, CULTURE_DAY, 9 * H) == []  # 文化の日, a Tuesday
    assert services_at(feed, *station, dt.date(2026, 12, 30), 9 * H) == []  # new-year break, a Wednesday
    rides = can_serve(feed, station, (HOSPITAL.lat, HOSPITAL.lon), TUESDAY, 9 * H)
    assert [(r.pickup.stop_time.stop_sequence, r.drop_off.stop_sequence) for r in rides] == [(1, 2)]
    assert can_serve(feed, station, KIRIHARA, TUESDAY, 9 * H) == []


def test_demo_booking_needs_an_hour_and_opens_a_week_ahead(feed: FlexFeed) -> None:
    rule = feed.booking_rules["noriai-booking"]
    pickup = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=9)))
    assert check_notice(rule, pickup - dt.timedelta(minutes=60), pickup) is None
    assert _refusal(check_notice(rule, pickup - dt.timedelta(minutes=30), pickup)) == "notice_too_short"
    assert _refusal(check_notice(rule, pickup - dt.timedelta(days=8), pickup)) == "too_early"
