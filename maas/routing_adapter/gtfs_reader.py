"""The domain's FeedReader port, implemented with the routing library's GTFS reader."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

import pandas as pd

from maas.domain.errors import FeedRejected
from maas.domain.feeds import FeedIssue, FeedRoute, FeedSnapshot, FeedStop
from routing.gtfs import InvalidFeed, LoadedFeed, read_feed
from routing.gtfs.translations import KANA, stop_name_translations


class GtfsFeedReader:
    def read(self, path: Path, *, name: str | None = None, strict: bool = False) -> FeedSnapshot:
        try:
            loaded = read_feed(path, strict=strict)
        except FileNotFoundError as exc:
            raise FeedRejected(f"no GTFS feed at {path}", fields={"path": str(exc)}) from None
        except InvalidFeed as exc:
            first = next(iter(exc.findings), None)
            fields = {"file": first.file, "row": str(first.row or "")} if first is not None else {}
            raise FeedRejected(str(exc), fields=fields) from None
        return snapshot_of(loaded, name=name or feed_name(Path(path)))


def feed_name(path: Path) -> str:
    return path.name.removesuffix(".zip") if path.suffix == ".zip" else path.name


def snapshot_of(loaded: LoadedFeed, *, name: str) -> FeedSnapshot:
    feed = loaded.feed
    agency = feed.agency if feed.agency is not None else pd.DataFrame()
    start, end = _service_range(feed)
    translations = stop_name_translations(loaded)
    return FeedSnapshot(
        name=name,
        source=str(loaded.source),
        digest=loaded.digest,
        agencies=tuple(str(a) for a in agency.get("agency_name", pd.Series(dtype=str)).dropna()),
        timezone=str(agency["agency_timezone"].dropna().iloc[0]) if "agency_timezone" in agency and len(agency) else "",
        service_start=start,
        service_end=end,
        trip_count=len(feed.trips) if feed.trips is not None else 0,
        stop_time_count=len(feed.stop_times) if feed.stop_times is not None else 0,
        stops=tuple(_stop(r, translations.get(str(r["stop_id"]), {})) for r in _records(feed.stops)),
        routes=tuple(_route(r) for r in _records(feed.routes)),
        issues=tuple(
            FeedIssue(file=f.file, row=f.row, column=f.column, severity=f.severity.value, code=f.code, message=f.message)
            for f in loaded.findings
        ),
    )


def _records(frame: pd.DataFrame | None) -> list[dict[str, Any]]:
    return [] if frame is None else frame.to_dict("records")


def _clean(value: Any) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    return value


def _int(value: Any, default: int = 0) -> int:
    value = _clean(value)
    try:
        return default if value is None or value == "" else int(float(value))
    except (TypeError, ValueError):
        return default


def _float(value: Any) -> float | None:
    value = _clean(value)
    try:
        return None if value is None or value == "" else float(value)
    except (TypeError, ValueError):
        return None


def _stop(row: dict[str, Any], names: dict[str, str]) -> FeedStop:
    parent = _clean(row.get("parent_station"))
    return FeedStop(
        stop_id=str(row["stop_id"]), name=str(_clean(row.get("stop_name")) or ""),
        name_kana=names.get(KANA, ""), name_en=names.get("en", ""),
        lat=_float(row.get("stop_lat")), lon=_float(row.get("stop_lon")),
        location_type=_int(row.get("location_type")), parent_station=str(parent) if parent else None,
        wheelchair_boarding=_int(row.get("wheelchair_boarding")),
    )


def _route(row: dict[str, Any]) -> FeedRoute:
    agency = _clean(row.get("agency_id"))
    return FeedRoute(
        route_id=str(row["route_id"]), agency_id=str(agency) if agency else None,
        short_name=str(_clean(row.get("route_short_name")) or ""),
        long_name=str(_clean(row.get("route_long_name")) or ""), route_type=_int(row.get("route_type"), default=3),
    )


def _service_range(feed: Any) -> tuple[dt.date | None, dt.date | None]:
    dates: list[str] = []
    if feed.calendar is not None and len(feed.calendar):
        dates += [str(d) for d in feed.calendar["start_date"]] + [str(d) for d in feed.calendar["end_date"]]
    if feed.calendar_dates is not None and len(feed.calendar_dates):
        added = feed.calendar_dates
        if "exception_type" in added:
            added = added[added["exception_type"].astype(str) == "1"]
        dates += [str(d) for d in added["date"]]
    parsed = [dt.datetime.strptime(d, "%Y%m%d").date() for d in dates if len(d) == 8 and d.isdigit()]
    return (min(parsed), max(parsed)) if parsed else (None, None)
