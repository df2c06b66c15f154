"""How far and how long a taxi ride is, estimated without a road network: the straight line
times a road factor, driven at an average speed, and the approach from the depot likewise."""

from __future__ import annotations

from dataclasses import dataclass

from maas.domain.accounts import GeoPoint, great_circle_m

haversine_m = great_circle_m  # the domain's one great-circle distance, under the name callers use


@dataclass(frozen=True, slots=True)
class TravelModel:
    """Road distance = straight line x `road_factor_percent` / 100; time at `speed_kmh`.

    `dispatch_s` is the time a driver needs to set off once a job is given; it is added to
    every approach from `depot`.
    """

    depot: GeoPoint
    road_factor_percent: int = 130
    speed_kmh: int = 30
    dispatch_s: int = 120

    def __post_init__(self) -> None:
        if self.road_factor_percent < 100 or self.speed_kmh <= 0 or self.dispatch_s < 0:
            raise ValueError("road factor must be >= 100 %, speed > 0 and dispatch time >= 0")

    def road_distance_m(self, origin: GeoPoint, destination: GeoPoint) -> int:
        return round(haversine_m(origin, destination) * self.road_factor_percent / 100)

    def drive_s(self, distance_m: int) -> int:
        """Whole seconds (rounded up) to drive `distance_m` at the average speed."""
        return -(-distance_m * 3600 // (self.speed_kmh * 1000))

    def approach_s(self, pickup: GeoPoint) -> int:
        """Seconds from giving a driver at the depot the job to the car reaching `pickup`."""
        return self.dispatch_s + self.drive_s(self.road_distance_m(self.depot, pickup))
