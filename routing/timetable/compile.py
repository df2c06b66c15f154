"""Compile loaded GTFS feeds for one service date into a Timetable of numpy arrays.

Trips whose service runs on the date are kept with times in that day's service-day seconds
(past 24:00 allowed); trips of the previous date still running after midnight are added
shifted by a day with "@prev" ids (routing.timetable.trips). Untimed intermediate stops are
interpolated linearly; frequencies.txt trips are expanded to one trip per headway. Trips of
one block_id that a rider may stay seated through are linked by ``trip_next``
(routing.timetable.blocks). Trips are grouped into FIFO route patterns
(routing.timetable.patterns); stops, routes and trips carry names, operators and
accessibility for itineraries (routing.timetable.metadata).

Global ids are "feed_key:id". Trip id forms: "key:T" (ordinary), "key:T@07:00:00" (a run of
a frequency-based trip) and "key:T@prev" (previous service day, shifted -86 400 s).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from routing.gtfs import LoadedFeed
from routing.timetable.footpaths import apply_transfers, footpath_csr, nearby_pairs
from routing.timetable.metadata import agency_timezones, route_arrays, stop_table
from routing.timetable.model import Timetable
from routing.timetable.patterns import build_patterns
from routing.timetable.services import (active_services, clock_seconds, format_clock,
                                        interpolate_missing)
from routing.timetable.trips import feed_trip_rows

__all__ = ["TimetableParams", "active_services", "build_patterns", "clock_seconds",
           "compile_feeds", "compile_loaded", "feed_keys", "format_clock",
           "interpolate_missing"]


@dataclass(frozen=True)
class TimetableParams:
    footpath_radius_m: int = 0
    detour_factor: float = 1.3

    def __post_init__(self) -> None:
        if not isinstance(self.footpath_radius_m, int) or self.footpath_radius_m < 0:
            raise ValueError("footpath_radius_m must be a non-negative integer")
        if not self.detour_factor >= 1.0:
            raise ValueError("detour_factor must be at least 1")


def feed_keys(paths: Sequence[str | os.PathLike[str]]) -> list[str]:
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


def _trip_arrays(trips: pd.DataFrame, trip_ids: np.ndarray,
                 route_ids: np.ndarray) -> dict[str, np.ndarray]:
    """Per-trip metadata in trip_ids order from the feeds' trip tables."""
    table = trips.drop_duplicates("trip_id").set_index("trip_id").reindex(
        pd.Index(trip_ids, dtype=object))
    route_index = pd.Series(np.arange(len(route_ids), dtype=np.int32), index=route_ids)

    def text(column: str) -> np.ndarray:
        values = table[column].astype(object)
        values = values.where(values.notna(), "").to_numpy(str)
        return values if len(values) else np.zeros(0, str)

    return {
        "trip_next": pd.Index(trip_ids, dtype=object).get_indexer(
            table["next"].where(table["next"].notna(), "").to_numpy(object)).astype(np.int32),
        "trip_route_index": table["route"].map(route_index).fillna(-1).to_numpy(np.int32),
        "trip_headsigns": text("headsign"),
        "trip_office_names": text("office"),
        "trip_wheelchair": table["wheelchair"].fillna(0).to_numpy(np.int8),
    }


def compile_feeds(feeds: Sequence[LoadedFeed], keys: Sequence[str], day: dt.date,
                  params: TimetableParams) -> Timetable:
    """The Timetable of the feeds for one date; keys name the feeds inside global ids."""
    stops = pd.concat([stop_table(f, k) for f, k in zip(feeds, keys)], ignore_index=True)
    stop_lookup = {gid: i for i, gid in enumerate(stops["gid"])}
    stop_index = pd.Series(stop_lookup)
    n_stops = len(stops)
    parts = [feed_trip_rows(f, k, day, stop_index) for f, k in zip(feeds, keys)]
    st = pd.concat([rows for rows, _ in parts], ignore_index=True)
    arrays = build_patterns(st, n_stops)
    route_ids = np.unique(arrays["pattern_route_ids"]).astype(str)
    trips = pd.concat([table for _, table in parts], ignore_index=True)
    lat = stops["stop_lat"].to_numpy(np.float64)
    lon = stops["stop_lon"].to_numpy(np.float64)
    src, dst, dist = nearby_pairs(lat, lon, params.footpath_radius_m, params.detour_factor)
    table = pd.DataFrame({"src": src, "dst": dst, "distance_m": dist,
                          "fixed_s": np.full(len(src), -1, np.int32)})
    stop_min = np.full(n_stops, -1, np.int32)
    for f, k in zip(feeds, keys):
        table, feed_min = apply_transfers(table, f.feed.transfers, stop_lookup, n_stops, k)
        stop_min = np.maximum(stop_min, feed_min)
    return Timetable(
        service_date=day.isoformat(), feed_keys=tuple(keys),
        stop_ids=stops["gid"].to_numpy(str), stop_lat=lat, stop_lon=lon,
        stop_min_transfer_s=stop_min, **arrays, **footpath_csr(table, n_stops),
        stop_names=stops["name"].to_numpy(str) if n_stops else np.zeros(0, str),
        stop_wheelchair=stops["wheelchair"].to_numpy(np.int8),
        route_ids=route_ids if len(route_ids) else np.zeros(0, str),
        **route_arrays(feeds, keys, route_ids),
        **_trip_arrays(trips, arrays["trip_ids"], route_ids),
        agency_timezones=agency_timezones(feeds))


def compile_loaded(feeds: Sequence[LoadedFeed], day: dt.date,
                   params: TimetableParams) -> Timetable:
    return compile_feeds(feeds, feed_keys([f.source for f in feeds]), day, params)
