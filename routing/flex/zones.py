"""Zones from locations.geojson (polygons) and location groups (stops), with findings for bad parts.

Location groups come in two layouts: GTFS-Flex v2's location_groups.txt plus
location_group_stops.txt, and the earlier draft (bbnavi) listing one stop per location_groups.txt
row in a location_id column.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from routing.flex.geometry import ring_edges
from routing.flex.model import Zone, ZoneKind
from routing.flex.source import csv_rows
from routing.gtfs.findings import FindingLog, Severity

GEOJSON = "locations.geojson"


def _ring(coordinates: Any) -> np.ndarray | None:  # Any: untrusted GeoJSON
    """A closed (n, 2) ring of finite lon/lat pairs with at least 3 corners, else None."""
    try:
        ring = np.array([[float(p[0]), float(p[1])] for p in coordinates], dtype=np.float64)
    except (TypeError, ValueError, IndexError):
        return None
    if ring.ndim != 2 or not np.isfinite(ring).all():
        return None
    if len(ring) and not (ring[0] == ring[-1]).all():
        ring = np.vstack([ring, ring[:1]])  # tolerate an unclosed ring; RFC 7946 wants it closed
    return ring if len(ring) >= 4 else None


def _polygons(geometry: dict) -> list | None:
    kind, coordinates = geometry.get("type"), geometry.get("coordinates")
    if not isinstance(coordinates, list):
        return None
    if kind == "Polygon":
        return [coordinates]
    if kind == "MultiPolygon":
        return coordinates
    return None


def _area_zone(index: int, feature: object, log: FindingLog) -> Zone | None:
    row = index + 1  # findings count features from 1 in place of a line
    if not isinstance(feature, dict) or not isinstance(feature.get("geometry"), dict):
        log.add(GEOJSON, row, "geometry", Severity.ERROR, "bad_feature", "feature has no geometry")
        return None
    zone_id = feature.get("id")
    found = feature.get("properties")
    properties: dict[str, Any] = found if isinstance(found, dict) else {}
    if zone_id in (None, ""):
        log.add(GEOJSON, row, "id", Severity.ERROR, "missing_id", "feature has no id")
        return None
    polygons = _polygons(feature["geometry"])
    if polygons is None:
        log.add(GEOJSON, row, "geometry", Severity.WARNING, "unsupported_geometry",
                f"{zone_id}: geometry {feature['geometry'].get('type')!r} is not a (Multi)Polygon; skipped")
        return None
    edges = []
    for polygon in polygons:
        for ring_index, coordinates in enumerate(polygon if isinstance(polygon, list) else []):
            ring = _ring(coordinates)
            if ring is None:
                log.add(GEOJSON, row, "geometry", Severity.ERROR, "bad_ring",
                        f"{zone_id}: ring {ring_index} is not a closed ring of 4+ lon/lat positions; skipped")
                continue
            edges.append(ring_edges(ring))
    if not edges:
        log.add(GEOJSON, row, "geometry", Severity.ERROR, "empty_zone", f"{zone_id}: no usable ring")
        return None
    name = str(properties.get("stop_name") or properties.get("name") or "")
    return Zone(str(zone_id), name, ZoneKind.AREA, np.vstack(edges))


def area_zones(document: dict | None, log: FindingLog) -> dict[str, Zone]:
    zones: dict[str, Zone] = {}
    for index, feature in enumerate(document["features"] if document else []):
        zone = _area_zone(index, feature, log)
        if zone is None:
            continue
        if zone.zone_id in zones:
            log.add(GEOJSON, index + 1, "id", Severity.ERROR, "duplicate_id",
                    f"zone {zone.zone_id} is defined twice; the first is kept")
            continue
        zones[zone.zone_id] = zone
    return zones


def stop_positions(members: dict[str, bytes], log: FindingLog) -> dict[str, tuple[float, float]]:
    """(lat, lon) of every stops.txt row with usable coordinates."""
    positions = {}
    for line, row in csv_rows(members, "stops.txt"):
        try:
            lat, lon = float(row.get("stop_lat", "")), float(row.get("stop_lon", ""))
        except ValueError:
            continue  # stations' children and generic nodes may lack coordinates; not a flex concern
        if math.isfinite(lat) and math.isfinite(lon) and abs(lat) <= 90 and abs(lon) <= 180:
            positions[row.get("stop_id", "")] = (lat, lon)
        else:
            log.add("stops.txt", line, "stop_lat", Severity.WARNING, "bad_coordinates",
                    f"stop {row.get('stop_id')} has coordinates out of range")
    return positions


def _group_members(members: dict[str, bytes]) -> tuple[dict[str, str], dict[str, list[tuple[int, str, str]]]]:
    """Group names and (line, file, stop id) members from either layout."""
    names: dict[str, str] = {}
    listed: dict[str, list[tuple[int, str, str]]] = {}
    for line, row in csv_rows(members, "location_groups.txt"):
        group_id = row.get("location_group_id", "")
        if row.get("location_group_name") and not names.get(group_id):
            names[group_id] = row["location_group_name"]
        names.setdefault(group_id, "")
        if row.get("location_id"):  # the draft layout: one member per row
            listed.setdefault(group_id, []).append((line, "location_groups.txt", row["location_id"]))
    for line, row in csv_rows(members, "location_group_stops.txt"):
        group_id = row.get("location_group_id", "")
        listed.setdefault(group_id, []).append((line, "location_group_stops.txt", row.get("stop_id", "")))
    names.pop("", None)
    return names, listed


def stop_zones(members: dict[str, bytes], positions: dict[str, tuple[float, float]],
               log: FindingLog) -> dict[str, Zone]:
    names, listed = _group_members(members)
    zones: dict[str, Zone] = {}
    for group_id in sorted(set(names) | set(listed) - {""}):
        stops = []
        for line, file, stop_id in listed.get(group_id, []):
            if stop_id in positions:
                stops.append(stop_id)
            else:
                log.add(file, line, "stop_id", Severity.WARNING, "unknown_stop",
                        f"group {group_id}: stop {stop_id!r} is not in stops.txt with coordinates")
        if group_id not in names:
            log.add("location_group_stops.txt", None, "location_group_id", Severity.WARNING, "unknown_group",
                    f"group {group_id} is not in location_groups.txt; kept")
        if not stops:
            log.add("location_groups.txt", None, "location_group_id", Severity.ERROR, "empty_zone",
                    f"group {group_id} has no stop with coordinates")
            continue
        unique = tuple(dict.fromkeys(stops))
        zones[group_id] = Zone(group_id, names.get(group_id, ""), ZoneKind.STOPS, np.empty((0, 4)), unique,
                               np.array([positions[s][0] for s in unique]), np.array([positions[s][1] for s in unique]))
    return zones
