"""How a timetable is compiled: the footpath radius and the walking detour factor."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TimetableParams:
    footpath_radius_m: int = 0
    detour_factor: float = 1.3

    def __post_init__(self) -> None:
        if not isinstance(self.footpath_radius_m, int) or self.footpath_radius_m < 0:
            raise ValueError("footpath_radius_m must be a non-negative integer")
        if not self.detour_factor >= 1.0:
            raise ValueError("detour_factor must be at least 1")
