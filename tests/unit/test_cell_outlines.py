"""Cell outlines for cells.geojson: JIS X 0410 mesh cells from their codes, hexagons from the grid's edge."""

from __future__ import annotations

import math

import pytest

from maas.routing_adapter.accessibility import hexagon_ring, mesh_ring
from maas.services.accessibility import geometry
from routing.geodesy import haversine_m


def test_a_half_mesh_cell_is_its_500_m_rectangle():
    ring = mesh_ring("543857002", 36.41875, 138.884375)
    assert ring is not None and len(ring) == 5 and ring[0] == ring[-1]
    (west, south), (east, _), (_, north) = ring[0], ring[1], ring[2]
    assert (north - south, east - west) == (pytest.approx(1 / 240), pytest.approx(1 / 160))
    assert south <= 36.41875 <= north and west <= 138.884375 <= east


def test_ids_that_are_not_the_cells_code_get_no_outline():
    assert mesh_ring("cell-7", 36.41, 138.88) is None  # not a mesh code
    assert mesh_ring("543857002", 35.0, 139.5) is None  # a code, but of another place: a plain id
    assert geometry({"id": "cell-7", "lat": 36.41, "lon": 138.88, "ring": None}) == {
        "type": "Point", "coordinates": [138.88, 36.41]}


def test_a_hexagon_has_six_corners_an_edge_from_its_centre():
    ring = hexagon_ring(36.41, 138.88, 250)
    assert len(ring) == 7 and ring[0] == ring[-1]
    for lon, lat in ring[:-1]:
        assert haversine_m(36.41, 138.88, lat, lon) == pytest.approx(250, rel=1e-3)
    sides = [haversine_m(a[1], a[0], b[1], b[0]) for a, b in zip(ring, ring[1:])]
    assert all(math.isclose(s, 250, rel_tol=2e-3) for s in sides)
    polygon = geometry({"id": "hex:0:0", "lat": 36.41, "lon": 138.88, "ring": [list(p) for p in ring]})
    assert polygon["type"] == "Polygon" and polygon["coordinates"][0][0] == polygon["coordinates"][0][-1]
