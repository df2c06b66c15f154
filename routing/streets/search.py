"""Searches on a street graph: one-to-one paths with geometry and many-to-many matrices.

A point reaches its snapped edge's two ends along the edge (in the directions the profile allows);
two points on the same edge may also meet directly along it. Unreachable pairs raise Unreachable
(one-to-one) or come back as inf (matrices): never a straight line.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from routing.streets.errors import TooFarFromStreet, Unreachable
from routing.streets.graph import StreetGraph
from routing.streets.kernels import arc_chain, astar, many_to_many
from routing.streets.landmarks import Landmarks, choose_landmarks
from routing.streets.profiles import StreetParams
from routing.streets.snap import Projection, Snapper, Snaps

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
HEURISTIC_MARGIN = 0.98  # the local projection stretches distances by well under 2 % in a town


@dataclass(frozen=True)
class StreetPath:
    distance_m: float
    duration_s: float
    snap_from_m: float
    snap_to_m: float
    coordinates: list[tuple[float, float]]  # (lat, lon) from the origin point to the destination point


@dataclass(frozen=True)
class StreetMatrix:
    duration_s: FloatArray  # [origins, destinations]; inf where unreachable or a point is too far
    distance_m: FloatArray
    snap_from_m: FloatArray  # inf where the origin is too far from any street
    snap_to_m: FloatArray


@dataclass
class StreetRouter:
    """Snapping and searching for every profile of one graph (snap indexes built on first use)."""

    graph: StreetGraph
    params: StreetParams = StreetParams()  # those the graph was built with (walk legs rescale by its speeds)
    max_snap_m: float = 500.0
    island_fraction: float = 0.05  # snap only to components of at least this share of the largest
    _projection: Projection = field(init=False)
    _snappers: dict[str, Snapper] = field(default_factory=dict, init=False)
    _landmarks: dict[str, Landmarks] = field(default_factory=dict, init=False)
    _least: dict[str, float] = field(default_factory=dict, init=False)
    _xy: tuple[FloatArray, FloatArray] = field(init=False)

    def __post_init__(self) -> None:
        self._projection = Projection.centred_on(self.graph)
        self._xy = self._projection.xy(self.graph.vertex_lat, self.graph.vertex_lon)

    def snapper(self, profile: str) -> Snapper:
        if profile not in self._snappers:
            self.graph.profile_index(profile)
            self._snappers[profile] = Snapper(self.graph, profile, self._projection, self.island_fraction)
        return self._snappers[profile]

    def _least_seconds_per_m(self, profile: str) -> float:
        """The cheapest metre of any arc: the straight-line bound's scale, read off the graph so it
        holds whatever parameters built it."""
        if profile not in self._least:
            arcs = self.graph.arcs(profile)
            moving = arcs.length_m > 0
            self._least[profile] = float(np.min(arcs.cost_s[moving] / arcs.length_m[moving])) if moving.any() else 0.0
        return self._least[profile]

    def landmarks(self, profile: str) -> Landmarks:
        """The profile's A* landmarks, chosen on first use."""
        if profile not in self._landmarks:
            self._landmarks[profile] = choose_landmarks(self.graph, self.graph.arcs(profile))
        return self._landmarks[profile]

    def snap(self, profile: str, lat: FloatArray | float, lon: FloatArray | float) -> Snaps:
        return self.snapper(profile).snap(np.asarray(lat, dtype=np.float64), np.asarray(lon, dtype=np.float64),
                                          self.max_snap_m)

    def route(self, profile: str, from_lat: float, from_lon: float, to_lat: float, to_lon: float,
              limit_s: float = np.inf) -> StreetPath:
        """The least-cost path; TooFarFromStreet or Unreachable when there is none."""
        snaps = self.snap(profile, np.array([from_lat, to_lat]), np.array([from_lon, to_lon]))
        for i, (lat, lon) in enumerate(((from_lat, from_lon), (to_lat, to_lon))):
            if snaps.edge[i] < 0:
                raise TooFarFromStreet(lat, lon, self.max_snap_m, profile)
        p = self.graph.profile_index(profile)
        arcs = self.graph.arcs(profile)
        src_v, src_c, src_l = self._seeds(p, int(snaps.edge[0]), float(snaps.fraction[0]), leaving=True)
        dst_v, dst_c, dst_l = self._seeds(p, int(snaps.edge[1]), float(snaps.fraction[1]), leaving=False)
        tx, ty = self._projection.xy(float(snaps.lat[1]), float(snaps.lon[1]))
        scale = self._least_seconds_per_m(profile) * HEURISTIC_MARGIN
        landmarks = self.landmarks(profile)
        best, best_len, last, k, pred = astar(arcs.indptr, arcs.head, arcs.cost_s, arcs.length_m, self._xy[0],
                                              self._xy[1], src_v, src_c, src_l, dst_v, dst_c, dst_l,
                                              float(tx), float(ty), scale, float(limit_s),
                                              landmarks.from_landmark, landmarks.to_landmark)
        direct = self._same_edge(p, snaps, 0, 1)
        if direct is not None and direct[0] <= best:
            cost, length = direct
            inner = self._edge_part(int(snaps.edge[0]), float(snaps.fraction[0]), float(snaps.fraction[1]))
        elif np.isfinite(best):
            cost, length = float(best), float(best_len)
            inner = self._path_coordinates(profile, snaps, int(last), pred)
        else:
            raise Unreachable(f"no {profile} path from ({from_lat:.6f}, {from_lon:.6f}) "
                              f"to ({to_lat:.6f}, {to_lon:.6f})")
        coordinates = [(from_lat, from_lon), *inner, (to_lat, to_lon)]
        return StreetPath(distance_m=length, duration_s=cost, snap_from_m=float(snaps.distance_m[0]),
                          snap_to_m=float(snaps.distance_m[1]), coordinates=_dedupe(coordinates))

    def matrix(self, profile: str, origins: FloatArray, destinations: FloatArray,
               limit_s: float = np.inf) -> StreetMatrix:
        """Costs between rows of (lat, lon); inf where unreachable, over limit_s or a point too far."""
        origins = np.asarray(origins, dtype=np.float64).reshape(-1, 2)
        destinations = np.asarray(destinations, dtype=np.float64).reshape(-1, 2)
        p = self.graph.profile_index(profile)
        arcs = self.graph.arcs(profile)
        src = self.snap(profile, origins[:, 0], origins[:, 1])
        dst = self.snap(profile, destinations[:, 0], destinations[:, 1])
        src_ptr, src_v, src_c, src_l = self._seed_table(p, src, leaving=True)
        dst_ptr, dst_v, dst_c, dst_l = self._seed_table(p, dst, leaving=False)
        targets, target_of_seed = np.unique(dst_v, return_inverse=True)
        cost, length = many_to_many(arcs.indptr, arcs.head, arcs.cost_s, arcs.length_m, src_ptr, src_v, src_c,
                                    src_l, targets.astype(np.int64), float(limit_s))
        duration = np.full((origins.shape[0], destinations.shape[0]), np.inf)
        distance = np.full_like(duration, np.inf)
        seed_owner = np.repeat(np.arange(destinations.shape[0]), np.diff(dst_ptr))
        for k in range(dst_v.shape[0]):  # at most two seeds per destination
            j = seed_owner[k]
            total = cost[:, target_of_seed[k]] + dst_c[k]
            better = total < duration[:, j]
            duration[better, j] = total[better]
            distance[better, j] = length[better, target_of_seed[k]] + dst_l[k]
        same = (src.edge[:, None] == dst.edge[None, :]) & (src.edge[:, None] >= 0)
        for i, j in zip(*np.nonzero(same)):
            if direct := self._same_edge(p, _pair(src, dst, int(i), int(j)), 0, 1):
                if direct[0] < duration[i, j]:
                    duration[i, j], distance[i, j] = direct
        over = duration > limit_s
        duration[over] = np.inf
        distance[over] = np.inf
        return StreetMatrix(duration_s=duration, distance_m=distance, snap_from_m=src.distance_m,
                            snap_to_m=dst.distance_m)

    def _seeds(self, p: int, edge: int, t: float, leaving: bool) -> tuple[IntArray, FloatArray, FloatArray]:
        """The vertices a point at fraction t of edge reaches (leaving) or is reached from."""
        g = self.graph
        fwd, bwd = g.edge_cost_s[edge, p, 0], g.edge_cost_s[edge, p, 1]
        length = g.edge_length_m[edge]
        seeds: list[tuple[int, float, float]] = []
        if leaving:
            if np.isfinite(fwd):
                seeds.append((int(g.edge_head[edge]), (1 - t) * fwd, (1 - t) * length))
            if np.isfinite(bwd):
                seeds.append((int(g.edge_tail[edge]), t * bwd, t * length))
        else:
            if np.isfinite(fwd):
                seeds.append((int(g.edge_tail[edge]), t * fwd, t * length))
            if np.isfinite(bwd):
                seeds.append((int(g.edge_head[edge]), (1 - t) * bwd, (1 - t) * length))
        return (np.array([s[0] for s in seeds], dtype=np.int64), np.array([s[1] for s in seeds]),
                np.array([s[2] for s in seeds]))

    def _seed_table(self, p: int, snaps: Snaps, leaving: bool) -> tuple[IntArray, IntArray, FloatArray, FloatArray]:
        ptr = [0]
        vertices: list[IntArray] = []
        costs: list[FloatArray] = []
        lengths: list[FloatArray] = []
        for edge, t in zip(snaps.edge, snaps.fraction):
            if edge >= 0:
                v, c, length = self._seeds(p, int(edge), float(t), leaving)
                vertices.append(v)
                costs.append(c)
                lengths.append(length)
                ptr.append(ptr[-1] + v.shape[0])
            else:
                ptr.append(ptr[-1])
        if not vertices:
            return np.asarray(ptr, dtype=np.int64), np.zeros(0, np.int64), np.zeros(0), np.zeros(0)
        return (np.asarray(ptr, dtype=np.int64), np.concatenate(vertices), np.concatenate(costs),
                np.concatenate(lengths))

    def _same_edge(self, p: int, snaps: Snaps, a: int, b: int) -> tuple[float, float] | None:
        """Cost and length straight along the edge when both points snapped to the same one."""
        if snaps.edge[a] != snaps.edge[b] or snaps.edge[a] < 0:
            return None
        edge = int(snaps.edge[a])
        t0, t1 = float(snaps.fraction[a]), float(snaps.fraction[b])
        direction = 0 if t1 >= t0 else 1
        cost = self.graph.edge_cost_s[edge, p, direction]
        if not np.isfinite(cost):
            return None
        part = abs(t1 - t0)
        return float(part * cost), float(part * self.graph.edge_length_m[edge])

    def _edge_part(self, edge: int, t0: float, t1: float) -> list[tuple[float, float]]:
        """The edge's geometry from fraction t0 to t1 (reversed when t1 < t0)."""
        g = self.graph
        first, last = int(g.edge_first_pos[edge]), int(g.edge_last_pos[edge])
        offsets = np.r_[g.pos_offset_m[first:last], g.edge_length_m[edge]]
        lat, lon = g.pos_lat[first:last + 1], g.pos_lon[first:last + 1]
        lo, hi = sorted((t0, t1))
        a, b = lo * g.edge_length_m[edge], hi * g.edge_length_m[edge]
        inside = np.flatnonzero((offsets > a) & (offsets < b))
        points = [(float(np.interp(a, offsets, lat)), float(np.interp(a, offsets, lon)))]
        points += [(float(lat[i]), float(lon[i])) for i in inside]
        points.append((float(np.interp(b, offsets, lat)), float(np.interp(b, offsets, lon))))
        return points if t1 >= t0 else points[::-1]

    def _path_coordinates(self, profile: str, snaps: Snaps, last: int,
                          pred: IntArray) -> list[tuple[float, float]]:
        g, p, arcs = self.graph, self.graph.profile_index(profile), self.graph.arcs(profile)
        chain, v = arc_chain(pred, arcs.edge, arcs.forward, g.edge_tail, g.edge_head, last)
        src_edge, src_t = int(snaps.edge[0]), float(snaps.fraction[0])
        towards_head = (int(g.edge_head[src_edge]) == v and bool(np.isfinite(g.edge_cost_s[src_edge, p, 0]))
                        and (int(g.edge_tail[src_edge]) != v or src_t <= 0.5
                             or not np.isfinite(g.edge_cost_s[src_edge, p, 1])))
        points = self._edge_part(src_edge, src_t, 1.0 if towards_head else 0.0)
        points += self._full_edges(chain, arcs.edge, arcs.forward)
        dst_edge, dst_t = int(snaps.edge[1]), float(snaps.fraction[1])
        from_tail = (int(g.edge_tail[dst_edge]) == last and bool(np.isfinite(g.edge_cost_s[dst_edge, p, 0]))
                     and (int(g.edge_head[dst_edge]) != last or dst_t <= 0.5
                          or not np.isfinite(g.edge_cost_s[dst_edge, p, 1])))
        points += self._edge_part(dst_edge, 0.0 if from_tail else 1.0, dst_t)
        return points

    def _full_edges(self, chain: IntArray, arc_edge: npt.NDArray[np.int32],
                    arc_forward: npt.NDArray[np.bool_]) -> list[tuple[float, float]]:
        """The positions of whole edges walked in order, at once (a path has hundreds)."""
        if chain.shape[0] == 0:
            return []
        g = self.graph
        edges, forward = arc_edge[chain], arc_forward[chain]
        first, last = g.edge_first_pos[edges], g.edge_last_pos[edges]
        counts = last - first + 1
        start = np.where(forward, first, last)
        step = np.where(forward, 1, -1)
        offsets = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
        index = np.repeat(start, counts) + offsets * np.repeat(step, counts)
        return list(zip(g.pos_lat[index].tolist(), g.pos_lon[index].tolist()))

def _pair(src: Snaps, dst: Snaps, i: int, j: int) -> Snaps:
    return Snaps(edge=np.array([src.edge[i], dst.edge[j]]), fraction=np.array([src.fraction[i], dst.fraction[j]]),
                 distance_m=np.array([src.distance_m[i], dst.distance_m[j]]), lat=np.array([src.lat[i], dst.lat[j]]),
                 lon=np.array([src.lon[i], dst.lon[j]]))


def _dedupe(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Drop consecutive repeats (a snapped point on a vertex, an edge's shared end)."""
    array = np.asarray(points, dtype=np.float64)
    keep = np.ones(array.shape[0], dtype=bool)
    keep[1:] = np.abs(np.diff(array, axis=0)).max(axis=1) > 1e-9
    return list(zip(array[keep, 0].tolist(), array[keep, 1].tolist()))
