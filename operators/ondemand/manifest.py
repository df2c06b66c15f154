"""Drivers' manifests: each van's run for its shift, stops in order with times, riders and needs.

Stops already served come first, at the time the driver reported them; the rest follow in the
plan's order at their scheduled times. A van running late (its run can no longer be timed
within the promises) shows the promised windows as its times, so the dispatcher sees it.
"""

from __future__ import annotations

import datetime as dt

from maas.domain.ondemand import Manifest, ManifestStop, Ride, StopKind
from operators.ondemand.config import OnDemandConfig, Van
from operators.ondemand.day import DayBuilder
from operators.ondemand.plans import Day


def _stop(ride: Ride, kind: StopKind, planned_at: dt.datetime, done_at: dt.datetime | None = None,
          outcome: str = "") -> ManifestStop:
    pickup = kind is StopKind.PICKUP
    return ManifestStop(ride_id=ride.id, kind=kind, place=ride.origin if pickup else ride.destination,
                        planned_at=planned_at,
                        window_from=ride.pickup_from,
                        window_until=ride.pickup_until if pickup else ride.latest_dropoff,
                        travellers=ride.travellers, wheelchairs=ride.wheelchairs, needs=ride.needs,
                        rider_name=ride.rider_name, done_at=done_at, outcome=outcome)


def _break(config: OnDemandConfig, van: Van, day: Day, break_ref: str, planned: dt.datetime | None) -> ManifestStop:
    rest = van.breaks[int(break_ref.removeprefix("break-"))]
    earliest = dt.datetime.combine(day.date, rest.earliest_start, config.zone)
    latest = dt.datetime.combine(day.date, rest.latest_start, config.zone)
    return ManifestStop(ride_id=break_ref, kind=StopKind.BREAK, place=van.depot, planned_at=planned or earliest,
                        window_from=earliest, window_until=latest, travellers=0, wheelchairs=0,
                        rider_name=f"{rest.duration_s // 60} min break")


def manifests(config: OnDemandConfig, builder: DayBuilder, day: Day) -> list[Manifest]:
    model = builder.build(day.date, day.plan, day.all_rides)
    out = []
    for v, van in enumerate(config.vans):
        done: list[ManifestStop] = []
        for ride in day.all_rides.values():
            if ride.vehicle_id != van.id:
                continue
            if ride.picked_up_at is not None:
                done.append(_stop(ride, StopKind.PICKUP, ride.picked_up_at, ride.picked_up_at, "picked_up"))
            if ride.dropped_off_at is not None:
                done.append(_stop(ride, StopKind.DROP_OFF, ride.dropped_off_at, ride.dropped_off_at, "dropped_off"))
            if ride.no_show_at is not None:
                done.append(_stop(ride, StopKind.PICKUP, ride.no_show_at, ride.no_show_at, "no_show"))
        done.sort(key=lambda s: s.done_at)
        times = model.schedule(v)
        coming = []
        for k, (ride_id, kind) in enumerate(model.stops(v, model.routes[v])):
            if kind is StopKind.BREAK:
                coming.append(_break(config, van, day, ride_id, None if times is None else model.at(times[k + 1])))
                continue
            ride = day.rides[ride_id]
            if times is not None:
                planned = model.at(times[k + 1])
            else:
                planned = ride.pickup_from if kind is StopKind.PICKUP else ride.latest_dropoff
            coming.append(_stop(ride, kind, planned))
        out.append(Manifest(operator_id=config.operator_id, vehicle_id=van.id, service_date=day.date,
                            shift_start=dt.datetime.combine(day.date, van.shift_start, config.zone),
                            shift_end=dt.datetime.combine(day.date, van.shift_end, config.zone),
                            seats=van.seats, wheelchair_places=van.wheelchair_places,
                            plan_version=day.plan.version, stops=tuple(done + coming)))
    return out
