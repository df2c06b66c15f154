"""Population fields and destination lists from CSV and GeoJSON files, validated strictly.

CSV: one row per point, with an id column and either lat/lon columns or a JIS X 0410 mesh
code column (the cell's centre is used), a weight column (residents, residents over 65) and
optionally a category. GeoJSON: a FeatureCollection of Point features, or of Polygon /
MultiPolygon cells, which stand for their area-weighted centroid. Anything malformed raises a
named AccessInputError subclass that says which row or feature is wrong.
"""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from routing.access.errors import BadGeometry, BadValue, MissingColumn
from routing.access.grids import mesh_centroid
from routing.access.points import PointSet, parse_number

LAT_NAMES = ("lat", "latitude", "stop_lat", "y")
LON_NAMES = ("lon", "lng", "longitude", "stop_lon", "x")
MESH_NAMES = ("mesh_code", "mesh", "key_code", "meshcode")


def _find(header: list[str], names: tuple[str, ...]) -> str | None:
    lowered = {h.strip().lower(): h for h in header}
    return next((lowered[n] for n in names if n in lowered), None)


def read_points_csv(path: str | os.PathLike, *, id_column: str = "id",
                    weight_column: str | None = "weight",
                    category_column: str | None = None) -> PointSet:
    """Points from a CSV (UTF-8, a BOM is fine). weight_column=None gives every point weight 1.

    The id column may be missing when a mesh code column is present (the code is the id).
    """
    name = Path(path).name
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        header = list(reader.fieldnames or [])
        lat_col, lon_col = _find(header, LAT_NAMES), _find(header, LON_NAMES)
        mesh_col = _find(header, MESH_NAMES)
        if (lat_col is None or lon_col is None) and mesh_col is None:
            raise MissingColumn("needs lat and lon columns or a mesh code column", name)
        id_col = _find(header, (id_column.lower(),)) or mesh_col
        if id_col is None:
            raise MissingColumn(f"no {id_column!r} column", name)
        for wanted in (weight_column, category_column):
            if wanted is not None and _find(header, (wanted.lower(),)) is None:
                raise MissingColumn(f"no {wanted!r} column", name)
        weight_col = _find(header, (weight_column.lower(),)) if weight_column else None
        cat_col = _find(header, (category_column.lower(),)) if category_column else None
        ids, lat, lon, weight, category = [], [], [], [], []
        for line, row in enumerate(reader, start=2):
            where = f"{name} line {line}"
            if None in row or any(v is None for v in row.values()):
                raise BadValue("wrong number of fields", where)
            if lat_col is not None and lon_col is not None:
                lat.append(parse_number(row[lat_col], lat_col, where))
                lon.append(parse_number(row[lon_col], lon_col, where))
            else:
                try:
                    c_lat, c_lon = mesh_centroid(row[mesh_col])
                except BadValue as exc:
                    raise BadValue(str(exc), where) from None
                lat.append(c_lat)
                lon.append(c_lon)
            ids.append(row[id_col].strip())
            if not ids[-1]:
                raise BadValue(f"empty {id_col}", where)
            weight.append(parse_number(row[weight_col], weight_col, where) if weight_col else 1.0)
            if weight[-1] < 0:
                raise BadValue(f"{weight_col} must not be negative", where)
            category.append(row[cat_col].strip() if cat_col else "")
    return _point_set(ids, lat, lon, weight, category, name)


def read_points_geojson(path: str | os.PathLike, *, id_property: str | None = "id",
                        weight_property: str | None = "weight",
                        category_property: str | None = None) -> PointSet:
    """Points from a GeoJSON FeatureCollection of Points or Polygon cells (their centroids).

    The id is the feature's "id" member, else properties[id_property], else its position.
    """
    name = Path(path).name
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8-sig"))
    except json.JSONDecodeError as exc:
        raise BadGeometry(f"not JSON: {exc}", name) from None
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection" \
            or not isinstance(document.get("features"), list):
        raise BadGeometry("expected a FeatureCollection with a features list", name)
    ids, lat, lon, weight, category = [], [], [], [], []
    for n, feature in enumerate(document["features"]):
        where = f"{name} feature {n}"
        if not isinstance(feature, dict) or not isinstance(feature.get("geometry"), dict):
            raise BadGeometry("feature without a geometry", where)
        props = feature.get("properties") or {}
        f_lat, f_lon = _centre(feature["geometry"], where)
        lat.append(f_lat)
        lon.append(f_lon)
        ident = feature.get("id", props.get(id_property) if id_property else None)
        ids.append(str(n) if ident is None else str(ident))
        if weight_property is None:
            weight.append(1.0)
        elif weight_property not in props:
            raise MissingColumn(f"no {weight_property!r} property", where)
        else:
            weight.append(parse_number(props[weight_property], weight_property, where))
            if weight[-1] < 0:
                raise BadValue(f"{weight_property} must not be negative", where)
        category.append(str(props.get(category_property, "")) if category_property else "")
    return _point_set(ids, lat, lon, weight, category, name)


def _centre(geometry: dict, where: str) -> tuple[float, float]:
    kind, coords = geometry.get("type"), geometry.get("coordinates")
    try:
        if kind == "Point":
            xy = np.asarray(coords, np.float64)
            if xy.shape not in ((2,), (3,)):
                raise BadGeometry("a Point needs [lon, lat]", where)
            return float(xy[1]), float(xy[0])
        if kind == "Polygon":
            return _polygons_centroid([coords], where)
        if kind == "MultiPolygon":
            return _polygons_centroid(coords, where)
    except (TypeError, ValueError) as exc:
        if isinstance(exc, BadGeometry):
            raise
        raise BadGeometry(f"unreadable {kind} coordinates", where) from None
    raise BadGeometry(f"geometry must be Point, Polygon or MultiPolygon, got {kind!r}", where)


def _polygons_centroid(polygons: Any, where: str) -> tuple[float, float]:
    """Area-weighted centroid of the outer rings (holes ignored: cells rarely have them).
    Planar in degrees, which is exact enough for cells of a few hundred metres."""
    total_a, sum_x, sum_y = 0.0, 0.0, 0.0
    for polygon in polygons:
        ring = np.asarray(polygon[0], np.float64)
        if ring.ndim != 2 or ring.shape[0] < 4 or ring.shape[1] < 2:
            raise BadGeometry("a polygon ring needs at least four [lon, lat] positions", where)
        x, y = ring[:, 0], ring[:, 1]
        cross = x[:-1] * y[1:] - x[1:] * y[:-1]
        area = cross.sum() / 2
        if area == 0:
            continue
        total_a += area
        sum_x += ((x[:-1] + x[1:]) * cross).sum() / 6
        sum_y += ((y[:-1] + y[1:]) * cross).sum() / 6
    if total_a == 0:
        raise BadGeometry("polygon with no area", where)
    return sum_y / total_a, sum_x / total_a


def _point_set(ids, lat, lon, weight, category, name: str) -> PointSet:
    if len(set(ids)) != len(ids):
        duplicate = next(i for i in ids if ids.count(i) > 1)
        raise BadValue(f"duplicate id {duplicate!r}", name)
    try:
        return PointSet.from_arrays(ids, lat, lon, weight, category)
    except BadValue as exc:
        raise BadValue(str(exc), name) from None
