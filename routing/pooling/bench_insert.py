"""Same-day dispatch on the demo region: book a day request by request, then time new answers.

python -m routing.pooling.bench_insert --region fixtures/demo-region --vehicles 20 --requests 300
    --probes 200 --seed 1 [--reoptimise-s 5]

Riders start from population cells inside the on-demand zone (weighted by residents) and mostly
go to its points of interest, asking for pickups between 08:00 and 17:00. Each accepted rider's
pickup window is narrowed to what the service promises: [pickup - 5 min, pickup + 10 min],
clipped to the asked window and to the latest pickup its vehicle can still make. A timed answer
does all the service does per request: the travel matrix of every place, the problem, the
insertion. Run on one core.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from routing.pooling.checker import CheckReport, check_plan
from routing.pooling.dispatch import Insertion, insert_request, reoptimise, timed_routes
from routing.pooling.model import PoolingProblem, Request, Vehicle, ride_limit_s
from routing.pooling.params import PoolingParams
from routing.pooling.travel import StraightLineProvider, TravelProvider

SHIFT_S = (7 * 3600 + 1800, 18 * 3600)
ASKED_S = (8 * 3600, 17 * 3600)
WINDOW_S = 1800  # a rider may be picked up up to 30 minutes after the time asked for
PROMISE_BEFORE_S, PROMISE_AFTER_S = 300, 600
POI_WEIGHTS = {"hospital": 4.0, "supermarket": 4.0, "station": 3.0, "clinic": 2.0}  # others 1


@dataclass(frozen=True)
class Trip:
    """One rider's ask, with places as (latitude, longitude)."""

    origin: tuple[float, float]
    destination: tuple[float, float]
    pickup_window_s: tuple[int, int]
    party_size: int
    wheelchairs: int
    boarding_s: int
    alighting_s: int
    max_ride_s: int


@dataclass(frozen=True)
class Region:
    depot: tuple[float, float]
    homes: np.ndarray  # (latitude, longitude) of populated cells in the zone
    residents: np.ndarray
    cell: tuple[float, float]  # cell height and width in degrees
    pois: np.ndarray
    poi_weights: np.ndarray


def read_region(folder: Path) -> Region:
    meta = json.loads((folder / "region.json").read_text(encoding="utf-8"))
    zone = json.loads((folder / meta["files"]["on_demand_zone"]).read_text(encoding="utf-8"))
    ring = next(f["geometry"]["coordinates"][0] for f in zone["features"] if f["geometry"]["type"] == "Polygon")
    rows = np.genfromtxt(folder / meta["files"]["population"], delimiter=",", names=True)
    lat, lon, people = rows["lat"], rows["lon"], rows["population"]
    inside = np.array([p > 0 and _inside(y, x, ring) for y, x, p in zip(lat, lon, people)])
    pois = json.loads((folder / meta["files"]["pois"]).read_text(encoding="utf-8"))["features"]
    pois = [f for f in pois if _inside(f["geometry"]["coordinates"][1], f["geometry"]["coordinates"][0], ring)]
    return Region(
        depot=(meta["center"]["lat"], meta["center"]["lon"]),
        homes=np.column_stack([lat[inside], lon[inside]]),
        residents=people[inside],
        cell=(float(np.diff(np.unique(lat)).min()), float(np.diff(np.unique(lon)).min())),
        pois=np.array([f["geometry"]["coordinates"][::-1] for f in pois]),
        poi_weights=np.array([POI_WEIGHTS.get(f["properties"]["category"], 1.0) for f in pois]),
    )


def _inside(lat: float, lon: float, ring: list[list[float]]) -> bool:
    """Ray casting: whether the point lies in the polygon ring of (longitude, latitude)."""
    hit = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1]):
        if (y1 > lat) != (y2 > lat) and lon < x1 + (lat - y1) * (x2 - x1) / (y2 - y1):
            hit = not hit
    return hit


def draw_trips(region: Region, n: int, rng: np.random.Generator, provider: TravelProvider) -> list[Trip]:
    trips = []
    for _ in range(n):
        home = region.homes[rng.choice(len(region.homes), p=region.residents / region.residents.sum())]
        origin = home + (rng.random(2) - 0.5) * region.cell
        if rng.random() < 0.8:
            destination = region.pois[rng.choice(len(region.pois), p=region.poi_weights / region.poi_weights.sum())]
        else:
            destination = region.homes[rng.integers(len(region.homes))] + (rng.random(2) - 0.5) * region.cell
        direct_s = float(provider.matrix(np.array([origin, destination])).duration_s[0, 1])
        asked = int(rng.integers(ASKED_S[0], ASKED_S[1] + 1))
        chair = rng.random() < 0.08  # a wheelchair user, perhaps with a companion, boards slowly
        party = int(rng.random() < 0.5) if chair else 1 + int(rng.random() < 0.25)
        trips.append(Trip(
            origin=(float(origin[0]), float(origin[1])), destination=(float(destination[0]), float(destination[1])),
            pickup_window_s=(asked, asked + WINDOW_S), party_size=party, wheelchairs=int(chair),
            boarding_s=180 if chair else 30, alighting_s=120 if chair else 30,
            max_ride_s=ride_limit_s(direct_s, 1.5, 900)))
    return trips


def answer(region: Region, fleet: int, booked: list[Trip], routes: list[list[tuple[int, bool]]], trip: Trip,
           provider: TravelProvider) -> Insertion | None:
    """What the service does per request: the matrix, the problem, the insertion."""
    return insert_request(day_problem(region, fleet, [*booked, trip], provider), routes, len(booked))


def day_problem(region: Region, fleet: int, trips: list[Trip], provider: TravelProvider) -> PoolingProblem:
    """Places are the depot, then each trip's origin and destination; requests follow the trips."""
    points = np.array([region.depot] + [p for t in trips for p in (t.origin, t.destination)])
    requests = tuple(Request(1 + 2 * k, 2 + 2 * k, pickup_window_s=t.pickup_window_s, party_size=t.party_size,
                             wheelchairs=t.wheelchairs, boarding_s=t.boarding_s, alighting_s=t.alighting_s,
                             max_ride_s=t.max_ride_s) for k, t in enumerate(trips))
    vehicles = tuple(Vehicle(0, 0, SHIFT_S, seats=8, wheelchair_places=1) for _ in range(fleet))
    return PoolingProblem(requests, vehicles, provider.matrix(points))


def promised(trip: Trip, found: Insertion) -> Trip:
    """The trip with its pickup window narrowed to the promise the service gives the rider."""
    lo, hi = trip.pickup_window_s  # whole seconds: the straight-line matrix is rounded, so times are too
    promise_lo = max(lo, math.ceil(found.pickup_s - PROMISE_BEFORE_S))
    promise_hi = min(hi, math.floor(min(found.pickup_s + PROMISE_AFTER_S, found.latest_pickup_s)))
    return replace(trip, pickup_window_s=(promise_lo, promise_hi))


def book_day(region: Region, fleet: int, trips: list[Trip],
             provider: TravelProvider) -> tuple[list[Trip], list[list[tuple[int, bool]]], int]:
    booked: list[Trip] = []
    routes: list[list[tuple[int, bool]]] = [[] for _ in range(fleet)]
    refused = 0
    for trip in trips:
        found = answer(region, fleet, booked, routes, trip, provider)
        if found is None:
            refused += 1
            continue
        routes[found.vehicle] = list(found.visits)
        booked.append(promised(trip, found))
    return booked, routes, refused


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m routing.pooling.bench_insert",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--region", type=Path, default=Path("fixtures/demo-region"))
    parser.add_argument("--vehicles", type=int, default=20)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--probes", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--reoptimise-s", type=float, default=5.0)
    args = parser.parse_args(argv)
    if hasattr(os, "sched_setaffinity"):  # time one core, as a service worker gets
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    provider = StraightLineProvider()
    region = read_region(args.region)
    rng = np.random.default_rng(args.seed)
    day, probes = draw_trips(region, args.requests, rng, provider), draw_trips(region, args.probes, rng, provider)

    started = time.perf_counter()
    booked, routes, refused = book_day(region, args.vehicles, day, provider)
    build_s = time.perf_counter() - started
    answer_ms, accepted = [], 0
    for trip in probes:
        started = time.perf_counter()
        found = answer(region, args.vehicles, booked, routes, trip, provider)
        answer_ms.append(1000 * (time.perf_counter() - started))
        accepted += found is not None

    problem = day_problem(region, args.vehicles, booked, provider)
    before = _report(problem, routes)
    started = time.perf_counter()
    better = reoptimise(problem, routes, PoolingParams(time_limit_s=args.reoptimise_s, seed=args.seed))
    reopt_s = time.perf_counter() - started
    after = _report(problem, better)
    kept = before.ok and after.ok and after.served >= before.served

    p50, p95 = np.percentile(answer_ms, [50, 95]) if answer_ms else (math.nan, math.nan)
    worst = max(answer_ms, default=math.nan)
    change = 100 * (after.cost_m / before.cost_m - 1) if before.cost_m else 0.0
    print(f"demo region {args.region.name}: {args.vehicles} vehicles (8 seats, 1 wheelchair place), seed {args.seed}")
    _row("step", "result", "time")
    _row("booking", f"{len(booked)} booked, {refused} refused of {len(day)} asked", f"{build_s:.1f} s")
    _row("probes", f"p50 {p50:.1f} ms, p95 {p95:.1f} ms, max {worst:.1f} ms", f"{sum(answer_ms) / 1000:.1f} s")
    _row("", f"{accepted} of {len(probes)} accepted ({100 * accepted / max(1, len(probes)):.1f} %)")
    _row("reoptimise", f"cost {before.cost_m:.0f} m -> {after.cost_m:.0f} m ({change:+.1f} %)", f"{reopt_s:.1f} s")
    _row("", f"{len(after.served)} of {len(booked)} served, promises "
         + ("kept (checker clean)" if kept else "BROKEN"))
    return 0 if kept else 1


def _row(step: str, result: str, seconds: str = "") -> None:
    print(f"{step:<11} {result:<52} {seconds:>8}".rstrip())


def _report(problem: PoolingProblem, routes: list[list[tuple[int, bool]]]) -> CheckReport:
    timed = timed_routes(problem, routes)
    if timed is None:
        return CheckReport(("a route has no feasible timing",), math.nan, frozenset(), ())
    return check_plan(problem, timed)


if __name__ == "__main__":
    sys.exit(main())
