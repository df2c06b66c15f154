"""The operator's GBFS system as last read, refreshed when its files' ttl has run out.

`LiveFeed.current()` answers the view to search and book against, or raises
OperatorUnavailable with the reason when the feed cannot be read or is older than its maximum
age: stale availability is never handed out as live. A failed refresh keeps the previous view
only while that view is itself still within its maximum age.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from dataclasses import dataclass, field

from maas.domain.errors import OperatorUnavailable
from maas.domain.ports import Clock
from operators.bikeshare.links import FeedLinks, read_links
from operators.gbfs import (SUPPORTED_FILES, AvailabilityIndex, Discovery, FeedSnapshot, FeedSource,
                            Finding, GbfsError, MalformedFeed, PricingPlan, RawFile, ReadOptions,
                            Station, StationStatus, StaleFeed, VehicleType, build_snapshot)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FeedView:
    """One read of the system, indexed for searching; times are the producer's `last_updated`."""

    snapshot: FeedSnapshot
    index: AvailabilityIndex
    links: FeedLinks
    fetched_at: dt.datetime
    stations: dict[str, Station] = field(default_factory=dict)
    status: dict[str, StationStatus] = field(default_factory=dict)
    types: dict[str, VehicleType] = field(default_factory=dict)
    plans: dict[str, PricingPlan] = field(default_factory=dict)

    def updated_at(self, *file_names: str) -> dt.datetime | None:
        """The latest `last_updated` among the named files that were read."""
        times = [f.last_updated for f in self.snapshot.freshness if f.file_name in file_names]
        return max(times) if times else None


def build_view(raws: list[RawFile], version: str | None, language: str | None, options: ReadOptions,
               findings: list[Finding], fetched_at: dt.datetime) -> FeedView:
    """CPU work (schema checks, parsing, indexing): run it off the event loop."""
    snapshot = build_snapshot(raws, version, language, options, findings)
    return FeedView(snapshot=snapshot, index=AvailabilityIndex(snapshot), links=read_links(raws),
                    fetched_at=fetched_at,
                    stations={s.station_id: s for s in snapshot.stations},
                    status={s.station_id: s for s in snapshot.station_status},
                    types={t.vehicle_type_id: t for t in snapshot.vehicle_types},
                    plans={p.plan_id: p for p in snapshot.pricing_plans})


async def _fetch(source: FeedSource, discovery: Discovery, name: str) -> RawFile | Finding:
    try:
        return await source.fetch(discovery, name)
    except MalformedFeed as exc:
        return Finding(name, "$", str(exc))


async def read_view(source: FeedSource, options: ReadOptions, fetched_at: dt.datetime) -> FeedView:
    """Discover and fetch the supported files concurrently, then build the view in a thread.

    Mirrors operators.gbfs.read_feed, which does not hand back the raw documents that the
    pricing-plan and return-constraint links are read from.
    """
    discovery = await source.discover()
    names = [name for name in discovery.names if name in SUPPORTED_FILES]
    fetched = await asyncio.gather(*(_fetch(source, discovery, name) for name in names))
    raws = [item for item in fetched if isinstance(item, RawFile)]
    unreadable = [item for item in fetched if isinstance(item, Finding)]
    language = options.preferred_language or discovery.language
    return await asyncio.to_thread(build_view, raws, discovery.version, language, options, unreadable,
                                   fetched_at)


class LiveFeed:
    """`min_refresh_s` spaces out reads of a feed whose ttl is 0 (refresh on every request)."""

    def __init__(self, source: FeedSource, options: ReadOptions, clock: Clock, *, name: str,
                 min_refresh_s: float = 10.0) -> None:
        self.source, self.options, self.clock, self.name = source, options, clock, name
        self.min_refresh = dt.timedelta(seconds=min_refresh_s)
        self._view: FeedView | None = None
        self._attempted_at: dt.datetime | None = None
        self._lock = asyncio.Lock()
        self.reads = 0  # completed reads, for tests and metrics

    def _due(self, now: dt.datetime) -> bool:
        if self._view is None:
            return self._attempted_at is None or now - self._attempted_at >= self.min_refresh
        if self._attempted_at is not None and now - self._attempted_at < self.min_refresh:
            return False
        snapshot = self._view.snapshot
        return (bool(snapshot.undated_files) or not snapshot.freshness
                or any(f.is_expired(now) for f in snapshot.freshness))

    async def current(self) -> FeedView:
        async with self._lock:
            now = self.clock.now()
            if self._due(now):
                await self._refresh(now)
            if self._view is None:
                raise OperatorUnavailable(f"{self.name}: the GBFS feed has not been read")
            try:
                self._view.snapshot.require_live(now)
            except StaleFeed as exc:
                log.warning("%s: no offers from a stale GBFS feed: %s", self.name, exc)
                raise OperatorUnavailable(f"{self.name}: GBFS feed is stale ({', '.join(exc.file_names)} "
                                          "older than the allowed age); no availability is offered") from exc
            return self._view

    async def _refresh(self, now: dt.datetime) -> None:
        self._attempted_at = now
        try:
            view = await read_view(self.source, self.options, now)
        except (GbfsError, OSError) as exc:
            log.warning("%s: reading the GBFS feed failed: %s", self.name, exc)
            if self._view is None or self._view.snapshot.is_stale(now):
                raise OperatorUnavailable(f"{self.name}: GBFS feed unavailable: {exc}") from exc
            return
        if view.snapshot.findings:
            first = view.snapshot.findings[0]
            log.info("%s: GBFS feed read with %d finding(s); first: %s %s: %s", self.name,
                     len(view.snapshot.findings), first.file, first.path, first.message)
        self._view = view
        self.reads += 1

    async def aclose(self) -> None:
        close = getattr(self.source, "aclose", None)
        if close is not None:
            await close()
