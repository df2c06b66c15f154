"""Compile loaded GTFS feeds for one service date into a Timetable of numpy arrays.

Only trips whose service runs on the date are kept, with times in that day's service-day
seconds (past 24:00 allowed). Trips of the previous service day still running after midnight
are out of scope: a query at 00:30 sees only the trips of its own service date.
Untimed intermediate stops are interpolated linearly; frequencies.txt trips are expanded to
one trip per headway (exact_times is not distinguished).

Trips share a pattern when they have the same route, stop sequence and pickup / drop-off
flags. RAPTOR's route scan assumes no trip of a pattern overtakes another (a later trip is
never earlier at any stop), so a pattern whose trips overtake is split greedily into several.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from routing.gtfs import LoadedFeed
from routing.timetable.footpaths import apply_transfers, footpath_csr, nearby_pairs
from routing.timetable.model import Timetable


_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def active_services(calendar: pd.DataFrame | None, calendar_dates: pd.DataFrame | None,
                    day: dt.date) -> set[str]:
    """calendar.txt weekday and date range, then calendar_dates.txt additions and removals."""
    stamp = day.strftime("%Y%m%d")
    running: set[str] = set()
    if calendar is not None and not calendar.empty:
        weekday = calendar[_WEEKDAYS[day.weekday()]].fillna(0).astype("int64") == 1
        in_range = (calendar["start_date"] <= stamp) & (calendar["end_date"] >= stamp)
        running = set(calendar.loc[(weekday & in_range).fillna(False), "service_id"].astype(str))
    if calendar_dates is not None and not calendar_dates.empty:
        today = calendar_dates[calendar_dates["date"] == stamp]
        kind = today["exception_type"].fillna(0).astype("int64")
        running |= set(today.loc[kind == 1, "service_id"].astype(str))
        running -= set(today.loc[kind == 2, "service_id"].astype(str))
    return running


def clock_seconds(values: pd.Series) -> np.ndarray:
    """'HH:MM:SS' (hours may pass 24) as float seconds; NaN where the text is missing."""
    parts = values.astype("string").str.extract(r"^\s*(\d+):(\d\d):(\d\d)\s*$")
    numbers = parts.apply(pd.to_numeric).to_numpy(np.float64)
    return numbers[:, 0] * 3600 + numbers[:, 1] * 60 + numbers[:, 2]


def format_clock(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def interpolate_missing(times: np.ndarray) -> np.ndarray:
    """Fill untimed intermediate stops linearly between the timed neighbours of the same trip.

    Rows are sorted by trip then stop_sequence and read_feed guarantees that every trip's
    first and last stops are timed, so the nearest timed rows always belong to the same trip.
    """
    known = ~np.isnan(times)
    if known.all():
        return times
    index = np.arange(len(times))
    before = np.maximum.accumulate(np.where(known, index, 0))
    after = np.minimum.accumulate(np.where(known, index, len(times) - 1)[::-1])[::-1]
    span = np.maximum(after - before, 1)
    share = (index - before) / span
    filled = times[before] + (times[after] - times[before]) * share
    return np.where(known, times, np.floor(filled))


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
    t_names, t_arr, t_dep = [], [], []
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
        out = np.zeros(len(sizes) + 1, dtype)
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


@dataclass(frozen=True)
class TimetableParams:
    footpath_radius_m: int = 0
    detour_factor: float = 1.3

    def __post_init__(self) -> None:
        if not isinstance(self.footpath_radius_m, int) or self.footpath_radius_m < 0:
            raise ValueError("footpath_radius_m must be a non-negative integer")
        if not self.detour_factor >= 1.0:
            raise ValueError("detour_factor must be at least 1")


def feed_keys(paths: Sequence[str | Path]) -> list[str]:
    """Short unique names for feeds ("tampere" for tampere.gtfs.zip), prefixed to their ids."""
    keys: list[str] = []
    for path in paths:
        name = Path(path).name
        for suffix in (".zip", ".gtfs"):
            name = name.removesuffix(suffix)
        key, n = name, 2
        while key in keys:
            key, n = f"{name}-{n}", n + 1
        keys.append(key)
    return keys


def _expand_frequencies(st: pd.DataFrame, frequencies: pd.DataFrame | None) -> pd.DataFrame:
    if frequencies is None or frequencies.empty:
        return st
    templates = set(frequencies["trip_id"].astype(str))
    copies = []
    for row in frequencies.itertuples(index=False):
        rows = st[st["trip_id"] == str(row.trip_id)]
        if rows.empty:
            continue
        start, end = clock_seconds(pd.Series([row.start_time, row.end_time]))
        shift0 = rows["dep"].min()
        for begin in np.arange(start, end, max(int(row.headway_secs), 1)):
            copy = rows.copy()
            copy["arr"] = copy["arr"] - shift0 + begin
            copy["dep"] = copy["dep"] - shift0 + begin
            copy["trip_id"] = f"{row.trip_id}@{format_clock(int(begin))}"
            copies.append(copy)
    return pd.concat([st[~st["trip_id"].isin(templates)], *copies], ignore_index=True)


def _feed_stop_times(loaded: LoadedFeed, key: str, day: dt.date,
                     stop_index: dict[str, int]) -> pd.DataFrame:
    feed = loaded.feed
    services = active_services(feed.calendar, feed.calendar_dates, day)
    trips = feed.trips[feed.trips["service_id"].astype(str).isin(services)]
    st = feed.stop_times[feed.stop_times["trip_id"].isin(trips["trip_id"])]
    st = st.assign(trip_id=st["trip_id"].astype(str),
                   seq=st["stop_sequence"].astype("int64"))
    st = st.sort_values(["trip_id", "seq"], kind="stable").reset_index(drop=True)
    arr, dep = clock_seconds(st["arrival_time"]), clock_seconds(st["departure_time"])
    arr, dep = np.where(np.isnan(arr), dep, arr), np.where(np.isnan(dep), arr, dep)
    out = pd.DataFrame({
        "trip_id": st["trip_id"],
        "arr": interpolate_missing(arr),
        "dep": interpolate_missing(dep),
        "stop": st["stop_id"].map(lambda s: stop_index[f"{key}:{s}"]).astype(np.int32),
        "board": (st["pickup_type"].fillna(0).to_numpy() != 1
                  if "pickup_type" in st.columns else np.ones(len(st), bool)),
        "alight": (st["drop_off_type"].fillna(0).to_numpy() != 1
                   if "drop_off_type" in st.columns else np.ones(len(st), bool)),
    })
    routes = trips.set_index("trip_id")["route_id"].astype(str)
    out = _expand_frequencies(out, getattr(feed, "frequencies", None))
    out["trip_id"] = out["trip_id"].astype("string")
    base_trip = out["trip_id"].str.split("@", n=1).str[0]
    out["route_id"] = key + ":" + base_trip.map(routes).astype("string")
    out["trip_id"] = key + ":" + out["trip_id"]
    return out


def compile_feeds(feeds: Sequence[LoadedFeed], keys: Sequence[str], day: dt.date,
                  params: TimetableParams) -> Timetable:
    """The Timetable of the feeds for one date; keys name the feeds inside global ids."""
    stop_frames = [f.feed.stops.assign(gid=k + ":" + f.feed.stops["stop_id"].astype(str))
                   for f, k in zip(feeds, keys)]
    stops = pd.concat([s[["gid", "stop_lat", "stop_lon"]] for s in stop_frames],
                      ignore_index=True)
    stop_index = {gid: i for i, gid in enumerate(stops["gid"])}
    n_stops = len(stops)
    st = pd.concat([_feed_stop_times(f, k, day, stop_index) for f, k in zip(feeds, keys)],
                   ignore_index=True)
    arrays = build_patterns(st, n_stops)
    lat = stops["stop_lat"].to_numpy(np.float64)
    lon = stops["stop_lon"].to_numpy(np.float64)
    src, dst, dist = nearby_pairs(lat, lon, params.footpath_radius_m, params.detour_factor)
    table = pd.DataFrame({"src": src, "dst": dst, "distance_m": dist,
                          "fixed_s": np.full(len(src), -1, np.int32)})
    stop_min = np.full(n_stops, -1, np.int32)
    for f, k in zip(feeds, keys):
        table, feed_min = apply_transfers(table, f.feed.transfers, stop_index, n_stops, k)
        stop_min = np.maximum(stop_min, feed_min)
    return Timetable(
        service_date=day.isoformat(), feed_keys=tuple(keys),
        stop_ids=stops["gid"].to_numpy(str), stop_lat=lat, stop_lon=lon,
        stop_min_transfer_s=stop_min, **arrays, **footpath_csr(table, n_stops))


def compile_loaded(feeds: Sequence[LoadedFeed], day: dt.date,
                   params: TimetableParams) -> Timetable:
    return compile_feeds(feeds, feed_keys([f.source for f in feeds]), day, params)
