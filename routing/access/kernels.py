"""numba kernels of the travel-time matrix: walking links, per-stop range profiles, combination.

Profiles are computed once per access stop rather than once per origin: many origins share
their stops, and a stop's best transit arrival at every other stop is a step function of the
departure time that only changes at the times some trip can just be caught (the candidate
departures), so rRAPTOR at those times gives it exactly. Each profile row is reduced at once to
the arrival at every destination (egress walk included), which keeps memory at
candidates × destinations per stop. Origins then take, per departure minute, the minimum over
their access stops of the row of the first candidate at or after (minute + access walk).
Ride modes (routing.access.modes) enter as links of another kind, open only at some times.
All kernels release the GIL, so a thread pool can use every core.
"""

from __future__ import annotations

import math

import numpy as np

from routing.geodesy import great_circle_m
from routing.raptor.kernel import INF, compile_kernel
from routing.raptor.range_kernel import range_rounds

INF32 = np.int32(2**31 - 1)  # an unreachable arrival in the int32 profile tables

distance_m = compile_kernel(great_circle_m)


def _walk_seconds(metres, speed_mps):
    return np.int64(math.ceil(metres / speed_mps - 1e-9))


walk_seconds = compile_kernel(_walk_seconds)


def _walk_links(lat, lon, stop_lat, stop_lon, stop_ok, max_m, detour, speed_mps):
    """For each point, the usable stops within max_m walked metres (straight line × detour)
    and the walking seconds, as CSR arrays (offsets, stops, seconds)."""
    n = lat.shape[0]
    counts = np.zeros(n + 1, np.int64)
    for i in range(n):
        for s in range(stop_lat.shape[0]):
            if stop_ok[s] and distance_m(lat[i], lon[i], stop_lat[s], stop_lon[s]) * detour \
                    <= max_m:
                counts[i + 1] += 1
    offsets = np.cumsum(counts)
    stops = np.empty(offsets[n], np.int64)
    seconds = np.empty(offsets[n], np.int64)
    for i in range(n):
        k = offsets[i]
        for s in range(stop_lat.shape[0]):
            if stop_ok[s]:
                metres = distance_m(lat[i], lon[i], stop_lat[s], stop_lon[s]) * detour
                if metres <= max_m:
                    stops[k] = s
                    seconds[k] = walk_seconds(metres, speed_mps)
                    k += 1
    return offsets, stops, seconds


walk_links = compile_kernel(_walk_links)


def _open_at(t, kind, win_off, win_lo, win_hi):
    """Whether a ride of the kind can be requested at second t."""
    for w in range(win_off[kind], win_off[kind + 1]):
        if win_lo[w] <= t < win_hi[w]:
            return True
    return False


_open = compile_kernel(_open_at)


def _profiles(slot_lo, slot_hi, slot_stop, cand_off, cand_times, egress_stops, eg_off, eg_dest,
              eg_s, eg_kind, win_off, win_lo, win_hi, n_rounds, max_travel_s, transfer_s,
              p_stop_off, p_stops, p_board, p_alight, p_trip_off, p_time_off, arr_s, dep_s,
              s_pat_off, s_pats, s_pos, fp_off, fp_to, fp_dur_s, trip_ok, trip_next, trip_pattern,
              out):
    """Fill out[row, destination] (arrival second, INF32 none) for the candidate rows of slots
    slot_lo..slot_hi: transit from the slot's stop leaving at the candidate, then egress (a walk,
    kind 0, or a ride of kind k requested on arrival within one of its windows [win_lo, win_hi))."""
    n_stops = transfer_s.shape[0]
    # The origin stop as the only "target", max_travel_s + 1 away: the kernel keeps a label
    # only when it is earlier than that bound, so arrivals at exactly departure + max_travel_s
    # survive ("within T" is inclusive) and every later one, which no origin can use, is pruned.
    prune = np.full(n_stops, -1, np.int64)
    walked = np.full(n_stops, INF, np.int64)
    origin = np.zeros(1, np.int64)
    access = np.zeros(1, np.int64)
    for u in range(slot_lo, slot_hi):
        a = slot_stop[u]
        c0 = cand_off[u]
        n = cand_off[u + 1] - c0
        if n == 0:
            continue
        departures = np.empty(n, np.int64)
        for i in range(n):  # latest first, as rRAPTOR needs
            departures[i] = cand_times[c0 + n - 1 - i]
        origin[0] = a
        prune[a] = max_travel_s + 1
        _, at = range_rounds(departures, origin, access, prune, n_rounds, transfer_s,
                             p_stop_off, p_stops, p_board, p_alight, p_trip_off, p_time_off,
                             arr_s, dep_s, s_pat_off, s_pats, s_pos, fp_off, fp_to, fp_dur_s,
                             trip_ok, trip_next, trip_pattern, True)
        # Round 0 only walks from a: such labels are not transit and would be wrong between
        # candidates (walking arrival moves with the departure); the direct walk covers them.
        walked[a] = 0
        for f in range(fp_off[a], fp_off[a + 1]):
            walked[fp_to[f]] = min(walked[fp_to[f]], fp_dur_s[f])
        for i in range(n):
            row = c0 + n - 1 - i
            c = departures[i]
            for e in range(egress_stops.shape[0]):
                s = egress_stops[e]
                t = at[i, s]
                if t >= INF or (walked[s] < INF and t >= c + walked[s]):
                    continue
                for k in range(eg_off[s], eg_off[s + 1]):
                    kind = eg_kind[k]
                    if kind > 0 and not _open(t, kind, win_off, win_lo, win_hi):
                        continue
                    v = t + eg_s[k]
                    d = eg_dest[k]
                    if v < out[row, d]:
                        out[row, d] = v
        prune[a] = -1
        walked[a] = INF
        for f in range(fp_off[a], fp_off[a + 1]):
            walked[fp_to[f]] = INF


profiles = compile_kernel(_profiles)


def _combine(o_lo, o_hi, acc_off, acc_slot, acc_s, acc_kind, cand_off, cand_times, table, o_lat,
             o_lon, d_lat, d_lon, direct_max_m, detour, speed_mps, departures, max_travel_s,
             ride_o_in, ride_d_in, ride_speed, ride_factor, ride_wait_s, ride_max_m, ride_open,
             ranks, out):
    """out[p, o, d]: the ranks[p]-th smallest travel time over the departures from origin o
    to destination d (np.inf where that one is unreachable), for origins o_lo..o_hi.
    Kinds k >= 1 (routing.access.modes) add direct rides and ride access links, each used only
    at the departures m where ride_open[k, m]."""
    n_dep = departures.shape[0]
    n_dest = table.shape[1]
    best = np.empty((n_dep, n_dest), np.int64)
    column = np.empty(n_dep, np.int64)
    for o in range(o_lo, o_hi):
        for d in range(n_dest):  # the direct walk takes as long whenever one leaves
            metres = distance_m(o_lat[o], o_lon[o], d_lat[d], d_lon[d]) * detour
            walk = walk_seconds(metres, speed_mps) if metres <= direct_max_m else INF
            for m in range(n_dep):
                best[m, d] = walk
        for j in range(1, ride_o_in.shape[0]):  # direct rides, for the minutes the mode runs
            if not ride_o_in[j, o]:
                continue
            for d in range(n_dest):
                if not ride_d_in[j, d]:
                    continue
                metres = distance_m(o_lat[o], o_lon[o], d_lat[d], d_lon[d]) * ride_factor[j]
                if metres > ride_max_m[j]:
                    continue
                ride = ride_wait_s[j] + walk_seconds(metres, ride_speed[j])
                for m in range(n_dep):
                    if ride_open[j, m] and ride < best[m, d]:
                        best[m, d] = ride
        for k in range(acc_off[o], acc_off[o + 1]):
            u = acc_slot[k]
            kind = acc_kind[k]
            row = cand_off[u]
            end = cand_off[u + 1]
            for m in range(n_dep):
                x = departures[m] + acc_s[k]
                while row < end and cand_times[row] < x:  # departures ascend: never step back
                    row += 1
                if row == end:
                    break
                if kind > 0 and not ride_open[kind, m]:
                    continue
                for d in range(n_dest):
                    v = table[row, d]
                    if v < INF32 and v - departures[m] < best[m, d]:
                        best[m, d] = v - departures[m]
        for d in range(n_dest):
            for m in range(n_dep):
                column[m] = best[m, d] if best[m, d] <= max_travel_s else INF
            column.sort()
            for p in range(ranks.shape[0]):
                v = column[ranks[p]]
                out[p, o, d] = np.inf if v >= INF else np.float64(v)


combine = compile_kernel(_combine)
