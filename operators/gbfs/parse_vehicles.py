"""Parsers for free-floating vehicles, `vehicle_types` and `system_pricing_plans`, v1 to v3.0."""

from __future__ import annotations

from functools import partial

from operators.gbfs.fields import (
    coordinates,
    decimal,
    flag,
    localized,
    object_list,
    optional_int,
    optional_number,
    optional_text,
    records,
    text,
)
from operators.gbfs.freshness import parse_timestamp
from operators.gbfs.model import Vehicle, VehicleType
from operators.gbfs.pricing import PricingPlan, PricingSegment
from operators.gbfs.validation import Finding


def _vehicle(entry: dict) -> Vehicle:
    station_id = optional_text(entry, "station_id")
    # Docked vehicles may omit their position; a free-floating one must have it.
    lat, lon = (None, None) if station_id and "lat" not in entry else coordinates(entry)
    reported = entry.get("last_reported")
    return Vehicle(
        vehicle_id=text(entry, "vehicle_id" if "vehicle_id" in entry else "bike_id"),
        lat=lat,
        lon=lon,
        vehicle_type_id=optional_text(entry, "vehicle_type_id"),
        is_reserved=flag(entry, "is_reserved"),
        is_disabled=flag(entry, "is_disabled"),
        current_range_meters=optional_number(entry, "current_range_meters"),
        station_id=station_id,
        last_reported=None if reported is None else parse_timestamp(reported),
    )


def parse_vehicles(doc: object, file_name: str = "vehicle_status") -> tuple[list[Vehicle], list[Finding]]:
    """`free_bike_status` (v2.3, list `bikes`) or `vehicle_status` (v3.0, list `vehicles`)."""
    list_key = "bikes" if file_name == "free_bike_status" else "vehicles"
    return records(file_name, doc, list_key, _vehicle, key=lambda vehicle: vehicle.vehicle_id)


def _vehicle_type(entry: dict, language: str | None) -> VehicleType:
    name = entry.get("name")
    return VehicleType(
        vehicle_type_id=text(entry, "vehicle_type_id"),
        form_factor=text(entry, "form_factor"),
        propulsion_type=text(entry, "propulsion_type"),
        max_range_meters=optional_number(entry, "max_range_meters"),
        name=None if name is None else localized(name, language),
    )


def parse_vehicle_types(doc: object, language: str | None = None) -> tuple[list[VehicleType], list[Finding]]:
    return records("vehicle_types", doc, "vehicle_types", partial(_vehicle_type, language=language),
                   key=lambda vehicle_type: vehicle_type.vehicle_type_id)


def _segments(entry: dict, key: str) -> tuple[PricingSegment, ...]:
    segments = []
    for item in object_list(entry, key):
        start, interval = optional_int(item, "start"), optional_int(item, "interval")
        if start is None or interval is None or start < 0 or interval < 0:
            raise ValueError(f"{key} segment needs non-negative integer start and interval")
        segments.append(PricingSegment(start, decimal(item, "rate"), interval, optional_int(item, "end")))
    return tuple(segments)


def _plan(entry: dict, language: str | None) -> PricingPlan:
    price = decimal(entry, "price")
    if price < 0:
        raise ValueError("price is negative")
    return PricingPlan(
        plan_id=text(entry, "plan_id"),
        name=localized(entry.get("name"), language),
        currency=text(entry, "currency").upper(),
        price=price,
        is_taxable=flag(entry, "is_taxable", False),
        per_min_pricing=_segments(entry, "per_min_pricing"),
        per_km_pricing=_segments(entry, "per_km_pricing"),
    )


def parse_pricing_plans(doc: object, language: str | None = None) -> tuple[list[PricingPlan], list[Finding]]:
    return records("system_pricing_plans", doc, "plans", partial(_plan, language=language),
                   key=lambda plan: plan.plan_id)
