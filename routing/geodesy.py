"""Great-circle distance on a spherical Earth: the one radius and formula of the routing library.

`haversine_m` works on numpy arrays (broadcasting); `great_circle_m` is the same formula on
plain floats with `math` only, so numba can compile it into a kernel (routing.access.kernels).
"""

from __future__ import annotations

import math

import numpy as np

EARTH_RADIUS_M = 6_371_008.8  # the mean radius (IUGG)
METRES_PER_DEGREE = math.pi / 180 * EARTH_RADIUS_M  # along a meridian


def haversine_m(lat1: float | np.ndarray, lon1: float | np.ndarray,
                lat2: float | np.ndarray, lon2: float | np.ndarray) -> np.ndarray:
    """Great-circle distance in metres between degree coordinates; arrays broadcast."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(np.asarray(lon2) - np.asarray(lon1))
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def great_circle_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """haversine_m for one pair of points, on floats."""
    p1 = math.radians(lat1)
    p2 = math.radians(lat2)
    dl = math.radians(lon2 - lon1)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(min(max(a, 0.0), 1.0)))
