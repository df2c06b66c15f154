"""Freshness from ttl and last_updated; stale snapshots are flagged and refused as live."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from operators.gbfs import (
    AvailabilityIndex,
    FreshnessPolicy,
    RawFile,
    ReadOptions,
    StaleFeed,
    build_snapshot,
    freshness_of,
    parse_timestamp,
)

T0 = datetime(2024, 4, 6, 22, 21, 24, tzinfo=UTC)
POLICY = FreshnessPolicy(realtime_max_age_s=120, static_max_age_s=3600)


def test_timestamps_v23_posix_and_v30_rfc3339() -> None:
    assert parse_timestamp(1712444484) == datetime(2024, 4, 6, 23, 1, 24, tzinfo=UTC)
    assert parse_timestamp("2024-04-07T08:01:24+09:00") == datetime(2024, 4, 6, 23, 1, 24, tzinfo=UTC)
    assert parse_timestamp("2025-05-21T07:47:43.124370Z").microsecond == 124370
    for bad in ("2024-04-07T08:01:24", True, None, "yesterday"):
        with pytest.raises(ValueError):
            parse_timestamp(bad)


def test_expiry_is_last_updated_plus_ttl() -> None:
    doc = {"last_updated": int(T0.timestamp()), "ttl": 60, "data": {}}
    fresh = freshness_of("station_status", doc, T0 + timedelta(seconds=5), POLICY)
    assert fresh.expires_at == T0 + timedelta(seconds=60)
    assert not fresh.is_expired(T0 + timedelta(seconds=59))
    assert fresh.is_expired(T0 + timedelta(seconds=60))


def test_real_time_files_go_stale_sooner_than_static_ones() -> None:
    doc = {"last_updated": int(T0.timestamp()), "ttl": 60, "data": {}}
    status = freshness_of("station_status", doc, T0, POLICY)
    info = freshness_of("station_information", doc, T0, POLICY)
    assert not status.is_stale(T0 + timedelta(seconds=120))
    assert status.is_stale(T0 + timedelta(seconds=121))
    assert not info.is_stale(T0 + timedelta(seconds=121))
    assert info.is_stale(T0 + timedelta(seconds=3601))


def test_a_producer_clock_in_the_future_cannot_make_old_data_look_fresh() -> None:
    doc = {"last_updated": int((T0 + timedelta(hours=1)).timestamp()), "ttl": 0, "data": {}}
    fresh = freshness_of("station_status", doc, T0, POLICY)
    assert fresh.age_s(T0 + timedelta(seconds=200)) == 200
    assert fresh.is_stale(T0 + timedelta(seconds=200))


@pytest.mark.parametrize("header", [{"ttl": 60}, {"last_updated": 1, "ttl": -1}, {"last_updated": 1, "ttl": "60"},
                                    {"last_updated": "soon", "ttl": 60}])
def test_unusable_headers_are_value_errors(header: dict) -> None:
    with pytest.raises(ValueError):
        freshness_of("station_status", {**header, "data": {}}, T0, POLICY)


def _snapshot(last_updated: object) -> object:
    doc = {"last_updated": last_updated, "ttl": 60, "version": "2.3", "data": {"stations": [
        {"station_id": "1", "num_bikes_available": 2, "num_docks_available": 3, "is_installed": True,
         "is_renting": True, "is_returning": True}]}}
    info = {"last_updated": int(T0.timestamp()), "ttl": 86400, "version": "2.3", "data": {"stations": [
        {"station_id": "1", "name": "A", "lat": 35.0, "lon": 139.0}]}}
    raws = [RawFile("station_information", info, T0, "-"), RawFile("station_status", doc, T0, "-")]
    return build_snapshot(raws, "2.3", "ja", ReadOptions(strict=False, policy=POLICY))


def test_an_old_snapshot_is_stale_and_never_used_as_live_availability() -> None:
    snapshot = _snapshot(int(T0.timestamp()))
    index = AvailabilityIndex(snapshot)
    live = T0 + timedelta(seconds=30)
    assert not snapshot.is_stale(live)
    assert len(index.list_stations_near(35.0, 139.0, 100, now=live)) == 1
    later = T0 + timedelta(minutes=10)
    assert snapshot.stale_files(later) == ["station_status"]
    with pytest.raises(StaleFeed, match="station_status"):
        index.list_stations_near(35.0, 139.0, 100, now=later)
    assert len(index.list_stations_near(35.0, 139.0, 100, now=later, allow_stale=True)) == 1


def test_a_file_without_usable_freshness_is_always_stale() -> None:
    snapshot = _snapshot("not a time")
    assert snapshot.stale_files(T0) == ["station_status"]
    assert any("freshness" in f.message for f in snapshot.findings)
    with pytest.raises(StaleFeed):
        snapshot.require_live(T0)
