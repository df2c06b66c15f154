"""A calendar timetable cut to one service date: only the trips that run that day.

The kernels do not need this (they test the day's bit through the router's trip mask); it
serves callers that want a small timetable of one date, such as `compile_timetable(feeds,
date)`. Patterns left without trips are dropped, continuations to trips that do not run are
cut, and the result keeps a single all-true bitfield for its date.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np

from routing.timetable.model import Timetable, csr_rows


def stop_pattern_csr(pattern_stops: np.ndarray, pattern_stop_offsets: np.ndarray,
                     n_stops: int) -> dict[str, np.ndarray]:
    """Per stop: the patterns through it and its position in each (stable by pattern)."""
    pattern_of = csr_rows(pattern_stop_offsets).astype(np.int32)
    position = (np.arange(len(pattern_stops)) - pattern_stop_offsets[pattern_of]).astype(np.int32)
    by_stop = np.argsort(pattern_stops, kind="stable")
    offsets = np.zeros(n_stops + 1, np.int32)
    np.cumsum(np.bincount(pattern_stops, minlength=n_stops), out=offsets[1:])
    return {"stop_pattern_offsets": offsets, "stop_patterns": pattern_of[by_stop],
            "stop_pattern_positions": position[by_stop]}


def _offsets(sizes: np.ndarray, dtype: type) -> np.ndarray:
    out: np.ndarray = np.zeros(len(sizes) + 1, dtype)
    np.cumsum(sizes.astype(np.int64), out=out[1:])
    return out


def timetable_on_day(tt: Timetable, day: dt.date) -> Timetable:
    keep = tt.active_trips(day)
    stops_per: np.ndarray = np.diff(tt.pattern_stop_offsets.astype(np.int64))
    trip_pattern = csr_rows(tt.pattern_trip_offsets)
    kept_per = np.bincount(trip_pattern[keep], minlength=tt.n_patterns)
    pattern_kept = kept_per > 0
    stop_kept = np.repeat(pattern_kept, stops_per.tolist())
    time_kept = np.repeat(keep, stops_per[trip_pattern].tolist())
    new_index = np.cumsum(keep) - 1
    following = tt.trip_next.astype(np.int64)
    linked = following >= 0
    linked[linked] = keep[following[linked]]
    trip_next = np.where(linked, new_index[np.maximum(following, 0)], -1)[keep]
    pattern_stops = tt.pattern_stops[stop_kept]
    pattern_stop_offsets = _offsets(stops_per[pattern_kept], np.int32)
    changes: dict[str, object] = {
        "service_date": day.isoformat(), "first_day": day.isoformat(),
        "day_bits": np.ones((1, 1), np.bool_),
        "pattern_route_ids": tt.pattern_route_ids[pattern_kept],
        "pattern_stop_offsets": pattern_stop_offsets,
        "pattern_stops": pattern_stops,
        "pattern_can_board": tt.pattern_can_board[stop_kept],
        "pattern_can_alight": tt.pattern_can_alight[stop_kept],
        "pattern_trip_offsets": _offsets(kept_per[pattern_kept], np.int32),
        "pattern_time_offsets": _offsets(kept_per[pattern_kept] * stops_per[pattern_kept],
                                         np.int64),
        "arrival_s": tt.arrival_s[time_kept], "departure_s": tt.departure_s[time_kept],
        **stop_pattern_csr(pattern_stops, pattern_stop_offsets, tt.n_stops),
    }
    for field in dataclasses.fields(tt):
        value = getattr(tt, field.name)
        if field.name.startswith("trip_") and isinstance(value, np.ndarray) \
                and value.shape[:1] == (tt.n_trips,):
            changes[field.name] = value[keep]
    changes["trip_next"] = trip_next.astype(np.int32)
    changes["trip_days"] = np.zeros(int(keep.sum()), np.int32)
    return dataclasses.replace(tt, **changes)  # type: ignore[arg-type]
