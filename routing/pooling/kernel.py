"""Compiled inner loops of the ruin-and-recreate search: route timing and cheapest insertion.

A route is given as arrays over its nodes, start depot first and end depot last: place, window
(lo, hi), service time, the position of each drop-off's pickup (partner, -1 when none) with its
ride limit (boarding plus maximum ride), which nodes are drivers' breaks, and the loads after
each node. Timing is the least solution of the route's simple temporal network, as in
`schedule.earliest_schedule`, which stays the plain reference implementation the checker-side
code uses; the greatest solution gives each stop's latest start.
"""

from __future__ import annotations

import numpy as np

from routing.jit import compile_kernel

EPS = 1e-7


@compile_kernel
def stn_earliest(place, lo, hi, svc, partner, ride, max_duration, dur, x):
    """Fill x with the earliest feasible service starts; False when there are none."""
    m = place.shape[0]
    for k in range(m):
        x[k] = lo[k]
    for _ in range(2 * m + 3):  # Bellman-Ford's bound on rounds
        for k in range(m - 1):
            t = x[k] + svc[k] + dur[place[k], place[k + 1]]
            if t > x[k + 1]:
                x[k + 1] = t
            if x[k + 1] > hi[k + 1] + EPS:
                return False
        if x[0] > hi[0] + EPS:
            return False
        changed = False
        for k in range(m):
            if partner[k] >= 0 and x[k] - ride[k] > x[partner[k]] + EPS:
                x[partner[k]] = x[k] - ride[k]
                changed = True
        if x[m - 1] - max_duration > x[0] + EPS:
            x[0] = x[m - 1] - max_duration
            changed = True
        if not changed:
            return True
    return False


@compile_kernel
def stn_latest(place, lo, hi, svc, partner, ride, max_duration, dur, x):
    """Fill x with the latest feasible service starts; False when there are none.

    The greatest solution of the same network: the solutions of difference constraints are
    closed under maximum, so each x[k] is the latest start node k can have in any timing.
    """
    m = place.shape[0]
    for k in range(m):
        x[k] = hi[k]
    for _ in range(2 * m + 3):  # Bellman-Ford's bound on rounds
        for k in range(m - 2, -1, -1):
            t = x[k + 1] - svc[k] - dur[place[k], place[k + 1]]
            if t < x[k]:
                x[k] = t
            if x[k] < lo[k] - EPS:
                return False
        if x[m - 1] < lo[m - 1] - EPS:
            return False
        changed = False
        for k in range(m):
            if partner[k] >= 0 and x[k] > x[partner[k]] + ride[k] + EPS:
                x[k] = x[partner[k]] + ride[k]
                changed = True
        if x[m - 1] > x[0] + max_duration + EPS:
            x[m - 1] = x[0] + max_duration
            changed = True
        if not changed:
            return True
    return False


@compile_kernel
def latest_starts(place, hi, svc, dur, out):
    """Latest service starts allowed by windows and travel alone (ride limits ignored)."""
    m = place.shape[0]
    out[m - 1] = hi[m - 1]
    for k in range(m - 2, -1, -1):
        t = out[k + 1] - svc[k] - dur[place[k], place[k + 1]]
        out[k] = hi[k] if hi[k] < t else t


@compile_kernel
def cheapest_insertion(place, lo, hi, svc, partner, ride, rest, max_duration, seats, chairs, times, latest,
                       dur, dist, req, max_checks):
    """(added distance, i, j): pickup after node i, drop-off after node j (j >= i), or (inf, -1, -1).

    rest marks the nodes that are drivers' breaks, which no rider may sit through.

    req holds the request: pickup place, drop-off place, pickup lo, hi, service, drop-off lo,
    hi, service, ride limit, seats, wheelchairs, vehicle seats, vehicle wheelchair places.
    Positions failing a necessary condition are skipped; the rest are timed exactly in order
    of added distance, at most max_checks of them.
    """
    pp, pq = int(req[0]), int(req[1])
    plo, phi, psvc, qlo, qhi, qsvc, limit = req[2], req[3], req[4], req[5], req[6], req[7], req[8]
    rseats, rchairs, cap_seats, cap_chairs = req[9], req[10], req[11], req[12]
    m = place.shape[0]
    gaps = m - 1
    size = gaps * (gaps + 1) // 2
    cand_delta = np.empty(size)
    cand_i = np.empty(size, np.int64)
    cand_j = np.empty(size, np.int64)
    n = 0
    for i in range(gaps):
        if seats[i] + rseats > cap_seats or chairs[i] + rchairs > cap_chairs:
            continue
        a, b = place[i], place[i + 1]
        sp = max(times[i] + svc[i] + dur[a, pp], plo)
        latest_p = min(phi, latest[i + 1] - psvc - dur[pp, b])
        if sp > latest_p + EPS:
            continue
        add_p = dist[a, pp] + dist[pp, b] - dist[a, b]
        for j in range(i, gaps):
            if j > i and (rest[j] or seats[j] + rseats > cap_seats or chairs[j] + rchairs > cap_chairs):
                break  # the party would ride through this full stop or break, and so for any later j
            c, d = place[j], place[j + 1]
            if j == i:
                sq = max(sp + psvc + dur[pp, pq], qlo)
                delta = dist[a, pp] + dist[pp, pq] + dist[pq, b] - dist[a, b]
            else:
                sq = max(times[j] + svc[j] + dur[c, pq], qlo)
                delta = add_p + dist[c, pq] + dist[pq, d] - dist[c, d]
            if sq > qhi + EPS or sq + qsvc + dur[pq, d] > latest[j + 1] + EPS or sq - latest_p > limit + EPS:
                continue
            cand_delta[n] = delta
            cand_i[n] = i
            cand_j[n] = j
            n += 1
    order = np.argsort(cand_delta[:n])
    n_place = np.empty(m + 2, np.int64)
    n_lo, n_hi, n_svc, n_ride = np.empty(m + 2), np.empty(m + 2), np.empty(m + 2), np.empty(m + 2)
    n_partner = np.empty(m + 2, np.int64)
    x = np.empty(m + 2)
    for t in range(min(n, max_checks)):
        i, j = cand_i[order[t]], cand_j[order[t]]
        for k in range(m):
            to = k + (k > i) + (k > j)
            n_place[to], n_lo[to], n_hi[to], n_svc[to], n_ride[to] = place[k], lo[k], hi[k], svc[k], ride[k]
            pk = partner[k]
            n_partner[to] = pk + (pk > i) + (pk > j) if pk >= 0 else -1
        n_place[i + 1], n_lo[i + 1], n_hi[i + 1], n_svc[i + 1] = pp, plo, phi, psvc
        n_partner[i + 1], n_ride[i + 1] = -1, 0.0
        n_place[j + 2], n_lo[j + 2], n_hi[j + 2], n_svc[j + 2] = pq, qlo, qhi, qsvc
        n_partner[j + 2], n_ride[j + 2] = i + 1, limit
        if stn_earliest(n_place, n_lo, n_hi, n_svc, n_partner, n_ride, max_duration, dur, x):
            return cand_delta[order[t]], i, j
    return np.inf, -1, -1


@compile_kernel
def build_route(ids, table, ride_limit, vehicle, dur, dist):
    """A route's node arrays, earliest times and latest starts from its visit ids.

    Visit id 2r is request r's pickup, 2r+1 its drop-off, ids from twice the number of requests
    on are breaks; table rows hold per visit id: place, lo, hi, service, seats delta, wheelchairs
    delta. vehicle holds: start, end, shift lo, shift hi, max duration, seats and wheelchairs on
    board at the start.
    """
    n = ids.shape[0]
    m = n + 2
    place = np.empty(m, np.int64)
    lo, hi, svc, ride = np.empty(m), np.empty(m), np.zeros(m), np.zeros(m)
    partner = np.full(m, -1, np.int64)
    seats, chairs = np.empty(m, np.int64), np.empty(m, np.int64)
    rest = np.zeros(m, np.bool_)
    place[0], place[m - 1] = int(vehicle[0]), int(vehicle[1])
    lo[0], hi[0], lo[m - 1], hi[m - 1] = vehicle[2], vehicle[3], vehicle[2], vehicle[3]
    seats[0], chairs[0] = int(vehicle[5]), int(vehicle[6])
    pick = np.full(ride_limit.shape[0], -1, np.int64)
    for k in range(1, n + 1):
        v = ids[k - 1]
        r = v // 2
        place[k] = int(table[v, 0])
        lo[k], hi[k], svc[k] = table[v, 1], table[v, 2], table[v, 3]
        seats[k] = seats[k - 1] + int(table[v, 4])
        chairs[k] = chairs[k - 1] + int(table[v, 5])
        if r >= ride_limit.shape[0]:
            rest[k] = True  # a break: no partner
            continue
        if v % 2 == 0:
            pick[r] = k
        elif pick[r] >= 0 and ride_limit[r] < np.inf:
            partner[k], ride[k] = pick[r], ride_limit[r]
    seats[m - 1], chairs[m - 1] = seats[m - 2], chairs[m - 2]
    times, latest = np.empty(m), np.empty(m)
    ok = stn_earliest(place, lo, hi, svc, partner, ride, vehicle[4], dur, times)
    latest_starts(place, hi, svc, dur, latest)
    cost = 0.0
    for k in range(m - 1):
        cost += dist[place[k], place[k + 1]]
    return ok, place, lo, hi, svc, partner, ride, rest, seats, chairs, times, latest, cost
