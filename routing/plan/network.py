"""A federated feed set as one network: the timetable of the feeds' whole calendar, fares,
timezone.

`Network(sources, cache_dir=..., feeds=CompiledFeeds(...))` takes each feed from the shared
store of compiled feeds (memory, else the .npz cache keyed by that feed's digest, which the
sources carry so that a warm start never reads or hashes the feeds, else compiled) and links
them (routing.timetable.link) on first use; the linked network is cached whole too
("timetable-network-…", keyed by every feed's cache key), so a restart reads one file. Every date of the calendar is then answered by the
same arrays: a planner of a date is the network with that date's trip mask, made in
milliseconds and kept in a small LRU. A date on which nothing runs raises NoService. A feed
that fails to compile is left out and named in `failures`; the others serve. Safe to share
between threads; a network never changes once linked (a new feed set is a new Network).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import logging
import os
import threading
import zipfile
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from routing.fares import FareSet
from routing.plan.errors import NoService
from routing.plan.feeds import CompiledFeed, CompiledFeeds
from routing.plan.planner import Planner, RouterPool
from routing.timetable.cache import cache_key, load_cached, save_cached
from routing.timetable.compile import feed_keys
from routing.timetable.link import link_feeds
from routing.timetable.model import Timetable
from routing.timetable.params import TimetableParams

logger = logging.getLogger(__name__)

DEFAULT_FOOTPATH_RADIUS_M = 1000  # the longest transfer walk any profile may ask for
DEFAULT_MAX_DATES = 8  # planners kept per network; each is only a trip mask


@dataclass(frozen=True)
class FeedSource:
    path: Path  # a zip or a folder; its name (without .zip) becomes the feed key
    digest: str  # routing.gtfs.feed_digest of the files
    timezone: str = ""  # the agency timezone; read from agency.txt when empty


@dataclass(frozen=True)
class _Linked:
    timetable: Timetable
    fares: FareSet
    pool: RouterPool
    failures: dict[str, str]


class Network:
    def __init__(self, sources: Sequence[FeedSource], *, cache_dir: str | os.PathLike | None = None,
                 footpath_radius_m: int = DEFAULT_FOOTPATH_RADIUS_M,
                 max_dates: int = DEFAULT_MAX_DATES, feeds: CompiledFeeds | None = None) -> None:
        self.sources = tuple(sources)
        self.keys = tuple(feed_keys([s.path for s in self.sources]))
        self.cache_dir = None if cache_dir is None else Path(cache_dir)
        self.params = TimetableParams(footpath_radius_m=footpath_radius_m)
        self.max_dates = max_dates
        self.feeds = feeds if feeds is not None else CompiledFeeds(self.cache_dir)
        self._planners: OrderedDict[dt.date, Planner] = OrderedDict()
        self._lock = threading.Lock()
        self._link_lock = threading.Lock()
        self._linked: _Linked | None = None

    @cached_property
    def timezone(self) -> ZoneInfo:
        """The first feed's agency timezone (federated feeds are assumed to share it); UTC
        when none can be read."""
        for source in self.sources:
            name = source.timezone or feed_timezone(source.path)
            if name:
                try:
                    return ZoneInfo(name)
                except (ZoneInfoNotFoundError, ValueError):
                    logger.warning("feed %s names an unknown timezone %r", source.path, name)
        return ZoneInfo("UTC")

    def link(self) -> _Linked:
        """Every feed compiled (or taken from the store) and linked; done once per network.
        A linked network without failures is cached whole too, so a restart reads one file
        instead of one per feed."""
        with self._link_lock:
            if self._linked is None:
                self._linked = self._linked_from_cache() or self._link_feeds()
            return self._linked

    def _link_feeds(self) -> _Linked:
        parts: list[CompiledFeed] = []
        failures: dict[str, str] = {}
        for source, key in zip(self.sources, self.keys):
            try:
                parts.append(self.feeds.get(source, key, self.params))
            except Exception as exc:  # one broken feed must not take the others down
                logger.exception("feed %s failed to compile", source.path)
                failures[key] = f"{type(exc).__name__}: {exc}"
        timetable = (link_feeds([p.timetable for p in parts], self.params) if parts
                     else Timetable.empty())
        if parts and not failures and len(parts) > 1 and self.cache_dir is not None:
            save_cached(self.cache_dir, self._network_key(), timetable)
        fares = FareSet({p.key: p.fares for p in parts})
        return _Linked(timetable, fares, RouterPool(timetable), failures)

    def _network_key(self) -> str:
        feeds = [cache_key(k, s.digest, self.params) for k, s in zip(self.keys, self.sources)]
        return "network-" + hashlib.sha256(json.dumps(feeds).encode()).hexdigest()

    def _linked_from_cache(self) -> _Linked | None:
        if self.cache_dir is None or len(self.sources) < 2:
            return None
        loaders = {k: self.feeds.cached_fares(s, k) for k, s in zip(self.keys, self.sources)}
        if any(loader is None for loader in loaders.values()):
            return None
        timetable = load_cached(self.cache_dir, self._network_key())
        if timetable is None:
            return None
        fares = FareSet({k: loader for k, loader in loaders.items() if loader is not None})
        return _Linked(timetable, fares, RouterPool(timetable), {})

    @property
    def timetable(self) -> Timetable:
        return self.link().timetable

    @property
    def failures(self) -> dict[str, str]:
        """Feed key -> why it failed to compile, for the feeds left out."""
        return dict(self.link().failures)

    def planner(self, day: dt.date, *, allow_empty: bool = False) -> Planner:
        """The planner of one service date; raises NoService when no trip runs that day
        (unless allow_empty: its stops can still be looked up)."""
        if not self.sources:
            raise NoService("no transit feeds are loaded", day=day)
        linked = self.link()
        with self._lock:
            planner = self._planners.get(day)
            if planner is None:
                planner = self._planners[day] = Planner(linked.timetable, linked.fares, day=day,
                                                        pool=linked.pool)
                while len(self._planners) > self.max_dates:
                    self._planners.popitem(last=False)
            self._planners.move_to_end(day)
        if not planner.has_service and not allow_empty:
            raise NoService(f"no transit service on {day.isoformat()}", day=day)
        return planner


def _agency_bytes(path: Path) -> bytes | None:
    if path.is_dir():
        for candidate in [path / "agency.txt", *sorted(path.glob("*/agency.txt"))]:
            if candidate.is_file():
                return candidate.read_bytes()
        return None
    try:
        with zipfile.ZipFile(path) as archive:
            names = sorted((n for n in archive.namelist()
                            if n.lower().rsplit("/", 1)[-1] == "agency.txt"
                            and not n.startswith("__MACOSX")), key=lambda n: n.count("/"))
            return archive.read(names[0]) if names else None
    except (OSError, zipfile.BadZipFile):
        return None


def feed_timezone(path: str | os.PathLike) -> str:
    """The first agency_timezone in a feed's agency.txt (read alone, not the whole feed)."""
    data = _agency_bytes(Path(path))
    if data is None:
        return ""
    reader = csv.DictReader(io.StringIO(data.decode("utf-8-sig", errors="replace")))
    for row in reader:
        for column, value in row.items():
            if column and column.strip() == "agency_timezone" and value and value.strip():
                return value.strip()
    return ""
