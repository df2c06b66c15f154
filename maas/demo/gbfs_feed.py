"""The やまぶきサイクル bike-share as a GBFS v2.3 feed, in Japanese with an English mirror."""

from __future__ import annotations

from pathlib import Path

from maas.demo.output import write_json
from maas.demo.region_data import TIMEZONE, Place, epoch_s, lat_of, lon_of

SYSTEM_ID = "yamabuki-cycle"
BASE_URL = "http://127.0.0.1:8080/gbfs/yamabuki/"
LAST_UPDATED = epoch_s("2026-11-01T00:00:00+09:00")
TTL_S = 60
# Language-neutral files are shared; files with names live once per language (en/ mirrors ja).
LOCALISED = ["system_information", "vehicle_types", "station_information", "system_pricing_plans"]
FEED_ORDER = ["system_information", "vehicle_types", "station_information", "station_status", "free_bike_status",
              "system_pricing_plans"]

# (place, capacity, bikes docked by vehicle type, disabled bikes)
STATIONS = [
    (Place("cy-01", "山吹駅前", "", "Yamabuki Station", 60, -60), 12, {"ebike": 4, "bike": 3}, 1),
    (Place("cy-02", "山吹町役場", "", "Yamabuki Town Hall", -480, 680), 8, {"ebike": 2, "bike": 2}, 0),
    (Place("cy-03", "スーパーやまぶき", "", "Super Yamabuki", 1040, 640), 8, {"ebike": 1, "bike": 3}, 0),
    (Place("cy-04", "山吹町立病院", "", "Yamabuki Town Hospital", 1220, 1320), 6, {"ebike": 2, "bike": 0}, 0),
    (Place("cy-05", "本町商店街", "", "Honmachi Shopping Street", 340, 380), 6, {"ebike": 1, "bike": 2}, 0),
    (Place("cy-06", "山吹高校前駅", "", "Yamabuki Kōkō-mae Station", 1420, -480), 10, {"ebike": 0, "bike": 5}, 0),
]
FREE_BIKES = [  # (rotating id, x_m, y_m, range_m, charge): e-bikes left outside a dock
    ("fb-7f3a", 700, 950, 28_000, 0.7),
    ("fb-c21e", -1200, 1700, 12_000, 0.3),
]
VEHICLE_TYPES = [
    # (id, form, propulsion, ja, en, range_m, return constraint, plan)
    ("ebike", "bicycle", "electric_assist", "電動アシスト自転車", "E-assist bicycle", 40_000, "hybrid", "ebike-30min"),
    ("bike", "bicycle", "human", "自転車", "Bicycle", None, "any_station", "bike-30min"),
]
PLANS = [
    # (id, ja name, en name, price per 30 minutes, ja description, en description)
    ("bike-30min", "自転車 30分", "Bicycle, 30 minutes", 130, "30分ごとに130円", "¥130 per 30 minutes"),
    ("ebike-30min", "電動アシスト自転車 30分", "E-assist bicycle, 30 minutes", 200, "30分ごとに200円",
     "¥200 per 30 minutes"),
]


def _envelope(data: dict) -> dict:
    return {"last_updated": LAST_UPDATED, "ttl": TTL_S, "version": "2.3", "data": data}


def _url(name: str, language: str) -> str:
    prefix = "en/" if language == "en" and name in LOCALISED else ""
    return f"{BASE_URL}{prefix}{name}.json"


def discovery() -> dict:
    return _envelope({
        language: {"feeds": [{"name": name, "url": _url(name, language)} for name in FEED_ORDER]}
        for language in ("ja", "en")
    })


def system_information(language: str) -> dict:
    ja = language == "ja"
    return _envelope({
        "system_id": SYSTEM_ID, "language": language,
        "name": "やまぶきサイクル" if ja else "Yamabuki Cycle",
        "operator": "一般社団法人 山吹町観光協会" if ja else "Yamabuki Town Tourism Association",
        "url": "https://cycle.yamabuki.example/", "start_date": "2024-04-01", "phone_number": "0279-00-4400",
        "email": "cycle@yamabuki.example", "feed_contact_email": "gbfs@yamabuki.example", "timezone": TIMEZONE,
    })


def vehicle_types(language: str) -> dict:
    types = []
    for type_id, form, propulsion, ja, en, range_m, constraint, plan in VEHICLE_TYPES:
        entry = {"vehicle_type_id": type_id, "form_factor": form, "propulsion_type": propulsion,
                 "name": ja if language == "ja" else en, "wheel_count": 2, "return_constraint": constraint,
                 "default_pricing_plan_id": plan, "pricing_plan_ids": [plan]}
        if range_m is not None:
            entry["max_range_meters"] = range_m
        types.append(entry)
    return _envelope({"vehicle_types": types})


def station_information(language: str) -> dict:
    stations = []
    for place, capacity, _, _ in STATIONS:
        stations.append({
            "station_id": place.id, "name": place.name if language == "ja" else place.en,
            "lat": place.lat, "lon": place.lon, "rental_methods": ["creditcard", "transitcard", "phone"],
            "capacity": capacity, "is_charging_station": True,
            # Every dock takes either kind of bike.
            "vehicle_type_capacity": {"ebike": capacity, "bike": capacity},
        })
    return _envelope({"stations": stations})


def station_status() -> dict:
    stations = []
    for place, capacity, docked, disabled in STATIONS:
        available = sum(docked.values())
        stations.append({
            "station_id": place.id, "num_bikes_available": available,
            "vehicle_types_available": [{"vehicle_type_id": t, "count": n} for t, n in docked.items()],
            "num_bikes_disabled": disabled, "num_docks_available": capacity - available - disabled,
            "is_installed": True, "is_renting": True, "is_returning": True, "last_reported": LAST_UPDATED,
        })
    return _envelope({"stations": stations})


def free_bike_status() -> dict:
    bikes = [{"bike_id": bike_id, "lat": lat_of(y_m), "lon": lon_of(x_m), "is_reserved": False, "is_disabled": False,
              "vehicle_type_id": "ebike", "last_reported": LAST_UPDATED, "current_range_meters": range_m,
              "current_fuel_percent": fuel, "pricing_plan_id": "ebike-30min"}
             for bike_id, x_m, y_m, range_m, fuel in FREE_BIKES]
    return _envelope({"bikes": bikes})


def system_pricing_plans(language: str) -> dict:
    ja = language == "ja"
    plans = [{"plan_id": plan_id, "name": ja_name if ja else en_name, "currency": "JPY", "price": price,
              "is_taxable": False, "description": ja_desc if ja else en_desc,
              # The base price buys the first 30 minutes; each further started 30 minutes costs the same.
              "per_min_pricing": [{"start": 30, "rate": price, "interval": 30}]}
             for plan_id, ja_name, en_name, price, ja_desc, en_desc in PLANS]
    return _envelope({"plans": plans})


def write_gbfs(gbfs_dir: Path) -> list[Path]:
    written = [write_json(gbfs_dir / "gbfs.json", discovery())]
    for language, folder in (("ja", gbfs_dir), ("en", gbfs_dir / "en")):
        written += [
            write_json(folder / "system_information.json", system_information(language)),
            write_json(folder / "vehicle_types.json", vehicle_types(language)),
            write_json(folder / "station_information.json", station_information(language)),
            write_json(folder / "system_pricing_plans.json", system_pricing_plans(language)),
        ]
    written += [write_json(gbfs_dir / "station_status.json", station_status()),
                write_json(gbfs_dir / "free_bike_status.json", free_bike_status())]
    return written
