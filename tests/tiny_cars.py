"""A tiny hand-written GBFS v3.0 car-share system on the meridian 139.0 E (a hub, free-floating EVs,
a van and an e-bike), shared by the car-share tests."""

from __future__ import annotations

import json
from pathlib import Path

UPDATED = "2026-09-21T14:13:20+00:00"
LON = 139.0


def _text(text: str) -> list[dict]:
    return [{"text": text, "language": "en"}]


def _car(vid: str, lat: float, range_m: int, plan: str | None = None) -> dict:
    car = {"vehicle_id": vid, "lat": lat, "lon": LON, "is_reserved": False, "is_disabled": False,
           "vehicle_type_id": "compact", "current_range_meters": range_m, "last_reported": UPDATED}
    return {**car, "pricing_plan_id": plan} if plan else car


def _status(sid: str, compacts: int, vans: int, docks: int) -> dict:
    counts = [{"vehicle_type_id": t, "count": n} for t, n in (("compact", compacts), ("van", vans)) if n]
    return {"station_id": sid, "num_vehicles_available": compacts + vans, "num_docks_available": docks,
            "vehicle_types_available": counts, "is_installed": True, "is_renting": True,
            "is_returning": True, "last_reported": UPDATED}


def car_files(hub_compacts: int = 1) -> dict[str, dict]:
    return {
        "system_information": {"system_id": "tiny-cars", "languages": ["en"], "name": _text("Tiny Cars"),
                               "opening_hours": "24/7", "feed_contact_email": "gbfs@tiny-cars.example",
                               "timezone": "Asia/Tokyo"},
        "vehicle_types": {"vehicle_types": [
            {"vehicle_type_id": "compact", "form_factor": "car", "propulsion_type": "electric",
             "name": _text("Compact EV"), "rider_capacity": 5, "max_range_meters": 300000,
             "return_constraint": "free_floating", "default_pricing_plan_id": "drive"},
            {"vehicle_type_id": "van", "form_factor": "car", "propulsion_type": "combustion",
             "name": _text("Van"), "rider_capacity": 8, "max_range_meters": 600000,
             "return_constraint": "roundtrip_station", "default_pricing_plan_id": "drive"},
            {"vehicle_type_id": "ebike", "form_factor": "bicycle", "propulsion_type": "electric_assist",
             "name": _text("E-bike"), "max_range_meters": 40000}]},
        "station_information": {"stations": [
            {"station_id": "hub", "name": _text("Hub"), "lat": 35.001, "lon": LON, "capacity": 4},
            {"station_id": "dhub", "name": _text("Destination hub"), "lat": 35.039, "lon": LON, "capacity": 2}]},
        "station_status": {"stations": [_status("hub", hub_compacts, 1, 3), _status("dhub", 0, 0, 2)]},
        "vehicle_status": {"vehicles": [
            _car("car-1", 35.003, 50000, plan="promo"), _car("car-2", 35.0005, 3000),
            {"vehicle_id": "car-9", "station_id": "hub", "is_reserved": False, "is_disabled": False,
             "vehicle_type_id": "compact", "current_range_meters": 200000, "last_reported": UPDATED},
            {"vehicle_id": "bike-1", "lat": 35.0002, "lon": LON, "is_reserved": False, "is_disabled": False,
             "vehicle_type_id": "ebike", "current_range_meters": 30000, "last_reported": UPDATED}]},
        "system_pricing_plans": {"plans": [
            {"plan_id": "drive", "name": _text("Drive"), "currency": "EUR", "price": 1.0, "is_taxable": True,
             "description": _text("1 EUR, 0.29 EUR a minute, 0.20 EUR a km"),
             "per_min_pricing": [{"start": 0, "rate": 0.29, "interval": 1}],
             "per_km_pricing": [{"start": 0, "rate": 0.2, "interval": 1}]},
            {"plan_id": "promo", "name": _text("Promo"), "currency": "EUR", "price": 0, "is_taxable": True,
             "description": _text("0.25 EUR a minute"),
             "per_min_pricing": [{"start": 0, "rate": 0.25, "interval": 1}]}]},
    }


def write_car_feed(folder: Path, files: dict[str, dict] | None = None) -> Path:
    """Writes a v3.0 system (gbfs.json lists every file); answers gbfs.json's path."""
    files = car_files() if files is None else files
    folder.mkdir(parents=True, exist_ok=True)
    head = {"last_updated": UPDATED, "ttl": 60, "version": "3.0"}
    feeds = [{"name": name, "url": f"https://tiny-cars.example/gbfs/{name}.json"} for name in files]
    (folder / "gbfs.json").write_text(json.dumps({**head, "data": {"feeds": feeds}}))
    for name, data in files.items():
        (folder / f"{name}.json").write_text(json.dumps({**head, "data": data}))
    return folder / "gbfs.json"
