"""write_flex: an on-demand service as GTFS-Flex v2 files, from the model `read_flex` gives.

Writes agency.txt, routes.txt (route_type 715, demand and response), trips.txt, stop_times.txt (one row
per flex stop time: location_id, its window, pickup and drop-off types and booking rules),
locations.geojson (area zones as Polygons rebuilt from their ring edges), booking_rules.txt,
calendar.txt and calendar_dates.txt. Stop-based zones (location groups) are refused: the feed's stops
are not part of the model. What is written reads back with `read_flex` to the same zones, rules,
calendars and trips (tests/unit/test_town_export.py).
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from routing.flex.model import BookingRule, FlexError, FlexFeed, ServiceCalendar, Zone, ZoneKind

DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass(frozen=True)
class FlexAgency:
    agency_id: str
    name: str
    url: str
    timezone: str
    lang: str = "ja"
    phone: str = ""
    route_name: str = ""  # the service's name on routes.txt; default: the agency's


def write_flex(feed: FlexFeed, folder: Path, agency: FlexAgency) -> dict[str, int]:
    """Write the feed into folder as agency's only route; rows (features) written per file."""
    folder.mkdir(parents=True, exist_ok=True)
    used = {st.zone_id for trip in feed.trips for st in trip.stop_times}
    zones = [feed.zones[z] for z in sorted(used)]
    stops = [z.zone_id for z in zones if z.kind is not ZoneKind.AREA]
    if stops:
        raise FlexError(f"stop-based zones {stops} cannot be written: their stops are not in the model")
    out = {
        "agency": _write(folder / "agency.txt", ["agency_id", "agency_name", "agency_url", "agency_timezone",
                                                  "agency_lang", "agency_phone"],
                         [[agency.agency_id, agency.name, agency.url, agency.timezone, agency.lang, agency.phone]]),
        "routes": _write(folder / "routes.txt", ["route_id", "agency_id", "route_long_name", "route_type"],
                         [[r, agency.agency_id, agency.route_name or agency.name, 715]
                          for r in sorted({t.route_id for t in feed.trips})]),
        "trips": _write(folder / "trips.txt", ["route_id", "service_id", "trip_id"],
                        [[t.route_id, t.service_id, t.trip_id] for t in feed.trips]),
        "stop_times": _write(folder / "stop_times.txt", [
            "trip_id", "location_id", "stop_sequence", "start_pickup_drop_off_window", "end_pickup_drop_off_window",
            "pickup_type", "drop_off_type", "pickup_booking_rule_id", "drop_off_booking_rule_id"],
            [[t.trip_id, st.zone_id, st.stop_sequence, _clock(st.start_window_s), _clock(st.end_window_s),
              st.pickup_type, st.drop_off_type, st.pickup_booking_rule_id or "", st.drop_off_booking_rule_id or ""]
             for t in feed.trips for st in t.stop_times]),
        "booking_rules": _write(folder / "booking_rules.txt", [
            "booking_rule_id", "booking_type", "prior_notice_duration_min", "prior_notice_duration_max",
            "prior_notice_last_day", "prior_notice_last_time", "prior_notice_start_day", "prior_notice_start_time",
            "prior_notice_service_id", "message", "phone_number", "info_url", "booking_url"],
            [_rule(r) for r in feed.booking_rules.values()]),
        "calendar": _write(folder / "calendar.txt", ["service_id", *DAYS, "start_date", "end_date"],
                           [_calendar(c) for c in feed.services.values() if c.start_date and c.end_date]),
        "calendar_dates": _write(folder / "calendar_dates.txt", ["service_id", "date", "exception_type"],
                                 [[c.service_id, d.strftime("%Y%m%d"), kind] for c in feed.services.values()
                                  for days, kind in ((c.added, 1), (c.removed, 2)) for d in sorted(days)]),
    }
    features = [{"type": "Feature", "id": z.zone_id, "properties": {"stop_name": z.name},
                 "geometry": {"type": "Polygon", "coordinates": _rings(z)}} for z in zones]
    (folder / "locations.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": features},
                                                         ensure_ascii=False, indent=1), encoding="utf-8")
    out["locations"] = len(features)
    return out


def _rings(zone: Zone) -> list[list[list[float]]]:
    """Closed rings from the zone's edges: consecutive edges join end to start; a gap starts a new ring."""
    rings: list[list[list[float]]] = []
    edges = np.asarray(zone.edges_deg, np.float64)
    for x1, y1, x2, y2 in edges.tolist():
        if not rings or rings[-1][-1] != [x1, y1] or rings[-1][0] == rings[-1][-1] and len(rings[-1]) > 1:
            rings.append([[x1, y1]])
        rings[-1].append([x2, y2])
    for ring in rings:
        if ring[0] != ring[-1]:
            ring.append(list(ring[0]))
    return rings


def _rule(r: BookingRule) -> list[object]:
    return [r.rule_id, int(r.booking_type), _minutes(r.notice_min_s), _minutes(r.notice_max_s),
            _blank(r.last_days_before), _clock(r.last_time_s), _blank(r.start_days_before), _clock(r.start_time_s),
            r.notice_service_id or "", r.message, r.phone_number, r.info_url, r.booking_url]


def _calendar(c: ServiceCalendar) -> list[object]:
    assert c.start_date is not None and c.end_date is not None
    return [c.service_id, *(int(d) for d in c.weekdays), c.start_date.strftime("%Y%m%d"),
            c.end_date.strftime("%Y%m%d")]


def _minutes(seconds: int | None) -> object:
    return "" if seconds is None else seconds // 60


def _blank(value: int | None) -> object:
    return "" if value is None else value


def _clock(seconds: int | None) -> str:
    if seconds is None:
        return ""
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def _write(path: Path, header: list[str], rows: list[list[object]]) -> int:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return len(rows)
