"""What a scenario costs and earns: operating cost per service, fares of fixed routes x riders, the vans'
fares x riders they took, and the subsidy (cost - revenue) per passenger, before and after.

- A fixed route's fare per rider comes from the feed's fare rules (GTFS fares v1, `routing.fares`):
  the mean over every ordered pair of stops of its first trip's fare from one to the other (a flat
  fare is that fare; a distance fare assumes riders spread evenly over the pairs).
- Its riders per day are the given (or recorded) figure before the edits; after them the riders per
  trip stay the same (riders scale with the trips run); a removed route carries nobody. Routes with
  no riders figure earn nothing modelled and are listed under `routes_without_riders`.
- An on-demand zone earns fare_yen x the riders its vans took in the simulated day.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from maas.domain.scenarios import CostModelSpec, RouteRiders
from maas.routing_adapter.scenario_vans import SimulatedZone
from routing.fares import FareTable
from routing.gtfs import LoadedFeed
from routing.scenarios import CostModel, RoutePerformance, compare_economics, economics


def route_fares(feeds: Sequence[LoadedFeed], keys: Sequence[str], table: FareTable) -> dict[str, float]:
    """Per route id (as in its feed), the mean fare in yen of a ride between two of its first trip's stops."""
    out: dict[str, float] = {}
    for loaded, key in zip(feeds, keys):
        feed = loaded.feed
        if feed.trips is None or feed.stop_times is None:
            continue
        times = feed.stop_times.assign(trip_id=feed.stop_times["trip_id"].astype(str))
        for route_id, trips in feed.trips.groupby(feed.trips["route_id"].astype(str)):
            first = str(trips["trip_id"].astype(str).min())
            stops = [str(s) for s in times[times["trip_id"] == first].sort_values("stop_sequence")["stop_id"]]
            prices = [fare.price_minor for i, a in enumerate(stops) for b in stops[i + 1:]
                      if (fare := table.leg_fare(f"{key}:{route_id}", f"{key}:{a}", f"{key}:{b}")) is not None]
            if prices:
                out[str(route_id)] = sum(prices) / len(prices)
    return out


def scenario_economics(spec: CostModelSpec, before: Sequence[RoutePerformance], after: Sequence[RoutePerformance],
                       zones: Sequence[SimulatedZone], fares: dict[str, float], riders: RouteRiders) -> dict[str, Any]:
    model = CostModel(spec.per_vehicle_hour_yen, spec.per_km_yen, spec.per_trip_yen)
    trips_before = {p.route_id: p.trips for p in before}

    def priced(p: RoutePerformance, after_edits: bool) -> Any:
        per_day = riders.per_day.get(p.route_id)
        if per_day is None or not trips_before.get(p.route_id):
            return economics(p, model, 0, 0)
        carried = per_day * p.trips / trips_before[p.route_id] if after_edits else per_day
        boardings = round(carried)
        return economics(p, model, boardings, round(boardings * fares.get(p.route_id, 0.0)))

    old = {p.route_id: priced(p, False) for p in before if p.trips}
    new = {p.route_id: priced(p, True) for p in after if p.trips}
    for zone in zones:
        taken = zone.figures.riders_served
        new[zone.ride.zone_name] = economics(zone.figures, model, taken, zone.spec.fare_yen * taken)
    change = compare_economics(old, new)
    passengers_before = sum(e.boardings for e in old.values())
    passengers_after = sum(e.boardings for e in new.values())
    return {"cost_before_yen": change.cost_before_yen, "cost_after_yen": change.cost_after_yen,
            "cost_change_yen": change.cost_change_yen,
            "revenue_before_yen": sum(e.revenue_yen for e in old.values()),
            "revenue_after_yen": sum(e.revenue_yen for e in new.values()),
            "subsidy_before_yen": change.subsidy_before_yen, "subsidy_after_yen": change.subsidy_after_yen,
            "subsidy_change_yen": change.subsidy_change_yen,
            "passengers_before": passengers_before, "passengers_after": passengers_after,
            "subsidy_per_passenger_before_yen": _per(change.subsidy_before_yen, passengers_before),
            "subsidy_per_passenger_after_yen": _per(change.subsidy_after_yen, passengers_after),
            "services_before": {k: asdict(v) for k, v in old.items()},
            "services_after": {k: asdict(v) for k, v in new.items()},
            "fare_per_rider_yen": {k: round(v, 1) for k, v in sorted(fares.items())},
            "riders_source": dict(sorted(riders.source.items())),
            "routes_without_riders": sorted(k for k in old if k not in riders.per_day),
            "revenue_note": "fixed routes: riders per day (riders_source) x the mean fare of their fare rules; "
                            "after the edits riders per trip stay the same; routes without a riders figure "
                            "earn nothing modelled (their subsidy is their cost); on-demand zones: fare_yen x "
                            "riders the vans took in the simulated day"}


def _per(amount: int, passengers: int) -> float | None:
    return None if passengers <= 0 else round(amount / passengers, 1)
