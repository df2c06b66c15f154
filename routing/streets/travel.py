"""Street travel matrices for the pooling solver: routing.pooling's TravelProvider on the street graph.

Every pair must be joined by a street: a point too far from any street or a pair with no path
raises (TooFarFromStreet, Unreachable) rather than falling back to a straight line; callers
check points with `check_reachable` before they admit them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from routing.pooling.travel import TravelMatrix
from routing.streets.errors import TooFarFromStreet, Unreachable
from routing.streets.search import StreetRouter

MODEL = "streets"


@dataclass(frozen=True)
class StreetTravelProvider:
    router: StreetRouter
    profile: str = "car"
    round_to_integers: bool = True

    def cache_key(self) -> str:
        return f"streets:{self.router.graph.digest}:{self.profile}:{self.router.max_snap_m!r}:{self.round_to_integers}"

    def matrix(self, lat_lon: npt.NDArray[np.float64]) -> TravelMatrix:
        points = np.asarray(lat_lon, dtype=np.float64).reshape(-1, 2)
        result = self.router.matrix(self.profile, points, points)
        far = np.flatnonzero(~np.isfinite(result.snap_from_m))
        if far.shape[0]:
            lat, lon = points[far[0]]
            raise TooFarFromStreet(float(lat), float(lon), self.router.max_snap_m, self.profile)
        missing = np.argwhere(~np.isfinite(result.duration_s))
        if missing.shape[0]:
            i, j = missing[0]
            raise Unreachable(f"no {self.profile} path between points {i} and {j} "
                              f"({points[i][0]:.6f}, {points[i][1]:.6f}) and ({points[j][0]:.6f}, {points[j][1]:.6f})")
        duration, distance = result.duration_s, result.distance_m
        np.fill_diagonal(duration, 0.0)
        np.fill_diagonal(distance, 0.0)
        if self.round_to_integers:
            duration, distance = np.rint(duration), np.rint(distance)
        return TravelMatrix(duration_s=duration, distance_m=distance)

    def check_reachable(self, from_lat: float, from_lon: float, to_lat: float, to_lon: float) -> None:
        """Raise TooFarFromStreet or Unreachable when no street path joins the two points."""
        self.router.route(self.profile, from_lat, from_lon, to_lat, to_lon)
