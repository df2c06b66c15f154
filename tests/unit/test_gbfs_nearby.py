"""Stations and vehicles near a point: vectorised haversine, availability filters, nearest first."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from operators.gbfs import AvailabilityIndex, RawFile, ReadOptions, build_snapshot, haversine_m

NOW = datetime(2023, 11, 14, 22, 14, tzinfo=UTC)
LAT, LON = 35.0, 139.0
# 0.001 degree of latitude is 111.195 m on the mean-radius sphere.
STEP = 0.001


def test_haversine_matches_hand_values() -> None:
    d = haversine_m(LAT, LON, np.array([LAT + 1.0, LAT, LAT]), np.array([LON, LON, LON + 1.0]))
    assert d[0] == pytest.approx(111_195.08, abs=0.01)
    assert d[1] == 0.0
    assert d[2] == pytest.approx(111_195.08 * np.cos(np.radians(LAT)), rel=1e-3)


def _status(sid: str, bikes: int, docks: int | None, **flags: bool) -> dict:
    return {"station_id": sid, "num_bikes_available": bikes, "num_docks_available": docks,
            "is_installed": flags.get("installed", True), "is_renting": flags.get("renting", True),
            "is_returning": flags.get("returning", True), "last_reported": 1_700_000_000}


def _snapshot() -> object:
    stations = [  # id, metres north of the query point
        ("far", 20), ("near", 2), ("empty", 1), ("closed", 3), ("mid", 5), ("virtual", 4)]
    info = [{"station_id": sid, "name": sid, "lat": LAT + n * STEP, "lon": LON,
             "is_virtual_station": sid == "virtual"} for sid, n in stations]
    status = [_status("far", 4, 0), _status("near", 1, 0), _status("empty", 0, 9),
              _status("closed", 5, 5, renting=False, returning=False), _status("mid", 2, 2),
              {**_status("virtual", 0, None), "num_docks_available": None}]
    bikes = [
        {"bike_id": "b1", "lat": LAT + 3 * STEP, "lon": LON, "is_reserved": False, "is_disabled": False,
         "vehicle_type_id": "scooter", "current_range_meters": 12_000},
        {"bike_id": "b2", "lat": LAT + STEP, "lon": LON, "is_reserved": False, "is_disabled": False,
         "vehicle_type_id": "scooter", "current_range_meters": 3_000},
        {"bike_id": "b3", "lat": LAT, "lon": LON, "is_reserved": True, "is_disabled": False,
         "vehicle_type_id": "scooter", "current_range_meters": 20_000},
        {"bike_id": "b4", "lat": LAT, "lon": LON, "is_reserved": False, "is_disabled": True,
         "vehicle_type_id": "scooter", "current_range_meters": 20_000},
        {"bike_id": "b5", "lat": LAT + 2 * STEP, "lon": LON, "is_reserved": False, "is_disabled": False,
         "vehicle_type_id": "ebike"},
    ]
    head = {"last_updated": 1_700_000_000, "ttl": 60, "version": "2.3"}
    raws = [RawFile(name, {**head, "data": data}, NOW, "-") for name, data in (
        ("station_information", {"stations": info}), ("station_status", {"stations": status}),
        ("free_bike_status", {"bikes": bikes}))]
    return build_snapshot(raws, "2.3", "ja", ReadOptions(strict=True))


@pytest.fixture(scope="module")
def index() -> AvailabilityIndex:
    return AvailabilityIndex(_snapshot())


def test_pickup_stations_need_a_vehicle_and_come_nearest_first(index: AvailabilityIndex) -> None:
    found = index.list_stations_near(LAT, LON, 2_500, now=NOW)
    assert [n.station.station_id for n in found] == ["near", "mid", "far"]
    assert found[0].distance_m == pytest.approx(2 * 111.195, abs=0.01)
    assert [n.station.station_id for n in index.list_stations_near(LAT, LON, 600, now=NOW)] == ["near", "mid"]
    assert [n.station.station_id for n in index.list_stations_near(LAT, LON, 2_500, now=NOW, limit=1)] == ["near"]


def test_return_stations_need_a_free_dock_or_are_virtual(index: AvailabilityIndex) -> None:
    found = index.list_stations_near(LAT, LON, 1_000, now=NOW, purpose="return")
    assert [n.station.station_id for n in found] == ["empty", "virtual", "mid"]


def test_vehicles_exclude_reserved_and_disabled_and_filter_on_type_and_range(index: AvailabilityIndex) -> None:
    assert [n.vehicle.vehicle_id for n in index.list_vehicles_near(LAT, LON, 500, now=NOW)] == ["b2", "b5", "b1"]
    assert [n.vehicle.vehicle_id for n in index.list_vehicles_near(
        LAT, LON, 500, now=NOW, vehicle_type_ids={"scooter"})] == ["b2", "b1"]
    assert [n.vehicle.vehicle_id for n in index.list_vehicles_near(
        LAT, LON, 500, now=NOW, min_range_meters=5_000)] == ["b1"]
    assert index.list_vehicles_near(LAT + 1.0, LON, 500, now=NOW) == []
