"""Walks on the streets for the planner: access and egress to stops, and each walk leg's path.

Stops are found within the profile's walk in a straight line (a street path is never shorter),
then measured on the streets (wheelchair users on the wheelchair profile, without steps); the
street time is rescaled from the street profile's speed to the traveller's. The bit of a walk
between a point and its street (the snap) is walked in a straight line and counted. Where a
point lies too far from any street, the planner keeps the straight-line estimate and its walk
legs say so (`model`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from routing.geodesy import haversine_m
from routing.plan.geo import StopAccess, served_stops
from routing.plan.itinerary import Place
from routing.plan.profile import Profile
from routing.raptor.search import ACCESSIBLE
from routing.streets import StreetError, StreetRouter
from routing.timetable.model import Timetable

STREETS, STRAIGHT_LINE = "streets", "straight_line"


@dataclass(frozen=True)
class StreetWalks:
    router: StreetRouter

    def street_profile(self, profile: Profile) -> str:
        return "wheelchair" if profile.wheelchair else "walk"

    def _scale(self, profile: Profile) -> float:
        """Street seconds (at the street profile's speed) to the traveller's seconds."""
        params = self.router.params
        speed = params.wheelchair_speed_mps if profile.wheelchair else params.walk_speed_mps
        return speed / float(profile.walk_speed_mps)

    def nearby_stops(self, tt: Timetable, lat: float, lon: float, profile: Profile,
                     limit: int) -> list[StopAccess] | None:
        """Served stops within the profile's walk on the streets, nearest first; None when the
        point is too far from any street (the caller falls back to the straight line)."""
        if tt.n_stops == 0:
            return []
        line = haversine_m(lat, lon, tt.stop_lat, tt.stop_lon)
        ok = served_stops(tt) & np.isfinite(line) & (line <= profile.max_walk_m)
        if profile.wheelchair:
            ok &= np.asarray(tt.stop_wheelchair) == ACCESSIBLE
        candidates = np.flatnonzero(ok)
        if candidates.shape[0] == 0:
            return []
        stops = np.column_stack([tt.stop_lat[candidates], tt.stop_lon[candidates]]).astype(np.float64)
        matrix = self.router.matrix(self.street_profile(profile), np.array([[lat, lon]]), stops)
        if not np.isfinite(matrix.snap_from_m[0]):
            return None
        off_street = matrix.snap_from_m[0] + matrix.snap_to_m
        metres = matrix.distance_m[0] + off_street
        seconds = matrix.duration_s[0] * self._scale(profile) + off_street / float(profile.walk_speed_mps)
        usable = np.flatnonzero(np.isfinite(metres) & (metres <= profile.max_walk_m))
        nearest = usable[np.argsort(metres[usable], kind="stable")][:limit]
        return [StopAccess(int(candidates[k]), int(round(metres[k])), int(np.ceil(seconds[k]))) for k in nearest]

    def walk(self, a: Place, b: Place, profile: Profile) -> tuple[int, int, tuple[tuple[float, float], ...]] | None:
        """(metres, seconds, (lat, lon) path) of a walk on the streets; None when there is none."""
        try:
            path = self.router.route(self.street_profile(profile), a.lat, a.lon, b.lat, b.lon)
        except StreetError:
            return None
        off_street = path.snap_from_m + path.snap_to_m
        seconds = path.duration_s * self._scale(profile) + off_street / float(profile.walk_speed_mps)
        return int(round(path.distance_m + off_street)), int(np.ceil(seconds)), tuple(path.coordinates)
