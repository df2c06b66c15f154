"""rRAPTOR: RAPTOR rounds repeated over a window of departures, latest first, reusing labels.

Delling, Pajor, Werneck (2012), section 4: labels computed for a later departure stay valid
upper bounds for an earlier one (a traveller can always wait), so each earlier departure only
explores what it improves. Labels here mean "best with at most k trips", kept per round and
never reset between departures. For each departure the kernel records the best arrival at the
targets (plus egress) per number of trips; with no target it records each stop's best arrival,
which is what travel-time matrices need. The departures must be sorted latest first.
Stay-seated continuations are followed as in routing.raptor.kernel.
"""

from __future__ import annotations

import numpy as np

from routing.raptor.kernel import (INF, arrive_by_transit, compile_kernel, earliest_trip,
                                   queue_patterns)


def _range_raptor(departures, origin_stops, origin_access_s, egress_s, n_rounds, transfer_s,
                  p_stop_off, p_stops, p_board, p_alight, p_trip_off, p_time_off, arr_s, dep_s,
                  s_pat_off, s_pats, s_pos, fp_off, fp_to, fp_dur_s, trip_ok, trip_next,
                  trip_pattern, record_all):
    n_stops = transfer_s.shape[0]
    n_patterns = p_stop_off.shape[0] - 1
    n_deps = departures.shape[0]
    shape = (n_rounds + 1, n_stops)
    tau = np.full(shape, INF, np.int64)  # best arrival with at most k trips
    tr = np.full(shape, INF, np.int64)  # best transit arrival in round k
    board = np.full(shape, INF, np.int64)  # earliest boarding after at most k trips
    bound = np.full(n_rounds + 1, INF, np.int64)  # best arrival at a target, plus egress
    at_target = np.full((n_deps, n_rounds + 1), INF, np.int64)
    at_stops = np.full((n_deps if record_all else 0, n_stops), INF, np.int64)
    marked = np.zeros(n_stops, np.bool_)
    next_marked = np.zeros(n_stops, np.bool_)
    tr_marked = np.zeros(n_stops, np.int32)
    start = np.full(n_patterns, -1, np.int32)
    queue = np.zeros(n_patterns, np.int32)
    n_trips = trip_next.shape[0]
    cont_trip = np.empty(n_trips + 1, np.int64)
    for d in range(n_deps):
        for i in range(origin_stops.shape[0]):
            o = origin_stops[i]
            t = departures[d] + origin_access_s[i]
            if t < board[0, o]:
                board[0, o] = t
                tau[0, o] = min(tau[0, o], t)
                marked[o] = True
                if egress_s[o] >= 0 and t + egress_s[o] < bound[0]:
                    bound[0] = t + egress_s[o]
            for f in range(fp_off[o], fp_off[o + 1]):
                u = fp_to[f]
                t2 = t + fp_dur_s[f]
                if t2 < board[0, u]:
                    board[0, u] = t2
                    tau[0, u] = min(tau[0, u], t2)
                    marked[u] = True
                    if egress_s[u] >= 0 and t2 + egress_s[u] < bound[0]:
                        bound[0] = t2 + egress_s[u]
        for k in range(1, n_rounds + 1):
            if bound[k - 1] < bound[k]:
                bound[k] = bound[k - 1]
            n_queued = 0
            for s in range(n_stops):
                if not marked[s]:
                    continue
                marked[s] = False
                if board[k - 1, s] < board[k, s]:
                    board[k, s] = board[k - 1, s]
                if tau[k - 1, s] < tau[k, s]:
                    tau[k, s] = tau[k - 1, s]
                n_queued = queue_patterns(s, s_pat_off, s_pats, s_pos, start, queue, n_queued)
            if n_queued == 0:
                break
            n_tr = 0
            n_cont = 0
            tr_k, tau_k, board_k = tr[k], tau[k], board[k]
            for q in range(n_queued):
                p = queue[q]
                first = start[p]
                start[p] = -1
                so = p_stop_off[p]
                ns = p_stop_off[p + 1] - so
                nt = p_trip_off[p + 1] - p_trip_off[p]
                to = p_time_off[p]
                trip = -1
                for i in range(first, ns):
                    s = p_stops[so + i]
                    if trip >= 0 and p_alight[so + i]:
                        a = np.int64(arr_s[to + trip * ns + i])
                        _, n_tr, bound[k] = arrive_by_transit(
                            s, a, tr_k, tau_k, board_k, transfer_s, egress_s, bound[k],
                            next_marked, tr_marked, n_tr)
                    if p_board[so + i]:
                        ready = board[k - 1, s]
                        if ready < INF and (trip < 0 or ready <= dep_s[to + trip * ns + i]):
                            limit = nt if trip < 0 else trip
                            found = earliest_trip(dep_s, to, ns, i, p_trip_off[p], limit, ready,
                                                  trip_ok)
                            if found < limit:
                                trip = found
                if trip >= 0 and n_cont < n_trips:
                    g = p_trip_off[p] + trip
                    if trip_next[g] >= 0 and arr_s[to + trip * ns + ns - 1] < bound[k]:
                        cont_trip[n_cont] = trip_next[g]
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
                        _, n_tr, bound[k] = arrive_by_transit(
                            s, a, tr_k, tau_k, board_k, transfer_s, egress_s, bound[k],
                            next_marked, tr_marked, n_tr)
                last = arr_s[to + trip * ns + ns - 1]
                if trip_next[g] >= 0 and n_cont < n_trips and last < bound[k]:
                    cont_trip[n_cont] = trip_next[g]
                    n_cont += 1
            for m in range(n_tr):
                s = tr_marked[m]
                for f in range(fp_off[s], fp_off[s + 1]):
                    u = fp_to[f]
                    t = tr[k, s] + fp_dur_s[f]
                    if t < board[k, u] and t < bound[k]:
                        board[k, u] = t
                        if t < tau[k, u]:
                            tau[k, u] = t
                        next_marked[u] = True
                        if egress_s[u] >= 0 and t + egress_s[u] < bound[k]:
                            bound[k] = t + egress_s[u]
            for s in range(n_stops):
                if next_marked[s]:
                    next_marked[s] = False
                    marked[s] = True
        for s in range(n_stops):
            marked[s] = False
        for k in range(n_rounds + 1):
            best = bound[k] if k == 0 else min(bound[k], at_target[d, k - 1])
            at_target[d, k] = best
        if record_all:
            for s in range(n_stops):
                best = INF
                for k in range(n_rounds + 1):
                    if tau[k, s] < best:
                        best = tau[k, s]
                at_stops[d, s] = best
    return at_target, at_stops


range_rounds = compile_kernel(_range_raptor)
