"""Route patterns: trips grouped by route, stop sequence and pickup / drop-off flags.

RAPTOR's route scan assumes no trip of a pattern overtakes another (a later trip is never
earlier at any stop), so a pattern whose trips overtake is split greedily into several.
Input rows are stop_times sorted by trip then stop_sequence, one contiguous block per trip,
with columns trip_id, route_id, stop, arr, dep, board and alight.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def _fifo_groups(arr: np.ndarray, dep: np.ndarray) -> list[list[int]]:
    """Rows (trips sorted by departure) split so that within a group no trip overtakes."""
    groups: list[list[int]] = []
    for row in range(len(dep)):
        for group in groups:
            last = group[-1]
            if (dep[row] >= dep[last]).all() and (arr[row] >= arr[last]).all():
                group.append(row)
                break
        else:
            groups.append([row])
    return groups


def _group_trips(st: pd.DataFrame) -> tuple[dict[tuple, list[int]], np.ndarray, np.ndarray]:
    """Trips by pattern key; stop_times rows must be sorted by trip then stop_sequence."""
    codes = pd.factorize(st["trip_id"])[0]
    bounds = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1], True])
    starts, ends = bounds[:-1], bounds[1:]
    stops = st["stop"].to_numpy(np.int32)
    board = st["board"].to_numpy(bool)
    alight = st["alight"].to_numpy(bool)
    route = pd.factorize(st["route_id"])[0]
    groups: dict[tuple, list[int]] = {}
    for trip, (lo, hi) in enumerate(zip(starts, ends)):
        if hi - lo < 2:
            continue  # a one-stop trip carries nobody anywhere
        key = (route[lo], stops[lo:hi].tobytes(), board[lo:hi].tobytes(), alight[lo:hi].tobytes())
        groups.setdefault(key, []).append(trip)
    return groups, starts, ends


def build_patterns(st: pd.DataFrame, n_stops: int) -> dict[str, np.ndarray]:
    """Pattern, trip, time and stop-to-pattern arrays of a Timetable from sorted stop_times."""
    groups, starts, ends = _group_trips(st)
    arr_all = st["arr"].to_numpy(np.int64)
    dep_all = st["dep"].to_numpy(np.int64)
    trip_names = st["trip_id"].to_numpy(str)
    routes = st["route_id"].to_numpy(str)
    stops_all = st["stop"].to_numpy(np.int32)
    board_all = st["board"].to_numpy(bool)
    alight_all = st["alight"].to_numpy(bool)
    p_stops, p_board, p_alight, p_route, p_ntrips, p_nstops = [], [], [], [], [], []
    t_names: list[str] = []
    t_arr: list[np.ndarray] = []
    t_dep: list[np.ndarray] = []
    for trips in groups.values():
        lo0, hi0 = starts[trips[0]], ends[trips[0]]
        arr = np.stack([arr_all[starts[t]:ends[t]] for t in trips])
        dep = np.stack([dep_all[starts[t]:ends[t]] for t in trips])
        order = np.lexsort(dep.T[::-1])
        arr, dep = arr[order], dep[order]
        names = [trip_names[starts[trips[i]]] for i in order]
        for rows in _fifo_groups(arr, dep):
            p_stops.append(stops_all[lo0:hi0])
            p_board.append(board_all[lo0:hi0])
            p_alight.append(alight_all[lo0:hi0])
            p_route.append(routes[lo0])
            p_ntrips.append(len(rows))
            p_nstops.append(hi0 - lo0)
            t_names.extend(names[r] for r in rows)
            t_arr.append(arr[rows].ravel())
            t_dep.append(dep[rows].ravel())
    n_patterns = len(p_stops)

    def offsets(sizes: list[int], dtype: type) -> np.ndarray:
        out: np.ndarray = np.zeros(len(sizes) + 1, dtype)
        np.cumsum(np.asarray(sizes, np.int64), out=out[1:])
        return out

    stop_offsets = offsets(p_nstops, np.int32)
    pattern_stops = np.concatenate(p_stops) if p_stops else np.zeros(0, np.int32)
    pattern_of = np.repeat(np.arange(n_patterns, dtype=np.int32), p_nstops)
    position = (np.arange(len(pattern_stops)) - stop_offsets[pattern_of]).astype(np.int32)
    by_stop = np.argsort(pattern_stops, kind="stable")
    return {
        "pattern_route_ids": np.asarray(p_route, str),
        "pattern_stop_offsets": stop_offsets,
        "pattern_stops": pattern_stops.astype(np.int32),
        "pattern_can_board": np.concatenate(p_board) if p_board else np.zeros(0, bool),
        "pattern_can_alight": np.concatenate(p_alight) if p_alight else np.zeros(0, bool),
        "pattern_trip_offsets": offsets(p_ntrips, np.int32),
        "pattern_time_offsets": offsets([a * b for a, b in zip(p_ntrips, p_nstops)], np.int64),
        "trip_ids": np.asarray(t_names, str),
        "arrival_s": (np.concatenate(t_arr) if t_arr else np.zeros(0)).astype(np.int32),
        "departure_s": (np.concatenate(t_dep) if t_dep else np.zeros(0)).astype(np.int32),
        "stop_pattern_offsets": offsets(np.bincount(pattern_stops, minlength=n_stops).tolist(),
                                        np.int32),
        "stop_patterns": pattern_of[by_stop],
        "stop_pattern_positions": position[by_stop],
    }
