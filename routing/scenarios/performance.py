"""Route performance from GTFS and the economics an analyst derives from it with a cost model.

`route_performance(feed, date)` gives, per route of the feed, what runs on that date:
- trips: trips whose service runs on the date (calendar and calendar_dates, the rule the
  timetable compiler uses); a frequencies.txt trip counts once per headway in its windows.
- service_hours: vehicle-hours in service, the sum over trips of first departure to last
  departure (gtfs-kit `compute_trip_stats` duration); layovers between trips are not counted.
- service_km: per trip from its shape's geometry when it has a shape (gtfs-kit, with
  `compute_dist_from_shapes=True`; shape_dist_traveled is not trusted because feeds disagree
  on its unit), else the sum of straight-line distances between consecutive stops (an
  underestimate of road distance). `distance_source` says which: "shapes", "straight_line"
  or "mixed".
- first/last departure: the earliest and latest trip start, service-day seconds.
- mean_headway_s: the mean gap between consecutive trip starts of the same direction,
  None when no direction has two trips.

`economics(performance, cost_model, boardings, revenue_yen)` prices that service: operating
cost = hours x per_vehicle_hour + km x per_km + trips x per_trip (per-trip for taxi-like
contracts), subsidy = cost - revenue, subsidy per passenger and cost recovery.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Protocol

import gtfs_kit
import numpy as np
import pandas as pd

from routing.gtfs import LoadedFeed
from routing.plan.geo import haversine_m
from routing.scenarios.errors import ScenarioError
from routing.scenarios.tables import trip_times
from routing.timetable.services import active_services, clock_seconds


@dataclass(frozen=True)
class RoutePerformance:
    route_id: str
    route_name: str
    route_type: int
    date: dt.date
    trips: int
    service_hours: float
    service_km: float
    distance_source: str  # "shapes", "straight_line", "mixed" or "" when nothing runs
    first_departure_s: int | None
    last_departure_s: int | None
    mean_headway_s: float | None


@dataclass(frozen=True)
class CostModel:
    """What the operator charges the municipality, in integer yen."""

    per_vehicle_hour_yen: int = 0
    per_km_yen: int = 0
    per_trip_yen: int = 0

    def __post_init__(self) -> None:
        for name in ("per_vehicle_hour_yen", "per_km_yen", "per_trip_yen"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 0:
                raise ScenarioError(f"{name} must be a non-negative integer (yen), got {value!r}")


class Service(Protocol):
    """What economics needs: a route's performance or an on-demand day's figures."""

    @property
    def trips(self) -> int: ...

    @property
    def service_hours(self) -> float: ...

    @property
    def service_km(self) -> float: ...


@dataclass(frozen=True)
class RouteEconomics:
    operating_cost_yen: int
    revenue_yen: int
    boardings: int
    subsidy_yen: int  # cost - revenue (negative: a surplus)
    subsidy_per_passenger_yen: int | None  # None when nobody boarded
    cost_recovery: float | None  # revenue / cost, None when the service costs nothing


def operating_cost_yen(service: Service, cost: CostModel) -> int:
    raw = (service.service_hours * cost.per_vehicle_hour_yen + service.service_km * cost.per_km_yen
           + service.trips * cost.per_trip_yen)
    return math.floor(raw + 0.5)  # whole yen, halves up


def economics(service: Service, cost_model: CostModel, boardings: int,
              revenue_yen: int) -> RouteEconomics:
    if boardings < 0 or revenue_yen < 0:
        raise ScenarioError("boardings and revenue must be non-negative")
    cost = operating_cost_yen(service, cost_model)
    subsidy = cost - int(revenue_yen)
    per_passenger = math.floor(subsidy / boardings + 0.5) if boardings else None
    return RouteEconomics(operating_cost_yen=cost, revenue_yen=int(revenue_yen),
                          boardings=int(boardings), subsidy_yen=subsidy,
                          subsidy_per_passenger_yen=per_passenger,
                          cost_recovery=revenue_yen / cost if cost else None)


def route_performance(loaded: LoadedFeed, date: dt.date) -> list[RoutePerformance]:
    """One RoutePerformance per route of routes.txt, in its order (zero trips when it does not
    run on the date)."""
    feed = loaded.feed
    running = active_services(feed.calendar, feed.calendar_dates, date)
    trips = feed.trips[feed.trips["service_id"].astype(str).isin(running)]
    stats = _trip_stats(loaded, trips)
    out = []
    for route in feed.routes.itertuples(index=False):
        route_id = str(route.route_id)
        mine = stats[stats["route_id"] == route_id]
        out.append(_summarise(route, route_id, date, mine))
    return out


def _trip_stats(loaded: LoadedFeed, trips: pd.DataFrame) -> pd.DataFrame:
    """Per running trip: route, direction, duration (h), distance (km), its source, and the
    start seconds of every run (several for a frequencies.txt trip)."""
    columns = ["trip_id", "route_id", "direction", "duration_h", "km", "source", "starts"]
    if trips.empty:
        return pd.DataFrame(columns=columns)
    feed = loaded.feed.copy()  # gtfs-kit reads the feed's tables; give it only running trips
    feed.trips = trips.reset_index(drop=True)
    ids = set(trips["trip_id"].astype(str))
    feed.stop_times = feed.stop_times[feed.stop_times["trip_id"].astype(str).isin(ids)]
    stats = gtfs_kit.compute_trip_stats(feed, compute_dist_from_shapes=True)
    stats = stats.assign(trip_id=stats["trip_id"].astype(str)).set_index("trip_id")
    straight = _straight_line_km(feed)
    km = stats["distance"].astype("float64")
    source = np.where(km.notna(), "shapes", "straight_line")
    km = km.fillna(straight.reindex(stats.index))
    starts = _run_starts(feed, stats)
    direction = (stats["direction_id"].astype("Float64").fillna(0).astype("int64")
                 if "direction_id" in stats.columns else 0)
    return pd.DataFrame({"trip_id": stats.index, "route_id": stats["route_id"].astype(str),
                         "direction": direction, "duration_h": stats["duration"].astype(float),
                         "km": km.to_numpy(float), "source": source,
                         "starts": [starts[t] for t in stats.index]}, columns=columns)


def _straight_line_km(feed) -> pd.Series:
    """Sum of great-circle distances between consecutive stops, km per trip."""
    times = trip_times(feed.stop_times)
    coords = feed.stops.set_index(feed.stops["stop_id"].astype(str))[["stop_lat", "stop_lon"]]
    at = coords.reindex(times["stop_id"].astype(str)).to_numpy(float)
    same = (times["trip"].to_numpy() == np.roll(times["trip"].to_numpy(), 1))
    legs = haversine_m(np.roll(at[:, 0], 1), np.roll(at[:, 1], 1), at[:, 0], at[:, 1])
    legs = np.where(same & np.isfinite(legs), legs, 0.0)
    return pd.Series(legs / 1000, index=times.index).groupby(times["trip"]).sum()


def _run_starts(feed, stats: pd.DataFrame) -> dict[str, list[int]]:
    """Trip start seconds; one per headway inside each frequencies.txt window of a trip."""
    first = {t: [int(clock_seconds(pd.Series([s]))[0])] for t, s in stats["start_time"].items()}
    freq = feed.frequencies
    if freq is None or freq.empty:
        return first
    runs: dict[str, list[int]] = {}
    begin, end = clock_seconds(freq["start_time"]), clock_seconds(freq["end_time"])
    for trip, lo, hi, step in zip(freq["trip_id"].astype(str), begin, end, freq["headway_secs"]):
        if trip in first and step and step > 0:
            runs.setdefault(trip, []).extend(range(int(lo), int(hi), int(step)))
    return {**first, **runs}


def _summarise(route, route_id: str, date: dt.date, mine: pd.DataFrame) -> RoutePerformance:
    counts = mine["starts"].map(len) if not mine.empty else pd.Series(dtype=int)
    starts = sorted(s for runs in mine["starts"] for s in runs)
    gaps: list[int] = []
    for _, group in mine.groupby("direction"):
        times = sorted(s for runs in group["starts"] for s in runs)
        gaps += list(np.diff(times))
    sources = set(mine["source"])
    return RoutePerformance(
        route_id=route_id, route_name=_name(route), route_type=int(route.route_type),
        date=date, trips=int(counts.sum()),
        service_hours=float((mine["duration_h"] * counts).sum()),
        service_km=float((mine["km"] * counts).sum()),
        distance_source="mixed" if len(sources) > 1 else next(iter(sources), ""),
        first_departure_s=starts[0] if starts else None,
        last_departure_s=starts[-1] if starts else None,
        mean_headway_s=float(np.mean(gaps)) if gaps else None)


def _name(route) -> str:
    for field in ("route_short_name", "route_long_name"):
        value = getattr(route, field, None)
        if value is not None and not pd.isna(value) and str(value).strip():
            return str(value).strip()
    return str(route.route_id)
