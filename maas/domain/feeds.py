"""Imported GTFS feeds as the service records them: summary, stops, routes and findings."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict


class FeedIssue(BaseModel):
    model_config = ConfigDict(frozen=True)
    file: str
    row: int | None
    column: str | None
    severity: str
    code: str
    message: str


class FeedStop(BaseModel):
    model_config = ConfigDict(frozen=True)
    stop_id: str
    name: str
    name_kana: str = ""
    name_en: str = ""
    lat: float | None
    lon: float | None
    location_type: int = 0
    parent_station: str | None = None
    wheelchair_boarding: int = 0


class FeedRoute(BaseModel):
    model_config = ConfigDict(frozen=True)
    route_id: str
    agency_id: str | None
    short_name: str
    long_name: str
    route_type: int


class FeedHeader(BaseModel):
    """What identifies a feed and its service period, shared by a snapshot and its stored record."""

    model_config = ConfigDict(frozen=True)
    name: str
    source: str
    digest: str
    agencies: tuple[str, ...]
    timezone: str
    service_start: dt.date | None
    service_end: dt.date | None
    trip_count: int
    stop_time_count: int


class FeedSnapshot(FeedHeader):
    """What a feed reader hands to the import use case; `name` identifies the feed across re-imports."""

    stops: tuple[FeedStop, ...]
    routes: tuple[FeedRoute, ...]
    issues: tuple[FeedIssue, ...]


class FeedRecord(FeedHeader):
    id: str
    stop_count: int
    route_count: int
    error_count: int
    warning_count: int
    imported_at: dt.datetime


class StopMatch(BaseModel):
    """A stop found by name or position, with its feed."""

    model_config = ConfigDict(frozen=True)
    feed_id: str
    stop: FeedStop
    distance_m: float | None = None
