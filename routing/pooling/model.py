"""The pooling problem: requests, vehicles and travel times, frozen and validated on construction.

Times are seconds on one day's clock, distances metres, loads seats and wheelchair places. Places
are row indices of the problem's travel matrix. A request that is already on board has no pickup
stop: its vehicle, pickup time and load are given and it only needs its drop-off.

A plan lists each vehicle's visits as (request, is_pickup). A driver's break is a visit too, with
a negative number in place of the request: `break_visit(k)` is the vehicle's k-th break.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from routing.errors import RoutingError
from routing.pooling.travel import TravelMatrix

OPEN_WINDOW_S = (0, 7 * 24 * 3600)


class InvalidPoolingProblem(ValueError, RoutingError):
    """The problem data contradict themselves (bad window, capacity, place or reference)."""


def ride_limit_s(direct_s: float, factor: float, floor_s: int) -> int:
    """A maximum ride time as a factor of the direct time, never below a floor."""
    return max(floor_s, math.ceil(direct_s * factor))


@dataclass(frozen=True)
class Request:
    pickup_place: int
    dropoff_place: int
    pickup_window_s: tuple[int, int] = OPEN_WINDOW_S  # earliest and latest start of boarding
    dropoff_window_s: tuple[int, int] = OPEN_WINDOW_S  # earliest and latest start of alighting
    party_size: int = 1  # seats
    wheelchairs: int = 0  # wheelchair places, in addition to seats
    boarding_s: int = 0
    alighting_s: int = 0
    max_ride_s: int | None = None  # end of boarding to start of alighting; None is unlimited
    vehicle: int | None = None  # already assigned: must stay on this vehicle
    picked_up_s: int | None = None  # on board since this boarding start (vehicle is then required)

    @property
    def on_board(self) -> bool:
        return self.picked_up_s is not None


@dataclass(frozen=True)
class Break:
    """A driver's rest of duration_s at a place (such as the depot), starting within window_s."""

    window_s: tuple[int, int]
    duration_s: int
    place: int


def break_visit(k: int) -> tuple[int, bool]:
    """The visit that stands for a vehicle's k-th break in its route."""
    return (-1 - k, False)


def break_index(request: int) -> int | None:
    """Which break of its vehicle a visit's request number stands for, or None for a request."""
    return -1 - request if request < 0 else None


@dataclass(frozen=True)
class Vehicle:
    start_place: int
    end_place: int
    shift_s: tuple[int, int]  # leave the start depot no earlier, reach the end depot no later
    seats: int
    wheelchair_places: int = 0
    max_duration_s: int | None = None  # longest time from start to end of the route
    breaks: tuple[Break, ...] = ()  # each taken once by a vehicle that drives at all

    def __post_init__(self) -> None:
        object.__setattr__(self, "breaks", tuple(self.breaks))


@dataclass(frozen=True, eq=False)
class PoolingProblem:
    requests: tuple[Request, ...]
    vehicles: tuple[Vehicle, ...]
    travel: TravelMatrix

    def __post_init__(self) -> None:
        object.__setattr__(self, "requests", tuple(self.requests))
        object.__setattr__(self, "vehicles", tuple(self.vehicles))
        if not self.vehicles:
            raise InvalidPoolingProblem("a problem needs at least one vehicle")
        for k, vehicle in enumerate(self.vehicles):
            _check_vehicle(k, vehicle, self.travel.size)
        for i, request in enumerate(self.requests):
            _check_request(i, request, self.travel.size, self.vehicles)
        _check_on_board_loads(self.requests, self.vehicles)

    @property
    def n_requests(self) -> int:
        return len(self.requests)


def _check_window(what: str, window: tuple[int, int]) -> None:
    if len(window) != 2 or window[0] > window[1] or window[0] < 0:
        raise InvalidPoolingProblem(f"{what}: window {window} is empty or negative")


def _check_vehicle(k: int, vehicle: Vehicle, n_places: int) -> None:
    if not (0 <= vehicle.start_place < n_places and 0 <= vehicle.end_place < n_places):
        raise InvalidPoolingProblem(f"vehicle {k}: depot outside the travel matrix")
    _check_window(f"vehicle {k} shift", vehicle.shift_s)
    if vehicle.seats < 0 or vehicle.wheelchair_places < 0:
        raise InvalidPoolingProblem(f"vehicle {k}: negative capacity")
    if vehicle.max_duration_s is not None and vehicle.max_duration_s < 0:
        raise InvalidPoolingProblem(f"vehicle {k}: negative maximum duration")
    for b, rest in enumerate(vehicle.breaks):
        _check_window(f"vehicle {k} break {b}", rest.window_s)
        if rest.duration_s < 0 or not 0 <= rest.place < n_places:
            raise InvalidPoolingProblem(f"vehicle {k} break {b}: negative duration or place outside the matrix")


def _check_request(i: int, request: Request, n_places: int, vehicles: tuple[Vehicle, ...]) -> None:
    if not (0 <= request.pickup_place < n_places and 0 <= request.dropoff_place < n_places):
        raise InvalidPoolingProblem(f"request {i}: place outside the travel matrix")
    _check_window(f"request {i} pickup", request.pickup_window_s)
    _check_window(f"request {i} drop-off", request.dropoff_window_s)
    if request.party_size < 0 or request.wheelchairs < 0 or request.party_size + request.wheelchairs == 0:
        raise InvalidPoolingProblem(f"request {i}: party size and wheelchairs must be >= 0, not both 0")
    if min(request.boarding_s, request.alighting_s) < 0:
        raise InvalidPoolingProblem(f"request {i}: negative service time")
    if request.max_ride_s is not None and request.max_ride_s < 0:
        raise InvalidPoolingProblem(f"request {i}: negative maximum ride time")
    if request.vehicle is not None and not 0 <= request.vehicle < len(vehicles):
        raise InvalidPoolingProblem(f"request {i}: unknown vehicle {request.vehicle}")
    if request.on_board and request.vehicle is None:
        raise InvalidPoolingProblem(f"request {i}: on board but no vehicle given")


def _check_on_board_loads(requests: tuple[Request, ...], vehicles: tuple[Vehicle, ...]) -> None:
    seats, chairs = [0] * len(vehicles), [0] * len(vehicles)
    for request in requests:
        if request.on_board and request.vehicle is not None:  # checked given before
            seats[request.vehicle] += request.party_size
            chairs[request.vehicle] += request.wheelchairs
    for k, vehicle in enumerate(vehicles):
        if seats[k] > vehicle.seats or chairs[k] > vehicle.wheelchair_places:
            raise InvalidPoolingProblem(f"vehicle {k}: more riders on board than it has room for")
