"""Parsing tiny hand-written v2.3 and v3.0 documents into the normalized records."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from operators.gbfs import (
    InvalidFeed,
    MalformedFeed,
    RawFile,
    ReadOptions,
    Vehicle,
    build_snapshot,
    decode_document,
    parse_pricing_plans,
    parse_station_information,
    parse_station_status,
    parse_system_information,
    parse_vehicle_types,
    parse_vehicles,
)

T0 = 1_700_000_000  # 2023-11-14T22:13:20Z


def v23(data: dict, ttl: int = 60) -> dict:
    return {"last_updated": T0, "ttl": ttl, "version": "2.3", "data": data}


def v30(data: dict, ttl: int = 60) -> dict:
    return {"last_updated": "2023-11-14T22:13:20Z", "ttl": ttl, "version": "3.0", "data": data}


def names(*pairs: tuple[str, str]) -> list[dict]:
    return [{"text": text, "language": lang} for lang, text in pairs]


def test_system_information_v23_and_v30() -> None:
    old = parse_system_information(v23({"system_id": "s", "language": "ja", "name": "ハロー", "timezone": "Asia/Tokyo"}))
    assert (old.system_id, old.name, old.timezone, old.language) == ("s", "ハロー", "Asia/Tokyo", "ja")
    new_doc = v30({"system_id": "t", "languages": ["en", "ja"], "timezone": "Asia/Tokyo",
                   "name": names(("en", "Bikes"), ("ja", "自転車"))})
    new = parse_system_information(new_doc)
    assert (new.name, new.language) == ("自転車", "ja")
    assert parse_system_information(new_doc, "en").name == "Bikes"


def test_system_information_without_a_timezone_is_malformed() -> None:
    with pytest.raises(MalformedFeed, match="timezone"):
        parse_system_information(v23({"system_id": "s", "name": "x"}))


def test_stations_v23_normalize_rental_methods_and_virtual_flag() -> None:
    stations, findings = parse_station_information(v23({"stations": [
        {"station_id": "1", "name": "東京駅", "lat": 35.681, "lon": 139.767, "capacity": 10,
         "rental_methods": ["KEY", "CREDITCARD"]},
        {"station_id": "2", "name": "Virtual", "lat": 35.0, "lon": 139.0, "is_virtual_station": True},
    ]}))
    assert findings == []
    assert stations[0].rental_methods == ("key", "creditcard")
    assert (stations[0].capacity, stations[0].is_virtual) == (10, False)
    assert (stations[1].capacity, stations[1].is_virtual, stations[1].rental_methods) == (None, True, ())


def test_stations_v30_pick_the_requested_language() -> None:
    doc = v30({"stations": [{"station_id": "a", "name": names(("en", "Tokyo Sta."), ("ja", "東京駅")),
                             "lat": 35.681, "lon": 139.767, "rental_methods": ["key", "applepay"]}]})
    assert parse_station_information(doc, "en")[0][0].name == "Tokyo Sta."
    assert parse_station_information(doc)[0][0].name == "東京駅"


def test_unreadable_and_duplicate_stations_become_findings_and_the_rest_is_kept() -> None:
    stations, findings = parse_station_information(v23({"stations": [
        {"station_id": "1", "name": "A", "lat": 35.0, "lon": 139.0},
        {"station_id": None, "name": "no id", "lat": 35.0, "lon": 139.0},
        {"station_id": "3", "name": "bad lat", "lat": 135.0, "lon": 139.0},
        {"station_id": "1", "name": "A again", "lat": 35.1, "lon": 139.1},
        "not an object",
    ]}))
    assert [s.name for s in stations] == ["A"]
    assert [f.path for f in findings] == [f"$.data.stations[{i}]" for i in (1, 2, 3, 4)]
    assert "duplicate id '1'" in findings[2].message


def test_station_status_v23_and_v30() -> None:
    (old,), _ = parse_station_status(v23({"stations": [{
        "station_id": "1", "num_bikes_available": 3, "num_docks_available": 5, "is_installed": True,
        "is_renting": True, "is_returning": False, "last_reported": T0 - 60,
        "vehicle_types_available": [{"vehicle_type_id": "e", "count": 2}, {"vehicle_type_id": "m", "count": 1}]}]}))
    assert (old.num_vehicles_available, old.num_docks_available, old.is_returning) == (3, 5, False)
    assert old.last_reported == datetime(2023, 11, 14, 22, 12, 20, tzinfo=UTC)
    assert [(c.vehicle_type_id, c.count) for c in old.vehicle_types_available] == [("e", 2), ("m", 1)]
    assert old.can_rent() and not old.can_return()
    (new,), _ = parse_station_status(v30({"stations": [{
        "station_id": "a", "num_vehicles_available": 0, "num_docks_available": 4, "is_installed": True,
        "is_renting": True, "is_returning": True, "last_reported": "2023-11-15T07:12:20+09:00"}]}))
    assert new.last_reported == datetime(2023, 11, 14, 22, 12, 20, tzinfo=UTC)
    assert not new.can_rent() and new.can_return()


def test_vehicles_v23_free_bike_status_and_v30_vehicle_status() -> None:
    (bike,), _ = parse_vehicles(v23({"bikes": [{"bike_id": "b1", "lat": 52.4, "lon": 10.7, "is_reserved": False,
                                                "is_disabled": False, "vehicle_type_id": "scooter",
                                                "current_range_meters": 39000, "last_reported": T0}]}),
                                "free_bike_status")
    assert bike == Vehicle("b1", 52.4, 10.7, "scooter", False, False, 39000.0, None,
                           datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC))
    vehicles, findings = parse_vehicles(v30({"vehicles": [
        {"vehicle_id": "c1", "lat": 35.0, "lon": 139.0, "is_reserved": True, "is_disabled": False},
        {"vehicle_id": "c2", "station_id": "s9", "is_reserved": False, "is_disabled": False},
        {"vehicle_id": "c3", "is_reserved": False, "is_disabled": False},
    ]}))
    assert [v.vehicle_id for v in vehicles] == ["c1", "c2"]
    assert not vehicles[0].is_available() and vehicles[1].station_id == "s9" and vehicles[1].lat is None
    assert findings[0].path == "$.data.vehicles[2]"


def test_vehicle_types_include_cars_with_localized_names() -> None:
    types, findings = parse_vehicle_types(v30({"vehicle_types": [
        {"vehicle_type_id": "car1", "form_factor": "car", "propulsion_type": "electric",
         "max_range_meters": 250000, "name": names(("en", "Compact EV"), ("ja", "小型EV"))},
        {"vehicle_type_id": "bike", "form_factor": "bicycle", "propulsion_type": "human"},
    ]}), "en")
    assert findings == []
    assert (types[0].form_factor, types[0].max_range_meters, types[0].name) == ("car", 250000.0, "Compact EV")
    assert (types[1].max_range_meters, types[1].name) == (None, None)


def test_pricing_plans_keep_prices_as_exact_decimals() -> None:
    (plan,), findings = parse_pricing_plans(v30({"plans": [{
        "plan_id": "p", "name": names(("en", "Pay as you go")), "currency": "eur", "price": 1.1,
        "is_taxable": False, "description": names(("en", "1.10 unlock, 0.29/min")),
        "per_min_pricing": [{"start": 0, "rate": 0.29, "interval": 1}],
        "per_km_pricing": [{"start": 5, "rate": -0.1, "interval": 0, "end": 10}]}]}))
    assert findings == []
    assert (plan.currency, plan.price, plan.per_min_pricing[0].rate) == ("EUR", Decimal("1.1"), Decimal("0.29"))
    assert plan.per_km_pricing[0].end == 10


def test_malformed_json_and_wrong_shapes_are_named_errors() -> None:
    with pytest.raises(MalformedFeed, match="not valid JSON"):
        decode_document("station_status", b'{"data": {"stations": [}')
    with pytest.raises(MalformedFeed, match="not valid JSON"):
        decode_document("station_status", b"\xff\xfe garbage")
    with pytest.raises(MalformedFeed, match="JSON object"):
        decode_document("station_status", b"[1, 2]")
    with pytest.raises(MalformedFeed, match="data.stations"):
        parse_station_status(v23({"stations": {"1": {}}}))


def _raw(name: str, doc: dict) -> RawFile:
    return RawFile(name, doc, datetime(2023, 11, 14, 22, 14, tzinfo=UTC), f"/tmp/{name}.json")


def test_strict_snapshot_raises_on_any_finding_and_lenient_keeps_what_parses() -> None:
    raws = [_raw("station_information", v23({"stations": [
        {"station_id": "1", "name": "A", "lat": 35.0, "lon": 139.0},
        {"station_id": "2", "name": "B", "lat": "north", "lon": 139.0}]}))]
    with pytest.raises(InvalidFeed) as caught:
        build_snapshot(raws, "2.3", "ja", ReadOptions(strict=True))
    assert [(f.file, f.path) for f in caught.value.findings] == [("station_information", "$.data.stations[1]")]
    snapshot = build_snapshot(raws, "2.3", "ja", ReadOptions(strict=False))
    assert [s.station_id for s in snapshot.stations] == ["1"]
    assert len(snapshot.findings) == 1
