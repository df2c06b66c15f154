"""The GTFS-Flex feed as read: zones, booking rules, service calendars and flex trips."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from routing.errors import RoutingError
from routing.gtfs.findings import Finding, Severity

# How far a rider may be from a member stop of a stop-based zone (location group) to count as in it.
DEFAULT_STOP_RADIUS_M = 300.0


class FlexError(ValueError, RoutingError):
    """The feed cannot be used as GTFS-Flex: unreadable, malformed as a whole, or (strict) has errors."""

    def __init__(self, message: str, findings: tuple[Finding, ...] = ()) -> None:
        self.findings = findings
        errors = [f for f in findings if f.severity is Severity.ERROR]
        if errors:
            message = f"{message}: {errors[0]}" + (f" (and {len(errors) - 1} more)" if len(errors) > 1 else "")
        super().__init__(message)


class UnknownZone(FlexError):
    """A zone id the feed does not define."""


class ZoneKind(str, enum.Enum):
    AREA = "area"  # a polygon from locations.geojson
    STOPS = "stops"  # a location group: the area within a radius of its member stops


@dataclass(frozen=True, eq=False)
class Zone:
    """A flex zone; area zones keep every ring edge as (lon1, lat1, lon2, lat2) rows in degrees."""

    zone_id: str
    name: str
    kind: ZoneKind
    edges_deg: np.ndarray  # (n, 4); empty for stop zones
    stop_ids: tuple[str, ...] = ()
    stop_lat_deg: np.ndarray = field(default_factory=lambda: np.empty(0))
    stop_lon_deg: np.ndarray = field(default_factory=lambda: np.empty(0))


class BookingType(enum.IntEnum):
    REAL_TIME = 0
    SAME_DAY = 1  # with prior notice counted in minutes before the pickup
    PRIOR_DAYS = 2  # up to a time on a day before the pickup


@dataclass(frozen=True)
class BookingRule:
    """booking_rules.txt in seconds and whole days; the spec's minute durations are converted."""

    rule_id: str
    booking_type: BookingType
    notice_min_s: int | None = None  # prior_notice_duration_min
    notice_max_s: int | None = None  # prior_notice_duration_max
    start_days_before: int | None = None  # prior_notice_start_day
    start_time_s: int | None = None  # prior_notice_start_time
    last_days_before: int | None = None  # prior_notice_last_day
    last_time_s: int | None = None  # prior_notice_last_time
    notice_service_id: str | None = None  # prior_notice_service_id: days counted on this calendar
    message: str = ""
    phone_number: str = ""
    info_url: str = ""
    booking_url: str = ""


@dataclass(frozen=True)
class ServiceCalendar:
    service_id: str
    weekdays: tuple[bool, ...] = (False,) * 7  # Monday first
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    added: frozenset[dt.date] = frozenset()
    removed: frozenset[dt.date] = frozenset()

    def runs_on(self, day: dt.date) -> bool:
        if day in self.removed:
            return False
        if day in self.added:
            return True
        in_range = self.start_date is not None and self.end_date is not None and (
            self.start_date <= day <= self.end_date)
        return in_range and self.weekdays[day.weekday()]


@dataclass(frozen=True)
class FlexStopTime:
    """A stop_times.txt row served anywhere in a zone between two clock times of the service day."""

    stop_sequence: int
    zone_id: str
    start_window_s: int
    end_window_s: int
    pickup_type: int
    drop_off_type: int
    pickup_booking_rule_id: str | None
    drop_off_booking_rule_id: str | None

    @property
    def allows_pickup(self) -> bool:
        return self.pickup_type != 1

    @property
    def allows_drop_off(self) -> bool:
        return self.drop_off_type != 1


@dataclass(frozen=True)
class FlexTrip:
    trip_id: str
    route_id: str
    service_id: str
    stop_times: tuple[FlexStopTime, ...]  # the trip's flex rows in stop_sequence order


@dataclass(frozen=True, eq=False)
class FlexFeed:
    source: Path
    timezone: str | None
    zones: Mapping[str, Zone]
    booking_rules: Mapping[str, BookingRule]
    services: Mapping[str, ServiceCalendar]
    trips: tuple[FlexTrip, ...]
    findings: tuple[Finding, ...]

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity is Severity.ERROR)

    def get_zone(self, zone_id: str) -> Zone:
        try:
            return self.zones[zone_id]
        except KeyError:
            raise UnknownZone(f"no zone {zone_id!r} in {self.source}") from None

    def find_booking_rule(self, rule_id: str | None) -> BookingRule | None:
        return None if rule_id is None else self.booking_rules.get(rule_id)

    def runs_on(self, service_id: str, day: dt.date) -> bool:
        calendar = self.services.get(service_id)
        return calendar is not None and calendar.runs_on(day)
