"""Landmarks for A* (ALT): costs from and to a few far-apart vertices bound any remaining cost.

By the triangle inequality d(v, t) >= d(v, L) - d(t, L) and d(v, t) >= d(L, t) - d(L, v) for
every landmark L; the largest of these is a consistent A* heuristic much tighter than the
straight line on a street network with rivers and detours. Landmarks are chosen farthest-first
in the graph's largest component, on first use per profile (a few full searches).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from routing.streets.graph import ProfileArcs, StreetGraph
from routing.streets.kernels import one_to_all

FloatArray = npt.NDArray[np.float64]
LANDMARKS = 8


@dataclass(frozen=True)
class Landmarks:
    from_landmark: FloatArray  # [landmarks, vertices]: cost from each landmark
    to_landmark: FloatArray  # [landmarks, vertices]: cost to each landmark

    @classmethod
    def none(cls, vertices: int) -> Landmarks:
        empty = np.zeros((0, vertices))
        return cls(empty, empty)


def choose_landmarks(graph: StreetGraph, arcs: ProfileArcs, count: int = LANDMARKS) -> Landmarks:
    if arcs.head.shape[0] == 0:
        return Landmarks.none(graph.vertex_count)
    reverse = _reversed(graph.vertex_count, arcs)
    start = int(np.argmax(np.diff(arcs.indptr)))
    seen = one_to_all(arcs.indptr, arcs.head, arcs.cost_s, start)
    reached = np.isfinite(seen)
    nearest = np.where(reached, seen, -1.0)
    chosen_from: list[FloatArray] = []
    chosen_to: list[FloatArray] = []
    for _ in range(count):
        landmark = int(np.argmax(nearest))  # the vertex farthest from every landmark so far
        if nearest[landmark] <= 0:
            break
        forward = one_to_all(arcs.indptr, arcs.head, arcs.cost_s, landmark)
        chosen_from.append(forward)
        chosen_to.append(one_to_all(reverse.indptr, reverse.head, reverse.cost_s, landmark))
        nearest = np.where(reached, np.minimum(nearest, np.where(np.isfinite(forward), forward, 0.0)), -1.0)
    if not chosen_from:
        return Landmarks.none(graph.vertex_count)
    return Landmarks(np.ascontiguousarray(chosen_from), np.ascontiguousarray(chosen_to))


def _reversed(vertices: int, arcs: ProfileArcs) -> ProfileArcs:
    tail = np.repeat(np.arange(vertices), np.diff(arcs.indptr)).astype(np.int32)
    order = np.argsort(arcs.head, kind="stable")
    indptr = np.zeros(vertices + 1, dtype=np.int64)
    np.cumsum(np.bincount(arcs.head, minlength=vertices), out=indptr[1:])
    return ProfileArcs(indptr=indptr, head=tail[order], cost_s=arcs.cost_s[order], length_m=arcs.length_m[order],
                       edge=arcs.edge[order], forward=~arcs.forward[order])
