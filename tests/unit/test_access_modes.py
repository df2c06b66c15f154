"""Ride modes in travel-time matrices, on the tiny feed of test_access_matrix (checkable by hand).

Stops on latitude 35.0: P (139.0), Q (139.1), Q2 (55 m north of Q), R (139.2); a bus P -> Q every
20 minutes from 08:00 (15 minutes), and Q2 -> R at :10 and :40 from 08:10 (10 minutes). The van
below drives straight lines (road_factor 1) at 10 m/s after a 10-minute wait, so a ride of 0.01°
of longitude (911 m) takes 600 + 92 s.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from routing.access import AccessInputError, Point, PointSet, RideMode, travel_time_matrix
from routing.plan.geo import haversine_m
from tests.unit.tiny_access_feed import H8, MIN, STOPS, tiny_feed, tiny_router

WAIT = 600
WEST = ((138.95, 34.95), (139.15, 34.95), (139.15, 35.05), (138.95, 35.05))  # P, Q and Q2
EAST = ((139.15, 34.95), (139.25, 34.95), (139.25, 35.05), (139.15, 35.05))  # R
HOME = (35.0, 138.99)  # 911 m west of P: 1184 m walked, beyond max_walk_m
CLINIC = (35.0, 139.21)  # 911 m east of R


@pytest.fixture(scope="module")
def router(tmp_path_factory):
    return tiny_router(tiny_feed(tmp_path_factory.mktemp("access") / "tiny"))


def van(zone=WEST, **kw) -> RideMode:
    return RideMode("van", zone, speed_mps=10.0, road_factor=1.0, wait_s=WAIT, **kw)


def ride_s(a: tuple[float, float], b: tuple[float, float]) -> int:
    return WAIT + math.ceil(float(haversine_m(*a, *b)) / 10.0 - 1e-9)


def matrix(router, origin, destination, start_s, window_s=0, **kw) -> np.ndarray:
    return travel_time_matrix(router, [Point("o", *origin)], [Point("d", *destination)], start_s,
                              window_s, **kw)


def test_direct_ride_inside_the_zone(router):
    dest = (35.0, 139.09)
    assert np.isinf(matrix(router, HOME, dest, H8)).all()  # too far to walk, no bus from HOME
    m = matrix(router, HOME, dest, H8, modes=[van()])
    assert ride_s(HOME, dest) == 600 + 911 == 1511
    assert m[:, 0, 0].tolist() == [1511] * 3
    # max_ride_m: with rides of at most 5 km the 9.1 km ride is not offered; the van takes HOME to P
    # (08:11:32), the 08:20 bus reaches Q at 08:35 and a second van does the last 911 m.
    short = matrix(router, HOME, dest, H8, modes=[van(max_ride_m=5000)])
    assert ride_s(STOPS["Q"], dest) == 692 and short[0, 0, 0] == 35 * MIN + 692
    # A destination outside the zone gets no direct ride: R only by van to a stop + bus.
    assert matrix(router, HOME, (35.0, 139.3), H8, modes=[van()])[0, 0, 0] == np.inf


def test_ride_to_a_stop_as_access_to_transit(router):
    to_p, to_q2 = ride_s(HOME, STOPS["P"]), ride_s(HOME, STOPS["Q2"])
    assert (to_p, to_q2) == (692, 1602)
    # 08:00: van to P by 08:11:32, bus 08:20 -> Q 08:35, walk to Q2, 08:40 -> R 08:50 (or van to Q2
    # by 08:26:42 and the same 08:40): 50 minutes.
    assert matrix(router, HOME, STOPS["R"], H8, modes=[van()])[0, 0, 0] == 50 * MIN
    # 08:10: van to Q2 by 08:36:42 catches the 08:40 to R (08:50): 40 minutes; via P it would be
    # the 08:40 bus, Q 08:55, 09:10 -> R 09:20.
    assert matrix(router, HOME, STOPS["R"], H8 + 10 * MIN, modes=[van()])[0, 0, 0] == 40 * MIN
    assert np.isinf(matrix(router, HOME, STOPS["R"], H8 + 10 * MIN)).all()


def test_service_hours_limit_the_departures(router):
    # Requests are served in [08:00, 08:05): of ten departures 08:00..08:09 five get the van.
    dest = (35.0, 139.09)
    m = matrix(router, HOME, dest, H8, 600, percentiles=(0, 50, 60),
               modes=[van(hours=((H8, H8 + 5 * MIN),))])
    assert m[:, 0, 0].tolist() == [1511, 1511, np.inf]


def test_ride_from_a_stop_as_egress(router):
    # P 08:00 -> Q 08:15 -> Q2 08:40 -> R 08:50, then a van requested at 08:50 to the clinic.
    assert np.isinf(matrix(router, STOPS["P"], CLINIC, H8)).all()
    egress = ride_s(STOPS["R"], CLINIC)
    assert egress == 692
    m = matrix(router, STOPS["P"], CLINIC, H8, modes=[van(EAST)])
    assert m[0, 0, 0] == 50 * MIN + egress
    # Requested at 08:50, outside [08:00, 08:45): no van.
    closed = van(EAST, hours=((H8, H8 + 45 * MIN),))
    assert np.isinf(matrix(router, STOPS["P"], CLINIC, H8, modes=[closed])).all()
    # Both ends by van (two modes): HOME -> van -> P ... R -> van -> clinic; 08:10 by van to Q2.
    both = matrix(router, HOME, CLINIC, H8 + 10 * MIN, modes=[van(), van(EAST)])
    assert both[0, 0, 0] == 40 * MIN + egress


def test_origin_outside_the_zone_gains_only_an_egress_ride(router):
    zone = ((139.05, 34.9), (139.2, 34.9), (139.2, 35.1), (139.05, 35.1))  # Q, Q2 and R
    dest = (35.0, 139.09)  # 911 m west of Q: too far to walk from any stop
    outside = (35.0, 138.9)  # no stop within walking distance: nothing at all
    for origin in (outside, STOPS["P"]):
        assert np.isinf(matrix(router, origin, dest, H8, 3600)).all()
    assert np.isinf(matrix(router, outside, dest, H8, 3600, modes=[van(zone)])).all()
    # From P the bus reaches Q (inside) and a van does the last 911 m: 15..34 min + 692 s.
    m = matrix(router, STOPS["P"], dest, H8, 3600, percentiles=(0, 100), modes=[van(zone)])
    assert m[:, 0, 0].tolist() == [15 * MIN + 692, 34 * MIN + 692]


def test_taxi_anywhere_and_best_of_modes(router):
    mountain = (35.2, 139.1)  # 22 km north of Q
    taxi = RideMode("taxi", None, speed_mps=10.0, road_factor=1.0, wait_s=900)
    m = matrix(router, mountain, STOPS["Q"], H8, modes=[taxi])
    assert m[0, 0, 0] == 900 + math.ceil(float(haversine_m(*mountain, *STOPS["Q"])) / 10 - 1e-9)
    # Next to the destination the walk still wins; from P the bus (a wait of 0..19 min, then 15)
    # beats the taxi (a 15-minute wait, then 911 s) unless the wait is 16 minutes or more.
    near = (35.0009, 139.1)
    assert matrix(router, near, STOPS["Q"], H8, modes=[taxi])[0, 0, 0] < 120
    p = matrix(router, STOPS["P"], STOPS["Q"], H8, 3600, percentiles=(0, 50, 100), modes=[taxi])
    assert p[:, 0, 0].tolist() == [15 * MIN, 24 * MIN, 900 + 911]


def test_modes_that_serve_nobody_change_nothing(router):
    rng = np.random.default_rng(3)
    stops = np.asarray(list(STOPS.values()))
    picks = stops[rng.integers(0, len(stops), 10)]
    points = PointSet.from_arrays([f"p{i}" for i in range(10)], picks[:, 0] + rng.uniform(-0.004, 0.004, 10),
                                  picks[:, 1] + rng.uniform(-0.004, 0.004, 10))
    origins, destinations = points.select(np.arange(10) < 6), points.select(np.arange(10) >= 6)
    far = van(((140.0, 36.0), (140.1, 36.0), (140.1, 36.1)))
    closed = van(None, hours=((20 * 3600, 21 * 3600),))
    plain = travel_time_matrix(router, origins, destinations, H8, 3600, step_s=120)
    assert np.isfinite(plain).any()
    for modes in ([far], [closed], [far, closed]):
        assert np.array_equal(plain, travel_time_matrix(router, origins, destinations, H8, 3600, step_s=120,
                                                        modes=modes, workers=2))


def test_rejects_bad_modes():
    with pytest.raises(AccessInputError):
        RideMode("van", None, speed_mps=0)
    with pytest.raises(AccessInputError):
        RideMode("van", ((139.0, 35.0), (139.1, 35.0)), speed_mps=5)
    with pytest.raises(AccessInputError):
        RideMode("van", None, speed_mps=5, hours=((3600, 3600),))
    with pytest.raises(AccessInputError):
        RideMode("van", None, speed_mps=5, road_factor=0.5)


def test_a_zone_of_several_rings(router):
    # WEST and EAST as one zone of two parts: HOME to CLINIC is a direct ride of 0.22° (20 km).
    both = RideMode("van", (WEST, EAST), speed_mps=10.0, road_factor=1.0, wait_s=WAIT)
    assert both.contains(np.asarray([HOME[0], CLINIC[0], 35.0]), np.asarray([HOME[1], CLINIC[1], 139.5])).tolist() \
        == [True, True, False]
    assert matrix(router, HOME, CLINIC, H8, modes=[both])[0, 0, 0] == ride_s(HOME, CLINIC) == 600 + 2004
