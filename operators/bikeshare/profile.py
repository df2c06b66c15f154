"""What kind of shared vehicle an adapter rents, and how a ride on it is estimated.

A `FleetProfile` says which GBFS form factors the adapter offers, how fast they are ridden,
how much longer the road is than the straight line, and whether every traveller needs a
vehicle of their own (bikes, scooters) or one vehicle carries the party (a car). Bike-share
and car-share are the same adapter with different profiles.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from maas.domain.accounts import GeoPoint
from operators.gbfs import haversine_m

# Offer.mode per GBFS form_factor; anything else keeps its GBFS name.
MODES = {"bicycle": "bike", "cargo_bicycle": "bike", "scooter": "scooter",
         "scooter_standing": "scooter", "scooter_seated": "scooter", "moped": "moped", "car": "car"}
# Vehicles that still move when their battery is flat or that have none.
UNPOWERED = frozenset({"human", "electric_assist"})


@dataclass(frozen=True, slots=True)
class FleetProfile:
    """`untyped_form_factor` is the form factor assumed for stations and vehicles a feed does not
    type (feeds without vehicle_types are bike systems); None refuses untyped vehicles.
    `default_rider_capacity` applies when a vehicle type does not publish `rider_capacity`."""

    name: str
    form_factors: frozenset[str]
    speed_kmh: int
    road_factor_percent: int = 130
    per_person: bool = True
    default_rider_capacity: int = 1
    untyped_form_factor: str | None = None
    range_reserve_percent: int = 20  # a vehicle must have this much more range than the ride

    def __post_init__(self) -> None:
        if self.speed_kmh <= 0 or self.road_factor_percent < 100 or self.range_reserve_percent < 0:
            raise ValueError("speed must be positive, road factor >= 100 % and range reserve >= 0")

    def ride_distance_m(self, a: GeoPoint, b: GeoPoint) -> int:
        return round(straight_m(a, b) * self.road_factor_percent / 100)

    def ride_s(self, distance_m: int) -> int:
        """Whole seconds (rounded up) to ride `distance_m` at the profile's average speed."""
        return -(-distance_m * 3600 // (self.speed_kmh * 1000))

    def range_needed_m(self, distance_m: int) -> int:
        return math.ceil(distance_m * (100 + self.range_reserve_percent) / 100)


def straight_m(a: GeoPoint, b: GeoPoint) -> float:
    return float(haversine_m(a.lat, a.lon, np.array([b.lat]), np.array([b.lon]))[0])


def mode_of(form_factor: str) -> str:
    return MODES.get(form_factor, form_factor)


BIKES_AND_SCOOTERS = FleetProfile(
    name="bike-share", form_factors=frozenset({"bicycle", "cargo_bicycle", "scooter", "scooter_standing",
                                               "scooter_seated", "moped"}),
    speed_kmh=15, untyped_form_factor="bicycle")
