"""Stations and vehicles near a coordinate, nearest first, by vectorised haversine distance."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import numpy as np

from operators.gbfs.model import Station, StationStatus, Vehicle
from routing.geodesy import haversine_m as geodesy_haversine_m
from operators.gbfs.reader import FeedSnapshot

# From one point to arrays of points (degrees): the routing library's formula and radius.
haversine_m = geodesy_haversine_m


@dataclass(frozen=True, slots=True)
class NearbyStation:
    station: Station
    status: StationStatus
    distance_m: float


@dataclass(frozen=True, slots=True)
class NearbyVehicle:
    vehicle: Vehicle
    distance_m: float


def _nearest(distances: np.ndarray, mask: np.ndarray, radius_m: float, limit: int | None) -> np.ndarray:
    hits = np.flatnonzero(mask & (distances <= radius_m))
    order = hits[np.argsort(distances[hits], kind="stable")]
    return order if limit is None else order[:limit]


class AvailabilityIndex:
    """One snapshot's stations (joined with their status) and positioned vehicles, as arrays.

    Build once per snapshot and query many times; every query refuses a stale snapshot unless
    the caller says `allow_stale=True`, so old availability is never silently taken as live.
    """

    def __init__(self, snapshot: FeedSnapshot) -> None:
        self._snapshot = snapshot
        status = {s.station_id: s for s in snapshot.station_status}
        self._pairs = [(st, status[st.station_id]) for st in snapshot.stations if st.station_id in status]
        self._station_lat = np.array([st.lat for st, _ in self._pairs], dtype=np.float64)
        self._station_lon = np.array([st.lon for st, _ in self._pairs], dtype=np.float64)
        self._can_rent = np.array([s.can_rent() for _, s in self._pairs], dtype=bool)
        self._can_return = np.array([s.can_return(st.is_virtual) for st, s in self._pairs], dtype=bool)
        self._vehicles = [v for v in snapshot.vehicles if v.lat is not None and v.lon is not None]
        self._vehicle_lat = np.array([v.lat for v in self._vehicles], dtype=np.float64)
        self._vehicle_lon = np.array([v.lon for v in self._vehicles], dtype=np.float64)

    def _check(self, now: datetime, allow_stale: bool) -> None:
        if not allow_stale:
            self._snapshot.require_live(now)

    def list_stations_near(self, lat: float, lon: float, radius_m: float, *, now: datetime,
                           purpose: Literal["pickup", "return"] = "pickup", allow_stale: bool = False,
                           limit: int | None = None) -> list[NearbyStation]:
        """Stations within `radius_m` with a vehicle to rent (pickup) or a free dock (return)."""
        self._check(now, allow_stale)
        if not self._pairs:
            return []
        distances = haversine_m(lat, lon, self._station_lat, self._station_lon)
        mask = self._can_rent if purpose == "pickup" else self._can_return
        return [NearbyStation(*self._pairs[i], float(distances[i])) for i in _nearest(distances, mask, radius_m, limit)]

    def list_vehicles_near(self, lat: float, lon: float, radius_m: float, *, now: datetime,
                           vehicle_type_ids: Collection[str] | None = None,
                           min_range_meters: float | None = None, allow_stale: bool = False,
                           limit: int | None = None) -> list[NearbyVehicle]:
        """Free vehicles within `radius_m`; with `min_range_meters`, an unknown range does not qualify."""
        self._check(now, allow_stale)
        if not self._vehicles:
            return []
        distances = haversine_m(lat, lon, self._vehicle_lat, self._vehicle_lon)
        mask = np.array([
            v.is_available()
            and (vehicle_type_ids is None or v.vehicle_type_id in vehicle_type_ids)
            and (min_range_meters is None or (v.current_range_meters or 0.0) >= min_range_meters)
            for v in self._vehicles
        ], dtype=bool)
        return [NearbyVehicle(self._vehicles[i], float(distances[i]))
                for i in _nearest(distances, mask, radius_m, limit)]
