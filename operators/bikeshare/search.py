"""Which trips a shared-vehicle system can sell now: dock to dock, or from a free-floating vehicle.

Dock to dock: per vehicle type, the nearest station within a walk of the origin with enough
vehicles of that type (after this adapter's own holds), to the nearest other station within a
walk of the destination with enough free docks. Free-floating: per vehicle type, the nearest
free vehicle within a walk with the range the ride needs, left at the destination (or at a
station when its type must be returned to one). Each trip is priced with the pricing plan of
its vehicle (or vehicle type) for the estimated riding time and distance.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from maas.domain.accounts import GeoPoint
from maas.domain.mobility import OfferQuery
from operators.bikeshare.holds import Ledger
from operators.bikeshare.live import FeedView
from operators.bikeshare.profile import UNPOWERED, FleetProfile
from operators.gbfs import NearbyStation, PricingPlan, Station, StationStatus, Vehicle, trip_price_minor

STATION_FILES = ("station_status",)
VEHICLE_FILES = ("free_bike_status", "vehicle_status")


@dataclass(frozen=True, slots=True)
class Trip:
    """One sellable ride; `count` vehicles are taken (one per traveller on bikes)."""

    vehicle_type_id: str | None
    form_factor: str
    type_name: str
    pickup: GeoPoint
    dropoff: GeoPoint
    pickup_station: Station | None
    vehicle_id: str | None
    return_station: Station | None
    walk_to_m: int
    walk_from_m: int
    distance_m: int
    ride_s: int
    plan: PricingPlan
    price_minor: int
    count: int


class Availability:
    """The feed's view less the operator's holds (in every process), for one profile of vehicles."""

    def __init__(self, view: FeedView, profile: FleetProfile, ledger: Ledger,
                 fallback_plan: PricingPlan | None = None) -> None:
        self.view, self.profile, self.ledger = view, profile, ledger
        self.fallback_plan = fallback_plan
        self._station_time = view.updated_at(*STATION_FILES)
        self._taken_vehicles = ledger.taken_vehicles(view.updated_at(*VEHICLE_FILES))

    # -- vehicle types ----------------------------------------------------------------------
    def form_factor(self, type_id: str | None) -> str | None:
        """The type's form factor when this profile rents it, else None."""
        known = self.view.types.get(type_id) if type_id is not None else None
        form = known.form_factor if known else self.profile.untyped_form_factor
        return form if form in self.profile.form_factors else None

    def type_name(self, type_id: str | None) -> str:
        known = self.view.types.get(type_id) if type_id is not None else None
        return (known.name if known and known.name else None) or (type_id or "vehicle")

    def rider_capacity(self, type_id: str | None) -> int:
        terms = self.view.links.types.get(type_id or "")
        return terms.rider_capacity if terms and terms.rider_capacity else self.profile.default_rider_capacity

    def return_constraint(self, type_id: str | None) -> str | None:
        terms = self.view.links.types.get(type_id or "")
        return terms.return_constraint if terms else None

    def plan_for(self, type_id: str | None, vehicle_id: str | None = None) -> PricingPlan | None:
        """The vehicle's plan, its type's default (or first listed) plan, the system's only
        plan, or the configured fallback; None when nothing says what the ride costs."""
        plans = self.view.plans
        terms = self.view.links.types.get(type_id or "")
        candidates = [self.view.links.vehicle_plans.get(vehicle_id or "")]
        if terms:
            candidates += [terms.default_plan_id, *terms.plan_ids]
        for plan_id in candidates:
            if plan_id and plan_id in plans:
                return plans[plan_id]
        if len(plans) == 1:
            return next(iter(plans.values()))
        return self.fallback_plan

    def range_ok(self, vehicle: Vehicle, distance_m: int) -> bool:
        """Enough charge or fuel for the ride plus the reserve; an unpowered or pedal-assisted
        vehicle with no range published still moves."""
        if vehicle.current_range_meters is not None:
            return vehicle.current_range_meters >= self.profile.range_needed_m(distance_m)
        known = self.view.types.get(vehicle.vehicle_type_id or "")
        return known is None or known.propulsion_type in UNPOWERED

    # -- stations and vehicles ----------------------------------------------------------------
    def station_counts(self, status: StationStatus) -> dict[str | None, int]:
        """Vehicles the feed shows at a station by type: its per-type counts, or every vehicle
        as the system's only type, or untyped when the system publishes no types."""
        if status.vehicle_types_available:
            return {c.vehicle_type_id: c.count for c in status.vehicle_types_available if c.count > 0}
        if len(self.view.types) == 1:
            return {next(iter(self.view.types)): status.num_vehicles_available}
        return {} if self.view.types else {None: status.num_vehicles_available}

    def free_at_station(self, station_id: str) -> dict[str | None, int]:
        """Vehicles free to rent at a station, by type this profile rents (zero counts omitted)."""
        status = self.view.status.get(station_id)
        if status is None or not status.can_rent():
            return {}
        taken = self.ledger.taken_at_station(station_id, self._station_time)
        total = status.num_vehicles_available - sum(taken.values())
        free = {}
        for type_id, count in self.station_counts(status).items():
            left = min(count - taken.get(type_id, 0), total)
            if left > 0 and self.form_factor(type_id) is not None:
                free[type_id] = left
        return free

    def vehicle_free(self, vehicle: Vehicle) -> bool:
        return vehicle.is_available() and vehicle.vehicle_id not in self._taken_vehicles

    @staticmethod
    def docks_for(status: StationStatus, is_virtual: bool, need: int) -> bool:
        if not status.can_return(is_virtual):
            return False
        return status.num_docks_available is None or status.num_docks_available >= need


def _point(lat: float, lon: float) -> GeoPoint:
    return GeoPoint(lat=lat, lon=lon)


class TripFinder:
    def __init__(self, availability: Availability, max_walk_m: int) -> None:
        self.a, self.max_walk_m = availability, max_walk_m
        self.reasons: list[str] = []

    def need(self, query: OfferQuery) -> int:
        return query.travellers if self.a.profile.per_person else 1

    def _price(self, plan: PricingPlan, ride_s: int, distance_m: int, count: int) -> int:
        return trip_price_minor(plan, ride_s, distance_m) * (count if self.a.profile.per_person else 1)

    def find(self, query: OfferQuery, now: dt.datetime) -> list[Trip]:
        if query.wheelchair:
            self.reasons.append("no shared vehicle here carries a wheelchair")
            return []
        return self.dock_trips(query, now) + self.free_floating_trips(query, now)

    def _return_stations(self, at: GeoPoint, now: dt.datetime, need: int,
                         other_than: str | None) -> NearbyStation | None:
        for near in self.a.view.index.list_stations_near(at.lat, at.lon, self.max_walk_m, now=now,
                                                         purpose="return"):
            if near.station.station_id != other_than and self.a.docks_for(near.status, near.station.is_virtual, need):
                return near
        return None

    def dock_trips(self, query: OfferQuery, now: dt.datetime) -> list[Trip]:
        o, need = query.origin, self.need(query)
        chosen = {}
        for near in self.a.view.index.list_stations_near(o.lat, o.lon, self.max_walk_m, now=now):
            for type_id, free in self.a.free_at_station(near.station.station_id).items():
                fits = self.a.profile.per_person or query.travellers <= self.a.rider_capacity(type_id)
                if type_id not in chosen and free >= need and fits:
                    chosen[type_id] = near
        if not chosen:
            self.reasons.append(f"no station with {need} vehicle(s) to rent within {self.max_walk_m} m of the origin")
        trips = []
        for type_id, near in chosen.items():
            if self.a.return_constraint(type_id) == "roundtrip_station":
                self.reasons.append(f"{type_id} must come back to {near.station.name}; no one-way trip")
                continue
            back = self._return_stations(query.destination, now, need, near.station.station_id)
            if back is None:
                self.reasons.append(f"no other station with {need} free dock(s) within {self.max_walk_m} m "
                                    "of the destination")
                continue
            trip = self._trip(type_id, near.station, None, back.station, query, near.distance_m, back.distance_m, need)
            if trip is not None:
                trips.append(trip)
        return trips

    def free_floating_trips(self, query: OfferQuery, now: dt.datetime) -> list[Trip]:
        o = query.origin
        if self.a.profile.per_person and query.travellers > 1:
            self.reasons.append("free-floating vehicles are offered to one traveller at a time")
            return []
        trips: dict[str | None, Trip] = {}
        for near in self.a.view.index.list_vehicles_near(o.lat, o.lon, self.max_walk_m, now=now):
            vehicle, type_id = near.vehicle, near.vehicle.vehicle_type_id
            if (type_id in trips or vehicle.station_id is not None or self.a.form_factor(type_id) is None
                    or not self.a.vehicle_free(vehicle) or query.travellers > self.a.rider_capacity(type_id)):
                continue
            constraint = self.a.return_constraint(type_id)
            if constraint == "roundtrip_station":
                continue
            back = None
            if constraint == "any_station":
                back = self._return_stations(query.destination, now, 1, None)
                if back is None:
                    continue
            trip = self._trip(type_id, None, vehicle, back.station if back else None, query, near.distance_m,
                              back.distance_m if back else 0.0, 1)
            if trip is None or not self.a.range_ok(vehicle, trip.distance_m):
                continue
            trips[type_id] = trip
        return list(trips.values())

    def _trip(self, type_id: str | None, station: Station | None, vehicle: Vehicle | None,
              back: Station | None, query: OfferQuery, walk_to_m: float, walk_from_m: float,
              count: int) -> Trip | None:
        pickup = _point(station.lat, station.lon) if station else _point(vehicle.lat, vehicle.lon)
        dropoff = _point(back.lat, back.lon) if back else query.destination
        plan = self.a.plan_for(type_id, vehicle.vehicle_id if vehicle else None)
        if plan is None:
            self.reasons.append(f"no pricing plan for vehicle type {type_id}")
            return None
        distance_m = self.a.profile.ride_distance_m(pickup, dropoff)
        ride_s = self.a.profile.ride_s(distance_m)
        return Trip(vehicle_type_id=type_id, form_factor=self.a.form_factor(type_id) or "",
                    type_name=self.a.type_name(type_id), pickup=pickup, dropoff=dropoff,
                    pickup_station=station, vehicle_id=vehicle.vehicle_id if vehicle else None,
                    return_station=back, walk_to_m=round(walk_to_m), walk_from_m=round(walk_from_m),
                    distance_m=distance_m, ride_s=ride_s, plan=plan,
                    price_minor=self._price(plan, ride_s, distance_m, count), count=count)


def still_free(a: Availability, trip: Trip) -> str:
    """Why a trip sold earlier can no longer be booked against the current view, or ""."""
    if trip.vehicle_id is not None:
        vehicle = next((v for v in a.view.snapshot.vehicles if v.vehicle_id == trip.vehicle_id), None)
        if vehicle is None or not a.vehicle_free(vehicle):
            return f"vehicle {trip.vehicle_id} is no longer free"
    else:
        assert trip.pickup_station is not None
        free = a.free_at_station(trip.pickup_station.station_id).get(trip.vehicle_type_id, 0)
        if free < trip.count:
            return (f"{trip.pickup_station.name} has {free} {trip.type_name} left; "
                    f"{trip.count} needed")
    if trip.return_station is not None:
        back = a.view.status.get(trip.return_station.station_id)
        if back is None or not a.docks_for(back, trip.return_station.is_virtual, trip.count):
            return f"{trip.return_station.name} has no free dock any more"
    return ""
