"""Parsers for `system_information`, `station_information` and `station_status`, v1 to v3.0."""

from __future__ import annotations

from functools import partial

from operators.gbfs.discovery import choose_language
from operators.gbfs.errors import MalformedFeed
from operators.gbfs.fields import (
    RECORD_ERRORS,
    coordinates,
    data_of,
    flag,
    localized,
    object_list,
    optional_int,
    records,
    text,
)
from operators.gbfs.freshness import parse_timestamp
from operators.gbfs.model import Station, StationStatus, SystemInformation, VehicleTypeCount
from operators.gbfs.validation import Finding


def parse_system_information(doc: object, language: str | None = None) -> SystemInformation:
    data = data_of("system_information", doc)
    try:
        languages = data.get("languages")
        if isinstance(languages, list) and languages:
            # v3.0 lists every published language instead of naming one.
            chosen: str | None = choose_language([str(lang) for lang in languages], language)
        else:
            chosen = data.get("language") if isinstance(data.get("language"), str) else None
        return SystemInformation(text(data, "system_id"), localized(data.get("name"), language or chosen),
                                 text(data, "timezone"), chosen)
    except RECORD_ERRORS as exc:
        raise MalformedFeed("system_information", str(exc)) from exc


def _station(entry: dict, language: str | None) -> Station:
    lat, lon = coordinates(entry)
    methods = entry.get("rental_methods") or []
    if not isinstance(methods, list):
        raise ValueError("rental_methods is not a list")
    return Station(
        station_id=text(entry, "station_id"),
        name=localized(entry.get("name"), language),
        lat=lat,
        lon=lon,
        capacity=optional_int(entry, "capacity"),
        is_virtual=flag(entry, "is_virtual_station", False),
        rental_methods=tuple(str(method).lower() for method in methods),
    )


def parse_station_information(doc: object, language: str | None = None) -> tuple[list[Station], list[Finding]]:
    return records("station_information", doc, "stations", partial(_station, language=language),
                   key=lambda station: station.station_id)


def _type_counts(entry: dict) -> tuple[VehicleTypeCount, ...]:
    counts = object_list(entry, "vehicle_types_available")
    return tuple(VehicleTypeCount(text(c, "vehicle_type_id"), optional_int(c, "count") or 0) for c in counts)


def _status(entry: dict) -> StationStatus:
    # v3.0 renamed num_bikes_available; reading either keeps one parser for every version.
    key = "num_vehicles_available" if "num_vehicles_available" in entry else "num_bikes_available"
    available = optional_int(entry, key)
    if available is None or available < 0:
        raise ValueError(f"{key} missing or negative")
    docks = optional_int(entry, "num_docks_available")
    reported = entry.get("last_reported")
    return StationStatus(
        station_id=text(entry, "station_id"),
        num_vehicles_available=available,
        num_docks_available=docks,
        is_installed=flag(entry, "is_installed"),
        is_renting=flag(entry, "is_renting"),
        is_returning=flag(entry, "is_returning"),
        last_reported=None if reported is None else parse_timestamp(reported),
        vehicle_types_available=_type_counts(entry),
    )


def parse_station_status(doc: object) -> tuple[list[StationStatus], list[Finding]]:
    return records("station_status", doc, "stations", _status, key=lambda status: status.station_id)
