"""GTFS-Realtime sources from configuration, and the poller that keeps their snapshots current.

MAAS_REALTIME_CONFIG names a JSON file:

    {"sources": [{"name": "yamabuki-bus", "feed": "gtfs", "url": "http://127.0.0.1:8091/gtfs-rt",
                  "interval_s": 15, "timeout_s": 5, "stale_after_s": 90},
                 {"name": "snapshot", "feed": "ryobi", "path": "ryobi_trip_update.bin"}],
     "max_future_s": 300, "max_age_s": 21600, "on_backwards": "clamp"}

`feed` is the static feed's key in the network (its file or folder name without .zip); a path
is read again every interval. Each source runs in its own task: a fetch that fails (timeout,
HTTP error, malformed bytes) is counted, logged and retried with exponential backoff up to
`max_backoff_s`; the last good snapshot stays, and nothing escapes to the server.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Literal

import aiohttp
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from maas.routing_adapter.realtime import GtfsRealtimeInfo, Source
from routing.realtime import IngestParams, RealtimeFeed, StaticTrips

log = logging.getLogger(__name__)

MAX_BYTES = 50 * 1024 * 1024  # a FeedMessage larger than this is refused unread


class SourceConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = Field(min_length=1)
    feed: str = Field(min_length=1)
    url: str | None = None
    path: Path | None = None
    interval_s: float = Field(default=30, ge=0.05, le=3600)
    timeout_s: float = Field(default=10, gt=0, le=120)
    stale_after_s: int = Field(default=180, ge=1)
    max_backoff_s: float = Field(default=300, ge=0.05)

    @model_validator(mode="after")
    def _one_place(self) -> SourceConfig:
        if (self.url is None) == (self.path is None):
            raise ValueError(f"source {self.name}: give exactly one of url and path")
        if self.url is not None and not self.url.startswith(("http://", "https://")):
            raise ValueError(f"source {self.name}: url must be http:// or https://")
        return self


class RealtimeConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    sources: tuple[SourceConfig, ...] = ()
    max_future_s: int = Field(default=300, ge=0)
    max_age_s: int = Field(default=6 * 3600, ge=60)
    on_backwards: Literal["clamp", "reject"] = "clamp"

    @model_validator(mode="after")
    def _unique(self) -> RealtimeConfig:
        names = [s.name for s in self.sources]
        if len(set(names)) != len(names):
            raise ValueError("source names must be unique")
        return self


def load_realtime_config(path: Path) -> RealtimeConfig:
    """The configuration, with relative paths resolved against its folder; ValueError naming the file."""
    try:
        config = RealtimeConfig.model_validate_json(path.read_text(encoding="utf-8"))
    except (OSError, ValidationError) as exc:
        raise ValueError(f"MAAS_REALTIME_CONFIG {path}: {exc}") from exc
    return config.model_copy(update={"sources": tuple(
        s.model_copy(update={"path": path.parent / s.path}) if s.path is not None and not s.path.is_absolute() else s
        for s in config.sources)})


class RealtimePoller:
    """Keeps one RealtimeFeed per configured source; `info` answers from their snapshots."""

    def __init__(self, config: RealtimeConfig, static_paths: Callable[[], Mapping[str, tuple[Path, str]]]) -> None:
        """`static_paths()`: the network's feeds now, key -> (path, digest); a changed digest (a feed
        imported again) is read again, so updates follow the timetable the planner routes on."""
        self.config = config
        self._static_paths = static_paths
        params = IngestParams(max_future_s=config.max_future_s, max_age_s=config.max_age_s,
                              on_backwards=config.on_backwards)
        self.sources = [Source(s.name, s.feed, RealtimeFeed(s.name, None, params), s.stale_after_s)
                        for s in config.sources]
        self.info = GtfsRealtimeInfo(lambda: self.sources)
        self._statics: dict[tuple[Path, str], StaticTrips] = {}

    def _static(self, feed_key: str) -> StaticTrips | None:
        found = self._static_paths().get(feed_key)
        if found is None:
            # Alerts and positions still apply; trip updates wait until the feed joins the network.
            log.warning("real-time feed key %r names no feed in the network; trip updates are not applied", feed_key)
            return None
        if found not in self._statics:
            self._statics = {k: v for k, v in self._statics.items() if k[0] != found[0]}  # the old version goes
            self._statics[found] = StaticTrips.read(found[0])
        return self._statics[found]

    async def poll_once(self, source: Source, config: SourceConfig, session: aiohttp.ClientSession | None) -> bool:
        """Fetch and ingest one message; True when it was accepted."""
        now = int(time.time())
        try:
            data = await self._fetch(config, session)
        except Exception as exc:  # the network, the server, the file: all the same to the rider
            source.feed.fail(now, "fetch_failed", f"{type(exc).__name__}: {exc}")
            return False
        try:
            source.feed.static = await asyncio.to_thread(self._static, source.feed_key)
            report = await asyncio.to_thread(source.feed.ingest, data, now)
        except Exception as exc:  # a static feed that cannot be read; logged, retried next time
            log.exception("real-time source %s could not be applied", source.name)
            source.feed.fail(now, "static_feed_unreadable", f"{type(exc).__name__}: {exc}")
            return False
        return report.accepted

    async def _fetch(self, config: SourceConfig, session: aiohttp.ClientSession | None) -> bytes:
        if config.path is not None:
            return await asyncio.to_thread(config.path.read_bytes)
        assert config.url is not None and session is not None
        timeout = aiohttp.ClientTimeout(total=config.timeout_s)
        async with session.get(config.url, timeout=timeout) as response:
            if response.status != 200:
                raise RuntimeError(f"HTTP {response.status}")
            if (response.content_length or 0) > MAX_BYTES:
                raise RuntimeError("message too large")
            data = await response.content.read(MAX_BYTES + 1)
            if len(data) > MAX_BYTES:
                raise RuntimeError("message too large")
            return data

    async def run(self, stop: asyncio.Event) -> None:
        """Poll every source until `stop` is set; never raises."""
        if not self.sources:
            return
        async with aiohttp.ClientSession() as session:
            await asyncio.gather(*(self._loop(source, config, session, stop)
                                   for source, config in zip(self.sources, self.config.sources)),
                                 return_exceptions=True)

    async def _loop(self, source: Source, config: SourceConfig, session: aiohttp.ClientSession,
                    stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.poll_once(source, config, session)
            except Exception:  # belt and braces: a poller that dies would leave the data to go stale silently
                log.exception("real-time source %s: poll failed", source.name)
            wait = min(config.interval_s * 2 ** min(source.feed.failures, 16), max(config.max_backoff_s,
                                                                                  config.interval_s))
            try:
                await asyncio.wait_for(stop.wait(), timeout=wait)
            except TimeoutError:
                pass
