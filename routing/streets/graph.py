"""The street graph: vertices at junctions and dead ends, edges along way pieces, as numpy arrays.

An edge follows one way piece from a junction to the next, so a profile's cost is the same all
along it; its geometry is the slice `edge_first_pos .. edge_last_pos` of the position arrays.
Costs are seconds per profile and direction (inf where forbidden), penalties included.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from routing.geodesy import haversine_m
from routing.streets.errors import UnknownProfile, UnreadableOsm
from routing.streets.profiles import PROFILES
from routing.streets.reader import RawWays

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
Int32Array = npt.NDArray[np.int32]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class ProfileArcs:
    """One profile's directed arcs in CSR order (by tail vertex)."""

    indptr: IntArray  # [vertices + 1]
    head: Int32Array  # [arcs]
    cost_s: FloatArray
    length_m: FloatArray
    edge: Int32Array  # the edge an arc runs along
    forward: BoolArray  # along the edge's geometry (tail -> head) or against it


@dataclass(frozen=True, eq=False)
class StreetGraph:
    vertex_lat: FloatArray
    vertex_lon: FloatArray
    vertex_osm_id: IntArray
    edge_tail: Int32Array
    edge_head: Int32Array
    edge_length_m: FloatArray
    edge_cost_s: FloatArray  # [edges, profiles, 2]: forward, backward
    edge_first_pos: IntArray
    edge_last_pos: IntArray
    pos_lat: FloatArray
    pos_lon: FloatArray
    pos_edge: Int32Array  # the edge of the segment starting at a position; -1 at a piece's end
    pos_offset_m: FloatArray  # distance from the edge's start to the segment's start
    digest: str = ""
    _arcs: dict[str, ProfileArcs] = field(default_factory=dict, repr=False)

    @property
    def vertex_count(self) -> int:
        return int(self.vertex_lat.shape[0])

    @property
    def edge_count(self) -> int:
        return int(self.edge_tail.shape[0])

    def profile_index(self, profile: str) -> int:
        if profile not in PROFILES:
            raise UnknownProfile(f"unknown street profile {profile!r}; known: {', '.join(PROFILES)}")
        return PROFILES.index(profile)

    def usable_edges(self, profile: str) -> BoolArray:
        cost = self.edge_cost_s[:, self.profile_index(profile), :]
        return np.asarray(np.isfinite(cost).any(axis=1))

    def snappable_edges(self, profile: str, island_fraction: float) -> BoolArray:
        """Usable edges whose ends lie in a strongly connected component of at least island_fraction
        of the largest one's vertices: a point is not left on a fragment cut off at the extract's edge."""
        usable = self.usable_edges(profile)
        arcs = self.arcs(profile)
        if island_fraction <= 0 or arcs.head.shape[0] == 0:
            return usable
        tail = np.repeat(np.arange(self.vertex_count), np.diff(arcs.indptr))
        keep = tail != arcs.head  # scipy's strong components never return on self-loops or repeats
        matrix = coo_matrix((np.ones(int(keep.sum())), (tail[keep], arcs.head[keep])),
                            shape=(self.vertex_count, self.vertex_count)).tocsr()
        matrix.sum_duplicates()
        _, label = connected_components(matrix, directed=True, connection="strong")
        size = np.bincount(label)
        has_arcs = np.diff(arcs.indptr) > 0
        largest = size[label[has_arcs]].max() if has_arcs.any() else 0
        big = size[label] >= island_fraction * largest
        return np.asarray(usable & big[self.edge_tail] & big[self.edge_head])

    def arcs(self, profile: str) -> ProfileArcs:
        """The profile's CSR arcs, built on first use and kept."""
        if profile not in self._arcs:
            self._arcs[profile] = _build_arcs(self, self.profile_index(profile))
        return self._arcs[profile]

    def arrays(self) -> dict[str, npt.NDArray[Any]]:
        return {name: getattr(self, name) for name in ARRAY_FIELDS}

    @classmethod
    def from_arrays(cls, arrays: dict[str, npt.NDArray[Any]], digest: str) -> StreetGraph:
        fields: dict[str, Any] = {name: arrays[name] for name in ARRAY_FIELDS}
        return cls(**fields, digest=digest)


ARRAY_FIELDS = ("vertex_lat", "vertex_lon", "vertex_osm_id", "edge_tail", "edge_head", "edge_length_m",
                "edge_cost_s", "edge_first_pos", "edge_last_pos", "pos_lat", "pos_lon", "pos_edge",
                "pos_offset_m")


def build_graph(raw: RawWays, digest: str = "") -> StreetGraph:
    """Split the pieces at shared nodes into edges and number the vertices."""
    positions = raw.node_id.shape[0]
    piece_len = np.diff(raw.piece_start)
    piece_of_pos = np.repeat(np.arange(piece_len.shape[0]), piece_len)
    unique_ids, node_of_pos = np.unique(raw.node_id, return_inverse=True)
    shared = np.bincount(node_of_pos, minlength=unique_ids.shape[0]) >= 2
    is_vertex_pos = shared[node_of_pos]
    is_vertex_pos[raw.piece_start[:-1]] = True
    is_vertex_pos[raw.piece_start[1:] - 1] = True

    seg_pos = np.flatnonzero(piece_of_pos[:-1] == piece_of_pos[1:])
    if seg_pos.shape[0] == 0:
        raise UnreadableOsm("the OSM file's highways have no segments")
    seg_len = haversine_m(raw.lat[seg_pos], raw.lon[seg_pos], raw.lat[seg_pos + 1], raw.lon[seg_pos + 1])
    starts_edge = is_vertex_pos[seg_pos]
    seg_edge = np.cumsum(starts_edge) - 1
    edge_first_seg = np.flatnonzero(starts_edge)
    edge_last_seg = np.r_[edge_first_seg[1:], seg_pos.shape[0]] - 1
    edge_first_pos = seg_pos[edge_first_seg]
    edge_last_pos = seg_pos[edge_last_seg] + 1
    edge_length = np.bincount(seg_edge, weights=seg_len).astype(np.float64)
    running = np.cumsum(seg_len) - seg_len
    seg_offset = running - running[edge_first_seg][seg_edge]

    vertex_node = np.zeros(unique_ids.shape[0], dtype=bool)
    vertex_node[node_of_pos[is_vertex_pos]] = True
    vertex_count = int(vertex_node.sum())
    node_lat = np.zeros(unique_ids.shape[0])
    node_lon = np.zeros(unique_ids.shape[0])
    node_lat[node_of_pos], node_lon[node_of_pos] = raw.lat, raw.lon
    vertex_nodes = np.flatnonzero(vertex_node)
    # Numbered along a Z-order curve, so that neighbours sit close in memory: the searches
    # touch the arrays far less at random than in OSM id order.
    order = np.argsort(_z_order(node_lat[vertex_nodes], node_lon[vertex_nodes]), kind="stable")
    vertex_nodes = vertex_nodes[order]
    vertex_of_node = np.full(unique_ids.shape[0], -1, dtype=np.int32)
    vertex_of_node[vertex_nodes] = np.arange(vertex_count, dtype=np.int32)
    vertex_lat, vertex_lon = node_lat[vertex_nodes], node_lon[vertex_nodes]

    spm = raw.piece_costs[piece_of_pos[edge_first_pos]]  # [edges, profiles, 3]
    length = edge_length[:, None, None]
    with np.errstate(invalid="ignore"):
        cost = np.where(np.isfinite(spm[:, :, :2]), length * spm[:, :, :2] + spm[:, :, 2:3], np.inf)

    pos_edge = np.full(positions, -1, dtype=np.int32)
    pos_edge[seg_pos] = seg_edge
    pos_offset = np.zeros(positions)
    pos_offset[seg_pos] = seg_offset
    return StreetGraph(
        vertex_lat=vertex_lat, vertex_lon=vertex_lon, vertex_osm_id=unique_ids[vertex_nodes],
        edge_tail=vertex_of_node[node_of_pos[edge_first_pos]], edge_head=vertex_of_node[node_of_pos[edge_last_pos]],
        edge_length_m=edge_length, edge_cost_s=np.ascontiguousarray(cost),
        edge_first_pos=edge_first_pos.astype(np.int64), edge_last_pos=edge_last_pos.astype(np.int64),
        pos_lat=raw.lat, pos_lon=raw.lon, pos_edge=pos_edge, pos_offset_m=pos_offset, digest=digest)


def _z_order(lat: FloatArray, lon: FloatArray) -> npt.NDArray[np.uint64]:
    """Morton codes of points quantised to 16 bits per axis over their bounding box."""
    def quantise(values: FloatArray) -> npt.NDArray[np.uint64]:
        span = float(values.max() - values.min()) or 1.0
        return ((values - values.min()) / span * 65535).astype(np.uint64)

    def spread(bits: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
        bits = (bits | (bits << np.uint64(8))) & np.uint64(0x00FF00FF)
        bits = (bits | (bits << np.uint64(4))) & np.uint64(0x0F0F0F0F)
        bits = (bits | (bits << np.uint64(2))) & np.uint64(0x33333333)
        return (bits | (bits << np.uint64(1))) & np.uint64(0x55555555)

    return spread(quantise(lat)) | (spread(quantise(lon)) << np.uint64(1))


def _build_arcs(graph: StreetGraph, profile: int) -> ProfileArcs:
    forward_cost = graph.edge_cost_s[:, profile, 0]
    backward_cost = graph.edge_cost_s[:, profile, 1]
    fwd = np.flatnonzero(np.isfinite(forward_cost))
    bwd = np.flatnonzero(np.isfinite(backward_cost))
    tail = np.concatenate([graph.edge_tail[fwd], graph.edge_head[bwd]])
    head = np.concatenate([graph.edge_head[fwd], graph.edge_tail[bwd]])
    cost = np.concatenate([forward_cost[fwd], backward_cost[bwd]])
    edge = np.concatenate([fwd, bwd]).astype(np.int32)
    forward = np.concatenate([np.ones(fwd.shape[0], dtype=bool), np.zeros(bwd.shape[0], dtype=bool)])
    order = np.argsort(tail, kind="stable")
    indptr = np.zeros(graph.vertex_count + 1, dtype=np.int64)
    np.cumsum(np.bincount(tail, minlength=graph.vertex_count), out=indptr[1:])
    return ProfileArcs(indptr=indptr, head=head[order].astype(np.int32), cost_s=cost[order],
                       length_m=graph.edge_length_m[edge[order]], edge=edge[order], forward=forward[order])
