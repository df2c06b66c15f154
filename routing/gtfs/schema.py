"""Declarative GTFS / GTFS-JP schema: the files, columns, value kinds and keys the reader checks."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Kind(enum.Enum):
    TEXT = "text"
    TIME = "time"  # H:MM:SS or HH:MM:SS, may pass 24:00:00
    DATE = "date"  # YYYYMMDD
    LAT = "lat"
    LON = "lon"
    INT = "int"
    FLOAT = "float"


class Need(enum.Enum):
    KEY = "key"  # column required, empty value makes the row unusable
    KEY_COLUMN = "key_column"  # column required, emptiness judged by a conditional check
    REQUIRED = "required"  # column required by the spec but the row is still usable without it
    OPTIONAL = "optional"


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind = Kind.TEXT
    need: Need = Need.OPTIONAL
    allowed: frozenset[int] | None = None
    minimum: float | None = None


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...] = ()

    @property
    def file(self) -> str:
        return f"{self.name}.txt"

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)


def _c(name: str, kind: Kind = Kind.TEXT, need: Need = Need.OPTIONAL, **kw) -> Column:
    return Column(name, kind, need, **kw)


def _enum(name: str, *values: int, need: Need = Need.OPTIONAL) -> Column:
    return Column(name, Kind.INT, need, allowed=frozenset(values))


K, KC, R = Need.KEY, Need.KEY_COLUMN, Need.REQUIRED
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table("agency", (
            _c("agency_id"), _c("agency_name", need=R), _c("agency_url", need=R),
            _c("agency_timezone", need=R), _c("agency_lang"), _c("agency_phone"),
            _c("agency_fare_url"), _c("agency_email"), _c("cemv_support"),
        ), ("agency_id",)),
        Table("stops", (
            _c("stop_id", need=K), _c("stop_code"), _c("stop_name"), _c("tts_stop_name"),
            _c("stop_desc"), _c("stop_lat", Kind.LAT, KC), _c("stop_lon", Kind.LON, KC),
            _c("zone_id"), _c("stop_url"), _enum("location_type", 0, 1, 2, 3, 4),
            _c("parent_station"), _c("stop_timezone"), _enum("wheelchair_boarding", 0, 1, 2),
            _c("level_id"), _c("platform_code"),
        ), ("stop_id",)),
        Table("routes", (
            _c("route_id", need=K), _c("agency_id"), _c("route_short_name"),
            _c("route_long_name"), _c("route_desc"), _c("route_type", Kind.INT, K, minimum=0),
            _c("route_url"), _c("route_color"), _c("route_text_color"),
            _c("route_sort_order", Kind.INT, minimum=0), _enum("continuous_pickup", 0, 1, 2, 3),
            _enum("continuous_drop_off", 0, 1, 2, 3), _c("network_id"), _c("jp_parent_route_id"),
        ), ("route_id",)),
        Table("trips", (
            _c("route_id", need=K), _c("service_id", need=K), _c("trip_id", need=K),
            _c("trip_headsign"), _c("trip_short_name"), _enum("direction_id", 0, 1),
            _c("block_id"), _c("shape_id"), _enum("wheelchair_accessible", 0, 1, 2),
            _enum("bikes_allowed", 0, 1, 2), _c("jp_trip_desc"), _c("jp_trip_desc_symbol"),
            _c("jp_office_id"), _c("jp_pattern_id"),
        ), ("trip_id",)),
        Table("stop_times", (
            _c("trip_id", need=K), _c("arrival_time", Kind.TIME, KC),
            _c("departure_time", Kind.TIME, KC), _c("stop_id", need=K),
            _c("stop_sequence", Kind.INT, K, minimum=0), _c("stop_headsign"),
            _enum("pickup_type", 0, 1, 2, 3), _enum("drop_off_type", 0, 1, 2, 3),
            _enum("continuous_pickup", 0, 1, 2, 3), _enum("continuous_drop_off", 0, 1, 2, 3),
            _c("shape_dist_traveled", Kind.FLOAT, minimum=0), _enum("timepoint", 0, 1),
        ), ("trip_id", "stop_sequence")),
        Table("calendar", (
            _c("service_id", need=K), *(_enum(d, 0, 1, need=K) for d in _WEEKDAYS),
            _c("start_date", Kind.DATE, K), _c("end_date", Kind.DATE, K),
        ), ("service_id",)),
        Table("calendar_dates", (
            _c("service_id", need=K), _c("date", Kind.DATE, K),
            _enum("exception_type", 1, 2, need=K),
        ), ("service_id", "date")),
        Table("fare_attributes", (
            _c("fare_id", need=K), _c("price", Kind.FLOAT, K, minimum=0),
            _c("currency_type", need=R), _enum("payment_method", 0, 1, need=R),
            _enum("transfers", 0, 1, 2), _c("agency_id"),
            _c("transfer_duration", Kind.INT, minimum=0),
        ), ("fare_id",)),
        Table("fare_rules", (
            _c("fare_id", need=K), _c("route_id"), _c("origin_id"), _c("destination_id"),
            _c("contains_id"),
        )),
        Table("shapes", (
            _c("shape_id", need=K), _c("shape_pt_lat", Kind.LAT, K),
            _c("shape_pt_lon", Kind.LON, K),
            _c("shape_pt_sequence", Kind.INT, K, minimum=0),
            _c("shape_dist_traveled", Kind.FLOAT, minimum=0),
        ), ("shape_id", "shape_pt_sequence")),
        Table("frequencies", (
            _c("trip_id", need=K), _c("start_time", Kind.TIME, K), _c("end_time", Kind.TIME, K),
            _c("headway_secs", Kind.INT, K, minimum=1), _enum("exact_times", 0, 1),
        ), ("trip_id", "start_time")),
        Table("transfers", (
            _c("from_stop_id"), _c("to_stop_id"), _c("from_route_id"), _c("to_route_id"),
            _c("from_trip_id"), _c("to_trip_id"), _enum("transfer_type", 0, 1, 2, 3, 4, 5, need=R),
            _c("min_transfer_time", Kind.INT, minimum=0),
        )),
        Table("feed_info", (
            _c("feed_publisher_name", need=R), _c("feed_publisher_url", need=R),
            _c("feed_lang", need=R), _c("default_lang"), _c("feed_start_date", Kind.DATE),
            _c("feed_end_date", Kind.DATE), _c("feed_version"), _c("feed_contact_email"),
            _c("feed_contact_url"),
        )),
        Table("attributions", (
            _c("attribution_id"), _c("agency_id"), _c("route_id"), _c("trip_id"),
            _c("organization_name", need=R), _enum("is_producer", 0, 1),
            _enum("is_operator", 0, 1), _enum("is_authority", 0, 1), _c("attribution_url"),
            _c("attribution_email"), _c("attribution_phone"),
        )),
    )
}

REQUIRED_TABLES = ("agency", "stops", "routes", "trips", "stop_times")
CALENDAR_TABLES = ("calendar", "calendar_dates")

# Files kept as extra tables without a finding: GTFS-JP (both the v1 and current
# translations layouts), newer GTFS files gtfs-kit does not model, Google extensions.
KNOWN_EXTRA_TABLES = frozenset({
    "agency_jp", "office_jp", "routes_jp", "route_jp", "pattern_jp", "translations",
    "levels", "pathways", "areas", "stop_areas", "networks", "route_networks", "timeframes",
    "fare_media", "fare_products", "fare_leg_rules", "fare_transfer_rules",
    "location_groups", "location_group_stops", "booking_rules", "rider_categories",
    "fare_rider_categories", "calendar_attributes", "directions", "route_directions",
})

# Basic route types and Google's extended (HVT) ones: 7xx bus, 2xx coach, 1501 communal taxi...
ROUTE_TYPES = frozenset(
    [0, 1, 2, 3, 4, 5, 6, 7, 11, 12]
    + list(range(100, 118)) + list(range(200, 210)) + list(range(400, 406))
    + list(range(700, 717)) + [800] + list(range(900, 907)) + [1000, 1100, 1200]
    + list(range(1300, 1308)) + [1400] + list(range(1500, 1508)) + list(range(1700, 1703))
)
