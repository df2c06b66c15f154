"""Normalized, version-independent GBFS records: system, stations, status, vehicles, vehicle types."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class SystemInformation:
    system_id: str
    name: str
    timezone: str
    language: str | None


@dataclass(frozen=True, slots=True)
class Station:
    """A docking station or a virtual station (a painted parking area) from `station_information`."""

    station_id: str
    name: str
    lat: float
    lon: float
    capacity: int | None
    is_virtual: bool
    # Lower-case always: the v2.3 spec text writes "KEY", its schema and v3.0 write "key".
    rental_methods: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class VehicleTypeCount:
    vehicle_type_id: str
    count: int


@dataclass(frozen=True, slots=True)
class StationStatus:
    """Live availability at a station; `num_vehicles_available` is v2.3's `num_bikes_available`."""

    station_id: str
    num_vehicles_available: int
    num_docks_available: int | None
    is_installed: bool
    is_renting: bool
    is_returning: bool
    last_reported: datetime | None
    vehicle_types_available: tuple[VehicleTypeCount, ...]

    def can_rent(self) -> bool:
        return self.is_installed and self.is_renting and self.num_vehicles_available > 0

    def can_return(self, is_virtual: bool = False) -> bool:
        if not (self.is_installed and self.is_returning):
            return False
        # A virtual station without dock counting accepts returns whenever it is open.
        if self.num_docks_available is None:
            return is_virtual
        return self.num_docks_available > 0


@dataclass(frozen=True, slots=True)
class Vehicle:
    """A vehicle from `free_bike_status` (v2.3) or `vehicle_status` (v3.0); docked ones carry a station."""

    vehicle_id: str
    lat: float | None
    lon: float | None
    vehicle_type_id: str | None
    is_reserved: bool
    is_disabled: bool
    current_range_meters: float | None
    station_id: str | None
    last_reported: datetime | None

    def is_available(self) -> bool:
        return not (self.is_reserved or self.is_disabled)


@dataclass(frozen=True, slots=True)
class VehicleType:
    """`form_factor` is the spec's value: bicycle, cargo_bicycle, car, moped, scooter_standing, ..."""

    vehicle_type_id: str
    form_factor: str
    propulsion_type: str
    max_range_meters: float | None
    name: str | None
