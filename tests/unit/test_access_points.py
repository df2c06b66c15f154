"""Origin and destination inputs: JIS X 0410 mesh codes, hexagon grids, CSV and GeoJSON readers."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from routing.access import (MESH_1KM, MESH_250M, MESH_500M, BadGeometry, BadValue, MissingColumn,
                            Point, PointSet, hexagon_grid, mesh_bounds, mesh_cells,
                            mesh_centroid, mesh_code, read_points_csv, read_points_geojson)
from routing.errors import RoutingError
from routing.plan.geo import haversine_m

TOKYO_STATION = (35.681236, 139.767125)


def test_tokyo_station_mesh_codes_follow_jis_x_0410():
    # 1st 5339 (35°20'..36°00', 139°..140°), 2nd 46, 3rd 11:
    # 35°40'30"..35°41'00", 139°45'45"..139°46'30"
    assert mesh_code(*TOKYO_STATION, level=1) == "5339"
    assert mesh_code(*TOKYO_STATION, level=2) == "533946"
    assert mesh_code(*TOKYO_STATION, level=MESH_1KM) == "53394611"
    south, west, north, east = mesh_bounds("53394611")
    assert (south, north) == pytest.approx((35 + 40.5 / 60, 35 + 41 / 60))
    assert (west, east) == pytest.approx((139 + 45.75 / 60, 139 + 46.5 / 60))
    # North of the 3rd mesh's middle latitude, west of its middle longitude: NW half = 3,
    # then in that half mesh: south (35.681236 < 35.68125) and east: quarter 2.
    assert mesh_code(*TOKYO_STATION, level=MESH_500M) == "533946113"
    assert mesh_code(*TOKYO_STATION, level=MESH_250M) == "5339461132"


def test_mesh_centroids_and_bounds_nest():
    lat, lon = mesh_centroid("53394611")
    assert (lat, lon) == pytest.approx((35 + 40.75 / 60, 139 + 46.125 / 60))
    s, w, n, e = mesh_bounds("533946113")
    assert (n - s) * 3600 == pytest.approx(15) and (e - w) * 3600 == pytest.approx(22.5)
    s4, w4, n4, e4 = mesh_bounds("5339461132")
    assert s <= s4 < n4 <= n and w <= w4 < e4 <= e
    for code in ("53394611", "533946114", "5339461141"):
        assert mesh_code(*mesh_centroid(code), level={8: 3, 9: 4, 10: 5}[len(code)]) == code
    # A 500 m cell is roughly 460 m north-south at 35.7°N and 565 m east-west.
    assert haversine_m(s, w, n, w) == pytest.approx(463, abs=2)
    assert haversine_m(s, w, s, e) == pytest.approx(565, abs=3)


@pytest.mark.parametrize("code", ["5339461", "53398611", "533946115", "53a94611", "5339461105"])
def test_malformed_mesh_codes_are_rejected(code):
    with pytest.raises(BadValue):
        mesh_centroid(code)


def test_mesh_cells_cover_a_box_with_the_right_codes():
    s, w, n, e = mesh_bounds("53394611")
    cells = mesh_cells(s, w, n, e, level=MESH_500M)
    assert sorted(cells.ids.tolist()) == [f"53394611{i}" for i in range(1, 5)]
    quarter = mesh_cells(s + 1e-6, w + 1e-6, s + 2e-3, w + 2e-3, level=MESH_250M)
    assert quarter.ids.tolist() == ["5339461111"]
    with pytest.raises(BadValue):
        mesh_cells(n, w, s, e)


def test_hexagon_grid_spacing_and_count():
    grid = hexagon_grid(35.0, 139.0, 35.01, 139.01, edge_m=100)
    first_row = [i for i, ident in enumerate(grid.ids) if ident.startswith("hex:0:")]
    a, b = first_row[0], first_row[1]
    assert haversine_m(grid.lat[a], grid.lon[a], grid.lat[b], grid.lon[b]) == \
        pytest.approx(math.sqrt(3) * 100, rel=1e-3)
    # 1111 m x 911 m: rows every 150 m (8), about 6 centres per row at 173 m.
    assert 40 <= len(grid) <= 56
    assert np.all((grid.lat >= 35.0) & (grid.lat <= 35.01) & (grid.lon <= 139.01))
    same = hexagon_grid(35.0, 139.0, 35.01, 139.01, spacing_m=math.sqrt(3) * 100)
    assert same.ids.tolist() == grid.ids.tolist()
    with pytest.raises(BadValue):
        hexagon_grid(35.0, 139.0, 35.01, 139.01)


def test_point_set_validates_and_round_trips():
    points = [Point("a", 35.0, 139.0, 3.0, "hospital"), Point("b", 35.1, 139.1)]
    ps = PointSet.from_points(points)
    assert list(ps) == points and len(ps.of_category("hospital")) == 1
    with pytest.raises(BadValue):
        PointSet.from_points([Point("x", 95.0, 139.0)])
    with pytest.raises(BadValue):
        PointSet.from_points([Point("x", 35.0, 139.0, -1.0)])


def test_csv_with_coordinates_weights_and_categories(tmp_path):
    path = tmp_path / "elderly.csv"
    path.write_text("\ufeffid,lat,lon,over65,kind\n"
                    "c1,35.0,139.0,12,home\nc2,35.01,139.02,0.5,home\n", encoding="utf-8")
    ps = read_points_csv(path, weight_column="over65", category_column="kind")
    assert ps.ids.tolist() == ["c1", "c2"] and ps.weight.tolist() == [12.0, 0.5]
    assert ps.lat.tolist() == [35.0, 35.01] and ps.category.tolist() == ["home", "home"]


def test_csv_keyed_by_mesh_code_uses_cell_centres(tmp_path):
    path = tmp_path / "mesh.csv"
    path.write_text("KEY_CODE,weight\n53394611,100\n533946114,7\n", encoding="utf-8")
    ps = read_points_csv(path)
    assert ps.ids.tolist() == ["53394611", "533946114"]
    assert (ps.lat[0], ps.lon[0]) == pytest.approx(mesh_centroid("53394611"))


@pytest.mark.parametrize("text, error, fragment", [
    ("id,weight\na,1\n", MissingColumn, "lat and lon"),
    ("id,lat,lon\na,35,139\n", MissingColumn, "'weight'"),
    ("id,lat,lon,weight\na,35,139,many\n", BadValue, "line 2"),
    ("id,lat,lon,weight\na,35,139,1\nb,135,139,1\n", BadValue, "impossible"),
    ("id,lat,lon,weight\na,35,139,1\na,35,139,1\n", BadValue, "duplicate"),
    ("mesh_code,weight\n53399911,1\n", BadValue, "line 2"),
    ("id,lat,lon,weight\na,35,139,-4\n", BadValue, "negative"),
])
def test_malformed_csv_names_the_problem(tmp_path, text, error, fragment):
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(error, match=fragment) as caught:
        read_points_csv(path)
    assert isinstance(caught.value, ValueError) and isinstance(caught.value, RoutingError)


def _geojson(tmp_path, features):
    path = tmp_path / "cells.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}),
                    encoding="utf-8")
    return path


def test_geojson_points_and_polygon_cells(tmp_path):
    square = [[[139.0, 35.0], [139.02, 35.0], [139.02, 35.01], [139.0, 35.01], [139.0, 35.0]]]
    path = _geojson(tmp_path, [
        {"type": "Feature", "id": "p", "geometry": {"type": "Point", "coordinates": [139.5, 35.5]},
         "properties": {"weight": 4, "kind": "clinic"}},
        {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": square},
         "properties": {"id": "cell", "weight": 9}},
    ])
    ps = read_points_geojson(path, category_property="kind")
    assert ps.ids.tolist() == ["p", "cell"] and ps.weight.tolist() == [4.0, 9.0]
    assert (ps.lat[0], ps.lon[0]) == (35.5, 139.5) and ps.category.tolist() == ["clinic", ""]
    assert (ps.lat[1], ps.lon[1]) == pytest.approx((35.005, 139.01))


@pytest.mark.parametrize("features, error", [
    ([{"type": "Feature", "properties": {"weight": 1},
       "geometry": {"type": "LineString", "coordinates": [[139, 35], [139.1, 35]]}}], BadGeometry),
    ([{"type": "Feature", "geometry": {"type": "Point", "coordinates": [139]},
       "properties": {"weight": 1}}], BadGeometry),
    ([{"type": "Feature", "geometry": None, "properties": {"weight": 1}}], BadGeometry),
    ([{"type": "Feature", "geometry": {"type": "Point", "coordinates": [139, 35]},
       "properties": {}}], MissingColumn),
    ([{"type": "Feature", "geometry": {"type": "Point", "coordinates": [139, 35]},
       "properties": {"weight": "x"}}], BadValue),
])
def test_malformed_geojson_is_rejected(tmp_path, features, error):
    with pytest.raises(error, match="feature 0"):
        read_points_geojson(_geojson(tmp_path, features))


def test_geojson_must_be_a_feature_collection(tmp_path):
    path = tmp_path / "x.geojson"
    path.write_text('{"type": "Feature"}', encoding="utf-8")
    with pytest.raises(BadGeometry):
        read_points_geojson(path)
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(BadGeometry):
        read_points_geojson(path)
