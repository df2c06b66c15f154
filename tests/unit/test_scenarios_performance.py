"""Route performance and economics on the tiny feed of test_scenarios_edits (see its docstring).

On Wednesday R1 runs 4 A-B-C trips of 20 minutes and a 15-minute express out, 2 trips of 20
minutes back: 7 trips, 135 minutes. F runs its 10-minute template every 30 minutes from 07:00 to
10:00: 6 trips, 60 minutes. R2 runs on weekends only.
"""

from __future__ import annotations

import datetime as dt

import pytest

from routing.gtfs import read_feed
from routing.plan.geo import haversine_m
from routing.scenarios import (CostModel, RemoveRoute, RoutePerformance, ScenarioError,
                               SetHeadway, apply_edits, economics, route_performance)
from tests.unit.tiny_scenario_feed import STOPS, WEDNESDAY, write_tiny_feed

H, MIN = 3600, 60
MIDPOINT = (35.005, 139.01)  # the express trip's shape bends 555 m north between A and C


def km(a: tuple[float, float], b: tuple[float, float]) -> float:
    return float(haversine_m(*a, *b)) / 1000


@pytest.fixture(scope="module")
def feed(tmp_path_factory):
    return read_feed(write_tiny_feed(tmp_path_factory.mktemp("perf") / "tiny"))


@pytest.fixture(scope="module")
def shaped(tmp_path_factory):
    line = [STOPS["A"], MIDPOINT, STOPS["C"]]
    return read_feed(write_tiny_feed(tmp_path_factory.mktemp("perf") / "tiny",
                                     shapes={"R1-express": line}))


def by_route(perf: list[RoutePerformance]) -> dict[str, RoutePerformance]:
    return {p.route_id: p for p in perf}


def test_trips_hours_and_straight_line_km_on_a_weekday(feed):
    perf = by_route(route_performance(feed, WEDNESDAY))
    assert list(perf) == ["R1", "R2", "F", "M"]  # every route of routes.txt, in its order
    r1 = perf["R1"]
    assert (r1.trips, r1.service_hours) == (7, pytest.approx(135 / 60))
    hop = km(STOPS["A"], STOPS["B"])  # 0.911 km; every trip is 2 hops long, the express too
    assert r1.service_km == pytest.approx(7 * 2 * hop, rel=1e-3)
    assert r1.distance_source == "straight_line"
    assert (r1.first_departure_s, r1.last_departure_s) == (8 * H, 10 * H)
    # Gaps: out 30, 30, 30, 30 minutes, back 60: the mean of five gaps is 36 minutes.
    assert r1.mean_headway_s == 36 * MIN
    assert (r1.route_name, r1.route_type, r1.date) == ("1", 3, WEDNESDAY)


def test_a_frequencies_trip_counts_once_per_headway(feed):
    f = by_route(route_performance(feed, WEDNESDAY))["F"]
    assert (f.trips, f.service_hours) == (6, pytest.approx(1.0))
    assert (f.first_departure_s, f.last_departure_s, f.mean_headway_s) == (7 * H, 9 * H + 30 * MIN, 30 * MIN)


def test_a_route_not_running_that_day_has_zero_service(feed):
    r2 = by_route(route_performance(feed, WEDNESDAY))["R2"]
    assert (r2.trips, r2.service_hours, r2.service_km) == (0, 0.0, 0.0)
    assert r2.first_departure_s is None and r2.mean_headway_s is None
    saturday = by_route(route_performance(feed, dt.date(2026, 11, 28)))
    assert saturday["R2"].trips == 1 and saturday["R1"].trips == 0


def test_shapes_give_the_distance_where_a_trip_has_one(shaped):
    r1 = by_route(route_performance(shaped, WEDNESDAY))["R1"]
    bent = km(STOPS["A"], MIDPOINT) + km(MIDPOINT, STOPS["C"])
    hop = km(STOPS["A"], STOPS["B"])
    assert r1.distance_source == "mixed"
    assert r1.service_km == pytest.approx(6 * 2 * hop + bent, rel=2e-3)  # UTM vs great circle


def test_performance_follows_scenario_edits(feed):
    edited = apply_edits(feed, [SetHeadway("R1", 15 * MIN), RemoveRoute("F")])
    perf = by_route(route_performance(edited, WEDNESDAY))
    assert "F" not in perf
    assert (perf["R1"].trips, perf["R1"].service_hours) == (14, pytest.approx(14 * 20 / 60))
    assert perf["R1"].mean_headway_s == 15 * MIN


def _service(hours: float, km_: float, trips: int) -> RoutePerformance:
    return RoutePerformance("X", "x", 3, WEDNESDAY, trips, hours, km_, "straight_line",
                            None, None, None)


def test_economics_by_hand():
    cost = CostModel(per_vehicle_hour_yen=6000, per_km_yen=100, per_trip_yen=500)
    out = economics(_service(2.5, 30.0, 6), cost, boardings=60, revenue_yen=6000)
    # 2.5 h x 6000 + 30 km x 100 + 6 trips x 500 = 15000 + 3000 + 3000
    assert out.operating_cost_yen == 21000
    assert out.subsidy_yen == 15000 and out.subsidy_per_passenger_yen == 250
    assert out.cost_recovery == pytest.approx(6000 / 21000)
    assert (out.boardings, out.revenue_yen) == (60, 6000)


def test_economics_edge_cases():
    cost = CostModel(per_vehicle_hour_yen=3)
    nobody = economics(_service(0.5, 0.0, 1), cost, boardings=0, revenue_yen=0)
    assert nobody.operating_cost_yen == 2  # 1.5 yen rounds half up
    assert nobody.subsidy_per_passenger_yen is None and nobody.cost_recovery == 0.0
    free = economics(_service(0.0, 0.0, 0), cost, boardings=3, revenue_yen=300)
    assert free.cost_recovery is None and free.subsidy_yen == -300
    assert free.subsidy_per_passenger_yen == -100
    with pytest.raises(ScenarioError):
        CostModel(per_km_yen=-1)
    with pytest.raises(ScenarioError):
        CostModel(per_km_yen=1.5)  # yen are integers
    with pytest.raises(ScenarioError):
        economics(_service(1.0, 1.0, 1), cost, boardings=-1, revenue_yen=0)
