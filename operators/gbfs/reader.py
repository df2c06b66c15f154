"""Reading a whole GBFS system into one snapshot: fetch, validate, parse, and judge freshness."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from operators.gbfs.discovery import Discovery
from operators.gbfs.errors import InvalidFeed, MalformedFeed, SchemaNotFound, StaleFeed
from operators.gbfs.freshness import Freshness, FreshnessPolicy, freshness_of
from operators.gbfs.model import Station, StationStatus, SystemInformation, Vehicle, VehicleType
from operators.gbfs.parse_stations import parse_station_information, parse_station_status, parse_system_information
from operators.gbfs.parse_vehicles import parse_pricing_plans, parse_vehicle_types, parse_vehicles
from operators.gbfs.pricing import PricingPlan
from operators.gbfs.sources import FeedSource, RawFile
from operators.gbfs.validation import Finding, validate

_PARSERS: dict[str, Callable[[dict, str | None], tuple[list, list[Finding]]]] = {
    "system_information": lambda doc, lang: ([parse_system_information(doc, lang)], []),
    "station_information": parse_station_information,
    "station_status": lambda doc, lang: parse_station_status(doc),
    "free_bike_status": lambda doc, lang: parse_vehicles(doc, "free_bike_status"),
    "vehicle_status": lambda doc, lang: parse_vehicles(doc, "vehicle_status"),
    "vehicle_types": parse_vehicle_types,
    "system_pricing_plans": parse_pricing_plans,
}
SUPPORTED_FILES = tuple(_PARSERS)


@dataclass(frozen=True, slots=True)
class ReadOptions:
    """Strict (the default) raises InvalidFeed on any finding; lenient keeps what parses.

    Without `schema_dir` no schema validation happens; parse problems are still findings.
    """

    strict: bool = True
    schema_dir: Path | None = None
    preferred_language: str | None = None
    policy: FreshnessPolicy = field(default_factory=FreshnessPolicy)


@dataclass(frozen=True, slots=True)
class FeedSnapshot:
    """Everything read from one system at one time, with each file's freshness and all findings."""

    version: str | None
    language: str | None
    system: SystemInformation | None
    stations: tuple[Station, ...]
    station_status: tuple[StationStatus, ...]
    vehicles: tuple[Vehicle, ...]
    vehicle_types: tuple[VehicleType, ...]
    pricing_plans: tuple[PricingPlan, ...]
    freshness: tuple[Freshness, ...]
    findings: tuple[Finding, ...]
    # Files read without a usable `last_updated`/`ttl`: never fresh, so always reported stale.
    undated_files: tuple[str, ...] = ()

    def stale_files(self, now: datetime) -> list[str]:
        return [*self.undated_files, *(f.file_name for f in self.freshness if f.is_stale(now))]

    def is_stale(self, now: datetime) -> bool:
        return bool(self.stale_files(now))

    def require_live(self, now: datetime) -> None:
        """Raise StaleFeed unless every file read is within its maximum age at `now`."""
        if stale := self.stale_files(now):
            raise StaleFeed(stale)


@dataclass(slots=True)
class _Loaded:
    records: dict[str, list] = field(default_factory=dict)
    freshness: list[Freshness] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    undated: list[str] = field(default_factory=list)


def _load(raw: RawFile, version: str | None, language: str | None, options: ReadOptions, out: _Loaded) -> None:
    file_version = raw.doc.get("version", version)
    if options.schema_dir is not None:
        try:
            out.findings += validate(raw.doc, file_version, raw.name, options.schema_dir)
        except SchemaNotFound as exc:
            out.findings.append(Finding(raw.name, "$", str(exc)))
    try:
        out.freshness.append(freshness_of(raw.name, raw.doc, raw.fetched_at, options.policy))
    except ValueError as exc:
        out.findings.append(Finding(raw.name, "$", f"no usable freshness: {exc}"))
        out.undated.append(raw.name)
    try:
        records, findings = _PARSERS[raw.name](raw.doc, language)
    except MalformedFeed as exc:
        out.findings.append(Finding(raw.name, "$", str(exc)))
        return
    out.records[raw.name] = records
    out.findings += findings


def build_snapshot(raws: Iterable[RawFile], version: str | None, language: str | None,
                   options: ReadOptions, findings: Iterable[Finding] = ()) -> FeedSnapshot:
    """Validate and parse fetched files (CPU work: call it off the event loop for big feeds).

    `findings` carries problems found earlier, such as files that were not JSON at all.
    """
    out = _Loaded(findings=list(findings))
    raws = list(raws)
    version = version or next((str(r.doc["version"]) for r in raws if "version" in r.doc), None)
    for raw in raws:
        _load(raw, version, language, options, out)
    if options.strict and out.findings:
        raise InvalidFeed(out.findings)
    got = out.records.get
    system = got("system_information") or [None]
    return FeedSnapshot(
        version=version,
        language=language or (system[0].language if system[0] else None),
        system=system[0],
        stations=tuple(got("station_information", [])),
        station_status=tuple(got("station_status", [])),
        vehicles=tuple(got("vehicle_status", []) + got("free_bike_status", [])),
        vehicle_types=tuple(got("vehicle_types", [])),
        pricing_plans=tuple(got("system_pricing_plans", [])),
        freshness=tuple(out.freshness),
        findings=tuple(out.findings),
        undated_files=tuple(out.undated),
    )


async def read_feed(source: FeedSource, options: ReadOptions | None = None,
                    files: Iterable[str] | None = None) -> FeedSnapshot:
    """Discover, fetch concurrently and parse the supported files (or only `files`) of one system."""
    options = options or ReadOptions()
    discovery = await source.discover()
    wanted = set(SUPPORTED_FILES if files is None else files) & set(SUPPORTED_FILES)
    names = [name for name in discovery.names if name in wanted]
    fetched = await asyncio.gather(*(_fetch(source, discovery, name) for name in names))
    raws = [item for item in fetched if isinstance(item, RawFile)]
    unreadable = [item for item in fetched if isinstance(item, Finding)]
    language = options.preferred_language or discovery.language
    return await asyncio.to_thread(build_snapshot, raws, discovery.version, language, options, unreadable)


async def _fetch(source: FeedSource, discovery: Discovery, name: str) -> RawFile | Finding:
    """A file, or a finding when it arrived but is not a JSON object; transport errors propagate."""
    try:
        return await source.fetch(discovery, name)
    except MalformedFeed as exc:
        return Finding(name, "$", str(exc))
