"""Who the van may carry when, by the operator's GTFS-Flex feed: service area, hours and notice.

A query becomes an `Admission` (the service day, the pickup and drop-off windows on that day's
clock) or a `RideRefused` whose code tells the rider what to change: the place, the time or
the moment of booking.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import numpy as np

from maas.domain.mobility import OfferQuery
from maas.domain.ondemand import RefusalCode, RideRefused
from operators.ondemand.config import Promise
from routing.flex import BookingRule, FlexFeed, Zone, ZoneKind, can_serve, check_notice, zones_containing

_NOTICE_CODES = {"too_early": RefusalCode.TOO_EARLY}


@dataclass(frozen=True)
class Admission:
    service_date: dt.date
    pickup_window_s: tuple[int, int]  # seconds after the service day's midnight
    dropoff_window_s: tuple[int, int]
    booking_rule: BookingRule | None


class ServiceArea:
    def __init__(self, feed: FlexFeed, zone: ZoneInfo) -> None:
        if not feed.zones or not feed.trips:
            raise ValueError(f"{feed.source}: the GTFS-Flex feed has no zones or no flex trips")
        self.feed, self.zone = feed, zone

    def admit(self, query: OfferQuery, now: dt.datetime, promise: Promise) -> Admission:
        origin, destination = (query.origin.lat, query.origin.lon), (query.destination.lat, query.destination.lon)
        if not zones_containing(self.feed.zones, *origin):
            raise RideRefused(RefusalCode.OUTSIDE_AREA, "the pickup point is outside the service area")
        if not zones_containing(self.feed.zones, *destination):
            raise RideRefused(RefusalCode.OUTSIDE_AREA, "the destination is outside the service area")
        local = query.depart_at.astimezone(self.zone)
        asked_s = local.hour * 3600 + local.minute * 60 + local.second
        rides = can_serve(self.feed, origin, destination, local.date(), asked_s)
        if not rides:
            raise RideRefused(RefusalCode.OUTSIDE_HOURS,
                              f"no service at {local:%H:%M} on {local:%Y-%m-%d}; {self.hours_on(local.date())}")
        ride = rides[0]
        rule = ride.pickup.booking_rule
        if rule is not None:
            refusal = check_notice(rule, now, query.depart_at)
            if refusal is not None:
                raise RideRefused(_NOTICE_CODES.get(refusal.code, RefusalCode.NOTICE_TOO_SHORT), refusal.message)
        day, t = ride.pickup.service_date, ride.pickup.pickup_time_s
        earliest_s = t - promise.flexible_before_s
        if rule is not None and rule.notice_min_s is not None:
            # Never promise a pickup sooner than the notice the rule demands from now.
            day_start = dt.datetime.combine(day, dt.time(), self.zone)
            earliest_s = max(earliest_s, int((now - day_start).total_seconds()) + rule.notice_min_s)
        pickup = (max(earliest_s, ride.pickup.stop_time.start_window_s),
                  min(t + promise.flexible_after_s, ride.pickup.stop_time.end_window_s))
        if pickup[0] > pickup[1]:
            raise RideRefused(RefusalCode.NOTICE_TOO_SHORT, "no pickup time left that respects the booking notice")
        dropoff = (ride.drop_off.start_window_s, ride.drop_off.end_window_s)
        return Admission(day, pickup, dropoff, rule)

    def pickup_zones(self, day: dt.date) -> list[tuple[Zone, tuple[tuple[int, int], ...]]]:
        """Each area zone the feed's trips pick up in, with the day's pickup windows (none: no service)."""
        windows: dict[str, set[tuple[int, int]]] = {}
        for trip in self.feed.trips:
            for st in trip.stop_times:
                if st.allows_pickup:
                    found = windows.setdefault(st.zone_id, set())
                    if self.feed.runs_on(trip.service_id, day):
                        found.add((st.start_window_s, st.end_window_s))
        return [(self.feed.zones[z], tuple(sorted(w))) for z, w in windows.items()
                if z in self.feed.zones and self.feed.zones[z].kind is ZoneKind.AREA]

    def hours_on(self, day: dt.date) -> str:
        windows = sorted({(st.start_window_s, st.end_window_s) for trip in self.feed.trips
                          if self.feed.runs_on(trip.service_id, day) for st in trip.stop_times if st.allows_pickup})
        if not windows:
            return "the service does not run that day"
        spans = ", ".join(f"{a // 3600:02d}:{a % 3600 // 60:02d}-{b // 3600:02d}:{b % 3600 // 60:02d}"
                          for a, b in windows)
        return f"the service runs {spans}"


def zone_rings(edges_deg: np.ndarray) -> tuple[tuple[tuple[float, float], ...], ...]:
    """An area zone's (lon1, lat1, lon2, lat2) edge rows back as rings of (lon, lat) corners."""
    rings, start = [], 0
    for i in range(len(edges_deg)):
        if i + 1 == len(edges_deg) or not np.array_equal(edges_deg[i, 2:], edges_deg[i + 1, :2]):
            corners = [tuple(map(float, e[:2])) for e in edges_deg[start:i + 1]]
            rings.append(tuple(corners + [tuple(map(float, edges_deg[i, 2:]))]))
            start = i + 1
    return tuple(rings)
