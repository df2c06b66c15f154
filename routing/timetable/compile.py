"""Compile loaded GTFS feeds for their whole calendar into a Timetable of numpy arrays.

Each feed is compiled on its own (`compile_feed`) and the feeds are linked into one network
(routing.timetable.link). Every trip is kept once with times in its own service-day seconds
(past 24:00 allowed) and the days it runs as a bitfield; trips still running after midnight
are added once more shifted by a day with "@prev" ids and the next days' bits
(routing.timetable.trips). Untimed intermediate stops are
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
from pathlib import Path

import numpy as np
import pandas as pd

from routing.gtfs import LoadedFeed
from routing.timetable.footpaths import apply_transfers, footpath_csr, nearby_pairs
from routing.timetable.metadata import agency_timezones, route_arrays, stop_table
from routing.timetable.day import timetable_on_day
from routing.timetable.link import link_feeds
from routing.timetable.model import Timetable
from routing.timetable.params import TimetableParams
from routing.timetable.patterns import build_patterns
from routing.timetable.services import (active_services, clock_seconds, format_clock,
                                        interpolate_missing)
from routing.timetable.trips import feed_trip_rows

__all__ = ["TimetableParams", "active_services", "build_patterns", "clock_seconds",
           "compile_calendar", "compile_feed", "compile_feeds", "compile_loaded", "feed_keys",
           "format_clock", "interpolate_missing"]


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
        "trip_days": table["days"].fillna(0).to_numpy(np.int32),
    }


def compile_feed(loaded: LoadedFeed, key: str, params: TimetableParams) -> Timetable:
    """One feed's whole calendar as a Timetable (its own footpaths and transfers included)."""
    stops = stop_table(loaded, key)
    stop_lookup = {gid: i for i, gid in enumerate(stops["gid"])}
    n_stops = len(stops)
    st, trips, first_day, bits = feed_trip_rows(loaded, key, pd.Series(stop_lookup))
    arrays = build_patterns(st, n_stops)
    route_ids = np.unique(arrays["pattern_route_ids"]).astype(str)
    lat = stops["stop_lat"].to_numpy(np.float64)
    lon = stops["stop_lon"].to_numpy(np.float64)
    src, dst, dist = nearby_pairs(lat, lon, params.footpath_radius_m, params.detour_factor)
    table = pd.DataFrame({"src": src, "dst": dst, "distance_m": dist,
                          "fixed_s": np.full(len(src), -1, np.int32)})
    table, stop_min = apply_transfers(table, loaded.feed.transfers, stop_lookup, n_stops, key)
    return Timetable(
        service_date="", feed_keys=(key,),
        stop_ids=stops["gid"].to_numpy(str), stop_lat=lat, stop_lon=lon,
        stop_min_transfer_s=stop_min, **arrays, **footpath_csr(table, n_stops),
        stop_names=stops["name"].to_numpy(str) if n_stops else np.zeros(0, str),
        stop_wheelchair=stops["wheelchair"].to_numpy(np.int8),
        route_ids=route_ids if len(route_ids) else np.zeros(0, str),
        **route_arrays([loaded], [key], route_ids),
        **_trip_arrays(trips, arrays["trip_ids"], route_ids),
        agency_timezones=agency_timezones([loaded]), first_day=first_day, day_bits=bits)


def compile_calendar(feeds: Sequence[LoadedFeed], keys: Sequence[str],
                     params: TimetableParams) -> Timetable:
    """The Timetable of the feeds' whole calendar; keys name the feeds inside global ids."""
    return link_feeds([compile_feed(f, k, params) for f, k in zip(feeds, keys)], params)


def compile_feeds(feeds: Sequence[LoadedFeed], keys: Sequence[str], day: dt.date,
                  params: TimetableParams) -> Timetable:
    """The Timetable of the feeds cut to one date (see routing.timetable.day)."""
    return timetable_on_day(compile_calendar(feeds, keys, params), day)


def compile_loaded(feeds: Sequence[LoadedFeed], day: dt.date,
                   params: TimetableParams) -> Timetable:
    return compile_feeds(feeds, feed_keys([f.source for f in feeds]), day, params)
