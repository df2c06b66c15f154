"""What the GBFS reader's records leave out but offers need, read from the raw documents:
which pricing plan applies to a vehicle type or a vehicle, how a vehicle type must be returned,
and how many riders it carries. Unreadable entries are skipped; the reader reports them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from operators.gbfs import RawFile


@dataclass(frozen=True, slots=True)
class TypeTerms:
    default_plan_id: str | None = None
    plan_ids: tuple[str, ...] = ()
    return_constraint: str | None = None  # free_floating, roundtrip_station, any_station, hybrid
    rider_capacity: int | None = None


@dataclass(frozen=True, slots=True)
class FeedLinks:
    types: dict[str, TypeTerms] = field(default_factory=dict)
    vehicle_plans: dict[str, str] = field(default_factory=dict)  # vehicle id -> plan id


def _ident(value: object) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value if isinstance(value, str) and value else None


def _entries(raw: RawFile, key: str) -> list[dict]:
    data = raw.doc.get("data")
    items = data.get(key) if isinstance(data, dict) else None
    return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []


def _terms(entry: dict) -> TypeTerms:
    plan_ids = entry.get("pricing_plan_ids")
    capacity = entry.get("rider_capacity")
    return TypeTerms(
        default_plan_id=_ident(entry.get("default_pricing_plan_id")),
        plan_ids=tuple(p for p in map(_ident, plan_ids) if p) if isinstance(plan_ids, list) else (),
        return_constraint=entry.get("return_constraint") if isinstance(entry.get("return_constraint"), str) else None,
        rider_capacity=capacity if isinstance(capacity, int) and not isinstance(capacity, bool) and capacity > 0 else None)


def read_links(raws: Iterable[RawFile]) -> FeedLinks:
    types: dict[str, TypeTerms] = {}
    vehicle_plans: dict[str, str] = {}
    for raw in raws:
        if raw.name == "vehicle_types":
            for entry in _entries(raw, "vehicle_types"):
                if (type_id := _ident(entry.get("vehicle_type_id"))) and type_id not in types:
                    types[type_id] = _terms(entry)
        elif raw.name in ("free_bike_status", "vehicle_status"):
            key, id_key = ("bikes", "bike_id") if raw.name == "free_bike_status" else ("vehicles", "vehicle_id")
            for entry in _entries(raw, key):
                vehicle_id, plan_id = _ident(entry.get(id_key)), _ident(entry.get("pricing_plan_id"))
                if vehicle_id and plan_id:
                    vehicle_plans.setdefault(vehicle_id, plan_id)
    return FeedLinks(types, vehicle_plans)
