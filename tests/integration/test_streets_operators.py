"""The van and the taxi on the demo town's streets: across 山吹川 they go round by the one bridge."""

from __future__ import annotations

import datetime as dt

import pytest

from maas.demo.region_data import VIRTUAL_STOPS, lat_of, lon_of
from maas.demo.streets_data import BRIDGE_ROW, RIVER_X_M, SPACING_M
from maas.domain.accounts import GeoPoint, great_circle_m
from maas.domain.mobility import OfferQuery
from maas.domain.ondemand import RefusalCode, RideRefused
from operators.taxi.demo import from_demo_region
from routing.streets import StreetRouter, load_graph
from routing.streets.travel import StreetTravelProvider
from tests.fakes import SteppedClock
from tests.ondemand_service import DEMO, T0, small_service

STATION_EXIT, HOSPITAL = VIRTUAL_STOPS[0], VIRTUAL_STOPS[1]  # west and east of the river
FROM = GeoPoint(lat=STATION_EXIT.lat, lon=STATION_EXIT.lon)
TO = GeoPoint(lat=HOSPITAL.lat, lon=HOSPITAL.lon)


@pytest.fixture(scope="module")
def streets() -> StreetRouter:
    return StreetRouter(load_graph(DEMO / "streets.osm"))


def _query(origin: GeoPoint = FROM, destination: GeoPoint = TO) -> OfferQuery:
    return OfferQuery(origin=origin, destination=destination, depart_at=T0 + dt.timedelta(hours=2))


def _crosses_at_the_bridge(coordinates: list[tuple[float, float]]) -> bool:
    river = lon_of(RIVER_X_M)
    crossings = [(a, b) for a, b in zip(coordinates, coordinates[1:]) if (a[1] - river) * (b[1] - river) < 0]
    bridge = lat_of(BRIDGE_ROW * SPACING_M)
    return len(crossings) == 1 and all(abs(p[0] - bridge) < 1e-6 for p in crossings[0])


async def test_the_van_quote_across_the_river_goes_by_the_bridge(streets: StreetRouter):
    straight = await small_service(SteppedClock(T0)).quote(_query())
    on_streets = await small_service(SteppedClock(T0), streets=streets).quote(_query())
    line_m = great_circle_m(FROM, TO)
    assert straight.travel_model == "straight_line" and straight.distance_m == pytest.approx(1.3 * line_m, abs=2)
    assert on_streets.travel_model == "streets"
    assert on_streets.distance_m > 1.3 * line_m * 1.3  # the detour north to 山吹橋 and back
    path = streets.route("car", FROM.lat, FROM.lon, TO.lat, TO.lon)
    assert on_streets.distance_m == round(path.distance_m)
    assert _crosses_at_the_bridge(path.coordinates) and _crosses_at_the_bridge(list(on_streets.path))
    assert on_streets.path[0] == (FROM.lat, FROM.lon) and on_streets.path[-1] == (TO.lat, TO.lon)
    assert straight.path == ()
    assert on_streets.arrival - on_streets.departure > straight.arrival - straight.departure


async def test_a_point_off_the_streets_is_refused_not_drawn_straight(streets: StreetRouter):
    strict = StreetRouter(streets.graph, max_snap_m=30)
    mid_block = GeoPoint(lat=lat_of(62), lon=lon_of(-62))  # 62 m from every street
    with pytest.raises(RideRefused) as refused:
        await small_service(SteppedClock(T0), streets=strict).quote(_query(origin=mid_block))
    assert refused.value.refusal is RefusalCode.OUTSIDE_AREA and "too far from any street" in refused.value.message
    taxi = from_demo_region(DEMO, SteppedClock(T0), strict)
    assert await taxi.search_offers(_query(origin=mid_block)) == []


async def test_the_taxi_drives_on_the_streets(streets: StreetRouter):
    on_streets = await from_demo_region(DEMO, SteppedClock(T0), streets).search_offers(_query())
    straight = await from_demo_region(DEMO, SteppedClock(T0)).search_offers(_query())
    assert on_streets and straight
    assert {o.travel_model for o in on_streets} == {"streets"} and {o.travel_model for o in straight} == {"straight_line"}
    assert on_streets[0].distance_m > straight[0].distance_m * 1.3
    assert on_streets[0].price.amount_minor > straight[0].price.amount_minor  # the meter runs on the real road
    assert _crosses_at_the_bridge(list(on_streets[0].path)) and len(straight[0].path) == 2


def test_street_matrix_for_pooling_is_square_finite_and_asymmetric_only_by_one_ways(streets: StreetRouter):
    import numpy as np
    points = np.array([[p.lat, p.lon] for p in VIRTUAL_STOPS])
    matrix = StreetTravelProvider(streets).matrix(points)
    assert matrix.size == len(VIRTUAL_STOPS) and np.all(np.diag(matrix.duration_s) == 0)
    assert np.allclose(matrix.distance_m, matrix.distance_m.T, atol=2)  # the demo town has no one-way street
    assert StreetTravelProvider(streets).cache_key().startswith(f"streets:{streets.graph.digest}")
