"""The compiled Timetable: one service date of one or more feeds as flat numpy integer arrays.

Layout follows RAPTOR's needs (Delling et al. 2012): trips grouped into route patterns with one
stop sequence each, trips inside a pattern in FIFO order, times stored trip-major so that the
times of trip t at position i of pattern p sit at ``time_offsets[p] + t * n_stops(p) + i``.
Ragged per-pattern and per-stop lists are CSR-style (an ``*_offsets`` array of length n + 1).

Besides what RAPTOR reads, the timetable carries what an itinerary shows: stop names, route
names, types, colours and agencies (``route_*``, aligned with ``route_ids``), per-trip
headsign, route, GTFS-JP operator office and accessibility (``trip_*``, aligned with
``trip_ids``), and each feed's timezone. Wheelchair codes follow GTFS: 0 unknown,
1 accessible, 2 not accessible. ``trip_next`` links a trip to the trip of the same block a
rider may stay on board into (routing.timetable.blocks), -1 when none.
Text is stored as numpy unicode arrays so the .npz cache needs no pickling.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from routing.errors import UnknownStop

# Bumped whenever the arrays or their meaning change, so old cache files are never reused.
FORMAT_VERSION = 5


def csr_rows(offsets: np.ndarray) -> np.ndarray:
    """The row each entry of a CSR array belongs to (offsets has one more item than rows)."""
    counts: np.ndarray = np.diff(np.asarray(offsets, np.int64))
    return np.repeat(np.arange(len(counts), dtype=np.int64), counts)


@dataclass(frozen=True, eq=False)
class Timetable:
    service_date: str  # ISO date the timetable was compiled for
    feed_keys: tuple[str, ...]
    stop_ids: np.ndarray  # str, "feed_key:stop_id"
    stop_lat: np.ndarray  # float64
    stop_lon: np.ndarray  # float64
    pattern_route_ids: np.ndarray  # str, "feed_key:route_id"
    pattern_stop_offsets: np.ndarray  # int32, n_patterns + 1
    pattern_stops: np.ndarray  # int32 stop index per pattern position
    pattern_can_board: np.ndarray  # bool, pickup_type != 1
    pattern_can_alight: np.ndarray  # bool, drop_off_type != 1
    pattern_trip_offsets: np.ndarray  # int32, n_patterns + 1, into trip_ids
    pattern_time_offsets: np.ndarray  # int64, n_patterns + 1, into arrival_s / departure_s
    # str, "feed_key:trip_id"; a frequency run adds "@HH:MM:SS", a previous-day trip "@prev"
    trip_ids: np.ndarray
    arrival_s: np.ndarray  # int32 service-day seconds, may exceed 86 400
    departure_s: np.ndarray  # int32
    stop_pattern_offsets: np.ndarray  # int32, n_stops + 1
    stop_patterns: np.ndarray  # int32 pattern through the stop
    stop_pattern_positions: np.ndarray  # int32 position of the stop in that pattern
    footpath_offsets: np.ndarray  # int32, n_stops + 1
    footpath_to: np.ndarray  # int32
    footpath_distance_m: np.ndarray  # int32 walked (detoured) distance; -1 when fixed
    footpath_fixed_s: np.ndarray  # int32 duration from transfers.txt; -1 when walked
    stop_min_transfer_s: np.ndarray  # int32 same-stop minimum from transfers.txt; -1 when none
    stop_names: np.ndarray  # str per stop
    stop_wheelchair: np.ndarray  # int8 wheelchair_boarding, inherited from parent_station
    route_ids: np.ndarray  # str, "feed_key:route_id", sorted, every route of pattern_route_ids
    route_short_names: np.ndarray  # str per route
    route_long_names: np.ndarray  # str per route
    route_types: np.ndarray  # int32 GTFS route_type (3 bus, 2 rail, 1501 taxi); -1 unknown
    route_agency_ids: np.ndarray  # str, "feed_key:agency_id"
    route_agency_names: np.ndarray  # str
    route_colors: np.ndarray  # str hex "RRGGBB" without "#", "" when none
    trip_next: np.ndarray  # int32 per trip: the stay-seated continuation's index, -1 when none
    trip_route_index: np.ndarray  # int32 per trip, into route_ids
    trip_headsigns: np.ndarray  # str per trip
    trip_office_names: np.ndarray  # str per trip, GTFS-JP office_jp.office_name; "" when none
    trip_wheelchair: np.ndarray  # int8 wheelchair_accessible (0 when missing)
    agency_timezones: np.ndarray  # str per feed key (same order as feed_keys)

    @property
    def n_stops(self) -> int:
        return len(self.stop_ids)

    @property
    def n_patterns(self) -> int:
        return len(self.pattern_stop_offsets) - 1

    @property
    def n_trips(self) -> int:
        return len(self.trip_ids)

    def stop_index(self, stop_id: str) -> int:
        """Index of a stop by its global id, or by the feed's own id when one feed was compiled."""
        lookup = self._lookup()
        if stop_id in lookup:
            return lookup[stop_id]
        if len(self.feed_keys) == 1 and f"{self.feed_keys[0]}:{stop_id}" in lookup:
            return lookup[f"{self.feed_keys[0]}:{stop_id}"]
        raise UnknownStop(f"unknown stop {stop_id!r}")

    def _lookup(self) -> dict[str, int]:
        # Built lazily: a cache hit should not pay for a dict it may never need.
        cached = self.__dict__.get("_stop_lookup")
        if cached is None:
            cached = {str(s): i for i, s in enumerate(self.stop_ids)}
            object.__setattr__(self, "_stop_lookup", cached)
        return cached

    def trip_index(self, trip_id: str) -> int:
        """Index of a trip (into trip_ids and the trip_* arrays) by its global id."""
        lookup = self.__dict__.get("_trip_lookup")
        if lookup is None:
            lookup = {str(t): i for i, t in enumerate(self.trip_ids)}
            object.__setattr__(self, "_trip_lookup", lookup)
        if trip_id not in lookup:
            raise KeyError(f"unknown trip {trip_id!r}")
        return lookup[trip_id]

    def pattern_stop_ids(self, pattern: int) -> list[str]:
        lo, hi = self.pattern_stop_offsets[pattern], self.pattern_stop_offsets[pattern + 1]
        return [str(self.stop_ids[s]) for s in self.pattern_stops[lo:hi]]

    def trip_times(self, pattern: int, trip_in_pattern: int) -> tuple[np.ndarray, np.ndarray]:
        """Arrival and departure seconds of one trip of a pattern, one per pattern position."""
        n = self.pattern_stop_offsets[pattern + 1] - self.pattern_stop_offsets[pattern]
        start = self.pattern_time_offsets[pattern] + trip_in_pattern * n
        return self.arrival_s[start:start + n], self.departure_s[start:start + n]

    def arrays(self) -> dict[str, np.ndarray]:
        """Every field as an array, the form the .npz cache stores."""
        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            out[f.name] = np.asarray(value if not isinstance(value, tuple) else list(value))
        return out

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> Timetable:
        values: dict[str, Any] = {}
        for f in fields(cls):
            value: Any = arrays[f.name]
            if f.name == "service_date":
                value = str(value)
            elif f.name == "feed_keys":
                value = tuple(str(k) for k in value)
            values[f.name] = value
        return cls(**values)
