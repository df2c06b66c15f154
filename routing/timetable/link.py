"""Feeds compiled on their own, linked into one network: ids offset, calendars aligned, and
footpaths added between stops of different feeds.

Each compiled feed keeps its own footpaths and transfers.txt rules; linking only concatenates
arrays (stop, pattern and trip indexes shifted), merges the route lists, places every feed's
day bitfields on the network's calendar (the earliest first day to the latest last day; feeds
need not overlap) and measures walks between stops of different feeds within the radius. Only
stops inside another feed's bounding box (grown by the radius) are measured, so feeds far
apart cost nothing. The result equals compiling all the feeds at once.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from routing.geodesy import EARTH_RADIUS_M
from routing.timetable.day import stop_pattern_csr
from routing.timetable.footpaths import footpath_csr, nearby_pairs
from routing.timetable.model import Timetable, csr_rows
from routing.timetable.params import TimetableParams


def _shifted_offsets(parts: Sequence[np.ndarray], dtype: type) -> np.ndarray:
    """CSR offsets of several parts joined end to end."""
    out = [np.zeros(1, np.int64)]
    base = 0
    for offsets in parts:
        out.append(offsets[1:].astype(np.int64) + base)
        base += int(offsets[-1])
    return np.concatenate(out).astype(dtype)


def _near_other_feeds(lat: np.ndarray, lon: np.ndarray, feed_of: np.ndarray,
                      radius_m: int) -> np.ndarray:
    """Stops inside the bounding box, grown by radius_m, of some other feed's stops."""
    pad_lat = math.degrees(radius_m / EARTH_RADIUS_M)
    finite = np.isfinite(lat) & np.isfinite(lon)
    near = np.zeros(len(lat), np.bool_)
    feeds = np.unique(feed_of)
    for f in feeds:
        mine = finite & (feed_of == f)
        if not mine.any():
            continue
        south, north = lat[mine].min() - pad_lat, lat[mine].max() + pad_lat
        pad_lon = pad_lat / max(math.cos(math.radians(max(abs(south), abs(north)))), 1e-6)
        west, east = lon[mine].min() - pad_lon, lon[mine].max() + pad_lon
        inside = finite & (feed_of != f) & (lat >= south) & (lat <= north) & (lon >= west) \
            & (lon <= east)
        # a stop of this feed near one of another feed lies in that feed's box in turn
        near |= inside
    return near


def inter_feed_pairs(lat: np.ndarray, lon: np.ndarray, feed_of: np.ndarray,
                     params: TimetableParams) -> pd.DataFrame:
    """Walks (src, dst, distance_m, fixed_s -1) between stops of different feeds."""
    candidates = np.flatnonzero(_near_other_feeds(lat, lon, feed_of, params.footpath_radius_m))
    if params.footpath_radius_m <= 0 or len(candidates) < 2:
        candidates = np.zeros(0, np.int64)
    src, dst, dist = nearby_pairs(lat[candidates], lon[candidates], params.footpath_radius_m,
                                  params.detour_factor)
    src, dst = candidates[src], candidates[dst]
    cross = feed_of[src] != feed_of[dst]
    return pd.DataFrame({"src": src[cross].astype(np.int32), "dst": dst[cross].astype(np.int32),
                         "distance_m": dist[cross].astype(np.int32),
                         "fixed_s": np.full(int(cross.sum()), -1, np.int32)})


def _footpaths(parts: Sequence[Timetable], stop_base: np.ndarray, feed_of: np.ndarray,
               lat: np.ndarray, lon: np.ndarray, params: TimetableParams) -> dict[str, np.ndarray]:
    tables = []
    for tt, base in zip(parts, stop_base.tolist()):
        src = csr_rows(tt.footpath_offsets)
        tables.append(pd.DataFrame({"src": (src + base).astype(np.int32),
                                    "dst": (tt.footpath_to + base).astype(np.int32),
                                    "distance_m": tt.footpath_distance_m,
                                    "fixed_s": tt.footpath_fixed_s}))
    if len(parts) > 1:
        tables.append(inter_feed_pairs(lat, lon, feed_of, params))
    return footpath_csr(pd.concat(tables, ignore_index=True), len(lat))


def _calendar(parts: Sequence[Timetable]) -> tuple[str, np.ndarray, list[int]]:
    """Network first day, its bitfields, and each part's first bitfield row."""
    dated = [tt for tt in parts if tt.first_day and tt.day_bits.size]
    if not dated:
        return "", np.zeros((0, 0), np.bool_), [0] * len(parts)
    firsts = [dt.date.fromisoformat(tt.first_day) for tt in dated]
    first = min(firsts)
    n_days = max((f - first).days + tt.day_bits.shape[1] for f, tt in zip(firsts, dated))
    blocks, row_base, rows = [], [], 0
    for tt in parts:
        row_base.append(rows)
        if not (tt.first_day and tt.day_bits.size):
            continue
        bits = np.zeros((tt.day_bits.shape[0], n_days), np.bool_)
        column = (dt.date.fromisoformat(tt.first_day) - first).days
        bits[:, column:column + tt.day_bits.shape[1]] = tt.day_bits
        blocks.append(bits)
        rows += bits.shape[0]
    return first.isoformat(), np.concatenate(blocks), row_base


def link_feeds(parts: Sequence[Timetable], params: TimetableParams) -> Timetable:
    """One Timetable of several compiled feeds (each compiled with the same params)."""
    if len(parts) == 1:
        return parts[0]
    stop_base = np.cumsum([0] + [tt.n_stops for tt in parts])[:-1]
    trip_base = np.cumsum([0] + [tt.n_trips for tt in parts])[:-1]

    def joined(name: str) -> np.ndarray:
        return np.concatenate([getattr(tt, name) for tt in parts])

    lat, lon = joined("stop_lat"), joined("stop_lon")
    feed_of = np.repeat(np.arange(len(parts)), [tt.n_stops for tt in parts])
    pattern_stops = np.concatenate([tt.pattern_stops + b for tt, b in zip(parts, stop_base)]
                                   ).astype(np.int32)
    pattern_stop_offsets = _shifted_offsets([tt.pattern_stop_offsets for tt in parts], np.int32)
    route_ids = np.unique(joined("route_ids")).astype(str)
    route_of = [np.searchsorted(route_ids, tt.route_ids) for tt in parts]
    trip_route = np.concatenate([np.where(tt.trip_route_index >= 0,
                                          r[np.maximum(tt.trip_route_index, 0)]
                                          if len(r) else -1, -1)
                                 for tt, r in zip(parts, route_of)]).astype(np.int32)
    order = np.concatenate([np.searchsorted(route_ids, tt.route_ids) for tt in parts])
    first_day, day_bits, row_base = _calendar(parts)

    def by_route(name: str) -> np.ndarray:
        values = joined(name)
        out = np.zeros(len(route_ids), values.dtype)
        out[order] = values
        return out

    return Timetable(
        service_date="", feed_keys=tuple(k for tt in parts for k in tt.feed_keys),
        stop_ids=joined("stop_ids"), stop_lat=lat, stop_lon=lon,
        pattern_route_ids=joined("pattern_route_ids"),
        pattern_stop_offsets=pattern_stop_offsets, pattern_stops=pattern_stops,
        pattern_can_board=joined("pattern_can_board"),
        pattern_can_alight=joined("pattern_can_alight"),
        pattern_trip_offsets=_shifted_offsets([tt.pattern_trip_offsets for tt in parts],
                                              np.int32),
        pattern_time_offsets=_shifted_offsets([tt.pattern_time_offsets for tt in parts],
                                              np.int64),
        trip_ids=joined("trip_ids"), arrival_s=joined("arrival_s"),
        departure_s=joined("departure_s"),
        **stop_pattern_csr(pattern_stops, pattern_stop_offsets, len(lat)),
        **_footpaths(parts, stop_base, feed_of, lat, lon, params),
        stop_min_transfer_s=joined("stop_min_transfer_s"), stop_names=joined("stop_names"),
        stop_wheelchair=joined("stop_wheelchair"), route_ids=route_ids,
        route_short_names=by_route("route_short_names"),
        route_long_names=by_route("route_long_names"), route_types=by_route("route_types"),
        route_agency_ids=by_route("route_agency_ids"),
        route_agency_names=by_route("route_agency_names"),
        route_colors=by_route("route_colors"),
        trip_next=np.concatenate([np.where(tt.trip_next >= 0, tt.trip_next + b, -1)
                                  for tt, b in zip(parts, trip_base)]).astype(np.int32),
        trip_route_index=trip_route, trip_headsigns=joined("trip_headsigns"),
        trip_office_names=joined("trip_office_names"),
        trip_wheelchair=joined("trip_wheelchair"),
        agency_timezones=joined("agency_timezones"), first_day=first_day,
        trip_days=np.concatenate([tt.trip_days + b for tt, b in zip(parts, row_base)]
                                 ).astype(np.int32),
        day_bits=day_bits)
