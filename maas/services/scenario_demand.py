"""What a scenario's demand and revenue rest on, from what happened where it is known.

- Fixed-route riders per day (for fare revenue), per route, from the first source that has them:
  `given` (the request's route_riders_per_day), `uploaded` (ridership counts the town uploaded as
  CSV for the date, maas.domain.ridership), `recorded` (transit legs sold here and ridden on the
  date, from the ledger). Routes with none earn nothing modelled; the summary names each source.
- On-demand trips that happened: the rides the enabled on-demand operators booked for the date
  (cancelled, rejected and expired ones left out), as `RecordedTrip`s for zones with recorded demand.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from zoneinfo import ZoneInfo

from maas.domain.mobility import BookingState
from maas.domain.ondemand import Ride
from maas.domain.scenarios import RecordedTrip, RouteRiders

NOT_TRAVELLED = frozenset({BookingState.CANCELLED, BookingState.REJECTED, BookingState.EXPIRED,
                           BookingState.RELEASED})


def plain_route(route_id: str) -> str:
    """A planner's "<feed key>:<route id>" as the route id of its feed."""
    return route_id.split(":", 1)[1] if ":" in route_id else route_id


def route_riders(given: Mapping[str, float], uploaded: Mapping[str, float],
                 recorded: Iterable[str | None]) -> RouteRiders:
    """Riders per day per route id (as in its feed) and where each figure came from.

    `recorded` is the route id of every transit leg ridden on the date (None: a leg naming no route).
    """
    per_day: dict[str, float] = {}
    source: dict[str, str] = {}
    counted: dict[str, float] = {}
    for route_id in recorded:
        if route_id:
            key = plain_route(route_id)
            counted[key] = counted.get(key, 0) + 1
    for figures, name in ((counted, "recorded"), (dict(uploaded), "uploaded"), (dict(given), "given")):
        for route_id, riders in figures.items():  # later sources win: given over uploaded over recorded
            per_day[plain_route(route_id)] = float(riders)
            source[plain_route(route_id)] = name
    return RouteRiders(per_day=per_day, source=source)


def recorded_trips(rides: Sequence[Ride], day: dt.date, timezone: str, operator_id: str) -> list[RecordedTrip]:
    """The day's rides that travelled (or may still), as demand: requested pickup in service-day seconds."""
    midnight = dt.datetime.combine(day, dt.time(), ZoneInfo(timezone))
    out = []
    for ride in rides:
        if ride.booking.state in NOT_TRAVELLED or ride.service_date != day:
            continue
        out.append(RecordedTrip(ride.origin.lat, ride.origin.lon, ride.destination.lat, ride.destination.lon,
                                int((ride.requested_pickup - midnight).total_seconds()), ride.travellers,
                                f"on-demand rides of {operator_id}"))
    return out
