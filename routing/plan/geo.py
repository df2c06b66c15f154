"""Straight-line distances and the walk from a coordinate to the stops around it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from routing.geodesy import haversine_m
from routing.plan.profile import DETOUR_FACTOR, Profile
from routing.raptor.search import ACCESSIBLE
from routing.timetable.model import Timetable

MAX_ACCESS_STOPS = 10  # nearest stops offered to the search from one end


def walk_distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> int:
    """Street distance estimate: straight line times the detour factor, whole metres."""
    return int(round(float(haversine_m(lat1, lon1, lat2, lon2)) * DETOUR_FACTOR))


@dataclass(frozen=True)
class StopAccess:
    stop: int  # index into the timetable's stops
    distance_m: int
    duration_s: int


def served_stops(tt: Timetable) -> np.ndarray:
    """Stops some pattern calls at (parent stations and unused stops are not)."""
    return np.diff(tt.stop_pattern_offsets.astype(np.int64)) > 0


def nearby_stops(tt: Timetable, lat: float, lon: float, profile: Profile,
                 limit: int = MAX_ACCESS_STOPS) -> list[StopAccess]:
    """Served stops within the profile's maximum walk, nearest first (accessible only for
    wheelchair users), with the walking distance and seconds at the profile's speed."""
    if tt.n_stops == 0:
        return []
    distance = haversine_m(lat, lon, tt.stop_lat, tt.stop_lon) * DETOUR_FACTOR
    ok = served_stops(tt) & np.isfinite(distance) & (distance <= profile.max_walk_m)
    if profile.wheelchair:
        ok &= np.asarray(tt.stop_wheelchair) == ACCESSIBLE
    candidates = np.flatnonzero(ok)
    nearest = candidates[np.argsort(distance[candidates], kind="stable")][:limit]
    metres = [int(round(distance[s])) for s in nearest]
    return [StopAccess(int(s), m, profile.walk_seconds(m)) for s, m in zip(nearest, metres)]
