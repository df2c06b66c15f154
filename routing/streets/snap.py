"""Snapping points to the nearest street a profile may use, with the distance reported.

Points are projected to local metres (equirectangular about the graph's centre, exact enough
over a town). A k-d tree holds sample points every `sample_m` along every usable segment; a
point is projected onto the segments of its nearest samples and the closest projection wins.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.spatial import cKDTree

from routing.geodesy import METRES_PER_DEGREE, haversine_m
from routing.streets.graph import StreetGraph

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Projection:
    lat0: float
    lon0: float

    @classmethod
    def centred_on(cls, graph: StreetGraph) -> Projection:
        return cls(float(np.mean(graph.vertex_lat)), float(np.mean(graph.vertex_lon)))

    def xy(self, lat: FloatArray | float, lon: FloatArray | float) -> tuple[FloatArray, FloatArray]:
        x = (np.asarray(lon, dtype=np.float64) - self.lon0) * math.cos(math.radians(self.lat0)) * METRES_PER_DEGREE
        y = (np.asarray(lat, dtype=np.float64) - self.lat0) * METRES_PER_DEGREE
        return x, y


@dataclass(frozen=True)
class Snaps:
    """Where points meet the street: per point the edge, the fraction along it, the distance."""

    edge: npt.NDArray[np.int64]  # -1 where no usable street lies within the limit
    fraction: FloatArray
    distance_m: FloatArray  # inf where edge is -1
    lat: FloatArray  # the snapped position
    lon: FloatArray

    @property
    def too_far(self) -> npt.NDArray[np.bool_]:
        return np.asarray(self.edge < 0)


class Snapper:
    """The nearest usable segment of one profile, for many points at once."""

    def __init__(self, graph: StreetGraph, profile: str, projection: Projection, island_fraction: float = 0.05,
                 sample_m: float = 20.0, candidates: int = 8) -> None:
        self._graph = graph
        self._projection = projection
        self._candidates = candidates
        self._sample_m = sample_m
        usable = graph.snappable_edges(profile, island_fraction)
        seg = np.flatnonzero(graph.pos_edge >= 0)
        seg = seg[usable[graph.pos_edge[seg]]]
        self._seg = seg
        x, y = projection.xy(graph.pos_lat, graph.pos_lon)
        self._x, self._y = x, y
        span = np.hypot(x[seg + 1] - x[seg], y[seg + 1] - y[seg])
        pieces = np.maximum(np.ceil(span / sample_m), 1).astype(np.int64)
        owner = np.repeat(np.arange(seg.shape[0]), pieces + 1)
        step = np.arange(owner.shape[0]) - np.repeat(np.cumsum(pieces + 1) - (pieces + 1), pieces + 1)
        t = step / pieces[owner]
        s = seg[owner]
        points = np.column_stack([x[s] + t * (x[s + 1] - x[s]), y[s] + t * (y[s + 1] - y[s])])
        self._owner = owner
        self._tree = cKDTree(points) if points.shape[0] else None

    def snap(self, lat: FloatArray, lon: FloatArray, max_m: float) -> Snaps:
        lat = np.atleast_1d(np.asarray(lat, dtype=np.float64))
        lon = np.atleast_1d(np.asarray(lon, dtype=np.float64))
        n = lat.shape[0]
        edge = np.full(n, -1, dtype=np.int64)
        fraction = np.zeros(n)
        distance = np.full(n, np.inf)
        out_lat, out_lon = lat.copy(), lon.copy()
        if self._tree is None or n == 0:
            return Snaps(edge, fraction, distance, out_lat, out_lon)
        px, py = self._projection.xy(lat, lon)
        k = min(self._candidates, self._tree.n)
        found_d, found_i = self._tree.query(np.column_stack([px, py]), k=k,
                                            distance_upper_bound=max_m + self._sample_m)
        found_i = np.asarray(found_i).reshape(n, k)
        valid = found_i < self._tree.n
        seg = self._seg[self._owner[np.where(valid, found_i, 0)]]  # [n, k] segment start positions
        x0, y0, x1, y1 = self._x[seg], self._y[seg], self._x[seg + 1], self._y[seg + 1]
        dx, dy = x1 - x0, y1 - y0
        length2 = dx * dx + dy * dy
        with np.errstate(invalid="ignore", divide="ignore"):
            t = np.where(length2 > 0, ((px[:, None] - x0) * dx + (py[:, None] - y0) * dy) / length2, 0.0)
        t = np.clip(t, 0.0, 1.0)
        d = np.hypot(x0 + t * dx - px[:, None], y0 + t * dy - py[:, None])
        d = np.where(valid, d, np.inf)
        best = np.argmin(d, axis=1)
        rows = np.arange(n)
        best_d = d[rows, best]
        ok = best_d <= max_m
        best_seg, best_t = seg[rows, best], t[rows, best]
        g = self._graph
        seg_len = haversine_m(g.pos_lat[best_seg], g.pos_lon[best_seg], g.pos_lat[best_seg + 1], g.pos_lon[best_seg + 1])
        e = g.pos_edge[best_seg].astype(np.int64)
        edge_len = g.edge_length_m[e]
        with np.errstate(invalid="ignore", divide="ignore"):
            frac = np.where(edge_len > 0, (g.pos_offset_m[best_seg] + best_t * seg_len) / edge_len, 0.0)
        edge[ok] = e[ok]
        fraction[ok] = np.clip(frac[ok], 0.0, 1.0)
        distance[ok] = best_d[ok]
        lat_s = g.pos_lat[best_seg] + best_t * (g.pos_lat[best_seg + 1] - g.pos_lat[best_seg])
        lon_s = g.pos_lon[best_seg] + best_t * (g.pos_lon[best_seg + 1] - g.pos_lon[best_seg])
        out_lat[ok], out_lon[ok] = lat_s[ok], lon_s[ok]
        return Snaps(edge, fraction, distance, out_lat, out_lon)
