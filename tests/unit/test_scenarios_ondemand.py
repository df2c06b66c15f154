"""On-demand day simulation and synthetic demand, checked by hand.

Travel is a fake provider: along a line of latitude, 0.01° of longitude is 1000 m and 100 s
(10 m/s), so A (139.00), B (139.01) and C (139.02) are 100 s and 200 s apart. Boarding and
alighting take 60 s each.
"""

from __future__ import annotations

import numpy as np
import pytest

from routing.access import Point, PointSet
from routing.pooling import TravelMatrix
from routing.scenarios import (AccessComparison, ReplaceByOnDemand, ScenarioError, TripRequest,
                               compare_access, point_in_polygon, simulate_day,
                               simulate_replacement, synthetic_demand)

A, B, C = (35.0, 139.0), (35.0, 139.01), (35.0, 139.02)
H8 = 8 * 3600
ZONE = ((138.99, 34.99), (139.03, 34.99), (139.03, 35.01), (138.99, 35.01))  # (lon, lat)


class LineProvider:
    def cache_key(self) -> str:
        return "line"

    def matrix(self, lat_lon: np.ndarray) -> TravelMatrix:
        metres = np.abs(lat_lon[:, None, 1] - lat_lon[None, :, 1]) * 100_000
        return TravelMatrix(duration_s=np.rint(metres / 10), distance_m=np.rint(metres))


def ride(origin, destination, at_s: int) -> TripRequest:
    return TripRequest(*origin, *destination, requested_s=at_s)


def simulate(requests, vehicles=1, seats=4, **kw):
    kw.setdefault("max_wait_s", 300)
    return simulate_day(requests, vehicles, seats, A, travel=LineProvider(), max_iterations=300,
                        max_no_improvement=100, shift_s=(7 * 3600, 12 * 3600), **kw)


def test_one_rider_from_the_depot():
    fig = simulate([ride(A, C, H8)])
    assert (fig.requested, fig.served, fig.refused, fig.riders_served) == (1, 1, 0, 1)
    assert fig.checked and fig.vehicles_used == 1
    assert fig.wait_s == {50: 0.0, 90: 0.0, 100: 0.0}  # the van waits at the door
    assert fig.detour == {50: 1.0, 90: 1.0, 100: 1.0}
    assert fig.km == 4.0  # 2 km there, 2 km back to the depot
    # Board 60 s, drive 200 s, alight 60 s, drive back 200 s.
    assert fig.vehicle_hours == pytest.approx(520 / 3600)
    assert fig.utilisation == pytest.approx(260 / 520)  # rider aboard from boarding to alighting
    assert fig.passengers_per_vehicle_hour == pytest.approx(3600 / 520)
    assert fig.pooling_rate == 0.0
    assert fig.fleet_hours == 5.0
    # The figures price like a route: trips, hours and km under the names economics reads.
    assert (fig.trips, fig.service_hours, fig.service_km) == (1, fig.vehicle_hours, 4.0)


def test_two_riders_with_the_same_trip_share_the_van():
    fig = simulate([ride(A, C, H8), ride(A, C, H8)])
    assert (fig.served, fig.refused) == (2, 0)
    assert fig.pooling_rate == 1.0 and fig.km == 4.0
    assert fig.wait_s[100] == 60.0  # the second boards after the first's 60 s
    assert (fig.max_onboard, fig.riders_per_vehicle, fig.riders_not_served, fig.unserved) == (2, (2,), 0, ())


def test_one_seat_and_one_van_refuses_the_second_rider():
    # The van is back at A at 08:08:40 at the earliest; the second may wait only until 08:05.
    fig = simulate([ride(A, C, H8), ride(A, C, H8)], seats=1)
    assert (fig.served, fig.refused, fig.pooling_rate) == (1, 1, 0.0)
    # The rider the van could not take is counted, and named by request index.
    assert (fig.riders_requested, fig.riders_not_served, fig.max_onboard) == (2, 1, 1)
    assert len(fig.unserved) == 1 and fig.served_share == 0.5
    two_vans = simulate([ride(A, C, H8), ride(A, C, H8)], vehicles=2, seats=1)
    assert (two_vans.served, two_vans.vehicles_used, two_vans.km) == (2, 2, 8.0)
    assert two_vans.pooling_rate == 0.0


def test_a_detour_for_another_rider_shows_in_the_detour_ratio():
    # A -> C and B -> C at 08:00 in one van based at A: board at A (60 s), drive 100 s, board
    # at B (08:02:40 + 60 s), drive 100 s to C, arriving 08:05:20. Whoever alights second waits
    # 60 s more: A's rider rides 260 or 320 s for 200 s direct (1.3 or 1.6), B's 100 or 160 s
    # for 100 s (1.0 or 1.6). Either order, the worst ratio is 1.6.
    fig = simulate([ride(A, C, H8), ride(B, C, H8)], max_wait_s=600)
    assert fig.served == 2 and fig.pooling_rate == 1.0
    assert fig.detour[100] == pytest.approx(1.6)
    assert fig.detour[50] in (pytest.approx(1.0), pytest.approx(1.3))
    assert fig.wait_s == {50: 0.0, 90: 160.0, 100: 160.0}
    assert fig.km == 4.0


def test_no_requests_and_bad_fleets():
    empty = simulate_day([], 2, 4, A, shift_s=(0, 3600))
    assert (empty.served, empty.refused, empty.pooling_rate, empty.fleet_hours) == (0, 0, None, 2.0)
    with pytest.raises(ScenarioError):
        simulate_day([ride(A, C, H8)], 0, 4, A)


def test_point_in_polygon():
    assert point_in_polygon(35.0, 139.0, ZONE)
    assert not point_in_polygon(35.02, 139.0, ZONE)
    assert not point_in_polygon(35.0, 139.04, ZONE)


POPULATION = PointSet.from_points([
    Point("home-a", *A, weight=300), Point("home-b", *B, weight=100),
    Point("outside", 36.0, 139.0, weight=10_000),  # far outside the zone: never an origin
])
DESTINATIONS = [Point("clinic", *C, weight=3), Point("shop", *B, weight=1),
                Point("closed", 35.0, 139.015, weight=0), Point("far", 36.0, 139.1, weight=50)]


def test_synthetic_demand_is_deterministic_and_weighted():
    day = synthetic_demand(POPULATION, ZONE, DESTINATIONS, 0.5, (H8, H8 + 9 * 3600), seed=7)
    assert day == synthetic_demand(POPULATION, ZONE, DESTINATIONS, 0.5, (H8, H8 + 9 * 3600), seed=7)
    assert day != synthetic_demand(POPULATION, ZONE, DESTINATIONS, 0.5, (H8, H8 + 9 * 3600), seed=8)
    assert len(day) == 200  # 0.5 trips a day x 400 residents inside the zone
    assert {r.origin_id for r in day} == {"home-a", "home-b"}
    assert {r.destination_id for r in day} <= {"clinic", "shop"}
    # From B the shop is at the door (0 m < 300 m): its riders all go to the clinic.
    assert all(r.destination_id == "clinic" for r in day if r.origin_id == "home-b")
    times = [r.requested_s for r in day]
    assert times == sorted(times) and H8 <= times[0] and times[-1] < H8 + 9 * 3600
    from_a = [r for r in day if r.origin_id == "home-a"]
    assert 0.65 < len(from_a) / len(day) < 0.85  # 300 of 400 residents
    to_clinic = sum(r.destination_id == "clinic" for r in from_a) / len(from_a)
    assert 0.6 < to_clinic < 0.9  # weights 3 : 1


def test_synthetic_demand_needs_people_and_places_in_the_zone():
    with pytest.raises(ScenarioError):
        synthetic_demand([Point("outside", 36.0, 139.0, weight=5)], ZONE, DESTINATIONS, 1.0,
                         (H8, H8 + 3600), seed=1)
    with pytest.raises(ScenarioError):
        synthetic_demand(POPULATION, ZONE, DESTINATIONS, 1.0, (H8, H8), seed=1)


def test_simulate_replacement_runs_the_zone_fleet_on_synthetic_demand():
    edit = ReplaceByOnDemand(("R1",), ZONE, vehicles=1, seats=4, start_s=H8, end_s=H8 + 2 * 3600)
    requests, fig = simulate_replacement(edit, POPULATION, DESTINATIONS, A,
                                         trips_per_person_day=0.02, seed=3,
                                         travel=LineProvider(), max_iterations=300, max_no_improvement=100)
    assert len(requests) == 8 and fig.requested == 8
    assert fig.served + fig.refused == 8 and fig.served >= 1 and fig.checked
    assert fig.fleet_hours == 3.0  # the window plus an hour to take the last riders home


def test_a_counted_simulation_gives_the_same_figures_for_a_seed():
    edit = ReplaceByOnDemand(("R1",), ZONE, vehicles=1, seats=4, start_s=H8, end_s=H8 + 2 * 3600)

    def run():
        return simulate_replacement(edit, POPULATION, DESTINATIONS, A, trips_per_person_day=0.05, seed=4,
                                    travel=LineProvider(), time_limit_s=60, max_iterations=200)

    (requests, first), (again, second) = run(), run()
    assert requests == again and first == second and first.requested == len(requests) > 0


def test_compare_access_counts_who_gains_and_who_loses():
    origins = PointSet.from_points([Point("village", 35.0, 139.0, weight=40),
                                    Point("centre", 35.0, 139.1, weight=500),
                                    Point("new-estate", 35.0, 139.2, weight=80)])
    inf = np.inf
    before = np.array([[50 * 60, 90 * 60], [10 * 60, 20 * 60], [inf, inf]])
    after = np.array([[inf, inf], [10 * 60, 20 * 60], [inf, 45 * 60]])
    out = compare_access(before, after, origins, 60 * 60, elderly=[25, 100, 5])
    assert isinstance(out, AccessComparison)
    assert [c.origin_id for c in out.lost] == ["village"]
    assert [c.origin_id for c in out.gained] == ["new-estate"]
    assert (out.residents_lost, out.elderly_lost, out.residents_gained, out.elderly_gained) == (
        40, 25, 80, 5)
    assert {c.origin_id for c in out.changed} == {"village", "new-estate"}
    only_first = compare_access(before, after, origins, 60 * 60,
                                destination_mask=np.array([True, False]))
    assert [c.origin_id for c in only_first.gained] == []
    with pytest.raises(ScenarioError):
        compare_access(before, after[:2], origins, 3600)
