"""Route performance: what each route ran, carried, earned and cost over a period, and the on-demand
service's recorded day, for the town's transport plan.

Measured:
- per route (GTFS, routing.scenarios.route_performance): trips, service hours (first to last
  departure of each trip) and km, summed over the period's dates;
- boardings and revenue of the tickets the platform's ticket office sold (ledger entries of the
  transit operator, one boarding per booked leg ridden, attributed to the route the offer named,
  on the local date the leg departed); revenue is what the operator is owed for the leg (rider,
  pass and the town's fare rules together) and includes late-cancellation fees;
- cost = hours x per_vehicle_hour + km x per_km + trips x per_trip (whole yen, halves up),
  subsidy = cost - revenue, subsidy per passenger, cost recovery = revenue / cost;
- on-demand (the RideStore of its operator): rides served, cancelled, no-shows, riders, waits
  (pickup minus requested pickup) and ride times from the recorded times, pooling (rides sharing
  the vehicle: recorded on-board intervals overlapping, and in the day plan's stop order),
  vehicle-hours from each vehicle's first recorded pickup to its last drop-off, riders per
  vehicle-hour, utilisation = hours with at least one rider on board (the union of each vehicle's
  recorded on-board intervals) / vehicle-hours, detour factors = recorded ride time (pickup to
  drop-off) / the direct ride time stored at booking (rides booked before it was stored are left
  out; `detour_rides` counts those measured); recorded times outside the plausible window around
  the ride (maas.domain.plausibility, e.g. a pickup reported two days early) are left out of every
  timed figure and counted as `implausible_times`, and an early pickup is a wait of 0; revenue
  from its ledger entries; quotes it refused to riders asking it directly
  (maas.domain.ride_refusals, by service date), by refusal code, and the refusal rate refused /
  (served + refused), where a rider asking again after a refusal counts again;
- taxi voucher: ledger entries of taxi legs departing in the period that the town paid part of
  (a subsidy_due entry: its fare rules, e.g. the taxi voucher): trips, the town's voucher spend,
  riders' share, the taxi operators' revenue, subsidy per trip, and cost = trips x per_trip.
Uploaded ridership counts (maas.domain.ridership) add to each route's boardings (`boardings_uploaded`).
Not measured: fares paid on board or with tickets not sold here (boardings undercount unless uploaded), on-demand
refusals in journey searches (the operator answers no offer, without a reason), on-demand km and
depot runs, seat utilisation (the fleet's seats are not known here), layovers between trips, and
taxi trips paid with paper vouchers outside the platform.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from maas.domain.booked_legs import BookedLeg
from maas.domain.mobility import BookingState
from maas.domain.ondemand import DayPlan, Ride, StopKind
from maas.domain.plausibility import EventWindow
from maas.domain.ride_refusals import RideRefusal, count_by_code
from maas.domain.scenarios import CostModelSpec, RouteFigures, RoutePerformanceParams

MEASURED = ["trips, service hours and km per route from the GTFS timetable of each date",
            "boardings and revenue of tickets sold by the platform (ledger), by route and departure date",
            "boardings the town uploaded for trips not booked here (POST /v1/ridership), added to each route's "
            "boardings and shown apart as boardings_uploaded; their fares are not known (no revenue)",
            "on-demand rides served, cancelled and no-shows, riders, waits, ride times, pooling and vehicle-hours "
            "from the recorded rides and day plans",
            "on-demand utilisation: hours with a rider on board / vehicle-hours; detour factors: recorded ride "
            "time / direct ride time stored at booking (rides booked before it was stored are left out)",
            "on-demand recorded times outside the plausible window around each ride are left out of waits, "
            "ride times, pooling and vehicle-hours (counted as implausible_times); an early pickup waits 0 s",
            "on-demand quotes refused to riders, by refusal code, and the refusal rate refused / (served + refused)",
            "taxi-voucher trips, the town's voucher spend, riders' share and taxi revenue (ledger), "
            "cost = trips x per_trip"]
NOT_MEASURED = ["tickets not sold through the platform (cash on board, other sellers) unless the town uploads their "
                "counts: boardings undercount, and their revenue is never known",
                "on-demand refusals inside journey searches (no reason is given there); a rider asking again "
                "after a refusal counts again",
                "taxi trips with paper vouchers or otherwise not booked through the platform",
                "on-demand km and depot runs; seat utilisation (the fleet's seats are not known to the analysis)",
                "layovers between trips (service hours are first to last departure of each trip)"]


def cost_yen(hours: float, km: float, trips: int, model: CostModelSpec) -> int:
    raw = hours * model.per_vehicle_hour_yen + km * model.per_km_yen + trips * model.per_trip_yen
    return math.floor(raw + 0.5)


def economics(cost: int, boardings: int, revenue: int) -> dict[str, Any]:
    subsidy = cost - revenue
    return {"operating_cost_yen": cost, "revenue_yen": revenue, "boardings": boardings, "subsidy_yen": subsidy,
            "subsidy_per_passenger_yen": math.floor(subsidy / boardings + 0.5) if boardings else None,
            "cost_recovery": round(revenue / cost, 4) if cost else None}


class SoldLeg:
    """A ticketed leg with its ledger money: (route, ridden?, operator due, rider paid, pass, fare subsidy)."""

    def __init__(self, leg: BookedLeg) -> None:
        self.leg = leg
        self.route_id = leg.route_id
        self.ridden = leg.booking is not None and leg.booking.state is BookingState.FINISHED
        self.amounts: dict[str, int] = {}


def compute(params: RoutePerformanceParams, figures: dict[str, list[RouteFigures]], sold: Sequence[SoldLeg],
            on_demand: dict[str, Any] | None, taxis: Sequence[SoldLeg] = (),
            uploaded: dict[str, int] | None = None) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """(summary, one row per route and the taxi-voucher row) as JSON values; figures are per ISO date."""
    rows: dict[str, dict[str, Any]] = {}
    for day in figures.values():
        for f in day:
            key = f"{f.feed_key}:{f.route_id}" if f.feed_key else f.route_id
            row = rows.setdefault(key, {"route_id": f.route_id, "feed_key": f.feed_key, "name": f.name,
                                        "route_type": f.route_type, "trips": 0, "service_hours": 0.0,
                                        "service_km": 0.0, "days_running": 0, "distance_source": set()})
            row["trips"] += f.trips
            row["service_hours"] += f.service_hours
            row["service_km"] += f.service_km
            row["days_running"] += 1 if f.trips else 0
            if f.distance_source:
                row["distance_source"].add(f.distance_source)
    money = {k: {"boardings": 0, "revenue": 0, "rider_paid": 0, "pass_covered": 0, "fare_subsidy": 0} for k in rows}
    unattributed = 0
    unattributed_counts = False
    for leg in sold:
        matched = _match(leg.route_id, rows)
        if matched is None:
            unattributed += 1
            continue
        m = money[matched]
        m["boardings"] += 1 if leg.ridden else 0
        m["revenue"] += leg.amounts.get("operator_due", 0)
        m["rider_paid"] += leg.amounts.get("rider_paid", 0)
        m["pass_covered"] += leg.amounts.get("pass_covered", 0)
        m["fare_subsidy"] += leg.amounts.get("subsidy_due", 0)
    counted = {k: 0 for k in rows}
    for route_id, boardings in (uploaded or {}).items():  # counts the town uploaded: trips not booked here
        matched = _match(route_id, rows)
        if matched is None:
            unattributed_counts = True
            continue
        counted[matched] += boardings
        money[matched]["boardings"] += boardings
    out = []
    for key, row in rows.items():
        m = money[key]
        row["boardings_uploaded"] = counted[key]
        hours, km = round(row["service_hours"], 4), round(row["service_km"], 3)
        sources = row.pop("distance_source")
        out.append({**row, "service": "fixed_route", "service_hours": hours, "service_km": km,
                    "distance_source": "mixed" if len(sources) > 1 else next(iter(sources), ""),
                    "rider_paid_yen": m["rider_paid"], "pass_covered_yen": m["pass_covered"],
                    "fare_subsidy_yen": m["fare_subsidy"],
                    **economics(cost_yen(row["service_hours"], row["service_km"], row["trips"], params.cost_model),
                                m["boardings"], m["revenue"])})
    totals = economics(sum(r["operating_cost_yen"] for r in out), sum(r["boardings"] for r in out),
                       sum(r["revenue_yen"] for r in out))
    dates = params.dates()
    voucher = taxi_voucher_row(taxis, params.cost_model, params.timezone)
    summary = {"period": {"from": dates[0].isoformat(), "to": dates[-1].isoformat(), "days": len(dates)},
               "cost_model": params.cost_model.model_dump(), "timezone": params.timezone,
               "routes": out, "totals": {**totals, "trips": sum(r["trips"] for r in out),
                                         "service_hours": round(sum(r["service_hours"] for r in out), 4),
                                         "service_km": round(sum(r["service_km"] for r in out), 3)},
               "unattributed_transit_legs": unattributed, "on_demand": on_demand,
               "uploaded_counts_unmatched": unattributed_counts,
               "taxi_voucher": voucher,
               "measured": MEASURED, "not_measured": NOT_MEASURED}
    return summary, [*out, voucher]


def taxi_voucher_row(taxis: Sequence[SoldLeg], model: CostModelSpec, timezone: str) -> dict[str, Any]:
    """Taxi legs the town paid part of (voucher trips), as a row beside the routes'."""
    used = [leg for leg in taxis if leg.amounts.get("subsidy_due", 0) > 0]
    spend = sum(leg.amounts["subsidy_due"] for leg in used)
    trips = len(used)
    zone = ZoneInfo(timezone)
    return {"service": "taxi_voucher", "route_id": "taxi_voucher", "feed_key": "", "name": "taxi voucher",
            "route_type": None, "days_running": len({leg.leg.departure.astimezone(zone).date() for leg in used}),
            "trips": trips, "service_hours": None, "service_km": None, "distance_source": "",
            "operators": sorted({leg.leg.operator_id for leg in used}),
            "rules": sorted({rule for leg in used for rule in leg.leg.rules}),
            "boardings": trips, "revenue_yen": sum(leg.amounts.get("operator_due", 0) for leg in used),
            "rider_paid_yen": sum(leg.amounts.get("rider_paid", 0) for leg in used),
            "pass_covered_yen": sum(leg.amounts.get("pass_covered", 0) for leg in used),
            "fare_subsidy_yen": spend, "subsidy_yen": spend,
            "subsidy_per_trip_yen": math.floor(spend / trips + 0.5) if trips else None,
            "subsidy_per_passenger_yen": None,  # a taxi leg does not record its party
            "cost_per_trip_yen": model.per_trip_yen, "operating_cost_yen": cost_yen(0.0, 0.0, trips, model),
            "cost_recovery": None}


def _match(route_id: str | None, rows: dict[str, Any]) -> str | None:
    if route_id is None:
        return None
    if route_id in rows:
        return route_id
    plain = [k for k, r in rows.items() if r["route_id"] == route_id]
    return plain[0] if len(plain) == 1 else None


# -- on-demand -------------------------------------------------------------------------------
def _nearest_rank(values: Sequence[float], percentiles: Iterable[int] = (50, 90, 100)) -> dict[str, float]:
    ordered = sorted(values)
    if not ordered:
        return {}
    return {str(p): ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)] for p in percentiles}


def _shared_in_plan(plan: DayPlan) -> set[str]:
    shared: set[str] = set()
    for stops in plan.routes.values():
        aboard: set[str] = set()
        for ride_id, kind in stops:
            if kind is StopKind.PICKUP:
                aboard.add(ride_id)
            elif kind is StopKind.DROP_OFF:
                aboard.discard(ride_id)
            if len(aboard) >= 2:
                shared |= aboard
    return shared


def _union_s(intervals: Sequence[tuple[Any, Any]]) -> float:
    """Seconds covered by at least one of the (start, end) datetime intervals."""
    total, end = 0.0, None
    for a, b in sorted(intervals):
        if b <= a:
            continue
        if end is None or a > end:
            total += (b - a).total_seconds()
            end = b
        elif b > end:
            total += (b - end).total_seconds()
            end = b
    return total


def _plausible(ride: Ride, window: EventWindow) -> Ride:
    """The ride with its recorded pickup and drop-off, or without both when either could not have
    happened then (reported long before or after the ride, or a drop-off before the pickup)."""
    times = [t for t in (ride.picked_up_at, ride.dropped_off_at) if t is not None]
    ordered = ride.picked_up_at is None or ride.dropped_off_at is None or ride.picked_up_at <= ride.dropped_off_at
    if ordered and all(window.admits(t, ride.pickup_from, ride.latest_dropoff) for t in times):
        return ride
    return ride.model_copy(update={"picked_up_at": None, "dropped_off_at": None})


def on_demand_figures(operator_id: str, days: Sequence[tuple[DayPlan, list[Ride]]], sold: Sequence[SoldLeg],
                      model: CostModelSpec, refused: Sequence[RideRefusal] = (),
                      window: EventWindow | None = None) -> dict[str, Any]:
    window = window or EventWindow()
    served: list[Ride] = []
    cancelled = no_shows = planned_shared = implausible = 0
    shared: set[str] = set()
    hours = occupied_s = 0.0
    for plan, rides in days:
        no_shows += sum(1 for r in rides if r.no_show_at is not None)
        cancelled += sum(1 for r in rides if r.no_show_at is None and r.booking.state is BookingState.CANCELLED)
        done = [r for r in rides if r.no_show_at is None and
                (r.booking.state is BookingState.FINISHED or r.dropped_off_at is not None)]
        cleaned = [_plausible(r, window) for r in done]
        implausible += sum(1 for a, b in zip(done, cleaned) if a is not b)
        done = cleaned
        served += done
        planned_shared += len(_shared_in_plan(plan) & {r.id for r in done})
        timed = [r for r in done if r.picked_up_at is not None and r.dropped_off_at is not None]
        by_vehicle: dict[str, list[Ride]] = {}
        for r in timed:
            by_vehicle.setdefault(r.vehicle_id, []).append(r)
        for group in by_vehicle.values():
            hours += (max(r.dropped_off_at for r in group) - min(r.picked_up_at for r in group)  # type: ignore
                      ).total_seconds() / 3600
            occupied_s += _union_s([(r.picked_up_at, r.dropped_off_at) for r in group])
            for a in group:
                if any(b is not a and a.picked_up_at < b.dropped_off_at and b.picked_up_at < a.dropped_off_at  # type: ignore
                       for b in group):
                    shared.add(a.id)
    riders = sum(r.travellers for r in served)
    # A rider picked up before the time they asked for did not wait at all.
    waits = [max(0.0, (r.picked_up_at - r.requested_pickup).total_seconds()) for r in served
             if r.picked_up_at is not None]
    rides_s = [(r.dropped_off_at - r.picked_up_at).total_seconds() for r in served
               if r.picked_up_at is not None and r.dropped_off_at is not None]
    detours = [round((r.dropped_off_at - r.picked_up_at).total_seconds() / r.direct_s, 4) for r in served
               if r.picked_up_at is not None and r.dropped_off_at is not None and r.direct_s]
    revenue = sum(leg.amounts.get("operator_due", 0) for leg in sold)
    return {"operator_id": operator_id, "rides_booked": sum(len(r) for _, r in days), "served": len(served),
            "cancelled": cancelled, "no_shows": no_shows, "riders": riders,
            "pooling_rate": round(len(shared) / len(served), 4) if served else None,
            "planned_pooling_rate": round(planned_shared / len(served), 4) if served else None,
            "vehicle_hours": round(hours, 4),
            "riders_per_vehicle_hour": round(riders / hours, 3) if hours > 0 else None,
            "occupied_hours": round(occupied_s / 3600, 4),
            "utilisation": round(occupied_s / 3600 / hours, 4) if hours > 0 else None,
            "wait_s": _nearest_rank(waits), "ride_time_s": _nearest_rank(rides_s),
            "refused_quotes": len(refused), "refused": count_by_code(refused),
            "refusal_rate": round(len(refused) / (len(served) + len(refused)), 4) if served or refused else None,
            "km": None, "detour": _nearest_rank(detours), "detour_rides": len(detours),
            "implausible_times": implausible,
            **economics(cost_yen(hours, 0.0, len(served), model), riders, revenue)}


# -- exports ---------------------------------------------------------------------------------
COLUMNS = ["route_id", "feed_key", "name", "route_type", "days_running", "trips", "service_hours", "service_km",
           "boardings", "revenue_yen", "rider_paid_yen", "pass_covered_yen", "fare_subsidy_yen", "operating_cost_yen",
           "subsidy_yen", "subsidy_per_passenger_yen", "cost_recovery", "service", "subsidy_per_trip_yen",
           "cost_per_trip_yen"]


def cells_csv(summary: dict[str, Any], rows: list[dict[str, Any]]) -> str:
    """One row per route and the taxi-voucher row (the 'cells' of this kind)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow(["" if row.get(c) is None else row.get(c) for c in COLUMNS])
    return out.getvalue()


def cells_geojson(summary: dict[str, Any], rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Routes as features without geometry (their shapes are in the feed)."""
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": r["route_id"], "geometry": None, "properties": {c: r.get(c) for c in COLUMNS}}
        for r in rows]}
