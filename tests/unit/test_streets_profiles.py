"""What each street profile makes of an OSM way's tags (routing.streets.profiles), without files."""

from __future__ import annotations

import math

import pytest

from routing.streets.profiles import PROFILES, StreetParams, way_costs

P = StreetParams()
WALK, WHEEL, BIKE, CAR = (PROFILES.index(p) for p in ("walk", "wheelchair", "bicycle", "car"))


def costs(**tags: str) -> tuple[tuple[float, float, float], ...]:
    return way_costs(tags, P)


def allowed(cost: tuple[float, float, float]) -> tuple[bool, bool]:
    return math.isfinite(cost[0]), math.isfinite(cost[1])


def test_a_residential_street_is_for_everyone_both_ways():
    c = costs(highway="residential")
    assert all(allowed(c[p]) == (True, True) for p in range(4))
    assert c[WALK][0] == pytest.approx(1 / 0.8) and c[CAR][0] == pytest.approx(3.6 / 30)


def test_steps_cost_more_on_foot_and_are_closed_to_wheels():
    c = costs(highway="steps")
    assert c[WALK][0] == pytest.approx(3.0 / 0.8)
    assert allowed(c[WHEEL]) == allowed(c[BIKE]) == allowed(c[CAR]) == (False, False)
    assert allowed(way_costs({"highway": "steps"}, StreetParams(avoid_steps=True))[WALK]) == (False, False)


@pytest.mark.parametrize("tags, forward, backward", [
    ({"oneway": "yes"}, True, False),
    ({"oneway": "-1"}, False, True),
    ({"junction": "roundabout"}, True, False),
    ({"oneway": "no", "junction": "roundabout"}, True, True),
])
def test_one_ways_bind_cars_and_bicycles_not_walkers(tags: dict[str, str], forward: bool, backward: bool):
    c = costs(highway="tertiary", **tags)
    assert allowed(c[CAR]) == allowed(c[BIKE]) == (forward, backward)
    assert allowed(c[WALK]) == (True, True)


def test_contraflow_cycling():
    c = costs(highway="residential", oneway="yes", **{"oneway:bicycle": "no"})
    assert allowed(c[BIKE]) == (True, True) and allowed(c[CAR]) == (True, False)


@pytest.mark.parametrize("maxspeed, kmh", [("50", 45.0), ("30 mph", 0.9 * 30 * 1.609344), ("JP:urban", 40.0),
                                           ("signals", 40.0), ("0", 40.0), ("999", 40.0)])
def test_maxspeed_when_numeric_else_the_class_speed(maxspeed: str, kmh: float):
    assert costs(highway="tertiary", maxspeed=maxspeed)[CAR][0] == pytest.approx(3.6 / kmh)


@pytest.mark.parametrize("tags, closed", [
    ({"highway": "service", "access": "private"}, {WALK, WHEEL, BIKE, CAR}),
    ({"highway": "service", "access": "private", "foot": "yes"}, {BIKE, CAR}),
    ({"highway": "footway", "wheelchair": "no"}, {WHEEL, CAR}),
    ({"highway": "residential", "motor_vehicle": "no"}, {CAR}),
    ({"highway": "motorway"}, {WALK, WHEEL, BIKE}),
    ({"highway": "trunk"}, {WALK, WHEEL, BIKE}),
    ({"highway": "trunk", "sidewalk": "both"}, {BIKE}),
    ({"highway": "footway"}, {CAR}),
    ({"highway": "proposed"}, {WALK, WHEEL, BIKE, CAR}),
    ({"building": "yes"}, {WALK, WHEEL, BIKE, CAR}),
])
def test_who_may_not_use_a_way(tags: dict[str, str], closed: set[int]):
    c = way_costs(tags, P)
    assert {p for p in range(4) if allowed(c[p]) == (False, False)} == closed


def test_wheelchair_penalties_for_surface_incline_and_kerbs():
    base = costs(highway="footway")[WHEEL]
    assert costs(highway="footway", surface="gravel")[WHEEL][0] == pytest.approx(2 * base[0])
    steep = costs(highway="footway", incline="10%")[WHEEL]
    assert steep[0] == pytest.approx(2.5 * base[0]) and steep[1] == pytest.approx(1.5 * base[0])
    assert costs(highway="footway", incline="up")[WHEEL][:2] == base[:2]  # direction only, no steepness
    assert costs(highway="footway", kerb="raised")[WHEEL][2] == 60.0


def test_bad_parameters_are_refused():
    with pytest.raises(ValueError):
        StreetParams(walk_speed_mps=0)
    with pytest.raises(ValueError):
        StreetParams(steps_factor=0.5)
