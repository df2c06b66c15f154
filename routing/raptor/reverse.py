"""The time-reversed timetable that turns arrive-by searches into earliest-arrival ones.

Negate every time and run each trip backwards: the latest departure from A arriving at B by
T is minus the earliest arrival at A when leaving B at -T on the reversed network. In the
trip-major layout, reversing a pattern's stop order and its trip order at once is reversing
its whole block of times, so every array is a permutation (plus a sign) of the forward one.
Boarding and alighting flags swap, footpaths change direction, stay-seated continuations
point to the previous trip of the block, and FIFO order is kept.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from routing.timetable.model import Timetable, csr_rows


def _block_reversal(offsets: np.ndarray) -> np.ndarray:
    """Index permutation reversing each block [offsets[i], offsets[i+1]) in place."""
    offsets = offsets.astype(np.int64)
    sizes = np.diff(offsets)
    owner = np.repeat(np.arange(len(sizes)), sizes)
    return offsets[owner] + offsets[owner + 1] - 1 - np.arange(int(offsets[-1]))


def reverse_timetable(tt: Timetable) -> tuple[Timetable, np.ndarray]:
    """The reversed timetable and, per reversed trip index, the forward trip index."""
    stop_perm = _block_reversal(tt.pattern_stop_offsets)
    time_perm = _block_reversal(tt.pattern_time_offsets)
    trip_perm = _block_reversal(tt.pattern_trip_offsets)
    n_per_pattern = np.diff(tt.pattern_stop_offsets.astype(np.int64))
    changes: dict[str, Any] = {  # Any: replace() also takes the str fields
        "pattern_stops": tt.pattern_stops[stop_perm],
        "pattern_can_board": tt.pattern_can_alight[stop_perm],
        "pattern_can_alight": tt.pattern_can_board[stop_perm],
        "arrival_s": -tt.departure_s[time_perm],
        "departure_s": -tt.arrival_s[time_perm],
        "stop_pattern_positions": (n_per_pattern[tt.stop_patterns] - 1
                                   - tt.stop_pattern_positions).astype(np.int32),
    }
    n_trips = tt.n_trips
    for field in dataclasses.fields(tt):
        value = getattr(tt, field.name)
        if field.name.startswith("trip_") and isinstance(value, np.ndarray) \
                and value.shape[:1] == (n_trips,):
            changes[field.name] = value[trip_perm]
    # A continuation going forwards is a predecessor going backwards.
    following = tt.trip_next.astype(np.int64)
    previous = np.full(n_trips, -1, np.int64)
    previous[following[following >= 0]] = np.flatnonzero(following >= 0)
    before = previous[trip_perm]
    changes["trip_next"] = np.where(before >= 0, trip_perm[np.maximum(before, 0)],
                                    -1).astype(np.int32)
    src = csr_rows(tt.footpath_offsets)
    order = np.lexsort((src, tt.footpath_to))
    offsets = np.zeros(tt.n_stops + 1, np.int32)
    np.cumsum(np.bincount(tt.footpath_to, minlength=tt.n_stops), out=offsets[1:])
    changes.update(footpath_offsets=offsets, footpath_to=src[order].astype(np.int32),
                   footpath_distance_m=tt.footpath_distance_m[order],
                   footpath_fixed_s=tt.footpath_fixed_s[order])
    return dataclasses.replace(tt, **changes), trip_perm
