"""The demo town's streets (fixtures/demo-region/streets.osm): the river's one bridge, the station's steps."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from maas.demo.region_data import BUS_STOPS, DEPOT, MAIN_STATION, POIS, STATIONS, VIRTUAL_STOPS, lat_of, lon_of
from maas.demo.streets_data import BRIDGE_ROW, RIVER_X_M, SPACING_M, STEPS_TOP_M
from routing.streets import StreetRouter, load_graph


@pytest.fixture(scope="module")
def router(repo_root: Path) -> StreetRouter:
    return StreetRouter(load_graph(repo_root / "fixtures" / "demo-region" / "streets.osm"))


def test_every_stop_and_place_is_near_a_street(router: StreetRouter):
    places = [*STATIONS, *BUS_STOPS.values(), *VIRTUAL_STOPS, DEPOT, *(p for p, _ in POIS)]
    for profile in ("walk", "wheelchair", "car"):
        snaps = router.snap(profile, np.array([p.lat for p in places]), np.array([p.lon for p in places]))
        assert np.all(snaps.distance_m < 130), [p.id for p, d in zip(places, snaps.distance_m) if d >= 130]


def test_wheelchair_avoids_the_station_steps(router: StreetRouter):
    south_exit = VIRTUAL_STOPS[0]  # 山吹駅南口, below the steps
    walk = router.route("walk", south_exit.lat, south_exit.lon, MAIN_STATION.lat, MAIN_STATION.lon)
    wheel = router.route("wheelchair", south_exit.lat, south_exit.lon, MAIN_STATION.lat, MAIN_STATION.lon)
    assert walk.distance_m < 200
    assert wheel.distance_m > 3 * walk.distance_m
    assert max(lat for lat, _ in wheel.coordinates) >= lat_of(SPACING_M) - 1e-6  # round by the north street
    steps_foot = (lat_of(STEPS_TOP_M), lon_of(0))
    assert steps_foot in walk.coordinates and steps_foot not in wheel.coordinates


def test_walk_across_the_river_uses_the_bridge(router: StreetRouter):
    west, east = (lat_of(0), lon_of(600)), (lat_of(0), lon_of(800))  # 200 m apart across the river
    path = router.route("walk", *west, *east)
    bridge_lat = lat_of(BRIDGE_ROW * SPACING_M)
    river = lon_of(RIVER_X_M)
    crossings = [(a, b) for a, b in zip(path.coordinates, path.coordinates[1:]) if (a[1] - river) * (b[1] - river) < 0]
    assert len(crossings) == 1
    assert all(a[0] == pytest.approx(bridge_lat, abs=1e-6) == b[0] for a, b in crossings)
    assert path.distance_m > 2 * BRIDGE_ROW * SPACING_M


def test_the_van_crosses_by_the_bridge(router: StreetRouter):
    station, hospital = VIRTUAL_STOPS[0], VIRTUAL_STOPS[1]
    path = router.route("car", station.lat, station.lon, hospital.lat, hospital.lon)
    assert path.distance_m > 1.3 * station.distance_m(hospital)
    assert max(lat for lat, _ in path.coordinates) >= lat_of(BRIDGE_ROW * SPACING_M) - 1e-6
