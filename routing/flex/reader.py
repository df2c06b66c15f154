"""read_flex: a GTFS-Flex v2 feed (zip or folder) read into zones, booking rules and flex trips.

Only stop_times rows that name a zone (a locations.geojson feature or a location group) are flex
rows; fixed-route rows of the same feed are left to routing.gtfs. The zone may be named in
location_id, location_group_id or (older drafts and OTP test feeds) stop_id, and the window and
rule columns come in spellings of several drafts.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from types import MappingProxyType

from routing.flex.booking import read_booking_rules
from routing.flex.model import FlexError, FlexFeed, FlexStopTime, FlexTrip, Zone
from routing.flex.services import read_services, read_timezone
from routing.flex.source import clock_s, csv_rows, geojson, read_members, whole
from routing.flex.zones import area_zones, stop_positions, stop_zones
from routing.gtfs.findings import FindingLog, Severity

logger = logging.getLogger(__name__)
FILE = "stop_times.txt"
_SPELLINGS = {
    "start": ("start_pickup_drop_off_window", "start_pickup_dropoff_window"),
    "end": ("end_pickup_drop_off_window", "end_pickup_dropoff_window"),
    "pickup_rule": ("pickup_booking_rule_id",),
    "drop_off_rule": ("drop_off_booking_rule_id", "dropoff_booking_rule_id"),
}


def _get(row: dict[str, str], key: str) -> str:
    return next((row[c] for c in _SPELLINGS[key] if row.get(c)), "")


def _stop_time(line: int, row: dict[str, str], zone_id: str, rules: set[str],
               log: FindingLog) -> FlexStopTime | None:
    start, end = clock_s(_get(row, "start")), clock_s(_get(row, "end"))
    sequence = whole(row.get("stop_sequence"))
    if start is None or end is None or start > end or sequence is None:
        log.add(FILE, line, "start_pickup_drop_off_window", Severity.ERROR, "bad_window",
                f"trip {row.get('trip_id')}: zone {zone_id} needs a stop_sequence and a start <= end window "
                f"(got {_get(row, 'start')!r} to {_get(row, 'end')!r}); row dropped")
        return None
    rule_ids = {}
    for key in ("pickup_rule", "drop_off_rule"):
        rule_ids[key] = _get(row, key) or None
        if rule_ids[key] is not None and rule_ids[key] not in rules:
            log.add(FILE, line, _SPELLINGS[key][0], Severity.WARNING, "unknown_booking_rule",
                    f"trip {row.get('trip_id')}: booking rule {rule_ids[key]!r} is not in booking_rules.txt")
            rule_ids[key] = None
    pickup_type, drop_off_type = whole(row.get("pickup_type")), whole(row.get("drop_off_type"))
    return FlexStopTime(sequence, zone_id, start, end, 0 if pickup_type is None else pickup_type,
                        0 if drop_off_type is None else drop_off_type, rule_ids["pickup_rule"],
                        rule_ids["drop_off_rule"])


def _flex_rows(members: dict[str, bytes], zones: dict[str, Zone], rules: set[str],
               log: FindingLog) -> dict[str, list[FlexStopTime]]:
    by_trip: dict[str, list[FlexStopTime]] = {}
    for line, row in csv_rows(members, FILE):
        place = row.get("location_group_id") or row.get("location_id") or row.get("stop_id") or ""
        if place not in zones:
            if (row.get("location_group_id") or row.get("location_id")) or (_get(row, "start") and not row.get(
                    "arrival_time")):
                log.add(FILE, line, "location_id", Severity.ERROR, "unknown_zone",
                        f"trip {row.get('trip_id')}: {place!r} is neither a location nor a location group; row dropped")
            continue
        stop_time = _stop_time(line, row, place, rules, log)
        if stop_time is not None:
            by_trip.setdefault(row.get("trip_id", ""), []).append(stop_time)
    return by_trip


def _trips(members: dict[str, bytes], by_trip: dict[str, list[FlexStopTime]], services: set[str],
           log: FindingLog) -> tuple[FlexTrip, ...]:
    known = {row.get("trip_id", ""): (line, row) for line, row in csv_rows(members, "trips.txt")}
    trips = []
    for trip_id in sorted(by_trip):
        if trip_id not in known:
            log.add(FILE, None, "trip_id", Severity.ERROR, "unknown_trip",
                    f"flex rows name trip {trip_id!r}, which trips.txt lacks; dropped")
            continue
        line, row = known[trip_id]
        if row.get("service_id", "") not in services:
            log.add("trips.txt", line, "service_id", Severity.WARNING, "unknown_service",
                    f"trip {trip_id}: service {row.get('service_id')!r} has no calendar; it never runs")
        # A stable sort keeps duplicated rows (Aspen repeats its single zone row) in file order.
        stop_times = tuple(sorted(by_trip[trip_id], key=lambda st: st.stop_sequence))
        trips.append(FlexTrip(trip_id, row.get("route_id", ""), row.get("service_id", ""), stop_times))
    return tuple(trips)


def read_flex(path: str | os.PathLike, *, strict: bool = False) -> FlexFeed:
    """Read the flex parts of a feed; a feed without any loads with no zones and no trips.

    Raises FileNotFoundError for a missing path, FlexError for an unreadable archive, a
    locations.geojson that is not a FeatureCollection, or (strict) any error finding.
    """
    source = Path(path)
    members = read_members(source)
    log = FindingLog()
    zones = area_zones(geojson(members, "locations.geojson"), log)
    for zone_id, zone in stop_zones(members, stop_positions(members, log), log).items():
        if zone_id in zones:
            log.add("location_groups.txt", None, "location_group_id", Severity.ERROR, "duplicate_id",
                    f"{zone_id} is both a location and a location group; the location is kept")
        else:
            zones[zone_id] = zone
    rules = read_booking_rules(members, log)
    services = read_services(members, log)
    trips = _trips(members, _flex_rows(members, zones, set(rules), log), set(services), log)
    if strict and log.has_errors():
        raise FlexError(f"{source} has errors (strict mode)", log.findings)
    logger.debug("read %s: %d zones, %d flex trips, %d findings", source, len(zones), len(trips),
                 len(log.findings))
    return FlexFeed(source, read_timezone(members), MappingProxyType(zones), MappingProxyType(rules),
                    MappingProxyType(services), trips, log.findings)
