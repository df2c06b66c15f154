"""The earliest feasible timing of one route, or None when no timing exists.

With the order of stops fixed, every constraint is a difference between two service start
times: travel and service (x[k+1] >= x[k] + s[k] + t), windows, route duration and maximum ride
time (pickup >= drop-off - L - boarding). That is a simple temporal network, whose least
solution is found by raising lower bounds to a fixpoint (Bellman-Ford); it exists iff no lower
bound passes its upper bound. Unlike a single forward pass, this delays departures and pickups
exactly as much as ride-time and duration limits require (Cordeau and Laporte 2003's forward
time slack does the same heuristically).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from routing.pooling.model import PoolingProblem

EPS_S = 1e-7


@dataclass(frozen=True, eq=False)
class Timing:
    """The problem's per-visit data as plain Python lists: the scheduler's inner loop is hot."""

    travel_s: np.ndarray
    visit: dict[tuple[int, bool], tuple[int, float, float, float]]  # place, earliest, latest, service
    ride_limit_s: list[float]  # boarding + max ride, or inf
    vehicle: list[tuple[int, int, float, float, float]]  # start, end, shift start, end, max duration
    breaks: list[list[tuple[int, float, float, float]]]  # per vehicle and break: place, earliest, latest, duration

    @cached_property
    def duration_s(self) -> list[list[float]]:
        """The matrix as lists, made on first use: the compiled kernels never need it."""
        return self.travel_s.tolist()


def timing_of(problem: PoolingProblem) -> Timing:
    cached = problem.__dict__.get("_timing")
    if cached is None:
        visit, ride = {}, []
        for i, req in enumerate(problem.requests):
            limit = math.inf if req.max_ride_s is None else float(req.max_ride_s + req.boarding_s)
            ride.append(limit)
            drop_lo, drop_hi = float(req.dropoff_window_s[0]), float(req.dropoff_window_s[1])
            if req.picked_up_s is not None:  # on board: alights no sooner than boarding ends
                drop_lo = max(drop_lo, float(req.picked_up_s + req.boarding_s))
                drop_hi = min(drop_hi, req.picked_up_s + limit)
            visit[(i, True)] = (req.pickup_place, float(req.pickup_window_s[0]),
                                float(req.pickup_window_s[1]), float(req.boarding_s))
            visit[(i, False)] = (req.dropoff_place, drop_lo, drop_hi,
                                 float(req.alighting_s))
        cars = [(c.start_place, c.end_place, float(c.shift_s[0]), float(c.shift_s[1]),
                 math.inf if c.max_duration_s is None else float(c.max_duration_s)) for c in problem.vehicles]
        rests = [[(b.place, float(b.window_s[0]), float(b.window_s[1]), float(b.duration_s)) for b in c.breaks]
                 for c in problem.vehicles]
        cached = Timing(problem.travel.duration_s, visit, ride, cars, rests)
        problem.__dict__["_timing"] = cached  # a frozen dataclass still has a __dict__ to cache in
    return cached


def earliest_schedule(problem: PoolingProblem, vehicle: int,
                      visits: Sequence[tuple[int, bool]]) -> list[float] | None:
    """Times [depot departure, each visit's service start..., depot arrival], or None.

    `visits` are (request, is_pickup) in route order, breaks as `break_visit(k)`. A drop-off whose
    pickup is not in the route must be of a request on board, whose ride is then measured from
    its pickup time. A break is a stop whose service is the rest.
    """
    timing = timing_of(problem)
    dur, data, ride_limit = timing.duration_s, timing.visit, timing.ride_limit_s
    rests = timing.breaks[vehicle]
    start, end, shift_lo, shift_hi, max_duration = timing.vehicle[vehicle]
    lo, hi, hop = [shift_lo], [shift_hi], []  # hop[k]: service at k plus travel to k+1
    pulls: list[tuple[int, int, float]] = []  # (earlier, later, w): x[earlier] >= x[later] - w
    pickup_at: dict[int, int] = {}
    place, service = start, 0.0
    for k, (r, is_pickup) in enumerate(visits, start=1):
        to, earliest, latest, next_service = data[(r, is_pickup)] if r >= 0 else rests[-1 - r]
        hop.append(service + dur[place][to])
        lo.append(earliest)
        hi.append(latest)
        if is_pickup:
            pickup_at[r] = k
        elif r in pickup_at and ride_limit[r] < math.inf:
            pulls.append((pickup_at[r], k, ride_limit[r]))
        place, service = to, next_service
    hop.append(service + dur[place][end])
    lo.append(shift_lo)
    hi.append(shift_hi)
    n = len(visits)
    if max_duration < math.inf:
        pulls.append((0, n + 1, max_duration))
    x = lo[:]
    for _ in range(n + len(pulls) + 3):  # Bellman-Ford's bound on rounds
        for k in range(n + 1):
            t = x[k] + hop[k]
            if t > x[k + 1]:
                x[k + 1] = t
            if x[k + 1] > hi[k + 1] + EPS_S:
                return None
        if x[0] > hi[0] + EPS_S:
            return None
        changed = False
        for early, late, w in pulls:
            if x[late] - w > x[early] + EPS_S:
                x[early] = x[late] - w
                changed = True
        if not changed:
            return x
    return None
