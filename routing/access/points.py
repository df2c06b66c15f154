"""Origins and destinations as points: an id, a coordinate, a weight and a category.

A `PointSet` keeps them as parallel numpy arrays so a 10 000-cell grid costs no Python objects
in the matrix; `Point` is the friendly single-point form tests and callers write by hand.
Weights are what measures add up (residents, residents over 65, beds); categories group
destinations (hospital, clinic, supermarket).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from routing.access.errors import BadValue


@dataclass(frozen=True)
class Point:
    id: str
    lat: float
    lon: float
    weight: float = 1.0
    category: str = ""


@dataclass(frozen=True, eq=False)
class PointSet:
    ids: np.ndarray  # str
    lat: np.ndarray  # float64 degrees
    lon: np.ndarray  # float64 degrees
    weight: np.ndarray  # float64, non-negative
    category: np.ndarray  # str, "" when none

    def __post_init__(self) -> None:
        n = len(self.ids)
        if not all(len(a) == n for a in (self.lat, self.lon, self.weight, self.category)):
            raise BadValue("ids, lat, lon, weight and category must have the same length")
        check_coordinates(self.lat, self.lon, self.ids)
        bad = ~np.isfinite(self.weight) | (self.weight < 0)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise BadValue(f"weight must be a finite non-negative number, got {self.weight[i]}",
                           f"point {self.ids[i]}")

    @classmethod
    def from_points(cls, points: Iterable[Point]) -> PointSet:
        items = list(points)
        return cls(np.asarray([p.id for p in items], dtype=str),
                   np.asarray([p.lat for p in items], np.float64),
                   np.asarray([p.lon for p in items], np.float64),
                   np.asarray([p.weight for p in items], np.float64),
                   np.asarray([p.category for p in items], dtype=str))

    @classmethod
    def from_arrays(cls, ids, lat, lon, weight=None, category=None) -> PointSet:
        n = len(ids)
        return cls(np.asarray(ids, dtype=str), np.asarray(lat, np.float64),
                   np.asarray(lon, np.float64),
                   np.ones(n) if weight is None else np.asarray(weight, np.float64),
                   np.full(n, "", dtype=str) if category is None else np.asarray(category, str))

    def __len__(self) -> int:
        return len(self.ids)

    def __iter__(self) -> Iterator[Point]:
        for i in range(len(self)):
            yield Point(str(self.ids[i]), float(self.lat[i]), float(self.lon[i]),
                        float(self.weight[i]), str(self.category[i]))

    def select(self, mask: np.ndarray) -> PointSet:
        return PointSet(self.ids[mask], self.lat[mask], self.lon[mask], self.weight[mask],
                        self.category[mask])

    def of_category(self, category: str) -> PointSet:
        return self.select(self.category == category)


def as_point_set(points: PointSet | Iterable[Point]) -> PointSet:
    return points if isinstance(points, PointSet) else PointSet.from_points(points)


def check_coordinates(lat: np.ndarray, lon: np.ndarray, ids: np.ndarray | None = None) -> None:
    """Raise BadValue naming the first point whose latitude or longitude is impossible."""
    bad = ~(np.isfinite(lat) & np.isfinite(lon) & (np.abs(lat) <= 90) & (np.abs(lon) <= 180))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        name = f"point {ids[i]}" if ids is not None else f"point {i}"
        raise BadValue(f"impossible coordinate ({lat[i]}, {lon[i]})", name)


def parse_number(text: str, what: str, where: str) -> float:
    """A finite float from text, or BadValue naming the column and row."""
    try:
        value = float(str(text).strip())
    except ValueError:
        raise BadValue(f"{what} is not a number: {text!r}", where) from None
    if not math.isfinite(value):
        raise BadValue(f"{what} is not finite: {text!r}", where)
    return value
