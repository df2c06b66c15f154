"""Same-day dispatch on instances small enough to check by hand: places on a line, 1 m = 1 s."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from routing.pooling import (
    PoolingParams, PoolingProblem, Request, TravelMatrix, Vehicle, check_plan, earliest_schedule,
    insert_request, reoptimise,
)
from routing.pooling.dispatch import timed_routes

FAST = PoolingParams(max_iterations=400, max_no_improvement=100, seed=1)  # counted: the same plan on any machine


def line(*xs: float) -> TravelMatrix:
    x = np.array(xs, dtype=float)
    gap = np.abs(x[:, None] - x[None, :])
    return TravelMatrix(duration_s=gap, distance_m=gap)


def van(seats: int = 4, depot: int = 0, shift: tuple[int, int] = (0, 10_000), **kw) -> Vehicle:
    return Vehicle(start_place=depot, end_place=depot, shift_s=shift, seats=seats, **kw)


def clean(problem: PoolingProblem, routes) -> bool:
    timed = timed_routes(problem, routes)
    return timed is not None and check_plan(problem, timed).ok


def test_the_vehicle_waiting_nearby_takes_the_request():
    travel = line(0, 100, 90, 110)  # depots at 0 and 100; the ride goes 90 -> 110
    problem = PoolingProblem((Request(2, 3),), (van(depot=0), van(depot=1)), travel)
    found = insert_request(problem, [[], []], 0)
    assert found is not None and found.vehicle == 1
    assert found.visits == ((0, True), (0, False))
    assert found.added_m == pytest.approx(10 + 20 + 10)
    assert (found.pickup_s, found.dropoff_s) == (10, 30)


def test_a_full_van_at_the_only_possible_time_refuses():
    # A rides 10 -> 100 from t = 10 filling both seats; B must board at 50 at t = 50, on A's way.
    travel = line(0, 10, 100, 50, 60)
    a = Request(1, 2, pickup_window_s=(10, 10), party_size=2)
    b = Request(3, 4, pickup_window_s=(50, 50))
    routes = [[(0, True), (0, False)]]
    assert insert_request(PoolingProblem((a, b), (van(seats=2),), travel), routes, 1) is None
    roomy = insert_request(PoolingProblem((a, b), (van(seats=3),), travel), routes, 1)
    assert roomy is not None and roomy.visits == ((0, True), (1, True), (1, False), (0, False))
    assert roomy.added_m == 0


def test_the_promised_window_of_a_booked_rider_is_kept():
    # Picking B up at 5 on the way would be free, but A was promised boarding at exactly t = 10.
    travel = line(0, 10, 20, 5, 15)
    a = Request(1, 2, pickup_window_s=(10, 10))
    b = Request(3, 4, boarding_s=10)
    problem = PoolingProblem((a, b), (van(),), travel)
    found = insert_request(problem, [[(0, True), (0, False)]], 1)
    assert found is not None
    assert found.visits.index((0, True)) < found.visits.index((1, True))
    assert clean(problem, [list(found.visits)])
    times = earliest_schedule(problem, 0, found.visits)
    assert times[1 + found.visits.index((0, True))] == 10


def test_latest_pickup_is_tight():
    # B rides 10 -> 20 before A must board at 50 at t = 100: B boards by t = 60 and not later.
    travel = line(0, 10, 20, 50, 60)
    a = Request(3, 4, pickup_window_s=(100, 100))
    b = Request(1, 2, pickup_window_s=(0, 1000))
    problem = PoolingProblem((a, b), (van(),), travel)
    found = insert_request(problem, [[(0, True), (0, False)]], 1)
    assert found is not None and found.visits == ((1, True), (1, False), (0, True), (0, False))
    assert (found.pickup_s, found.latest_pickup_s) == (10, 60)
    assert _feasible_at(problem, found, 1, found.latest_pickup_s)
    assert not _feasible_at(problem, found, 1, found.latest_pickup_s + 1)


def test_latest_pickup_is_tight_under_a_ride_limit_and_a_late_drop_off():
    # A must alight at 50 at t = 200 after at most 60 s aboard; B must be out before A boards.
    travel = line(0, 10, 20, 30, 50)
    a = Request(3, 4, dropoff_window_s=(200, 200), max_ride_s=60, boarding_s=5)
    b = Request(1, 2, pickup_window_s=(0, 1000), alighting_s=7)
    problem = PoolingProblem((a, b), (van(),), travel)
    found = insert_request(problem, [[(0, True), (0, False)]], 1)
    assert found is not None and found.visits == ((1, True), (1, False), (0, True), (0, False))
    # A boards from 200 - 60 - 5 = 135 to 200 - 20 - 5 = 175, so B boards by 175 - 10 - 10 - 7 = 148.
    assert found.latest_pickup_s == 148
    assert _feasible_at(problem, found, 1, 148) and not _feasible_at(problem, found, 1, 149)


def _feasible_at(problem: PoolingProblem, found, request: int, pickup_s: float) -> bool:
    pinned = list(problem.requests)
    pinned[request] = replace(pinned[request], pickup_window_s=(pickup_s, pickup_s))
    return earliest_schedule(PoolingProblem(tuple(pinned), problem.vehicles, problem.travel),
                             found.vehicle, found.visits) is not None


def test_an_on_board_rider_stays_on_its_vehicle():
    travel = line(0, 10, 20, 30)
    aboard = Request(1, 3, party_size=3, vehicle=0, picked_up_s=0, max_ride_s=100)
    new = Request(1, 2, party_size=2, pickup_window_s=(0, 15))  # while van 0 passes with 3 aboard
    problem = PoolingProblem((aboard, new), (van(seats=4), van(seats=4)), travel)
    found = insert_request(problem, [[(0, False)], []], 1)
    assert found is not None and found.vehicle == 1  # no room beside the rider on board of van 0
    routes = [[(0, False)], list(found.visits)]
    assert clean(problem, routes)
    assert (0, True) not in found.visits


def test_an_assigned_request_goes_only_on_its_vehicle():
    travel = line(0, 100, 90, 110)
    problem = PoolingProblem((Request(2, 3, vehicle=0),), (van(depot=0), van(depot=1)), travel)
    found = insert_request(problem, [[], []], 0)
    assert found is not None and found.vehicle == 0


def test_insert_refuses_an_on_board_request():
    travel = line(0, 10)
    problem = PoolingProblem((Request(0, 1, vehicle=0, picked_up_s=0),), (van(),), travel)
    with pytest.raises(ValueError):
        insert_request(problem, [[]], 0)


def test_reoptimise_improves_a_poor_plan_and_keeps_every_rider():
    # Two rides on one stretch split over two vans: one van can do both for less.
    travel = line(0, 10, 20, 30, 40)
    reqs = (Request(1, 2), Request(3, 4))
    problem = PoolingProblem(reqs, (van(), van()), travel)
    poor = [[(0, True), (0, False)], [(1, True), (1, False)]]
    better = reoptimise(problem, poor, FAST)
    assert clean(problem, better)
    served = {r for route in better for r, _ in route}
    assert served == {0, 1}
    assert _cost(problem, better) == 80 < _cost(problem, poor) == 120


def test_reoptimise_never_serves_a_refused_request_nor_drops_an_on_board_one():
    travel = line(0, 10, 20, 30, 40)
    reqs = (Request(1, 4, vehicle=0, picked_up_s=0), Request(2, 3), Request(2, 3))  # request 2 was refused
    problem = PoolingProblem(reqs, (van(), van()), travel)
    plan = [[(0, False)], [(1, True), (1, False)]]
    better = reoptimise(problem, plan, FAST)
    assert {r for route in better for r, _ in route} == {0, 1}
    assert (0, False) in better[0] and clean(problem, better)
    assert _cost(problem, better) <= _cost(problem, plan)


def test_reoptimise_returns_an_unschedulable_plan_unchanged():
    travel = line(0, 10, 20)
    problem = PoolingProblem((Request(1, 2, pickup_window_s=(0, 5)),), (van(),), travel)
    bad = [[(0, True), (0, False)]]  # the van cannot reach place 1 by t = 5
    assert reoptimise(problem, bad, FAST) == bad


def _cost(problem: PoolingProblem, routes) -> float:
    return check_plan(problem, timed_routes(problem, routes)).cost_m


def test_more_riders_on_board_than_seats_is_refused():
    from routing.pooling import InvalidPoolingProblem

    with pytest.raises(InvalidPoolingProblem):
        PoolingProblem((Request(0, 1, party_size=3, vehicle=0, picked_up_s=0),), (van(seats=2),), line(0, 10))


# A rider who must arrive by a time (the van's arrive_by) has the latest start of alighting as the
# top of their drop-off window. A rides 10 -> 50 and must be set down by t = 50; B rides 30 -> 45
# and boards for 20 s. Picking B up on A's way costs no metre but sets A down at t = 70.
DEADLINE_TRAVEL = line(0, 10, 50, 30, 45)
B = Request(3, 4, boarding_s=20)


def _drop_s(problem: PoolingProblem, vehicle: int, visits, request: int) -> float:
    times = earliest_schedule(problem, vehicle, visits)
    assert times is not None
    return times[1 + list(visits).index((request, False))]


@pytest.mark.parametrize("a", [Request(1, 2, pickup_window_s=(10, 10), dropoff_window_s=(0, 50)),
                               Request(1, 2, dropoff_window_s=(0, 50), vehicle=0, picked_up_s=10)],
                         ids=["waiting", "on_board"])
def test_a_later_insertion_keeps_a_riders_drop_off_deadline(a: Request):
    problem = PoolingProblem((a, B), (van(),), DEADLINE_TRAVEL)
    route = [(0, False)] if a.on_board else [(0, True), (0, False)]
    found = insert_request(problem, [route], 1)
    assert found is not None
    assert found.visits.index((0, False)) < found.visits.index((1, True))  # B after A is set down
    assert _drop_s(problem, 0, found.visits, 0) <= 50 and clean(problem, [list(found.visits)])
    # Without the deadline the same insertion picks B up on A's way, and A arrives at t = 70.
    free = PoolingProblem((replace(a, dropoff_window_s=(0, 10_000)), B), (van(),), DEADLINE_TRAVEL)
    shared = insert_request(free, [route], 1)
    assert shared is not None and shared.added_m < found.added_m
    assert _drop_s(free, 0, shared.visits, 0) == 70


def test_reoptimising_keeps_a_riders_drop_off_deadline():
    a = Request(1, 2, pickup_window_s=(10, 10), dropoff_window_s=(0, 50))
    problem = PoolingProblem((a, B), (van(), van()), DEADLINE_TRAVEL)
    poor = [[(0, True), (0, False)], [(1, True), (1, False)]]  # one van each: 100 m + 90 m
    better = reoptimise(problem, poor, FAST)
    assert clean(problem, better) and _cost(problem, better) < _cost(problem, poor)
    v = next(k for k, route in enumerate(better) if (0, False) in route)
    assert _drop_s(problem, v, better[v], 0) <= 50
    # The cheapest plan of all (100 m, B picked up on A's way) breaks the deadline: not chosen.
    assert _cost(problem, better) > 100
