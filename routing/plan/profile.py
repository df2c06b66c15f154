"""Traveller profiles: how fast and how far someone walks, and what a change of vehicle costs them.

ELDERLY is the default for the service's riders (ageing towns): 0.8 m/s is a comfortable pace
for people over 75 (healthy adults walk about 1.2-1.4 m/s; Japanese barrier-free guidance
plans for about 1.0 m/s and less for frail walkers), 500 m is the walk most older riders
accept to a bus stop, and a three-minute margin per change allows for stairs and lifts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from routing.raptor import RaptorParams

DETOUR_FACTOR = 1.3  # street distance per straight-line metre, for access, egress and transfers


@dataclass(frozen=True)
class Profile:
    walk_speed_mps: float = 1.2
    max_walk_m: int = 1000  # each access, egress and transfer walk
    wheelchair: bool = False  # only accessible stops (wheelchair_boarding 1) and trips
    max_transfers: int = 4
    min_transfer_s: int = 60  # margin when changing vehicles at the same stop

    def __post_init__(self) -> None:
        if not (isinstance(self.walk_speed_mps, (int, float))
                and math.isfinite(self.walk_speed_mps) and self.walk_speed_mps > 0):
            raise ValueError("walk_speed_mps must be a positive number")
        if not isinstance(self.max_walk_m, int) or isinstance(self.max_walk_m, bool) \
                or self.max_walk_m < 0:
            raise ValueError("max_walk_m must be a non-negative integer")
        self.raptor_params()  # validates max_transfers and min_transfer_s

    def raptor_params(self) -> RaptorParams:
        return RaptorParams(max_transfers=self.max_transfers, min_transfer_s=self.min_transfer_s,
                            walk_speed_mps=float(self.walk_speed_mps), max_walk_m=self.max_walk_m,
                            wheelchair=self.wheelchair)

    def walk_seconds(self, distance_m: float) -> int:
        return int(math.ceil(distance_m / self.walk_speed_mps))


STANDARD = Profile()
ELDERLY = Profile(walk_speed_mps=0.8, max_walk_m=500, max_transfers=3, min_transfer_s=180)
