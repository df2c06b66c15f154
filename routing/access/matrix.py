"""Travel-time matrices from points to points by walking and transit, over a departure window.

`travel_time_matrix(router, origins, destinations, start_s, window_s)` answers, like R5's
regional analyses, "how long from each origin to each destination if I leave at a random
minute between 08:00 and 09:00": for every departure minute it takes the best of a direct
walk and walk + transit (range RAPTOR) + walk, then reports percentiles over the minutes.

Conventions (tested in tests/unit/test_access_matrix.py):
- Departures are start_s, start_s + step_s, ... below start_s + window_s (the window's end is
  excluded, as in R5: a 60-minute window at step 60 is 60 departures); window_s 0 is one.
- Percentile p is the nearest-rank value: sort the n per-departure times (unreachable as
  +inf) and take the ceil(p / 100 × n)-th smallest (p = 0 gives the smallest). A bus every
  20 minutes over 60 departures waits 0..19 minutes three times each: p25 waits 4, p50 9, p75 14.
- Result: float64 seconds, shape [len(percentiles), n_origins, n_destinations]; np.inf where,
  at that percentile, the destination is not reached within max_travel_s.
- Walking is straight line × detour_factor at walk_speed_mps, within max_walk_m for each of
  access and egress; the direct walk is allowed up to max_direct_walk_m (default max_walk_m).
  Transfers between stops use the timetable's footpaths as the router prepared them.
- modes (routing.access.modes.RideMode) add door-to-door rides: direct within a zone, and to or
  from stops inside it as access and egress legs, only at the minutes they run. Without modes
  every ride array is empty and the answer is walking and transit alone.
"""

from __future__ import annotations

import math
import os
import weakref
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from routing.access.errors import AccessInputError
from routing.access.kernels import INF32, combine, profiles, walk_links
from routing.access.modes import RideMode, mode_arrays, with_rides
from routing.access.points import Point, PointSet, as_point_set
from routing.plan.geo import served_stops
from routing.plan.profile import DETOUR_FACTOR
from routing.raptor import RaptorParams, RaptorRouter
from routing.raptor.search import ACCESSIBLE
from routing.timetable.model import Timetable, csr_rows

DEFAULT_MAX_WALK_M = 1000
DEFAULT_MAX_TRAVEL_S = 2 * 3600  # R5's default maximum trip duration
SLOTS_PER_TASK = 8  # access stops per thread-pool task: small enough to balance two cores
# Boarding times per stop, kept per router: a router serves many matrices.
_BOARDING: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


@dataclass(frozen=True)
class _Links:
    """Walking (kind 0) and ride links as CSR: per point, the stops (or table slots) and seconds."""

    offsets: np.ndarray
    targets: np.ndarray
    seconds: np.ndarray
    kinds: np.ndarray


def departure_times(start_s: int, window_s: int, step_s: int) -> np.ndarray:
    """The departure seconds sampled in a window: start, start + step, ... < start + window."""
    if window_s < 0 or step_s <= 0:
        raise AccessInputError("window_s must be non-negative and step_s positive")
    n = max(1, math.ceil(window_s / step_s))
    return int(start_s) + np.arange(n, dtype=np.int64) * int(step_s)


def percentile_ranks(percentiles: Sequence[float], n: int) -> np.ndarray:
    """0-based index into n sorted values of each nearest-rank percentile."""
    ranks = []
    for p in percentiles:
        if not 0 <= p <= 100:
            raise AccessInputError(f"percentiles must be in 0..100, got {p}")
        ranks.append(max(0, math.ceil(round(p * n / 100, 9)) - 1))
    return np.asarray(ranks, np.int64)


def travel_time_matrix(router_or_timetable: RaptorRouter | Timetable,
                       origins: PointSet | Iterable[Point],
                       destinations: PointSet | Iterable[Point], start_s: int, window_s: int, *,
                       step_s: int = 60, percentiles: Sequence[float] = (25, 50, 75),
                       max_walk_m: float = DEFAULT_MAX_WALK_M,
                       walk_speed_mps: float | None = None,
                       max_travel_s: int = DEFAULT_MAX_TRAVEL_S,
                       max_direct_walk_m: float | None = None,
                       detour_factor: float = DETOUR_FACTOR, workers: int = 1,
                       modes: Sequence[RideMode] = ()) -> np.ndarray:
    """Travel-time percentiles in seconds, shape [percentiles, origins, destinations].

    A Timetable is routed with default RaptorParams at walk_speed_mps (1.2 m/s when None);
    a RaptorRouter brings its own transfers, wheelchair rule and footpath speed, and its
    walk speed is the default for access, egress and the direct walk. workers > 1 runs the
    kernels on that many threads (0 means every core); the answer does not depend on it.
    """
    router = _router(router_or_timetable, walk_speed_mps)
    speed = float(walk_speed_mps or router.params.walk_speed_mps)
    if not (math.isfinite(speed) and speed > 0) or not max_walk_m >= 0 or max_travel_s < 0:
        raise AccessInputError("walk speed must be positive, max_walk_m and max_travel_s >= 0")
    origins, destinations = as_point_set(origins), as_point_set(destinations)
    departures = departure_times(start_s, window_s, step_s)
    ranks = percentile_ranks(percentiles, len(departures))
    out = np.full((len(ranks), len(origins), len(destinations)), np.inf)
    if len(origins) == 0 or len(destinations) == 0:
        return out
    tt = router.timetable
    usable = _usable_stops(router)
    rides = mode_arrays(modes, origins, destinations, departures)
    access = _links(origins, tt, usable, max_walk_m, detour_factor, speed, modes, rides.o_in)
    egress = _links(destinations, tt, usable, max_walk_m, detour_factor, speed, modes, rides.d_in)
    slot_stop, slot_of_link = np.unique(access.targets, return_inverse=True)
    # The times each slot's profile must cover: from the first departure plus its shortest
    # access walk to the last departure plus its longest.
    first, last = int(departures[0]), int(departures[-1])
    earliest = np.full(len(slot_stop), first + 10**9, np.int64)
    np.minimum.at(earliest, slot_of_link, first + access.seconds)
    horizon = np.full(len(slot_stop), last, np.int64)
    np.maximum.at(horizon, slot_of_link, last + access.seconds)
    cand_off, cand_times = _candidates(router, slot_stop, earliest, horizon)
    table = np.full((len(cand_times), len(destinations)), INF32, np.int32)
    eg_off, eg_dest, eg_s, eg_kind = _by_stop(egress, tt.n_stops)
    egress_stops = np.flatnonzero(np.diff(eg_off) > 0)
    n_rounds = np.int64(router.params.max_transfers + 1)
    pool_size = _pool_size(workers)

    def run_profiles(lo: int) -> None:
        profiles(lo, min(lo + SLOTS_PER_TASK, len(slot_stop)), slot_stop, cand_off, cand_times,
                 egress_stops, eg_off, eg_dest, eg_s, eg_kind, rides.win_off, rides.win_lo,
                 rides.win_hi, n_rounds, np.int64(max_travel_s),
                 router.transfer_s,
                 *router.kernel_arrays, table)

    # Slots write disjoint rows of the table, origins disjoint cells of out: no locking.
    _run(pool_size, run_profiles, range(0, len(slot_stop), SLOTS_PER_TASK))
    direct_m = float(max_walk_m if max_direct_walk_m is None else max_direct_walk_m)
    chunk = max(1, math.ceil(len(origins) / (4 * pool_size)))

    def run_origins(lo: int) -> None:
        combine(lo, min(lo + chunk, len(origins)), access.offsets,
                slot_of_link.astype(np.int64), access.seconds, access.kinds, cand_off, cand_times,
                table, origins.lat, origins.lon, destinations.lat, destinations.lon, direct_m,
                float(detour_factor), speed, departures, np.int64(max_travel_s), rides.o_in,
                rides.d_in, rides.speed_mps, rides.road_factor, rides.wait_s, rides.max_ride_m,
                rides.open_at, ranks, out)

    _run(pool_size, run_origins, range(0, len(origins), chunk))
    return out


def _router(router_or_timetable: RaptorRouter | Timetable,
            walk_speed_mps: float | None) -> RaptorRouter:
    if isinstance(router_or_timetable, RaptorRouter):
        return router_or_timetable
    if isinstance(router_or_timetable, Timetable):
        return RaptorRouter(router_or_timetable, RaptorParams(walk_speed_mps=walk_speed_mps or 1.2))
    raise TypeError("expected a RaptorRouter or a Timetable")


def _usable_stops(router: RaptorRouter) -> np.ndarray:
    """Stops a pattern calls at (and accessible ones only for wheelchair users)."""
    ok = served_stops(router.timetable)
    if router.params.wheelchair:
        ok &= np.asarray(router.timetable.stop_wheelchair) == ACCESSIBLE
    return ok


def _links(points: PointSet, tt: Timetable, usable: np.ndarray, max_walk_m: float,
           detour: float, speed: float, modes: Sequence[RideMode], served: np.ndarray) -> _Links:
    stop_lat, stop_lon = tt.stop_lat.astype(np.float64), tt.stop_lon.astype(np.float64)
    offsets, stops, seconds = walk_links(points.lat, points.lon, stop_lat, stop_lon, usable,
                                         float(max_walk_m), float(detour), speed)
    if not modes:
        return _Links(offsets, stops, seconds, np.zeros(len(stops), np.int64))
    return _Links(*with_rides(offsets, stops, seconds, points, served, modes, stop_lat, stop_lon,
                              usable))


def _by_stop(links: _Links, n_stops: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Invert point -> stop links into stop -> (point, seconds, kind) CSR."""
    point = csr_rows(links.offsets)
    order = np.argsort(links.targets, kind="stable")
    offsets = np.zeros(n_stops + 1, np.int64)
    np.cumsum(np.bincount(links.targets, minlength=n_stops), out=offsets[1:])
    return offsets, point[order].astype(np.int64), links.seconds[order], links.kinds[order]


def _stop_times(router: RaptorRouter) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per stop, sorted (CSR): every second a trip can be boarded there, and every second one
    arrives there or a footpath after alighting at a stop nearby (offsets, times twice)."""
    cached = _BOARDING.get(router)
    if cached is not None:
        return cached
    arrays = router.kernel_arrays
    p_stop_off, p_stops, p_time_off = arrays.p_stop_off, arrays.p_stops, arrays.p_time_off
    pattern = csr_rows(p_time_off)
    n_pos = np.diff(p_stop_off)[pattern]
    position = p_stop_off[pattern] + (np.arange(len(arrays.dep_s)) - p_time_off[pattern]) % n_pos
    n_stops = router.timetable.n_stops
    board = arrays.p_board[position]
    boarding = _csr(p_stops[position][board], arrays.dep_s[board], n_stops)
    alight = arrays.p_alight[position]
    stop, times = p_stops[position][alight], arrays.arr_s[alight]
    source = csr_rows(arrays.fp_off)
    per_stop = np.bincount(stop, minlength=n_stops)
    by_stop = np.argsort(stop, kind="stable")
    starts = np.concatenate([[0], np.cumsum(per_stop)])
    walked_to, walked_times = [stop], [times]
    for f in np.flatnonzero(per_stop[source] > 0):  # footpaths leaving stops trips reach
        s = source[f]
        walked_to.append(np.full(per_stop[s], arrays.fp_to[f]))
        walked_times.append(times[by_stop[starts[s]:starts[s + 1]]] + arrays.fp_dur_s[f])
    arriving = _csr(np.concatenate(walked_to), np.concatenate(walked_times), n_stops)
    cached = (*boarding, *arriving)
    _BOARDING[router] = cached
    return cached


def _csr(stop: np.ndarray, times: np.ndarray, n_stops: int) -> tuple[np.ndarray, np.ndarray]:
    order = np.lexsort((times, stop))
    offsets = np.zeros(n_stops + 1, np.int64)
    np.cumsum(np.bincount(stop, minlength=n_stops), out=offsets[1:])
    return offsets, times[order].astype(np.int64)


def _candidates(router: RaptorRouter, slot_stop: np.ndarray, earliest: np.ndarray,
                horizon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per slot, ascending: the times in [earliest, horizon] at which leaving the slot's stop
    just catches a trip there or at a stop a footpath away, or walking to such a stop ties with
    a ride arriving there (where the kernels' "transit must beat walking" test changes), plus
    both ends (CSR). Between two candidates a profile row is then exact for every minute."""
    b_off, b_times, a_off, a_times = _stop_times(router)
    arrays = router.kernel_arrays
    fp_off, fp_to, fp_s = arrays.fp_off, arrays.fp_to, arrays.fp_dur_s
    parts, counts = [], []
    for stop, start_s, end in zip(slot_stop.tolist(), earliest.tolist(), horizon.tolist()):
        times = [np.asarray([start_s, end], np.int64)]
        reach = [(stop, 0)] + [(int(fp_to[f]), int(fp_s[f]))
                               for f in range(fp_off[stop], fp_off[stop + 1])]
        for u, walk in reach:
            for off, at in ((b_off, b_times), (a_off, a_times)) if u != stop else ((b_off, b_times),):
                mine = at[off[u]:off[u + 1]]
                lo, hi = np.searchsorted(mine, [start_s + walk, end + walk + 1])
                times.append(mine[lo:hi] - walk)
        unique = np.unique(np.concatenate(times))
        parts.append(unique)
        counts.append(len(unique))
    offsets = np.zeros(len(slot_stop) + 1, np.int64)
    np.cumsum(counts, out=offsets[1:])
    flat = np.concatenate(parts) if parts else np.zeros(0, np.int64)
    return offsets, flat.astype(np.int64)


def _pool_size(workers: int) -> int:
    if workers < 0:
        raise AccessInputError("workers must be >= 0 (0 means every core)")
    return workers or os.cpu_count() or 1


def _run(pool_size: int, task, starts: range) -> None:
    if pool_size == 1:
        for lo in starts:
            task(lo)
        return
    with ThreadPoolExecutor(pool_size) as pool:
        list(pool.map(task, starts))  # list() re-raises a task's exception here
