"""GTFS fares v1 on two tiny hand-written feeds whose every answer can be checked by hand.

"city" (EUR) has fare_rules.txt with route, zone and contains rules; "town" (JPY, two agencies)
has no fare_rules.txt, so each fare applies to every route of its agency. Both feeds call a zone
"Z1", which must not let a rule of one feed match the other.
"""

from __future__ import annotations

import csv
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from routing.fares import (FareTable, JourneyFare, LegFare, compile_fares, currency_decimals,
                           to_minor)
from routing.gtfs import read_feed


_CALENDAR = [["service_id", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
              "sunday", "start_date", "end_date"],
             ["WD", "1", "1", "1", "1", "1", "0", "0", "20240401", "20250331"]]
_STOP_TIMES = ["trip_id", "arrival_time", "departure_time", "stop_id", "stop_sequence"]

CITY = {
    "agency": [["agency_id", "agency_name", "agency_url", "agency_timezone"],
               ["A1", "City Transit", "https://city.example", "Europe/Helsinki"]],
    "stops": [["stop_id", "stop_name", "stop_lat", "stop_lon", "zone_id"],
              ["S1", "Centre", "61.50", "23.76", "Z1"],
              ["S2", "Market", "61.51", "23.77", "Z1"],
              ["S3", "Hospital", "61.52", "23.78", "Z2"],
              ["S4", "Airport", "61.53", "23.79", "Z3"],
              ["S5", "Depot", "61.54", "23.80", ""]],
    "routes": [["route_id", "agency_id", "route_short_name", "route_type"],
               ["R1", "A1", "1", "3"], ["R2", "A1", "2", "3"], ["R3", "A1", "3", "3"]],
    "trips": [["route_id", "service_id", "trip_id"],
              ["R1", "WD", "T1"], ["R2", "WD", "T2"], ["R3", "WD", "T3"]],
    "stop_times": [_STOP_TIMES,
                   ["T1", "07:00:00", "07:00:00", "S1", "1"],
                   ["T1", "07:05:00", "07:05:00", "S2", "2"],
                   ["T1", "07:10:00", "07:10:00", "S3", "3"],
                   ["T1", "07:20:00", "07:20:00", "S4", "4"],
                   ["T2", "08:00:00", "08:00:00", "S1", "1"],
                   ["T2", "08:10:00", "08:10:00", "S3", "2"],
                   ["T2", "08:20:00", "08:20:00", "S5", "3"],
                   ["T3", "09:00:00", "09:00:00", "S1", "1"],
                   ["T3", "09:30:00", "09:30:00", "S4", "2"]],
    "calendar": _CALENDAR,
    "fare_attributes": [["fare_id", "price", "currency_type", "payment_method", "transfers"],
                        ["ROUTE1", "2.50", "EUR", "0", ""],
                        ["Z1Z2", "1.75", "EUR", "0", ""],
                        ["R1Z1Z3", "4.00", "EUR", "0", ""],
                        ["INNER", "1.00", "EUR", "0", ""],
                        ["UNRULED", "0.10", "EUR", "0", ""],
                        ["ODD", "2.505", "EUR", "0", ""]],
    "fare_rules": [["fare_id", "route_id", "origin_id", "destination_id", "contains_id"],
                   ["ROUTE1", "R1", "", "", ""],
                   ["Z1Z2", "", "Z1", "Z2", ""],
                   ["R1Z1Z3", "R1", "Z1", "Z3", ""],
                   ["INNER", "R2", "", "", "Z1"],
                   ["INNER", "R2", "", "", "Z2"],
                   ["ROUTE1", "R3", "ZX", "", ""],  # no stop is in zone ZX: skipped
                   ["ODD", "R3", "", "", ""],  # its fare has an unusable price: skipped
                   ["NOPE", "R3", "", "", ""]],  # unknown fare_id: dropped by the reader
}

TOWN = {
    "agency": [["agency_id", "agency_name", "agency_url", "agency_timezone"],
               ["B1", "町営バス", "https://town.example.jp", "Asia/Tokyo"],
               ["B2", "乗合タクシー", "https://taxi.example.jp", "Asia/Tokyo"]],
    "stops": [["stop_id", "stop_name", "stop_lat", "stop_lon", "zone_id"],
              ["X1", "駅前", "36.10", "139.30", "Z1"], ["X2", "役場", "36.20", "139.40", "Z2"]],
    "routes": [["route_id", "agency_id", "route_short_name", "route_type"],
               ["Q1", "B1", "1", "3"], ["Q2", "B2", "2", "3"]],
    "trips": [["route_id", "service_id", "trip_id"], ["Q1", "WD", "U1"], ["Q2", "WD", "U2"]],
    "stop_times": [_STOP_TIMES,
                   ["U1", "07:00:00", "07:00:00", "X1", "1"],
                   ["U1", "07:30:00", "07:30:00", "X2", "2"],
                   ["U2", "08:00:00", "08:00:00", "X2", "1"],
                   ["U2", "08:30:00", "08:30:00", "X1", "2"]],
    "calendar": _CALENDAR,
    "fare_attributes": [["fare_id", "price", "currency_type", "payment_method", "transfers",
                         "agency_id"],
                        ["BUS", "230", "JPY", "0", "0", "B1"],
                        ["TAXI", "300", "JPY", "0", "0", "B2"]],
}


@dataclass(frozen=True)
class Ride:
    """A transit leg as journey_fare reads it (the fields routing.raptor's TransitLeg has)."""

    route_id: str
    board_stop_id: str
    alight_stop_id: str


@dataclass(frozen=True)
class Walk:
    from_stop_id: str
    to_stop_id: str


def _write_feed(folder: Path, tables: dict[str, list[list[str]]]) -> Path:
    folder.mkdir()
    for name, rows in tables.items():
        with open(folder / f"{name}.txt", "w", newline="", encoding="utf-8") as handle:
            csv.writer(handle).writerows(rows)
    return folder


@pytest.fixture
def table(tmp_path: Path) -> FareTable:
    feeds = [read_feed(_write_feed(tmp_path / name, tables))
             for name, tables in (("city", CITY), ("town", TOWN))]
    return compile_fares(feeds, ["city", "town"])


def _fare(table: FareTable, route: str, board: str, alight: str) -> tuple[str, int, str] | None:
    found = table.leg_fare(route, board, alight)
    return None if found is None else (found.fare_id, found.price_minor, found.currency)


def test_money_is_converted_exactly_to_minor_units() -> None:
    assert to_minor("2.50", "EUR") == 250
    assert to_minor("230", "JPY") == 230
    assert to_minor("230.0", "jpy") == 230
    assert to_minor("0.29", "EUR") == 29  # 0.29 * 100 is 28.999999999999996 as floats
    assert to_minor("1.5", "KWD") == 1500
    assert currency_decimals("XYZ") == 2 and currency_decimals("KRW") == 0
    for price, currency in (("2.505", "EUR"), ("0.5", "JPY"), ("-1", "EUR"), ("abc", "EUR"),
                            ("NaN", "EUR")):
        with pytest.raises(ValueError):
            to_minor(price, currency)


def test_prices_come_from_the_file_text_not_the_readers_float(tmp_path: Path) -> None:
    # 2**53 + 1 has no float64: the reader's typed column holds 9007199254740992.0.
    tables = {**TOWN, "fare_attributes": [TOWN["fare_attributes"][0],
                                          ["BUS", "9007199254740993.01", "EUR", "0", "0", "B1"]]}
    table = compile_fares([read_feed(_write_feed(tmp_path / "town", tables))], ["town"])
    assert table.fare_price_minor.tolist() == [900719925474099301]


def test_route_only_rule(table: FareTable) -> None:
    assert _fare(table, "city:R1", "city:S1", "city:S2") == ("city:ROUTE1", 250, "EUR")


def test_origin_and_destination_zone_rule_applies_to_any_route(table: FareTable) -> None:
    assert _fare(table, "city:R3", "city:S1", "city:S3") == ("city:Z1Z2", 175, "EUR")
    assert _fare(table, "city:R3", "city:S3", "city:S1") is None  # zones are directed


def test_cheapest_of_several_matching_fares(table: FareTable) -> None:
    # Z1 -> Z2 on R1: ROUTE1 (2.50) and Z1Z2 (1.75) both match.
    assert _fare(table, "city:R1", "city:S1", "city:S3") == ("city:Z1Z2", 175, "EUR")
    # Z1 -> Z3 on R1: ROUTE1 (2.50) and R1Z1Z3 (4.00) both match.
    assert _fare(table, "city:R1", "city:S1", "city:S4") == ("city:ROUTE1", 250, "EUR")


def test_contains_rule_needs_board_and_alight_zones_inside_its_set(table: FareTable) -> None:
    assert _fare(table, "city:R2", "city:S1", "city:S3") == ("city:INNER", 100, "EUR")
    assert _fare(table, "city:R2", "city:S1", "city:S4") is None  # Z3 is outside {Z1, Z2}


def test_legs_without_a_matching_rule_have_no_fare(table: FareTable) -> None:
    assert _fare(table, "city:R3", "city:S1", "city:S4") is None
    assert _fare(table, "city:R9", "city:S1", "city:S2") is None  # unknown route
    assert _fare(table, "R1", "S1", "S2") is None  # ids must be global


def test_without_fare_rules_each_fare_applies_to_its_agency(table: FareTable) -> None:
    assert _fare(table, "town:Q1", "town:X1", "town:X2") == ("town:BUS", 230, "JPY")
    assert _fare(table, "town:Q2", "town:X2", "town:X1") == ("town:TAXI", 300, "JPY")


def test_fares_never_match_across_feeds(table: FareTable) -> None:
    # Both feeds have zones Z1 and Z2; city's Z1 -> Z2 rule must not price town stops.
    assert _fare(table, "city:R3", "town:X1", "town:X2") is None
    # town's blanket fares must not price city routes.
    assert _fare(table, "city:R3", "city:S1", "city:S4") is None


def test_unusable_fares_and_rules_are_skipped_and_reported(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="routing.fares"):
        table = compile_fares([read_feed(_write_feed(tmp_path / "city", CITY))], ["city"])
    assert "city:ODD" not in set(table.fare_ids.tolist())
    assert "city:UNRULED" in set(table.fare_ids.tolist())
    assert table.n_rules == 5
    text = caplog.text
    assert "1 fare_attributes rows with an unusable price" in text
    assert "1 fare_rules rows naming a zone no stop is in" in text
    assert "1 fare_rules rows with an unknown fare_id" in text


def test_journey_fare_sums_legs_per_currency(table: FareTable) -> None:
    legs = [Ride("city:R1", "city:S1", "city:S3"), Walk("city:S3", "town:X1"),
            Ride("town:Q1", "town:X1", "town:X2"), Ride("city:R2", "city:S1", "city:S3")]
    fare = table.journey_fare(legs)
    assert fare == JourneyFare(
        legs=(LegFare("city:Z1Z2", 175, "EUR"), LegFare("town:BUS", 230, "JPY"),
              LegFare("city:INNER", 100, "EUR")),
        totals=(("EUR", 275), ("JPY", 230)))
    assert table.journey_fare([*legs, Ride("city:R3", "city:S1", "city:S4")]) is None
    assert table.journey_fare([legs[1]]) == JourneyFare((), ())


def test_arrays_round_trip_through_npz(table: FareTable, tmp_path: Path) -> None:
    arrays = table.arrays()
    assert all(a.dtype.kind in "Ui" for a in arrays.values())
    np.savez(tmp_path / "fares.npz", **arrays)
    with np.load(tmp_path / "fares.npz", allow_pickle=False) as data:
        loaded = FareTable.from_arrays({name: data[name] for name in data.files})
    for name, array in arrays.items():
        assert np.array_equal(loaded.arrays()[name], array), name
    cases = [("city:R1", "city:S1", "city:S3"), ("city:R2", "city:S1", "city:S3"),
             ("town:Q2", "town:X2", "town:X1"), ("city:R3", "city:S1", "city:S4")]
    assert [_fare(loaded, *c) for c in cases] == [_fare(table, *c) for c in cases]
    assert _fare(loaded, *cases[0]) == ("city:Z1Z2", 175, "EUR")


def test_an_empty_table_round_trips(tmp_path: Path) -> None:
    feed = read_feed(_write_feed(tmp_path / "bare", {k: v for k, v in TOWN.items()
                                                     if k != "fare_attributes"}))
    table = compile_fares([feed], ["bare"])
    assert table.n_fares == 0 and table.n_rules == 0
    np.savez(tmp_path / "empty.npz", **table.arrays())
    with np.load(tmp_path / "empty.npz", allow_pickle=False) as data:
        loaded = FareTable.from_arrays({name: data[name] for name in data.files})
    assert loaded.leg_fare("bare:Q1", "bare:X1", "bare:X2") is None
