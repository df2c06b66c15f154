"""Builds the demo region's taxi company from its files: the `taxi` entry of `operators.json`
(fleet, service hours, tariff file) and `region.json`, whose centre is taken as the depot."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from maas.domain.accounts import GeoPoint
from maas.domain.ports import Clock
from operators.taxi.adapter import TaxiAdapter
from operators.taxi.fleet import Fleet
from operators.taxi.hours import DailyWindow
from operators.taxi.tariff import load_tariff
from operators.taxi.travel import TravelModel
from routing.streets import StreetRouter


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path}: {exc}") from exc


def taxi_entry(demo_dir: Path) -> dict[str, Any]:
    """The one operator of kind `taxi` in the region's operators.json."""
    path = demo_dir / "operators.json"
    entries = [e for e in _read_json(path) if isinstance(e, dict) and e.get("kind") == "taxi"]
    if len(entries) != 1:
        raise ValueError(f"{path}: expected one taxi operator, found {len(entries)}")
    return entries[0]


def from_demo_region(demo_dir: Path, clock: Clock, streets: StreetRouter | None = None,
                     **options: Any) -> TaxiAdapter:
    """The taxi adapter of the demo region, driving on `streets` when given; `options` go to
    TaxiAdapter (offer validity, ...)."""
    entry = taxi_entry(demo_dir)
    try:
        tariff = load_tariff(demo_dir / entry["tariff"])
        fleet = Fleet(cars=int(entry["car_count"]), wheelchair_cars=int(entry["wheelchair_car_count"]))
        hours = DailyWindow.model_validate(entry["service_hours"])
        centre = _read_json(demo_dir / "region.json")["center"]
        depot = GeoPoint(lat=centre["lat"], lon=centre["lon"])
    except (KeyError, TypeError) as exc:
        raise ValueError(f"{demo_dir}: taxi operator {entry.get('id')!r} lacks {exc}") from exc
    if tariff.operator_id != entry["id"]:
        raise ValueError(f"{entry['tariff']} is the tariff of {tariff.operator_id}, not {entry['id']}")
    return TaxiAdapter(entry["id"], tariff, fleet, hours, clock, TravelModel(depot=depot, streets=streets), **options)
