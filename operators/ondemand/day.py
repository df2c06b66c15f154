"""One service day of the van service as the pooling engine sees it, and the way back.

Rides in the plan become requests whose pickup windows are the windows promised to the riders,
and whose drop-off windows end at the latest drop-off promised (a rider's arrive_by included),
so nothing the engine does can break a promise. Each van starts where and when its driver last
reported a stop (its depot at shift start before that), carrying the riders picked up and not
yet set down. Only stops still to be served are in the plan: a reported pickup or drop-off
leaves it. A van whose remaining run can no longer be timed (its driver is running late) keeps
its run but takes no new rides until it can.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

from maas.domain.accounts import GeoPoint
from maas.domain.ondemand import DayPlan, Ride, StopKind, break_id
from operators.ondemand.config import OnDemandConfig
from routing.streets import StreetRouter
from routing.streets.travel import StreetTravelProvider
from routing.pooling import (Break, PoolingProblem, Request, StraightLineProvider, Vehicle, break_index, break_visit,
                             earliest_schedule, ride_limit_s)

Visit = tuple[int, bool]
NEW = "__new__"  # the ride being quoted or booked, before it has an id
OPEN_S = 3 * 86_400


@dataclass(frozen=True)
class Candidate:
    origin: GeoPoint
    destination: GeoPoint
    travellers: int
    wheelchairs: int
    pickup_window_s: tuple[int, int]
    dropoff_window_s: tuple[int, int]


@dataclass(frozen=True)
class DayModel:
    problem: PoolingProblem
    routes: list[list[Visit]]  # per vehicle of the problem
    ride_ids: list[str]  # request index -> ride id (NEW for the candidate)
    van_ids: list[str]  # vehicle index -> van id
    start: dt.datetime  # the service day's midnight
    breaks: list[list[int]]  # per vehicle: which of the van's configured breaks its Vehicle.breaks are

    def at(self, seconds: float) -> dt.datetime:
        return self.start + dt.timedelta(seconds=round(seconds))

    def stops(self, vehicle: int, visits: list[Visit]) -> tuple[tuple[str, StopKind], ...]:
        out = []
        for r, is_pickup in visits:
            k = break_index(r)
            if k is not None:
                out.append((break_id(self.breaks[vehicle][k]), StopKind.BREAK))
            else:
                out.append((self.ride_ids[r], StopKind.PICKUP if is_pickup else StopKind.DROP_OFF))
        return tuple(out)

    def schedule(self, vehicle: int) -> list[float] | None:
        return earliest_schedule(self.problem, vehicle, self.routes[vehicle])

    def candidate_index(self) -> int:
        return self.ride_ids.index(NEW)

    def keeps_promises(self, vehicle: int) -> bool:
        """The van's remaining run can be timed within every window and never overfills it."""
        if self.schedule(vehicle) is None:
            return False
        problem, car = self.problem, self.problem.vehicles[vehicle]
        aboard = [r for r in problem.requests if r.on_board and r.vehicle == vehicle]
        seats, chairs = sum(r.party_size for r in aboard), sum(r.wheelchairs for r in aboard)
        for r, is_pickup in self.routes[vehicle]:
            if r < 0:
                continue  # a break
            sign = 1 if is_pickup else -1
            seats += sign * problem.requests[r].party_size
            chairs += sign * problem.requests[r].wheelchairs
            if seats > car.seats or chairs > car.wheelchair_places:
                return False
        return True


def day_start(day: dt.date, zone: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), zone)


def seconds(at: dt.datetime, start: dt.datetime) -> int:
    return int((at - start).total_seconds())


class DayBuilder:
    def __init__(self, config: OnDemandConfig, streets: StreetRouter | None = None) -> None:
        self.config = config
        # On the streets when the host gives a router; the straight line times a factor otherwise.
        self.travel: StraightLineProvider | StreetTravelProvider = (
            StraightLineProvider(road_factor=config.road_factor, speed_mps=config.speed_mps) if streets is None
            else StreetTravelProvider(streets, "car"))
        self.travel_model = "straight_line" if streets is None else "streets"

    def build(self, day: dt.date, plan: DayPlan, rides: Mapping[str, Ride], candidate: Candidate | None = None,
              vans: list[str] | None = None) -> DayModel:
        cfg, start = self.config, day_start(day, self.config.zone)
        chosen = [v for v in cfg.vans if vans is None or v.id in vans]
        points: list[tuple[float, float]] = []

        def place(p: GeoPoint) -> int:
            points.append((p.lat, p.lon))
            return len(points) - 1

        van_index = {van.id: k for k, van in enumerate(chosen)}
        depots = [place(van.depot) for van in chosen]
        last = {van.id: (seconds(dt.datetime.combine(day, van.shift_start, cfg.zone), start), depots[k])
                for k, van in enumerate(chosen)}
        specs: list[tuple[str, int, int, Ride | Candidate]] = []
        for ride in rides.values():
            if ride.vehicle_id not in van_index:
                continue
            for when, where in ((ride.picked_up_at, ride.origin), (ride.dropped_off_at, ride.destination),
                                (ride.no_show_at, ride.origin)):
                if when is not None and seconds(when, start) >= last[ride.vehicle_id][0]:
                    last[ride.vehicle_id] = (seconds(when, start), place(where))
        routes: list[list[Visit]] = [[] for _ in chosen]
        ride_ids: list[str] = []
        index: dict[str, int] = {}
        taken = {van_id: {r for r, kind in stops if kind is StopKind.BREAK_TAKEN} for van_id, stops in plan.routes.items()}
        declared = [[k for k in range(len(van.breaks)) if break_id(k) not in taken.get(van.id, ())] for van in chosen]
        for van_id, stops in plan.routes.items():
            if van_id not in van_index:
                continue
            for ride_id, kind in stops:
                if kind is StopKind.BREAK_TAKEN:
                    continue
                if kind is StopKind.BREAK:
                    v = van_index[van_id]
                    routes[v].append(break_visit(declared[v].index(int(ride_id.removeprefix("break-")))))
                    continue
                if ride_id not in index:
                    ride = rides[ride_id]
                    index[ride_id] = len(ride_ids)
                    ride_ids.append(ride_id)
                    specs.append((ride_id, place(ride.origin), place(ride.destination), ride))
                routes[van_index[van_id]].append((index[ride_id], kind is StopKind.PICKUP))
        if candidate is not None:
            ride_ids.append(NEW)
            specs.append((NEW, place(candidate.origin), place(candidate.destination), candidate))
        travel = self.travel.matrix(np.array(points, dtype=np.float64))
        requests = [self._request(spec, travel.duration_s, start, van_index) for spec in specs]
        vehicles = []
        for k, van in enumerate(chosen):
            end_s = seconds(dt.datetime.combine(day, van.shift_end, cfg.zone), start)
            rests = tuple(Break((seconds(dt.datetime.combine(day, van.breaks[b].earliest_start, cfg.zone), start),
                                 seconds(dt.datetime.combine(day, van.breaks[b].latest_start, cfg.zone), start)),
                                van.breaks[b].duration_s, depots[k]) for b in declared[k])
            vehicles.append(Vehicle(start_place=last[van.id][1], end_place=depots[k],
                                    shift_s=(min(last[van.id][0], end_s), end_s),
                                    seats=van.seats, wheelchair_places=van.wheelchair_places, breaks=rests))
        problem = PoolingProblem(tuple(requests), tuple(vehicles), travel)
        return DayModel(problem, routes, ride_ids, [v.id for v in chosen], start, declared)

    def _request(self, spec: tuple[str, int, int, Ride | Candidate], duration: np.ndarray,
                 start: dt.datetime, van_index: dict[str, int]) -> Request:
        cfg = self.config
        _, pickup, dropoff, item = spec
        seats, chairs = item.travellers - item.wheelchairs, item.wheelchairs
        boarding = cfg.wheelchair_boarding_s if chairs else cfg.boarding_s
        max_ride = ride_limit_s(duration[pickup, dropoff], cfg.promise.max_ride_factor, cfg.promise.max_ride_floor_s)
        common: dict[str, Any] = dict(pickup_place=pickup, dropoff_place=dropoff, party_size=seats,
                                      wheelchairs=chairs, boarding_s=boarding, alighting_s=cfg.alighting_s,
                                      max_ride_s=max_ride)
        if isinstance(item, Candidate):
            return Request(pickup_window_s=item.pickup_window_s, dropoff_window_s=item.dropoff_window_s, **common)
        window = (seconds(item.pickup_from, start), seconds(item.pickup_until, start))
        if item.picked_up_at is not None:
            picked_s = seconds(item.picked_up_at, start)
            if item.arrive_by is not None:  # on board, the deadline holds unless a late pickup made it impossible
                direct_by_s = picked_s + boarding + int(np.ceil(duration[pickup, dropoff]))
                common["dropoff_window_s"] = (0, max(seconds(item.latest_dropoff, start), direct_by_s))
            return Request(pickup_window_s=window, vehicle=van_index[item.vehicle_id], picked_up_s=picked_s, **common)
        return Request(pickup_window_s=window, dropoff_window_s=(0, seconds(item.latest_dropoff, start)), **common)
