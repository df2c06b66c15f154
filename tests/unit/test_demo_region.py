"""The generated demo region 山吹町: reproducible from maas.demo.generate, consistent, and valid GTFS and GBFS."""

from __future__ import annotations

import ast
import copy
import csv
import datetime as dt
import json
import math
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

TODAY = dt.date(2026, 11, 22)
ROLES = {"rider", "agent", "analyst", "admin"}
NEEDS = {"wheelchair", "walking_aid", "escort", "hearing", "visual"}
POI_CATEGORIES = {"hospital", "clinic", "station", "supermarket", "city_hall", "post_office", "pharmacy",
                  "community_centre"}
GENERATOR_MODULES = {"__init__", "generate", "region_data", "output", "gtfs_feed", "gtfs_timetable", "gbfs_feed",
                     "operators_data", "people_data", "streets_data"}


@pytest.fixture(scope="module")
def demo_dir(repo_root: Path) -> Path:
    return repo_root / "fixtures" / "demo-region"


@pytest.fixture(scope="module")
def region(demo_dir: Path) -> dict:
    return _json(demo_dir / "region.json")


@pytest.fixture(scope="module")
def gtfs(demo_dir: Path) -> dict[str, list[dict[str, str]]]:
    return {p.stem: _csv(p) for p in sorted((demo_dir / "gtfs").glob("*.txt"))}


def _json(path: Path):  # type: ignore[no-untyped-def]
    return json.loads(path.read_text(encoding="utf-8"))


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _in_bbox(lat: float, lon: float, bbox: list[float]) -> bool:
    return bbox[0] <= lon <= bbox[2] and bbox[1] <= lat <= bbox[3]


def _seconds(hms: str) -> int:
    h, m, s = (int(part) for part in hms.split(":"))
    return h * 3600 + m * 60 + s


# --- reproducibility --------------------------------------------------------------------------------------------


def test_regenerating_gives_the_committed_files_byte_for_byte(repo_root: Path, demo_dir: Path, tmp_path: Path):
    subprocess.run([sys.executable, "-m", "maas.demo.generate", str(tmp_path)], cwd=repo_root, check=True,
                   capture_output=True)
    fresh, committed = _files(tmp_path), _files(demo_dir)
    assert sorted(fresh) == sorted(committed), "fixture files added or removed by hand; rerun the generator"
    changed = [name for name in fresh if fresh[name] != committed[name]]
    assert not changed, f"edited by hand or generator changed without regenerating: {changed}"
    for name, data in fresh.items():
        assert not data.startswith(b"\xef\xbb\xbf") and b"\r" not in data, name


def test_generator_modules_import_only_the_standard_library(repo_root: Path):
    for name in GENERATOR_MODULES:
        tree = ast.parse((repo_root / "maas" / "demo" / f"{name}.py").read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            modules = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            for module in modules:
                if module.startswith("maas.demo"):
                    imported = module.removeprefix("maas.demo").lstrip(".")
                    names = [imported] if imported else [a.name for a in node.names]
                    assert set(names) <= GENERATOR_MODULES, f"{name}.py imports {module}"
                else:
                    assert module.split(".")[0] in sys.stdlib_module_names | {"__future__"}, f"{name}.py: {module}"


def test_region_lists_existing_files(region: dict, demo_dir: Path):
    assert region["id"] == "yamabuki" and region["timezone"] == "Asia/Tokyo" and region["currency"] == "JPY"
    assert _in_bbox(region["center"]["lat"], region["center"]["lon"], region["bbox"])
    for relative in region["files"].values():
        assert (demo_dir / relative).exists(), relative


# --- GTFS ------------------------------------------------------------------------------------------------------


def test_gtfs_feed_loads_with_gtfs_kit(demo_dir: Path):
    gtfs_kit = pytest.importorskip("gtfs_kit")
    feed = gtfs_kit.read_feed(demo_dir / "gtfs", dist_units="km")
    assert len(feed.routes) == 3 and set(feed.agency["agency_id"]) == {"yamabuki_tetsudo", "yamabuki_town"}
    assert TODAY.strftime("%Y%m%d") in feed.get_dates()


def test_gtfs_references_resolve(gtfs: dict):
    stops = {s["stop_id"]: s for s in gtfs["stops"]}
    trips = {t["trip_id"]: t for t in gtfs["trips"]}
    services = {c["service_id"] for c in gtfs["calendar"]}
    assert {st["trip_id"] for st in gtfs["stop_times"]} == set(trips)
    assert all(stops[st["stop_id"]]["location_type"] == "0" for st in gtfs["stop_times"])
    assert {t["route_id"] for t in trips.values()} <= {r["route_id"] for r in gtfs["routes"]}
    assert {t["service_id"] for t in trips.values()} | {d["service_id"] for d in gtfs["calendar_dates"]} <= services
    assert {r["agency_id"] for r in gtfs["routes"]} == {a["agency_id"] for a in gtfs["agency"]}
    assert {t["jp_office_id"] for t in trips.values()} - {""} <= {o["office_id"] for o in gtfs["office_jp"]}
    for stop in stops.values():
        if stop["parent_station"]:
            assert stops[stop["parent_station"]]["location_type"] == "1"
    for transfer in gtfs["transfers"]:
        assert transfer["from_stop_id"] in stops and transfer["to_stop_id"] in stops
    zones = {s["zone_id"] for s in stops.values()} - {""}
    fares = {f["fare_id"] for f in gtfs["fare_attributes"]}
    for rule in gtfs["fare_rules"]:
        assert rule["fare_id"] in fares and {rule["origin_id"], rule["destination_id"]} - {""} <= zones


def test_gtfs_times_increase_along_every_trip(gtfs: dict):
    by_trip = defaultdict(list)
    for st in gtfs["stop_times"]:
        by_trip[st["trip_id"]].append(st)
    latest = 0
    for trip_id, rows in by_trip.items():
        rows.sort(key=lambda r: int(r["stop_sequence"]))
        previous = -1
        for row in rows:
            arrival, departure = _seconds(row["arrival_time"]), _seconds(row["departure_time"])
            assert previous < arrival <= departure, f"{trip_id} at stop {row['stop_sequence']}"
            previous = departure
        latest = max(latest, previous)
    assert latest > 24 * 3600, "the late train should be expressed after 24:00:00"


def test_gtfs_blocks_chain_without_overlap(gtfs: dict):
    spans = {}
    for st in gtfs["stop_times"]:
        start, end = spans.get(st["trip_id"], ((10**9, ""), (-1, "")))
        here = (_seconds(st["departure_time"]), st["stop_id"])
        spans[st["trip_id"]] = (min(start, here), max(end, (_seconds(st["arrival_time"]), st["stop_id"])))
    blocks = defaultdict(list)
    for trip in gtfs["trips"]:
        if trip["block_id"]:
            blocks[(trip["service_id"], trip["block_id"])].append(spans[trip["trip_id"]])
    assert any(len({t["route_id"] for t in gtfs["trips"] if t["block_id"] == b}) > 1 for _, b in blocks)
    for chain in blocks.values():
        chain.sort()
        for (_, (end_s, end_stop)), ((start_s, start_stop), _) in zip(chain, chain[1:]):
            assert end_s <= start_s and end_stop == start_stop


def test_gtfs_stops_lie_in_bbox_and_have_readings(gtfs: dict, region: dict):
    translated = {(t["record_id"], t["language"]) for t in gtfs["translations"] if t["table_name"] == "stops"}
    for stop in gtfs["stops"]:
        assert _in_bbox(float(stop["stop_lat"]), float(stop["stop_lon"]), region["bbox"]), stop["stop_id"]
        assert {(stop["stop_id"], "ja-Hrkt"), (stop["stop_id"], "en")} <= translated, stop["stop_id"]


def _active_services(gtfs: dict, day: dt.date) -> set[str]:
    date, weekday = day.strftime("%Y%m%d"), day.strftime("%A").lower()
    active = {c["service_id"] for c in gtfs["calendar"]
              if c["start_date"] <= date <= c["end_date"] and c[weekday] == "1"}
    for row in gtfs["calendar_dates"]:
        if row["date"] == date:
            (active.add if row["exception_type"] == "1" else active.discard)(row["service_id"])
    return active


def _routes_running(gtfs: dict, day: dt.date) -> set[str]:
    services = _active_services(gtfs, day)
    return {t["route_id"] for t in gtfs["trips"] if t["service_id"] in services}


def test_gtfs_calendar_covers_today_holidays_and_the_new_year_break(gtfs: dict):
    assert _routes_running(gtfs, TODAY) == {"rail-yamabuki", "bus-loop"}  # a Sunday
    assert _active_services(gtfs, dt.date(2026, 11, 23)) == {"土日祝", "バス土日祝"}  # 勤労感謝の日, a Monday
    assert _routes_running(gtfs, dt.date(2026, 11, 24)) == {"rail-yamabuki", "bus-loop", "bus-hinokizawa"}
    assert _routes_running(gtfs, dt.date(2027, 1, 1)) == {"rail-yamabuki"}
    assert _routes_running(gtfs, dt.date(2026, 12, 29)) == {"rail-yamabuki"}


# --- GBFS ------------------------------------------------------------------------------------------------------


def _gbfs_validator(corpus_dir: Path, name: str):  # type: ignore[no-untyped-def]
    jsonschema = pytest.importorskip("jsonschema")
    schema = _json(corpus_dir / "gbfs" / "json-schemas" / "v2.3" / f"{name}.json")
    cls = jsonschema.validators.validator_for(schema, default=None)
    assert cls is not None, f"unknown $schema {schema.get('$schema')}"
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


@pytest.mark.corpus
def test_every_gbfs_file_validates_against_the_v2_3_schema(demo_dir: Path, corpus_dir: Path):
    files = sorted((demo_dir / "gbfs").rglob("*.json"))
    assert len(files) >= 7
    for path in files:
        validator = _gbfs_validator(corpus_dir, path.stem)
        errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(_json(path))]
        assert not errors, f"{path.relative_to(demo_dir)}: {errors[:5]}"


@pytest.mark.corpus
def test_gbfs_schema_check_rejects_a_broken_file(demo_dir: Path, corpus_dir: Path):
    broken = copy.deepcopy(_json(demo_dir / "gbfs" / "station_status.json"))
    del broken["data"]["stations"][0]["is_renting"]
    assert not _gbfs_validator(corpus_dir, "station_status").is_valid(broken)


def test_gbfs_discovery_links_and_stations_agree(demo_dir: Path, region: dict):
    gbfs = demo_dir / "gbfs"
    discovery = _json(gbfs / "gbfs.json")
    assert set(discovery["data"]) == {"ja", "en"}
    for language, entry in discovery["data"].items():
        for feed in entry["feeds"]:
            relative = feed["url"].removeprefix("http://127.0.0.1:8080/gbfs/yamabuki/")
            assert (gbfs / relative).is_file(), feed["url"]
            if feed["name"] == "system_information":
                assert _json(gbfs / relative)["data"]["language"] == language
    info = {s["station_id"]: s for s in _json(gbfs / "station_information.json")["data"]["stations"]}
    status = _json(gbfs / "station_status.json")["data"]["stations"]
    assert len(info) == 6 and {s["station_id"] for s in status} == set(info)
    for s in status:
        docked = s["num_bikes_available"] + s["num_bikes_disabled"] + s["num_docks_available"]
        assert docked == info[s["station_id"]]["capacity"]
        assert sum(v["count"] for v in s["vehicle_types_available"]) == s["num_bikes_available"]
    for station in info.values():
        assert _in_bbox(station["lat"], station["lon"], region["bbox"])


# --- on-demand zone, operators, places and people ------------------------------------------------------------


def _inside(point: list[float], ring: list[list[float]]) -> bool:
    """Even-odd ray casting toward +x."""
    x, y = point
    inside = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:]):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


def test_on_demand_zone_contains_its_virtual_stops(demo_dir: Path, region: dict):
    features = _json(demo_dir / "on-demand-zone.geojson")["features"]
    areas = [f for f in features if f["geometry"]["type"] == "Polygon"]
    stops = [f for f in features if f["geometry"]["type"] == "Point"]
    assert len(areas) == 1 and len(stops) >= 5
    ring = areas[0]["geometry"]["coordinates"][0]
    assert ring[0] == ring[-1]
    signed_area = sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(ring, ring[1:]))
    assert signed_area > 0, "RFC 7946 wants the exterior ring counter-clockwise"
    assert all(_in_bbox(lat, lon, region["bbox"]) for lon, lat in ring)
    for stop in stops:
        assert _inside(stop["geometry"]["coordinates"], ring), stop["properties"]["id"]
    assert not _inside([region["bbox"][2], region["bbox"][1]], ring)
    props = areas[0]["properties"]
    assert props["fare"] == {"price_minor": 300, "currency": "JPY"}
    assert [v["wheelchair_places"] for v in props["fleet"]] == [1, 0]


def test_operators_point_at_real_feeds_and_files(demo_dir: Path, gtfs: dict):
    operators = _json(demo_dir / "operators.json")
    assert len({o["id"] for o in operators}) == len(operators)
    assert {o["kind"] for o in operators} == {"transit", "bike-share", "taxi", "on-demand"}
    agencies = {a["agency_id"] for a in gtfs["agency"]}
    for operator in operators:
        if operator["kind"] == "transit":
            assert operator["gtfs_agency_id"] in agencies
        for key in ("gbfs", "tariff", "zone"):
            if key in operator:
                assert (demo_dir / operator[key]).is_file()
    tariff = _json(demo_dir / "taxi-tariff.json")
    assert tariff["currency"] == "JPY" and tariff["flag_fall"] == {"price_minor": 700, "distance_m": 1300}


def test_pois_are_categorised_and_near_a_stop(demo_dir: Path, gtfs: dict):
    pois = _json(demo_dir / "pois.geojson")["features"]
    stops = [(float(s["stop_lat"]), float(s["stop_lon"])) for s in gtfs["stops"]]
    categories = {f["properties"]["category"] for f in pois}
    assert categories == POI_CATEGORIES
    for feature in pois:
        lon, lat = feature["geometry"]["coordinates"]
        nearest_m = min(math.hypot((lat - a) * 110_966, (lon - b) * 89_705) for a, b in stops)
        assert nearest_m < 600, feature["properties"]["id"]


def test_accounts_are_unique_and_valid(demo_dir: Path, region: dict):
    accounts = _json(demo_dir / "accounts.json")
    assert len({a["id"] for a in accounts}) == len({a["email"] for a in accounts}) == len(accounts)
    assert {a["role"] for a in accounts} == ROLES
    riders = [a for a in accounts if a["role"] == "rider"]
    for account in accounts:
        assert account["email"].endswith("@demo.maas.example") and "password" not in account
    ages = []
    for rider in riders:
        born = dt.date.fromisoformat(rider["birth_date"])
        ages.append(TODAY.year - born.year - ((TODAY.month, TODAY.day) < (born.month, born.day)))
        assert set(rider["needs"]) <= NEEDS and isinstance(rider["resident"], bool)
        assert _in_bbox(rider["home"]["lat"], rider["home"]["lon"], region["bbox"])
    assert len(riders) >= 5 and sum(age > 70 for age in ages) >= 3
    assert any("wheelchair" in r["needs"] for r in riders)
    assert any({"walking_aid", "escort"} <= set(r["needs"]) for r in riders)


def _mesh_half(lat: float, lon: float) -> str:
    """JIS X 0410 1/2 mesh code, computed the textbook way from the degrees."""
    p, a = divmod(lat * 60, 40)
    q, b = divmod(a, 5)
    r, c = divmod(b * 60, 30)
    u, f = int(lon) - 100, lon - int(lon)
    v, g = divmod(f * 60, 7.5)
    w, h = divmod(g * 60, 45)
    return f"{int(p)}{u}{int(q)}{int(v)}{int(r)}{int(w)}{1 + (h >= 22.5) + 2 * (c >= 15)}"


def test_population_mesh_is_plausible(demo_dir: Path, region: dict):
    rows = _csv(demo_dir / "population.csv")
    population = [int(r["population"]) for r in rows]
    elderly = [int(r["population_65_plus"]) for r in rows]
    assert len({r["cell_id"] for r in rows}) == len(rows)
    assert all(0 <= old <= total for old, total in zip(elderly, population))
    assert 8_000 <= sum(population) <= 10_000 and 0.35 <= sum(elderly) / sum(population) <= 0.45
    assert 0 in population
    for row in rows:
        lat, lon = float(row["lat"]), float(row["lon"])
        assert _in_bbox(lat, lon, region["bbox"])
        assert row["cell_id"] == _mesh_half(lat, lon)
