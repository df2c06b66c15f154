"""The RAPTOR rounds (Delling, Pajor, Werneck 2012) as one numba-compiled function.

Labels per round k (k = number of trips ridden) and stop: the transit arrival (with the
pattern, trip and boarding position that produced it) and the foot arrival (with the stop
walked from). A stop's boarding time is the earliest of its origin time, foot arrivals and
transit arrivals plus its minimum transfer time, so the same-stop transfer rule lives in one
place. A footpath is taken at most once after each trip (and once from the origin), as in
the paper. Targets are given as egress seconds per stop (-1 where a stop is not a target);
with any target, labels no earlier than the best arrival at a target plus its egress are
pruned, so only the targets' answers are then complete. Trips with trip_ok False are never
boarded (a wheelchair user's inaccessible trips).

Stay-seated continuations (trip_next, from GTFS block_id) are followed inside the round that
rode the first trip: when a scan ends on a trip that continues, the continuation is scanned
from its first stop with that trip fixed, so riding on counts as the same trip. Such labels
record the trip first boarded (tr_first) and its boarding position, which is all a journey
needs to be read back; ordinary labels have tr_first -1.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from routing.jit import compile_kernel

INF = np.int64(2**62)


class KernelArrays(NamedTuple):
    """A prepared timetable in the kernels' trailing argument order (CSR offsets end in _off)."""

    p_stop_off: np.ndarray  # per pattern: its stops in p_stops
    p_stops: np.ndarray
    p_board: np.ndarray  # per pattern stop: boarding allowed (and the stop usable)
    p_alight: np.ndarray
    p_trip_off: np.ndarray  # per pattern: its first global trip
    p_time_off: np.ndarray  # per pattern: its times in arr_s / dep_s, trip-major
    arr_s: np.ndarray
    dep_s: np.ndarray
    s_pat_off: np.ndarray  # per stop: the patterns through it and its position in each
    s_pats: np.ndarray
    s_pos: np.ndarray
    fp_off: np.ndarray  # per stop: footpaths to fp_to taking fp_dur_s
    fp_to: np.ndarray
    fp_dur_s: np.ndarray
    trip_ok: np.ndarray  # per trip: may be boarded (wheelchair rule)
    trip_next: np.ndarray  # per trip: its stay-seated continuation, -1 none
    trip_pattern: np.ndarray


def _earliest_trip(dep_s, to, ns, i, first_trip, nt, ready, trip_ok):
    """Index of the earliest usable trip of a pattern departing position i at or after ready
    (trips are FIFO-sorted), searching trips below nt; nt when there is none."""
    lo = 0
    hi = nt
    while lo < hi:
        mid = (lo + hi) // 2
        if dep_s[to + mid * ns + i] >= ready:
            hi = mid
        else:
            lo = mid + 1
    while lo < nt and not trip_ok[first_trip + lo]:
        lo += 1
    return lo


earliest_trip = compile_kernel(_earliest_trip, helper=True)


def _queue_patterns(s, s_pat_off, s_pats, s_pos, start, queue, n_queued):
    """Queue the patterns through stop s, each to be scanned from its earliest marked position;
    returns the new queue length."""
    for j in range(s_pat_off[s], s_pat_off[s + 1]):
        p = s_pats[j]
        if start[p] < 0:
            queue[n_queued] = p
            n_queued += 1
            start[p] = s_pos[j]
        elif s_pos[j] < start[p]:
            start[p] = s_pos[j]
    return n_queued


queue_patterns = compile_kernel(_queue_patterns, helper=True)


def _arrive_by_transit(s, a, best_tr, best, board, transfer_s, egress_s, bound, queued,
                       tr_marked, n_tr):
    """A trip reaches stop s at second a: unless a misses the bound or is no better than
    best_tr[s], record it in best_tr, best and board (after the stop's transfer time), queue s
    once in tr_marked for its footpaths and lower the bound where s is a target.
    The one transit-label update of both kernels; returns (improved, n_tr, bound)."""
    if a >= best_tr[s] or a >= bound:
        return False, n_tr, bound
    if not queued[s]:
        queued[s] = True
        tr_marked[n_tr] = s
        n_tr += 1
    best_tr[s] = a
    if a < best[s]:
        best[s] = a
    if a + transfer_s[s] < board[s]:
        board[s] = a + transfer_s[s]
    if egress_s[s] >= 0 and a + egress_s[s] < bound:
        bound = a + egress_s[s]
    return True, n_tr, bound


arrive_by_transit = compile_kernel(_arrive_by_transit, helper=True)


def _raptor(depart_s, origin_stops, origin_access_s, egress_s, n_rounds, transfer_s,
            p_stop_off, p_stops, p_board, p_alight, p_trip_off, p_time_off, arr_s, dep_s,
            s_pat_off, s_pats, s_pos, fp_off, fp_to, fp_dur_s, trip_ok, trip_next,
            trip_pattern):
    n_stops = transfer_s.shape[0]
    n_patterns = p_stop_off.shape[0] - 1
    shape = (n_rounds + 1, n_stops)
    tr_arr = np.full(shape, INF, np.int64)
    tr_pat = np.full(shape, -1, np.int32)
    tr_trip = np.full(shape, -1, np.int32)
    tr_bpos = np.full(shape, -1, np.int32)
    tr_first = np.full(shape, -1, np.int32)
    ft_arr = np.full(shape, INF, np.int64)
    ft_from = np.full(shape, -1, np.int32)
    board = np.full(shape, INF, np.int64)
    origin = np.full(n_stops, INF, np.int64)
    best_tr = np.full(n_stops, INF, np.int64)
    best_arr = np.full(n_stops, INF, np.int64)
    marked = np.zeros(n_stops, np.bool_)
    tr_queued = np.zeros(n_stops, np.bool_)
    tr_marked = np.zeros(n_stops, np.int32)
    start = np.full(n_patterns, -1, np.int32)
    queue = np.zeros(n_patterns, np.int32)
    # stay-seated continuations to scan: (trip, trip first boarded, its boarding position)
    n_trips = trip_next.shape[0]
    cont_trip = np.empty(n_trips + 1, np.int64)
    cont_first = np.empty(n_trips + 1, np.int64)
    cont_bpos = np.empty(n_trips + 1, np.int64)
    bound = INF
    for i in range(origin_stops.shape[0]):
        o = origin_stops[i]
        t = depart_s + origin_access_s[i]
        if t < origin[o]:
            origin[o] = t
            board[0, o] = t
            best_arr[o] = t
            marked[o] = True
            if egress_s[o] >= 0 and t + egress_s[o] < bound:
                bound = t + egress_s[o]
    for o in range(n_stops):
        if origin[o] < INF:
            for f in range(fp_off[o], fp_off[o + 1]):
                u = fp_to[f]
                t = origin[o] + fp_dur_s[f]
                if t < board[0, u]:
                    ft_arr[0, u] = t
                    ft_from[0, u] = o
                    board[0, u] = t
                    best_arr[u] = min(best_arr[u], t)
                    marked[u] = True
                    if egress_s[u] >= 0 and t + egress_s[u] < bound:
                        bound = t + egress_s[u]
    for k in range(1, n_rounds + 1):
        board[k, :] = board[k - 1, :]
        n_queued = 0
        for s in range(n_stops):
            if not marked[s]:
                continue
            marked[s] = False
            n_queued = queue_patterns(s, s_pat_off, s_pats, s_pos, start, queue, n_queued)
        if n_queued == 0:
            break
        n_tr = 0
        n_cont = 0
        board_k = board[k]
        for q in range(n_queued):
            p = queue[q]
            first = start[p]
            start[p] = -1
            so = p_stop_off[p]
            ns = p_stop_off[p + 1] - so
            nt = p_trip_off[p + 1] - p_trip_off[p]
            to = p_time_off[p]
            trip = -1
            bpos = -1
            for i in range(first, ns):
                s = p_stops[so + i]
                if trip >= 0 and p_alight[so + i]:
                    a = np.int64(arr_s[to + trip * ns + i])
                    improved, n_tr, bound = arrive_by_transit(
                        s, a, best_tr, best_arr, board_k, transfer_s, egress_s, bound, tr_queued,
                        tr_marked, n_tr)
                    if improved:
                        tr_arr[k, s] = a
                        tr_pat[k, s] = p
                        tr_trip[k, s] = trip
                        tr_bpos[k, s] = bpos
                        tr_first[k, s] = -1
                if p_board[so + i]:
                    ready = board[k - 1, s]
                    if ready < INF and (trip < 0 or ready <= dep_s[to + trip * ns + i]):
                        found = earliest_trip(dep_s, to, ns, i, p_trip_off[p],
                                              nt if trip < 0 else trip, ready, trip_ok)
                        if found < (nt if trip < 0 else trip):
                            trip = found
                            bpos = i
            if trip >= 0 and n_cont < n_trips:
                g = p_trip_off[p] + trip
                if trip_next[g] >= 0 and arr_s[to + trip * ns + ns - 1] < bound:
                    cont_trip[n_cont] = trip_next[g]
                    cont_first[n_cont] = g
                    cont_bpos[n_cont] = bpos
                    n_cont += 1
        c = 0
        while c < n_cont:
            g = cont_trip[c]
            c += 1
            if not trip_ok[g]:
                continue
            p = trip_pattern[g]
            trip = g - p_trip_off[p]
            so = p_stop_off[p]
            ns = p_stop_off[p + 1] - so
            to = p_time_off[p]
            for i in range(1, ns):
                s = p_stops[so + i]
                if p_alight[so + i]:
                    a = np.int64(arr_s[to + trip * ns + i])
                    improved, n_tr, bound = arrive_by_transit(
                        s, a, best_tr, best_arr, board_k, transfer_s, egress_s, bound, tr_queued,
                        tr_marked, n_tr)
                    if improved:
                        tr_arr[k, s] = a
                        tr_pat[k, s] = p
                        tr_trip[k, s] = trip
                        tr_bpos[k, s] = cont_bpos[c - 1]
                        tr_first[k, s] = cont_first[c - 1]
            if trip_next[g] >= 0 and n_cont < n_trips and arr_s[to + trip * ns + ns - 1] < bound:
                cont_trip[n_cont] = trip_next[g]
                cont_first[n_cont] = cont_first[c - 1]
                cont_bpos[n_cont] = cont_bpos[c - 1]
                n_cont += 1
        for m in range(n_tr):
            s = tr_marked[m]
            tr_queued[s] = False
            for f in range(fp_off[s], fp_off[s + 1]):
                u = fp_to[f]
                t = tr_arr[k, s] + fp_dur_s[f]
                if t < board[k, u] and t < bound:
                    ft_arr[k, u] = t
                    ft_from[k, u] = s
                    board[k, u] = t
                    if t < best_arr[u]:
                        best_arr[u] = t
                    if egress_s[u] >= 0 and t + egress_s[u] < bound:
                        bound = t + egress_s[u]
        for s in range(n_stops):
            if board[k, s] < board[k - 1, s]:
                marked[s] = True
    return tr_arr, tr_pat, tr_trip, tr_bpos, tr_first, ft_arr, ft_from, origin


raptor_rounds = compile_kernel(_raptor)
