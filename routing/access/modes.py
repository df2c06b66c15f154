"""Door-to-door ride modes for travel-time matrices: an on-demand van in its zone, a taxi anywhere.

A `RideMode` is a vehicle the traveller calls: it comes `wait_s` after the request (the mean time
from request to pickup) and drives the road distance, straight line × road_factor, at speed_mps.
Given to `travel_time_matrix(..., modes=[...])`, a mode serves an origin inside its zone (anywhere
when zone is None) in three ways, each only for requests made within its `hours`:
- a direct ride to a destination inside the zone: wait + ride, the same at every minute it runs;
- a ride to any usable stop inside the zone as the access leg to transit (requested at departure);
- a ride from a stop inside the zone to a destination inside the zone as the egress leg
  (requested on arrival at the stop, so the hours are checked against that time).
Rides longer than max_ride_m road metres are not offered. Rides do not chain with each other or
with walks outside transit (walk -> ride, ride -> walk without a vehicle in between).

Internally every access and egress link has a kind: 0 walking, k >= 1 the (k-1)-th mode, and the
kernels index per-kind arrays with it (row 0 belongs to walking and is never restricted).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from routing.access.errors import AccessInputError
from routing.access.kernels import walk_links
from routing.access.points import PointSet
from routing.flex.geometry import points_in_edges, ring_edges

ALWAYS = 2**62  # a window bound no clock reaches


@dataclass(frozen=True)
class RideMode:
    name: str
    zone: Sequence | None  # a ring of (lon, lat) corners, or several rings (even-odd); None: anywhere
    speed_mps: float  # door-to-door average on the road
    road_factor: float = 1.3  # road metres per straight-line metre
    wait_s: int = 0  # mean time from the request to the pickup
    max_ride_m: float | None = None  # road metres; None: no limit
    hours: tuple[tuple[int, int], ...] | None = None  # [start_s, end_s) request times; None: always

    def __post_init__(self) -> None:
        if not (math.isfinite(self.speed_mps) and self.speed_mps > 0):
            raise AccessInputError(f"mode {self.name}: speed_mps must be positive")
        if not (math.isfinite(self.road_factor) and self.road_factor >= 1):
            raise AccessInputError(f"mode {self.name}: road_factor must be at least 1")
        if self.wait_s < 0 or (self.max_ride_m is not None and not self.max_ride_m >= 0):
            raise AccessInputError(f"mode {self.name}: wait_s and max_ride_m must be >= 0")
        if self.zone is not None and (not _rings(self.zone) or any(len(r) < 4 for r in _rings(self.zone))):
            raise AccessInputError(f"mode {self.name}: a zone ring needs at least three corners")
        if self.hours is not None and any(not 0 <= a < b for a, b in self.hours):
            raise AccessInputError(f"mode {self.name}: hours are [start_s, end_s) with start < end")

    def contains(self, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
        """Per point, whether the mode serves it (inside the zone's ring, even-odd rule)."""
        lat, lon = np.asarray(lat, np.float64), np.asarray(lon, np.float64)
        if self.zone is None:
            return np.ones(len(lat), np.bool_)
        edges = np.vstack([ring_edges(ring) for ring in _rings(self.zone)])
        return points_in_edges(lat, lon, edges) if len(lat) else np.zeros(0, np.bool_)

    def windows(self) -> tuple[tuple[int, int], ...]:
        return ((-ALWAYS, ALWAYS),) if self.hours is None else tuple(self.hours)


def _rings(zone: Sequence) -> list[np.ndarray]:
    """A zone's rings as closed (n, 2) lon/lat arrays (one ring given as corners is a single ring)."""
    if len(zone) == 0:
        return []
    single = np.ndim(zone[0]) == 1
    rings = []
    for ring in ([zone] if single else zone):
        corners = np.asarray(ring, np.float64).reshape(-1, 2)
        if len(corners) and not np.array_equal(corners[0], corners[-1]):
            corners = np.vstack([corners, corners[:1]])
        rings.append(corners)
    return rings


@dataclass(frozen=True, eq=False)
class ModeArrays:
    """Per kind (row 0 walking, row k the mode k-1): what the combine and profile kernels need."""

    o_in: np.ndarray  # bool [kinds, origins]: the mode serves the origin
    d_in: np.ndarray  # bool [kinds, destinations]
    speed_mps: np.ndarray  # float64 [kinds]
    road_factor: np.ndarray
    wait_s: np.ndarray  # int64 [kinds]
    max_ride_m: np.ndarray  # float64 [kinds], inf for no limit
    open_at: np.ndarray  # bool [kinds, departures]: requests at that departure are served
    win_off: np.ndarray  # int64 [kinds + 1]: CSR of the request windows [win_lo, win_hi)
    win_lo: np.ndarray
    win_hi: np.ndarray


def mode_arrays(modes: Sequence[RideMode], origins: PointSet, destinations: PointSet,
                departures: np.ndarray) -> ModeArrays:
    kinds = len(modes) + 1
    o_in = np.zeros((kinds, len(origins)), np.bool_)
    d_in = np.zeros((kinds, len(destinations)), np.bool_)
    open_at = np.ones((kinds, len(departures)), np.bool_)
    windows: list[tuple[int, int]] = [(-ALWAYS, ALWAYS)]
    counts = [1]
    for k, mode in enumerate(modes, start=1):
        o_in[k] = mode.contains(origins.lat, origins.lon)
        d_in[k] = mode.contains(destinations.lat, destinations.lon)
        own = mode.windows()
        open_at[k] = np.zeros(len(departures), np.bool_)
        for lo, hi in own:
            open_at[k] |= (departures >= lo) & (departures < hi)
        windows.extend(own)
        counts.append(len(own))
    win_off = np.zeros(kinds + 1, np.int64)
    np.cumsum(counts, out=win_off[1:])
    bounds = np.asarray(windows, np.int64).reshape(-1, 2)

    return ModeArrays(
        o_in=o_in, d_in=d_in,
        speed_mps=np.asarray([1.0] + [m.speed_mps for m in modes], np.float64),
        road_factor=np.asarray([1.0] + [m.road_factor for m in modes], np.float64),
        wait_s=np.asarray([0] + [int(m.wait_s) for m in modes], np.int64),
        max_ride_m=np.asarray([np.inf] + [np.inf if m.max_ride_m is None else m.max_ride_m for m in modes],
                          np.float64),
        open_at=open_at, win_off=win_off, win_lo=bounds[:, 0].copy(), win_hi=bounds[:, 1].copy())


def with_rides(offsets: np.ndarray, targets: np.ndarray, seconds: np.ndarray, points: PointSet,
               served: np.ndarray, modes: Sequence[RideMode], stop_lat: np.ndarray,
               stop_lon: np.ndarray, usable: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Walking links (CSR per point) plus, for each mode, rides between the points it serves
    (served[k]) and the usable stops inside its zone: (offsets, targets, seconds, kinds)."""
    n = len(points)
    owner = [np.repeat(np.arange(n), np.diff(offsets))]
    parts_t, parts_s = [targets], [seconds]
    parts_k = [np.zeros(len(targets), np.int64)]
    for k, mode in enumerate(modes, start=1):
        inside = np.flatnonzero(served[k])
        stop_ok = usable & mode.contains(stop_lat, stop_lon)
        max_m = np.inf if mode.max_ride_m is None else float(mode.max_ride_m)
        off, stops, secs = walk_links(points.lat[inside], points.lon[inside], stop_lat, stop_lon,
                                      stop_ok, max_m, float(mode.road_factor), float(mode.speed_mps))
        owner.append(np.repeat(inside, np.diff(off)))
        parts_t.append(stops)
        parts_s.append(secs + int(mode.wait_s))
        parts_k.append(np.full(len(stops), k, np.int64))
    point = np.concatenate(owner)
    order = np.argsort(point, kind="stable")  # per point: walks first, then modes in order
    out_off = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(point, minlength=n), out=out_off[1:])
    return (out_off, np.concatenate(parts_t)[order].astype(np.int64),
            np.concatenate(parts_s)[order].astype(np.int64), np.concatenate(parts_k)[order])
