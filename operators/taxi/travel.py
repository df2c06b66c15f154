"""How far and how long a taxi ride is: on the streets (routing.streets, car profile) when the
host gives a street router, otherwise the straight line times a road factor driven at an average
speed; the approach from the depot likewise. `model` says which was used."""

from __future__ import annotations

import math
from dataclasses import dataclass

from maas.domain.accounts import GeoPoint, great_circle_m
from routing.streets import StreetRouter

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
    streets: StreetRouter | None = None

    @property
    def model(self) -> str:
        return "straight_line" if self.streets is None else "streets"

    def ride(self, origin: GeoPoint, destination: GeoPoint) -> tuple[int, int]:
        """(metres, whole seconds) of the drive; on streets TooFarFromStreet or Unreachable when
        no road joins the points."""
        distance_m, seconds, _ = self.route(origin, destination)
        return distance_m, seconds

    def route(self, origin: GeoPoint, destination: GeoPoint) -> tuple[int, int, tuple[tuple[float, float], ...]]:
        """ride() with the (lat, lon) path: along the streets, or the straight segment."""
        if self.streets is None:
            distance_m = self.road_distance_m(origin, destination)
            return distance_m, self.drive_s(distance_m), ((origin.lat, origin.lon), (destination.lat, destination.lon))
        path = self.streets.route("car", origin.lat, origin.lon, destination.lat, destination.lon)
        return round(path.distance_m), math.ceil(path.duration_s), tuple(path.coordinates)

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
        return self.dispatch_s + self.ride(self.depot, pickup)[1]
