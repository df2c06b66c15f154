"""write_feed: a loaded feed, or the part of it some agencies run, written back as GTFS / GTFS-JP files.

The gtfs-kit tables go out through `gtfs_kit.Feed.to_file` (restricted with gtfs-kit's
`restrict_to_agencies`: their routes, trips, stop times, the stops those call at, their calendars,
shapes and fare rules), then the GTFS-JP files gtfs-kit does not model (agency_jp, routes_jp,
office_jp, translations, ...) restricted to the same agencies and routes. What is written reads back
with `routing.gtfs.read_feed` (tests/unit/test_town_export.py round-trips it).
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

import pandas as pd

from routing.gtfs.reader import LoadedFeed


def write_feed(loaded: LoadedFeed, folder: Path, *, agency_ids: Collection[str] | None = None) -> dict[str, int]:
    """Write the feed (or its agencies' part) into folder; rows written per file."""
    feed = loaded.feed
    if agency_ids is not None:
        known = set(feed.agency["agency_id"].astype(str)) if "agency_id" in feed.agency.columns else set()
        missing = set(agency_ids) - known
        if missing:
            raise ValueError(f"no agency {sorted(missing)} in {loaded.source}")
        feed = feed.restrict_to_agencies(list(agency_ids))
        feed.agency = feed.agency[feed.agency["agency_id"].astype(str).isin(set(agency_ids))]
        _restrict_fares(feed, set(agency_ids))
    folder.mkdir(parents=True, exist_ok=True)
    feed.to_file(folder)
    routes = set(feed.routes["route_id"].astype(str))
    written = {path.stem: _rows(path) for path in folder.glob("*.txt")}
    for name, frame in loaded.extra_tables.items():
        kept = frame
        if "route_id" in kept.columns:
            kept = kept[kept["route_id"].astype(str).isin(routes)]
        if agency_ids is not None and "agency_id" in kept.columns:
            kept = kept[kept["agency_id"].astype(str).isin(set(agency_ids))]
        kept.to_csv(folder / f"{name}.txt", index=False)
        written[name] = len(kept)
    return dict(sorted(written.items()))


def _restrict_fares(feed: object, agencies: set[str]) -> None:
    """Fare rules of the kept routes (or of no route), and the fares they use or the agencies own."""
    routes = set(feed.routes["route_id"].astype(str))  # type: ignore[attr-defined]
    rules = getattr(feed, "fare_rules", None)
    fares = getattr(feed, "fare_attributes", None)
    if fares is None:
        return
    owned = (fares["agency_id"].astype(str).isin(agencies) if "agency_id" in fares.columns
             else pd.Series(True, index=fares.index))
    if rules is not None:
        route = rules["route_id"].fillna("").astype(str) if "route_id" in rules.columns else pd.Series("", rules.index)
        rules = rules[route.isin(routes) | ((route == "") & rules["fare_id"].astype(str).isin(
            set(fares.loc[owned, "fare_id"].astype(str))))]
        feed.fare_rules = rules  # type: ignore[attr-defined]
        owned = owned & (fares["fare_id"].astype(str).isin(set(rules["fare_id"].astype(str))) | ~owned)
    feed.fare_attributes = fares[owned]  # type: ignore[attr-defined]


def _rows(path: Path) -> int:
    return len(pd.read_csv(path, dtype=str, keep_default_na=False))
