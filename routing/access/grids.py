"""Origin grids over an area: hexagons of a given size and Japanese standard regional mesh cells.

JIS X 0410 地域メッシュ: the 1st mesh is 40' of latitude by 1° of longitude (code pp uu with
pp = floor(lat × 1.5), uu = floor(lon) − 100), the 2nd splits it 8 × 8 (digits q v), the 3rd
splits that 10 × 10 (digits r w; 30" × 45", about 1 km), the half mesh splits a 3rd mesh 2 × 2
(one more digit, 1 SW, 2 SE, 3 NW, 4 NE; about 500 m) and the quarter mesh splits a half mesh the
same way (about 250 m). Japanese population statistics (e-Stat 国勢調査 メッシュ) are keyed by
these codes. Arithmetic is done in whole quarter-mesh units (1/480° of latitude, 1/320° of
longitude) so cell edges never suffer from float rounding.
"""

from __future__ import annotations

import math

import numpy as np

from routing.access.errors import BadValue
from routing.access.points import PointSet, check_coordinates
from routing.geodesy import METRES_PER_DEGREE

MESH_1KM, MESH_500M, MESH_250M = 3, 4, 5  # 3rd, half (4th) and quarter (5th) mesh
_CODE_LENGTH = {1: 4, 2: 6, 3: 8, 4: 9, 5: 10}
_LEVEL_OF_LENGTH = {n: level for level, n in _CODE_LENGTH.items()}
_LAT_UNITS, _LON_UNITS = 480, 320  # quarter-mesh cells per degree
_SIZE_UNITS = {1: 320, 2: 40, 3: 4, 4: 2, 5: 1}  # cell size in quarter-mesh units, both axes
_EPS = 1e-9  # a point on a cell edge belongs to the cell north / east of it


def mesh_code(lat: float, lon: float, level: int = MESH_1KM) -> str:
    """The code of the mesh cell of the given level (1 to 5) containing a coordinate."""
    if level not in _CODE_LENGTH:
        raise BadValue(f"mesh level must be 1..5, got {level}")
    check_coordinates(np.asarray([lat]), np.asarray([lon]))
    i = math.floor(lat * _LAT_UNITS + _EPS)
    j = math.floor((lon - 100) * _LON_UNITS + _EPS)
    if not (0 <= i < 100 * 320 and 0 <= j < 100 * 320):
        raise BadValue(f"({lat}, {lon}) lies outside the area JIS X 0410 meshes cover")
    code = f"{i // 320:02d}{j // 320:02d}"
    if level >= 2:
        code += f"{i % 320 // 40}{j % 320 // 40}"
    if level >= 3:
        code += f"{i % 40 // 4}{j % 40 // 4}"
    if level >= 4:
        code += str(2 * (i % 4 // 2) + j % 4 // 2 + 1)
    if level >= 5:
        code += str(2 * (i % 2) + j % 2 + 1)
    return code


def _origin_units(code: str) -> tuple[int, int, int]:
    """South-west corner in quarter-mesh units and the level, validating every digit."""
    code = str(code).strip()
    if not code.isdigit() or len(code) not in _LEVEL_OF_LENGTH:
        raise BadValue(f"not a JIS X 0410 mesh code: {code!r}")
    level = _LEVEL_OF_LENGTH[len(code)]
    i, j = int(code[0:2]) * 320, int(code[2:4]) * 320
    if level >= 2:
        q, v = int(code[4]), int(code[5])
        if q > 7 or v > 7:
            raise BadValue(f"2nd mesh digits must be 0..7 in {code!r}")
        i, j = i + q * 40, j + v * 40
    if level >= 3:
        i, j = i + int(code[6]) * 4, j + int(code[7]) * 4
    for position, size in ((8, 2), (9, 1)):
        if level > position - 5:
            quadrant = int(code[position]) - 1
            if not 0 <= quadrant <= 3:
                raise BadValue(f"half and quarter mesh digits must be 1..4 in {code!r}")
            i, j = i + quadrant // 2 * size, j + quadrant % 2 * size
    return i, j, level


def mesh_bounds(code: str) -> tuple[float, float, float, float]:
    """(south, west, north, east) in degrees of a mesh cell, from its code."""
    i, j, level = _origin_units(code)
    size = _SIZE_UNITS[level]
    return (i / _LAT_UNITS, 100 + j / _LON_UNITS, (i + size) / _LAT_UNITS,
            100 + (j + size) / _LON_UNITS)


def mesh_centroid(code: str) -> tuple[float, float]:
    """(lat, lon) of a mesh cell's centre."""
    south, west, north, east = mesh_bounds(code)
    return (south + north) / 2, (west + east) / 2


def mesh_cells(south: float, west: float, north: float, east: float,
               level: int = MESH_1KM) -> PointSet:
    """Every mesh cell of a level overlapping a bounding box, ids = codes, points at centres."""
    if level not in _CODE_LENGTH:
        raise BadValue(f"mesh level must be 1..5, got {level}")
    _check_box(south, west, north, east)
    size = _SIZE_UNITS[level]
    i0 = math.floor(south * _LAT_UNITS + _EPS) // size * size
    j0 = math.floor((west - 100) * _LON_UNITS + _EPS) // size * size
    i1 = math.ceil(north * _LAT_UNITS - _EPS)
    j1 = math.ceil((east - 100) * _LON_UNITS - _EPS)
    codes, lat, lon = [], [], []
    for i in range(i0, max(i1, i0 + 1), size):
        for j in range(j0, max(j1, j0 + 1), size):
            c_lat, c_lon = (i + size / 2) / _LAT_UNITS, 100 + (j + size / 2) / _LON_UNITS
            codes.append(mesh_code(c_lat, c_lon, level))
            lat.append(c_lat)
            lon.append(c_lon)
    return PointSet.from_arrays(codes, lat, lon)


def hexagon_grid(south: float, west: float, north: float, east: float, *,
                 edge_m: float | None = None, spacing_m: float | None = None) -> PointSet:
    """Centres of pointy-top hexagons tiling a bounding box, ids "hex:row:col".

    Give the hexagon's edge, or the spacing between neighbouring centres (√3 × edge). A cell
    belongs to the box when its centre does. The plane is a local equirectangular projection
    at the box's centre, accurate to well under a metre over a town.
    """
    if edge_m is not None and spacing_m is None:
        edge = float(edge_m)
    elif spacing_m is not None and edge_m is None:
        edge = float(spacing_m) / math.sqrt(3)
    else:
        raise BadValue("give exactly one of edge_m and spacing_m")
    if not (math.isfinite(edge) and edge > 0):
        raise BadValue("the hexagon size must be a positive number")
    _check_box(south, west, north, east)
    metres_per_deg = METRES_PER_DEGREE
    lat0 = (south + north) / 2
    x_scale = metres_per_deg * math.cos(math.radians(lat0))
    width_m, height_m = (east - west) * x_scale, (north - south) * metres_per_deg
    dx, dy = math.sqrt(3) * edge, 1.5 * edge
    if (width_m / dx + 1) * (height_m / dy + 1) > 5_000_000:
        raise BadValue("that grid would have more than five million cells")
    ids, lat, lon = [], [], []
    for row in range(int(height_m // dy) + 1):
        y = row * dy
        for col in range(int(width_m // dx) + 1):
            x = col * dx + (dx / 2 if row % 2 else 0.0)
            if x <= width_m:
                ids.append(f"hex:{row}:{col}")
                lat.append(south + y / metres_per_deg)
                lon.append(west + x / x_scale)
    return PointSet.from_arrays(ids, lat, lon)


def hexagon_area_m2(edge_m: float) -> float:
    return 3 * math.sqrt(3) / 2 * edge_m ** 2


def _check_box(south: float, west: float, north: float, east: float) -> None:
    check_coordinates(np.asarray([south, north]), np.asarray([west, east]))
    if not (south < north and west < east):
        raise BadValue(f"empty bounding box ({south}, {west}, {north}, {east})")
