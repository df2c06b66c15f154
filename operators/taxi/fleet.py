"""The taxi company's cars and who rides in them when: the two pools (standard and wheelchair
taxis), how many people each takes, and whether a car of a pool is free over a time window."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum


class CarKind(str, Enum):
    STANDARD = "standard_taxi"
    WHEELCHAIR = "wheelchair_taxi"


@dataclass(frozen=True, slots=True)
class Fleet:
    """Cars on duty per pool. A wheelchair taxi (UD car with a ramp) takes one wheelchair user
    and, by default, two companions; standard and wheelchair cars are dispatched separately."""

    cars: int
    wheelchair_cars: int = 0
    seats: int = 4
    wheelchair_car_seats: int = 3

    def __post_init__(self) -> None:
        if min(self.cars, self.wheelchair_cars) < 0 or min(self.seats, self.wheelchair_car_seats) < 1:
            raise ValueError("car counts cannot be negative and a car has at least one seat")

    def count(self, kind: CarKind) -> int:
        return self.wheelchair_cars if kind is CarKind.WHEELCHAIR else self.cars

    def seats_of(self, kind: CarKind) -> int:
        return self.wheelchair_car_seats if kind is CarKind.WHEELCHAIR else self.seats


@dataclass(frozen=True, slots=True)
class CarWindow:
    """A car of `kind` is busy from leaving the depot to getting back there."""

    kind: CarKind
    start: dt.datetime
    end: dt.datetime

    def overlaps(self, other: CarWindow) -> bool:
        return self.start < other.end and other.start < self.end


def busiest(taken: Iterable[CarWindow], window: CarWindow) -> int:
    """The most cars of the window's kind busy at one instant during `window`.

    Cars are interchangeable, so a new job fits when this is below the pool size: the count of
    busy intervals peaks at some interval's start, and those are the only instants checked.
    """
    same = [w for w in taken if w.kind is window.kind and w.overlaps(window)]
    instants = [window.start] + [w.start for w in same if w.start > window.start]
    return max((sum(1 for w in same if w.start <= t < w.end) for t in instants), default=0)
