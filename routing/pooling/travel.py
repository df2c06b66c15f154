"""Travel times and distances between places, and the providers that compute them.

The default provider is straight-line (great-circle) distance times a road factor at a constant
speed, computed for the whole matrix at once with numpy. Real providers round to whole seconds
and metres; the matrix also carries fractional values so benchmark instances keep exact costs.
Any provider can be wrapped in `CachedProvider`, keyed by a digest of its settings and points.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from routing.geodesy import haversine_m
from routing.npz import save_npz



@dataclass(frozen=True, eq=False)
class TravelMatrix:
    duration_s: np.ndarray  # [from, to], float64
    distance_m: np.ndarray  # [from, to], float64

    def __post_init__(self) -> None:
        duration = np.array(self.duration_s, dtype=np.float64)
        distance = np.array(self.distance_m, dtype=np.float64)
        if duration.ndim != 2 or duration.shape[0] != duration.shape[1] or duration.shape != distance.shape:
            raise ValueError("travel matrices must be square and of the same shape")
        if not (np.isfinite(duration).all() and np.isfinite(distance).all()):
            raise ValueError("travel matrices must be finite")
        if (duration < 0).any() or (distance < 0).any():
            raise ValueError("travel matrices must be non-negative")
        duration.setflags(write=False)
        distance.setflags(write=False)
        object.__setattr__(self, "duration_s", duration)
        object.__setattr__(self, "distance_m", distance)

    @property
    def size(self) -> int:
        return int(self.duration_s.shape[0])


class TravelProvider(Protocol):
    def cache_key(self) -> str:
        """Everything besides the points that the matrix depends on."""

    def matrix(self, lat_lon: np.ndarray) -> TravelMatrix:
        """The matrix between points given as rows of (latitude, longitude) in degrees."""


@dataclass(frozen=True)
class StraightLineProvider:
    road_factor: float = 1.3  # road distance over great-circle distance
    speed_mps: float = 8.3  # about 30 km/h, a town's door-to-door average
    round_to_integers: bool = True

    def __post_init__(self) -> None:
        if not (self.road_factor >= 1.0 and self.speed_mps > 0):
            raise ValueError("road_factor must be >= 1 and speed_mps > 0")

    def cache_key(self) -> str:
        return f"straight-line:{self.road_factor!r}:{self.speed_mps!r}:{self.round_to_integers}"

    def matrix(self, lat_lon: np.ndarray) -> TravelMatrix:
        distance_m = great_circle_m(np.asarray(lat_lon, dtype=np.float64)) * self.road_factor
        duration_s = distance_m / self.speed_mps
        if self.round_to_integers:
            distance_m, duration_s = np.rint(distance_m), np.rint(duration_s)
        return TravelMatrix(duration_s=duration_s, distance_m=distance_m)


def great_circle_m(lat_lon: np.ndarray) -> np.ndarray:
    """Great-circle distances between all pairs of rows, in metres (routing.geodesy's formula)."""
    lat, lon = lat_lon[:, 0], lat_lon[:, 1]
    return haversine_m(lat[:, None], lon[:, None], lat[None, :], lon[None, :])


@dataclass(frozen=True)
class CachedProvider:
    """Reuses matrices saved as .npz files named by a digest of the provider and the points."""

    inner: TravelProvider
    directory: Path

    def cache_key(self) -> str:
        return self.inner.cache_key()

    def matrix(self, lat_lon: np.ndarray) -> TravelMatrix:
        points = np.ascontiguousarray(lat_lon, dtype=np.float64)
        digest = hashlib.sha256(self.inner.cache_key().encode() + points.tobytes()).hexdigest()[:32]
        path = Path(self.directory) / f"travel-{digest}.npz"
        if path.exists():
            with np.load(path) as saved:
                return TravelMatrix(duration_s=saved["duration_s"], distance_m=saved["distance_m"])
        built = self.inner.matrix(points)
        save_npz(path, {"duration_s": built.duration_s, "distance_m": built.distance_m})
        return built
