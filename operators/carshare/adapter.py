"""Car-share: the shared-vehicle adapter with a car profile.

Cars are found as GBFS v3 `vehicle_types` of form factor `car`, parked at stations
(`vehicle_types_available`) or free-floating (`vehicle_status` with a position and
`current_range_meters`). One car carries the party up to its `rider_capacity` (4 when the type
does not say); the ride is estimated on the road (straight line x 1.3) at 30 km/h and priced by
the car's pricing plan per minute and per kilometre. A car with too little range for the ride
and a 20 % reserve is not offered.
"""

from __future__ import annotations

from maas.domain.ports import Clock
from operators.bikeshare import FleetProfile, LiveFeed, SharedVehicleAdapter

CARS = FleetProfile(name="car-share", form_factors=frozenset({"car"}), speed_kmh=30,
                    per_person=False, default_rider_capacity=4, untyped_form_factor=None)


class CarShareAdapter(SharedVehicleAdapter):
    def __init__(self, operator_id: str, feed: LiveFeed, clock: Clock, **options) -> None:
        super().__init__(operator_id, feed, clock, profile=CARS, **options)
