"""A tiny hand-written GBFS v2.3 bike-share system on the meridian 139.0 E, whose answers can be
checked by hand (the map is in tests/unit/test_bikeshare.py), shared by the bike-share tests."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from maas.domain.accounts import GeoPoint
from maas.domain.mobility import OfferQuery
from operators.bikeshare import BikeShareAdapter, LiveFeed, source_for
from operators.gbfs import ReadOptions
from tests.fakes import SteppedClock

UPDATED = 1_790_000_000  # the feed's last_updated (2026-09-21 14:13:20 UTC)
T0 = dt.datetime.fromtimestamp(UPDATED, dt.UTC) + dt.timedelta(seconds=10)
LON = 139.0
O = GeoPoint(lat=35.0, lon=LON)
D = GeoPoint(lat=35.02, lon=LON)
QUERY = OfferQuery(origin=O, destination=D, depart_at=T0)


def _station(sid: str, lat: float) -> dict:
    return {"station_id": sid, "name": sid.capitalize(), "lat": lat, "lon": LON, "capacity": 10}


def _status(sid: str, bikes: int, docks: int) -> dict:
    return {"station_id": sid, "num_bikes_available": bikes, "num_docks_available": docks,
            "vehicle_types_available": [{"vehicle_type_id": "bike", "count": bikes}],
            "is_installed": True, "is_renting": True, "is_returning": True, "last_reported": UPDATED}


def _scooter(bid: str, lat: float, range_m: int, reserved: bool = False) -> dict:
    return {"bike_id": bid, "lat": lat, "lon": LON, "is_reserved": reserved, "is_disabled": False,
            "vehicle_type_id": "scooter", "current_range_meters": range_m, "last_reported": UPDATED}


STATIONS = [("a", 35.001), ("b", 35.003), ("far", 35.010), ("c", 35.019), ("full", 35.0195)]
STATUS = {"a": (1, 5), "b": (4, 6), "far": (9, 1), "c": (0, 2), "full": (3, 0)}


def bike_files(updated: int = UPDATED, status: dict[str, tuple[int, int]] | None = None) -> dict[str, dict]:
    status = STATUS if status is None else status
    return {
        "system_information": {"system_id": "tiny", "language": "en", "name": "Tiny Bikes",
                               "timezone": "Asia/Tokyo"},
        "vehicle_types": {"vehicle_types": [
            {"vehicle_type_id": "bike", "form_factor": "bicycle", "propulsion_type": "human",
             "name": "Bike", "return_constraint": "any_station", "default_pricing_plan_id": "basic"},
            {"vehicle_type_id": "scooter", "form_factor": "scooter_standing", "propulsion_type": "electric",
             "name": "Scooter", "max_range_meters": 20000, "default_pricing_plan_id": "scoot"}]},
        "station_information": {"stations": [_station(sid, lat) for sid, lat in STATIONS]},
        "station_status": {"stations": [_status(sid, *status[sid]) for sid, _ in STATIONS]},
        "free_bike_status": {"bikes": [_scooter("s1", 35.0005, 2000), _scooter("s2", 35.002, 15000),
                                       _scooter("s3", 35.0001, 15000, reserved=True)]},
        "system_pricing_plans": {"plans": [
            {"plan_id": "basic", "name": "Basic", "currency": "JPY", "price": 100, "is_taxable": False,
             "description": "100 yen, then 20 yen per 5 min",
             "per_min_pricing": [{"start": 0, "rate": 20, "interval": 5}]},
            {"plan_id": "scoot", "name": "Scoot", "currency": "JPY", "price": 50, "is_taxable": False,
             "description": "50 yen, then 15 yen per min",
             "per_min_pricing": [{"start": 0, "rate": 15, "interval": 1}]}]},
    }


def write_feed(folder: Path, files: dict[str, dict], *, version: str = "2.3", updated: int = UPDATED,
               ttl: int = 60) -> Path:
    """Writes gbfs.json and the files as a v2.3 system (language `en`); answers gbfs.json's path."""
    folder.mkdir(parents=True, exist_ok=True)
    head = {"last_updated": updated, "ttl": ttl, "version": version}
    feeds = [{"name": name, "url": f"https://tiny.example/gbfs/{name}.json"} for name in files]
    (folder / "gbfs.json").write_text(json.dumps({**head, "data": {"en": {"feeds": feeds}}}))
    for name, data in files.items():
        (folder / f"{name}.json").write_text(json.dumps({**head, "data": data}))
    return folder / "gbfs.json"


def make_adapter(gbfs: Path, clock: SteppedClock, **options) -> BikeShareAdapter:
    feed = LiveFeed(source_for(str(gbfs), gbfs.parent, language=None, clock=clock), ReadOptions(strict=True),
                    clock, name="tiny-bikes")
    return BikeShareAdapter("tiny-bikes", feed, clock, **options)
