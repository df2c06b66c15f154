"""read_feed: a GTFS / GTFS-JP feed read into cleaned gtfs-kit tables plus structured findings."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

import gtfs_kit
import pandas as pd
from gtfs_kit.constants import DTYPES

from routing.gtfs.checks import check_table
from routing.gtfs.findings import Finding, FindingLog, InvalidFeed, Severity
from routing.gtfs.links import (LATE_REFERENCES, REFERENCES, Tables, apply_references,
                                check_route_agencies, check_trip_times)
from routing.gtfs.parse import parse_file
from routing.gtfs.schema import CALENDAR_TABLES, KNOWN_EXTRA_TABLES, REQUIRED_TABLES, TABLES
from routing.gtfs.source import digest_members, read_members
from routing.gtfs.values import integers, to_float

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class LoadedFeed:
    source: Path
    digest: str
    feed: gtfs_kit.Feed
    findings: tuple[Finding, ...]
    # Files gtfs-kit does not model (agency_jp, office_jp, routes_jp, translations, ...) by stem.
    extra_tables: Mapping[str, pd.DataFrame] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity is Severity.ERROR)

    @property
    def warnings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity is Severity.WARNING)


def _parse_members(members: dict[str, bytes], log: FindingLog) -> tuple[Tables, Tables]:
    """Known tables by name (None when unreadable) and every other file as an extra table."""
    raw: Tables = {}
    extras: Tables = {}
    for name in sorted(members):
        stem = name[: -len(".txt")].lower()
        frame = parse_file(name, members[name], log)
        if frame is not None and frame.columns.empty:
            required = stem in REQUIRED_TABLES + CALENDAR_TABLES
            severity = Severity.ERROR if required else Severity.WARNING
            log.add(name, None, None, severity, "empty_file", "file is empty (no header)")
            frame = None
        if stem in TABLES:
            raw[stem] = frame
            continue
        if stem not in KNOWN_EXTRA_TABLES:
            log.add(name, None, None, Severity.INFO, "unknown_file",
                    "file is not part of GTFS or GTFS-JP; kept as an extra table")
        if frame is not None:
            extras[stem] = frame
    return raw, extras


def _check_files(raw: Tables, log: FindingLog) -> Tables:
    tables: Tables = {name: None for name in TABLES}
    for name, frame in raw.items():
        if frame is not None:
            tables[name] = check_table(TABLES[name], frame.copy(), log)
    for name in REQUIRED_TABLES:
        if name not in raw:
            log.add(f"{name}.txt", None, None, Severity.ERROR, "missing_file",
                    f"required file {name}.txt is missing")
    if not any(name in raw for name in CALENDAR_TABLES):
        log.add("calendar.txt", None, None, Severity.ERROR, "missing_file",
                "neither calendar.txt nor calendar_dates.txt is present")
    return tables


def _unusable(tables: Tables, log: FindingLog, after_checks: bool) -> list[str]:
    """Required files that are missing, unreadable or (after the checks) left without rows."""
    groups = [(name,) for name in REQUIRED_TABLES] + [CALENDAR_TABLES]
    missing = []
    for group in groups:
        frames = [frame for name in group if (frame := tables[name]) is not None]
        if not frames:
            missing.append(group[0])
        elif after_checks and all(frame.empty for frame in frames):
            log.add(f"{group[0]}.txt", None, None, Severity.ERROR, "no_usable_rows",
                    f"no usable rows left in {' or '.join(f'{n}.txt' for n in group)}")
            missing.append(group[0])
    return missing


def _typed(frame: pd.DataFrame, dtypes: Mapping[str, str]) -> pd.DataFrame:
    """gtfs-kit's column types; empty text becomes NA as in gtfs_kit.read_feed."""
    columns = {}
    for name in frame.columns:
        values = frame[name].reset_index(drop=True)
        blank = values == ""
        dtype = dtypes.get(name, "string")
        if dtype == "string":
            columns[name] = values.astype("string").mask(blank)
        elif dtype.startswith("Int"):
            valid, numbers = integers(values)
            wide = numbers.abs().max() >= 2 ** (int(dtype[3:]) - 1) if len(numbers) else False
            column = numbers.astype("Int64" if wide else dtype)
            columns[name] = column.mask(~valid)
        else:
            columns[name] = to_float(values.mask(blank))
    return pd.DataFrame(columns, index=pd.RangeIndex(len(frame)))


def _build_feed(tables: Tables) -> gtfs_kit.Feed:
    kwargs = {
        name: _typed(frame, DTYPES[name])
        for name, frame in tables.items()
        if name in DTYPES and frame is not None and not frame.empty
    }
    return gtfs_kit.Feed(dist_units="km", **kwargs)


def read_feed(path: str | os.PathLike, *, strict: bool = False) -> LoadedFeed:
    """Read a zip or directory feed; drop unsound rows and report them (strict: raise on any error).

    Raises FileNotFoundError for a missing path and InvalidFeed when no feed can be formed.
    """
    source = Path(path)
    members = read_members(source)
    log = FindingLog()
    raw, extras = _parse_members(members, log)
    tables = _check_files(raw, log)
    if missing := _unusable(tables, log, after_checks=False):
        raise InvalidFeed(f"{source}: cannot form a feed without {', '.join(missing)}",
                          log.findings)
    check_route_agencies(tables, log)
    apply_references(REFERENCES, tables, raw, log)
    check_trip_times(tables, log)
    apply_references(LATE_REFERENCES, tables, raw, log)
    if missing := _unusable(tables, log, after_checks=True):
        raise InvalidFeed(f"{source}: no usable rows left in {', '.join(missing)}", log.findings)
    if strict and log.has_errors():
        raise InvalidFeed(f"{source} has errors (strict mode)", log.findings)
    loaded = LoadedFeed(
        source=source,
        digest=digest_members(members),
        feed=_build_feed(tables),
        findings=log.findings,
        extra_tables=MappingProxyType({n: _typed(f, {}) for n, f in extras.items()}),
    )
    logger.debug("read %s: %d findings (%d errors)", source, len(loaded.findings),
                 len(loaded.errors))
    return loaded
