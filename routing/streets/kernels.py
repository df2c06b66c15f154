"""numba kernels of the street searches: A* one-to-one and Dijkstra one/many-to-many.

Both take the profile's CSR arcs and "seeds": the vertices a snapped point reaches along its own
edge with the cost and length of that part. A* runs on a straight-line heuristic that never
overestimates (the profile's least seconds per metre times the projected distance, with a
margin for the projection), so the first settled total that no open label can beat is optimal.
"""

from __future__ import annotations

import math
import numpy as np
import numpy.typing as npt

from routing.jit import compile_kernel as _compile

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
Int32Array = npt.NDArray[np.int32]


def _heap_push(keys: FloatArray, items: IntArray, size: int, key: float, item: int) -> int:
    i = size
    while i > 0:
        parent = (i - 1) >> 1
        if keys[parent] <= key:
            break
        keys[i] = keys[parent]
        items[i] = items[parent]
        i = parent
    keys[i] = key
    items[i] = item
    return size + 1


def _heap_pop(keys: FloatArray, items: IntArray, size: int) -> int:
    """Remove the top (read it first from keys[0], items[0]); returns the new size."""
    size -= 1
    key = keys[size]
    item = items[size]
    i = 0
    while True:
        child = 2 * i + 1
        if child >= size:
            break
        if child + 1 < size and keys[child + 1] < keys[child]:
            child += 1
        if keys[child] >= key:
            break
        keys[i] = keys[child]
        items[i] = items[child]
        i = child
    keys[i] = key
    items[i] = item
    return size


heap_push = _compile(_heap_push, helper=True)
heap_pop = _compile(_heap_pop, helper=True)


def _lower_bound(v: int, vx: FloatArray, vy: FloatArray, tx: float, ty: float, h_scale: float,
                 from_lm: FloatArray, to_lm: FloatArray, dst_v: IntArray, dst_c: FloatArray) -> float:
    """The larger of the straight-line bound and the landmarks' (ALT) bound on the cost from v
    to the nearest target seed; both never overestimate and stay consistent."""
    h = h_scale * math.sqrt((vx[v] - tx) ** 2 + (vy[v] - ty) ** 2)
    if from_lm.shape[0] == 0:
        return h
    best = np.inf
    for k in range(dst_v.shape[0]):
        t = dst_v[k]
        bound = 0.0
        for m in range(from_lm.shape[0]):
            a = to_lm[m, v] - to_lm[m, t]  # d(v, L) - d(t, L) <= d(v, t)
            if a > bound and a < np.inf:
                bound = a
            b = from_lm[m, t] - from_lm[m, v]  # d(L, t) - d(L, v) <= d(v, t)
            if b > bound and b < np.inf:
                bound = b
        if bound + dst_c[k] < best:
            best = bound + dst_c[k]
    return best if best > h else h


lower_bound = _compile(_lower_bound, helper=True)


def _astar(indptr: IntArray, head: Int32Array, cost: FloatArray, length: FloatArray, vx: FloatArray,
           vy: FloatArray, src_v: IntArray, src_c: FloatArray, src_l: FloatArray, dst_v: IntArray,
           dst_c: FloatArray, dst_l: FloatArray, tx: float, ty: float, h_scale: float,
           limit: float, from_lm: FloatArray, to_lm: FloatArray) -> tuple[float, float, int, int, IntArray]:
    """Least cost from the source seeds to the target seeds: (cost, length, last vertex, target
    seed index, predecessor arc per vertex); cost is inf when no path within limit exists.
    from_lm/to_lm: costs from and to the landmarks ([landmarks, vertices]; none: 0 rows)."""
    n = indptr.shape[0] - 1
    g = np.full(n, np.inf)
    dist = np.zeros(n)
    pred = np.full(n, -1, np.int64)
    done = np.zeros(n, np.bool_)
    capacity = head.shape[0] + src_v.shape[0] + 1
    keys = np.empty(capacity)
    items = np.empty(capacity, np.int64)
    size = 0
    for k in range(src_v.shape[0]):
        s = src_v[k]
        if src_c[k] < g[s]:
            g[s] = src_c[k]
            dist[s] = src_l[k]
            h = lower_bound(s, vx, vy, tx, ty, h_scale, from_lm, to_lm, dst_v, dst_c)
            size = heap_push(keys, items, size, src_c[k] + h, s)
    best = np.inf
    best_len = 0.0
    best_v = -1
    best_k = -1
    while size > 0:
        key = keys[0]
        u = items[0]
        size = heap_pop(keys, items, size)
        if key >= best:
            break
        if done[u]:
            continue
        done[u] = True
        gu = g[u]
        if gu > limit:
            break
        for k in range(dst_v.shape[0]):
            if dst_v[k] == u and gu + dst_c[k] < best:
                best = gu + dst_c[k]
                best_len = dist[u] + dst_l[k]
                best_v = u
                best_k = k
        for a in range(indptr[u], indptr[u + 1]):
            v = head[a]
            candidate = gu + cost[a]
            if candidate < g[v]:
                g[v] = candidate
                dist[v] = dist[u] + length[a]
                pred[v] = a
                h = lower_bound(v, vx, vy, tx, ty, h_scale, from_lm, to_lm, dst_v, dst_c)
                size = heap_push(keys, items, size, candidate + h, v)
    if best > limit:
        best = np.inf
    return best, best_len, best_v, best_k, pred


astar = _compile(_astar)


def _many_to_many(indptr: IntArray, head: Int32Array, cost: FloatArray, length: FloatArray, src_ptr: IntArray,
                  src_v: IntArray, src_c: FloatArray, src_l: FloatArray, targets: IntArray,
                  limit: float) -> tuple[FloatArray, FloatArray]:
    """Dijkstra from each source's seeds until every target vertex is settled or limit passed:
    ([sources, targets] cost, [sources, targets] length), inf where not reached."""
    n = indptr.shape[0] - 1
    sources = src_ptr.shape[0] - 1
    out_cost = np.full((sources, targets.shape[0]), np.inf)
    out_len = np.full((sources, targets.shape[0]), np.inf)
    target_index = np.full(n, -1, np.int64)
    for t in range(targets.shape[0]):
        target_index[targets[t]] = t
    g = np.full(n, np.inf)
    dist = np.zeros(n)
    done = np.zeros(n, np.bool_)
    touched = np.empty(n, np.int64)
    capacity = head.shape[0] + src_v.shape[0] + 1
    keys = np.empty(capacity)
    items = np.empty(capacity, np.int64)
    for s in range(sources):
        touched_count = 0
        size = 0
        for k in range(src_ptr[s], src_ptr[s + 1]):
            v = src_v[k]
            if src_c[k] < g[v]:
                if g[v] == np.inf:
                    touched[touched_count] = v
                    touched_count += 1
                g[v] = src_c[k]
                dist[v] = src_l[k]
                size = heap_push(keys, items, size, src_c[k], v)
        remaining = targets.shape[0]
        while size > 0 and remaining > 0:
            u = items[0]
            size = heap_pop(keys, items, size)
            if done[u]:
                continue
            done[u] = True
            gu = g[u]
            if gu > limit:
                break
            t = target_index[u]
            if t >= 0:
                out_cost[s, t] = gu
                out_len[s, t] = dist[u]
                remaining -= 1
            for a in range(indptr[u], indptr[u + 1]):
                v = head[a]
                candidate = gu + cost[a]
                if candidate < g[v]:
                    if g[v] == np.inf:
                        touched[touched_count] = v
                        touched_count += 1
                    g[v] = candidate
                    dist[v] = dist[u] + length[a]
                    size = heap_push(keys, items, size, candidate, v)
        for i in range(touched_count):
            g[touched[i]] = np.inf
            done[touched[i]] = False
    return out_cost, out_len


many_to_many = _compile(_many_to_many)


def _one_to_all(indptr: IntArray, head: Int32Array, cost: FloatArray, source: int) -> FloatArray:
    """Least cost from one vertex to every vertex (inf where unreachable)."""
    n = indptr.shape[0] - 1
    g = np.full(n, np.inf)
    done = np.zeros(n, np.bool_)
    keys = np.empty(head.shape[0] + 1)
    items = np.empty(head.shape[0] + 1, np.int64)
    g[source] = 0.0
    size = heap_push(keys, items, 0, 0.0, source)
    while size > 0:
        u = items[0]
        size = heap_pop(keys, items, size)
        if done[u]:
            continue
        done[u] = True
        for a in range(indptr[u], indptr[u + 1]):
            v = head[a]
            candidate = g[u] + cost[a]
            if candidate < g[v]:
                g[v] = candidate
                size = heap_push(keys, items, size, candidate, v)
    return g


one_to_all = _compile(_one_to_all)


def _arc_chain(pred: IntArray, arc_edge: Int32Array, arc_forward: npt.NDArray[np.bool_], edge_tail: Int32Array,
               edge_head: Int32Array, last: int) -> tuple[IntArray, int]:
    """The arcs from a source seed to `last` in order, following the predecessor arcs, and the
    seed vertex they start from."""
    count = 0
    v = last
    while pred[v] >= 0:
        a = pred[v]
        v = edge_tail[arc_edge[a]] if arc_forward[a] else edge_head[arc_edge[a]]
        count += 1
    chain = np.empty(count, np.int64)
    v = last
    for i in range(count - 1, -1, -1):
        a = pred[v]
        chain[i] = a
        v = edge_tail[arc_edge[a]] if arc_forward[a] else edge_head[arc_edge[a]]
    return chain, v


arc_chain = _compile(_arc_chain)
