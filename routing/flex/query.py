"""Which flex trips can pick a rider up at a point and time, and carry them to another point.

Times are seconds after the start of the service day `date` (GTFS clock: 25:30 is 01:30 the next
morning), so a query also looks at the previous service day shifted by 24 h.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from routing.flex.geometry import zones_containing
from routing.flex.model import DEFAULT_STOP_RADIUS_M, BookingRule, FlexFeed, FlexStopTime, FlexTrip

DAY_S = 86_400


@dataclass(frozen=True)
class FlexPickup:
    """A flex trip that can pick the rider up: the zone row, its service day and booking rule."""

    trip: FlexTrip
    stop_time: FlexStopTime
    service_date: dt.date
    pickup_time_s: int  # on service_date's clock
    booking_rule: BookingRule | None


@dataclass(frozen=True)
class FlexRide:
    """A flex trip that can carry the rider from the pickup row to the drop-off row."""

    pickup: FlexPickup
    drop_off: FlexStopTime
    drop_off_rule: BookingRule | None

    @property
    def trip_id(self) -> str:
        return self.pickup.trip.trip_id


def _service_days(date: dt.date, time_s: int) -> list[tuple[dt.date, int]]:
    return [(date, time_s), (date - dt.timedelta(days=1), time_s + DAY_S)]


def _pickups(feed: FlexFeed, zone_ids: set[str], date: dt.date, time_s: int) -> list[tuple[FlexPickup, int]]:
    """(pickup, index of its row in the trip) for every pickup row open at the time."""
    found = []
    for day, clock_s in _service_days(date, time_s):
        for trip in feed.trips:
            if not feed.runs_on(trip.service_id, day):
                continue
            for index, st in enumerate(trip.stop_times):
                if (st.allows_pickup and st.zone_id in zone_ids
                        and st.start_window_s <= clock_s <= st.end_window_s):
                    rule = feed.find_booking_rule(st.pickup_booking_rule_id)
                    found.append((FlexPickup(trip, st, day, clock_s, rule), index))
                    break  # the earliest boarding row is enough: later rows only shorten the ride
    return found


def services_at(feed: FlexFeed, lat_deg: float, lon_deg: float, date: dt.date, time_s: int, *,
                stop_radius_m: float = DEFAULT_STOP_RADIUS_M) -> list[FlexPickup]:
    """Flex trips that can pick up at the point at time_s of the service day `date`."""
    zone_ids = zones_containing(feed.zones, lat_deg, lon_deg, stop_radius_m=stop_radius_m)
    return [pickup for pickup, _ in _pickups(feed, zone_ids, date, time_s)]


def can_serve(feed: FlexFeed, origin: tuple[float, float], destination: tuple[float, float], date: dt.date,
              pickup_time_s: int, *, stop_radius_m: float = DEFAULT_STOP_RADIUS_M) -> list[FlexRide]:
    """Flex trips that pick up at origin (lat, lon) at pickup_time_s and can drop off at destination.

    The drop-off row must come at or after the pickup row (the same row when one zone row allows
    both), allow drop-off, contain the destination and still be open at the pickup time.
    """
    origin_zones = zones_containing(feed.zones, *origin, stop_radius_m=stop_radius_m)
    destination_zones = zones_containing(feed.zones, *destination, stop_radius_m=stop_radius_m)
    rides = []
    for pickup, index in _pickups(feed, origin_zones, date, pickup_time_s):
        for st in pickup.trip.stop_times[index:]:
            if (st.allows_drop_off and st.zone_id in destination_zones
                    and st.end_window_s >= pickup.pickup_time_s):
                rides.append(FlexRide(pickup, st, feed.find_booking_rule(st.drop_off_booking_rule_id)))
                break
    return rides
