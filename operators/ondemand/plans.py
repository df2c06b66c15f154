"""A service day as read from the store: the plan, its rides, and holds that lapsed since.

Held rides whose hold expired leave the plan as EXPIRED; they are written with the next change
of the day, and until then every reader already sees them lapsed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from maas.domain.mobility import HELD_STATES, BookingState
from maas.domain.ondemand import DayPlan, Ride, StopKind
from routing.pooling import PoolingProblem


@dataclass(frozen=True)
class Day:
    date: dt.date
    plan: DayPlan  # lapsed rides and completed stops removed; version as read
    rides: dict[str, Ride]  # the rides the plan serves
    all_rides: dict[str, Ride]  # every ride of the day (lapsed ones as EXPIRED): where vans last stopped
    lapsed: tuple[Ride, ...]  # held rides that expired and are not stored so yet


def load_day(plan: DayPlan, rides: Iterable[Ride], now: dt.datetime, service_date: dt.date) -> Day:
    everything: dict[str, Ride] = {}
    lapsed = []
    for ride in rides:
        booking = ride.booking
        if booking.state in HELD_STATES and booking.expires_at is not None and booking.expires_at <= now:
            ride = ride.model_copy(update={"booking": booking.moved_to(BookingState.EXPIRED,
                                                                      reason="not confirmed in time")})
            lapsed.append(ride)
        everything[ride.id] = ride
    serving = {ride_id: ride for ride_id, ride in everything.items() if ride.in_plan}
    routes = {}
    for van, stops in plan.routes.items():
        routes[van] = tuple((r, kind) for r, kind in stops if kind in (StopKind.BREAK, StopKind.BREAK_TAKEN)
                            or (r in serving and not (kind is StopKind.PICKUP and serving[r].picked_up_at is not None)))
    cleaned = plan.model_copy(update={"routes": routes}) if routes != plan.routes else plan
    return Day(service_date, cleaned, serving, everything, tuple(lapsed))


def without(plan: DayPlan, ride_id: str, kinds: tuple[StopKind, ...] = (StopKind.PICKUP, StopKind.DROP_OFF)) -> DayPlan:
    routes = {van: tuple((r, k) for r, k in stops if not (r == ride_id and k in kinds))
              for van, stops in plan.routes.items()}
    return plan.model_copy(update={"routes": routes})


def route_metres(problem: PoolingProblem, vehicle: int, visits: Iterable[tuple[int, bool]]) -> float:
    car, dist = problem.vehicles[vehicle], problem.travel.distance_m
    place, total, any_stop = car.start_place, 0.0, False
    for r, is_pickup in visits:
        req = problem.requests[r]
        to = req.pickup_place if is_pickup else req.dropoff_place
        total += dist[place, to]
        place, any_stop = to, True
    return total + dist[place, car.end_place] if any_stop else 0.0
