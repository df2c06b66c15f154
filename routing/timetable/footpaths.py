"""Footpaths between nearby stops (straight line times a detour factor) and transfers.txt rules.

Stops are put in grid cells at least the radius on a side, so each stop only measures the stops
of the 3 x 3 cells around it; the candidate pairs are measured with numpy in chunks.
Walking durations are not fixed here: the timetable keeps walked distances in metres so the
search can apply its own walking speed. transfers.txt rows with transfer_type 2 between two
different stops become fixed-duration footpaths; with type 3 they remove the footpath; type 2
at one stop sets that stop's minimum transfer time, and type 3 at one stop forbids changing
there (a transfer time longer than any service day). Route- and trip-specific transfer rows
are ignored.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from routing.geodesy import EARTH_RADIUS_M, haversine_m

NO_TRANSFER_S = 10 * 86_400  # same-stop "transfer" time of a stop where changing is forbidden


_CHUNK = 4096  # stops measured at once, so a dense city within a large radius stays in memory


def _cells(lat: np.ndarray, lon: np.ndarray, radius_m: int) -> tuple[np.ndarray, np.ndarray]:
    """Grid cells at least radius_m on a side (row, column), so neighbours lie in the 3 x 3
    cells around a stop."""
    cell_lat = math.degrees(radius_m / EARTH_RADIUS_M)
    widest = math.cos(math.radians(min(float(np.abs(lat).max()), 89.0)))
    cell_lon = cell_lat / widest
    return (np.floor(lat / cell_lat).astype(np.int64),
            np.floor(lon / cell_lon).astype(np.int64))


def nearby_pairs(lat: np.ndarray, lon: np.ndarray, radius_m: int,
                 detour_factor: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(from, to, walked distance m) for ordered pairs of distinct stops within radius_m."""
    empty = np.zeros(0, np.int32)
    usable = np.flatnonzero(np.isfinite(lat) & np.isfinite(lon))
    if radius_m <= 0 or len(usable) < 2:
        return empty, empty, empty
    row, column = _cells(lat[usable], lon[usable], radius_m)
    column = column - column.min() + 1
    width = int(column.max()) + 2
    key = row * width + column
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    sources, targets, dists = [], [], []
    for start in range(0, len(usable), _CHUNK):
        mine = np.arange(start, min(start + _CHUNK, len(usable)))
        for dy in (-1, 0, 1):
            for dx in (-1, 0, 1):
                wanted = key[mine] + dy * width + dx
                lo = np.searchsorted(sorted_key, wanted, side="left")
                counts = np.searchsorted(sorted_key, wanted, side="right") - lo
                total = int(counts.sum())
                if total == 0:
                    continue
                first = np.repeat(lo - (np.cumsum(counts) - counts), counts)
                a = np.repeat(mine, counts)
                b = order[first + np.arange(total)]
                d = haversine_m(lat[usable[a]], lon[usable[a]], lat[usable[b]], lon[usable[b]])
                keep = (d <= radius_m) & (a != b)
                sources.append(usable[a[keep]].astype(np.int32))
                targets.append(usable[b[keep]].astype(np.int32))
                dists.append(np.ceil(d[keep] * detour_factor).astype(np.int32))
    if not sources:
        return empty, empty, empty
    return np.concatenate(sources), np.concatenate(targets), np.concatenate(dists)


def apply_transfers(table: pd.DataFrame, transfers: pd.DataFrame | None,
                    index: dict[str, int], n_stops: int,
                    feed_key: str) -> tuple[pd.DataFrame, np.ndarray]:
    """Footpath table (src, dst, distance_m, fixed_s) after one feed's transfers.txt rules,
    and that feed's same-stop minimum transfer seconds (-1 where none)."""
    stop_min = np.full(n_stops, -1, np.int32)
    if transfers is None or transfers.empty:
        return table, stop_min
    rows = transfers
    for column in ("from_route_id", "to_route_id", "from_trip_id", "to_trip_id"):
        if column in rows.columns:
            rows = rows[rows[column].isna()]
    f = rows["from_stop_id"].map(lambda s: index.get(f"{feed_key}:{s}", -1)).to_numpy(np.int64)
    t = rows["to_stop_id"].map(lambda s: index.get(f"{feed_key}:{s}", -1)).to_numpy(np.int64)
    kind = rows["transfer_type"].fillna(0).to_numpy(np.int64)
    minimum = (rows["min_transfer_time"].fillna(0).to_numpy(np.int64)
               if "min_transfer_time" in rows.columns else np.zeros(len(rows), np.int64))
    known = (f >= 0) & (t >= 0)
    same = known & (f == t) & (kind == 2)
    stop_min[f[same]] = minimum[same]
    forbidden = known & (f == t) & (kind == 3)
    stop_min[f[forbidden]] = NO_TRANSFER_S
    pair = known & (f != t) & ((kind == 2) | (kind == 3))
    keys = set(zip(f[pair].tolist(), t[pair].tolist()))
    if keys:
        existing = [(a, b) not in keys for a, b in zip(table["src"], table["dst"])]
        table = table[np.asarray(existing, bool)]
    fixed = pair & (kind == 2)
    added = pd.DataFrame({"src": f[fixed].astype(np.int32), "dst": t[fixed].astype(np.int32),
                          "distance_m": np.full(int(fixed.sum()), -1, np.int32),
                          "fixed_s": minimum[fixed].astype(np.int32)})
    return pd.concat([table, added], ignore_index=True), stop_min


def footpath_csr(table: pd.DataFrame, n_stops: int) -> dict[str, np.ndarray]:
    table = table.sort_values(["src", "dst"], kind="stable").drop_duplicates(["src", "dst"],
                                                                            keep="last")
    src = table["src"].to_numpy(np.int64)
    offsets = np.zeros(n_stops + 1, np.int32)
    np.cumsum(np.bincount(src, minlength=n_stops), out=offsets[1:])
    return {"footpath_offsets": offsets,
            "footpath_to": table["dst"].to_numpy(np.int32),
            "footpath_distance_m": table["distance_m"].to_numpy(np.int32),
            "footpath_fixed_s": table["fixed_s"].to_numpy(np.int32)}
