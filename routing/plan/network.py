"""A federated feed set as one network: the timetable of each service date, fares, timezone.

`Network(sources, cache_dir=...)` keeps the planners of the last few service dates in memory
(an LRU) and compiles a date on first use, or loads it from the .npz cache keyed by the feeds'
digests, which the sources carry so that a warm start never reads or hashes the feeds. Fares
(date independent) are cached the same way in "fares-<key>.npz". A date on which nothing runs
raises NoService (its empty timetable is remembered in memory, never written to disk). Safe to
share between threads; one date is compiled at a time.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import logging
import os
import tempfile
import threading
import zipfile
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np

from routing.fares import FORMAT_VERSION as FARES_FORMAT
from routing.fares import FareTable, compile_fares
from routing.gtfs import LoadedFeed, read_feed
from routing.plan.errors import NoService
from routing.plan.planner import Planner
from routing.timetable.cache import cache_key, load_cached, save_cached
from routing.timetable.compile import TimetableParams, compile_feeds, feed_keys

logger = logging.getLogger(__name__)

DEFAULT_FOOTPATH_RADIUS_M = 1000  # the longest transfer walk any profile may ask for
DEFAULT_MAX_DATES = 4


@dataclass(frozen=True)
class FeedSource:
    path: Path  # a zip or a folder; its name (without .zip) becomes the feed key
    digest: str  # routing.gtfs.feed_digest of the files
    timezone: str = ""  # the agency timezone; read from agency.txt when empty


class Network:
    def __init__(self, sources: Sequence[FeedSource], *, cache_dir: str | os.PathLike | None = None,
                 footpath_radius_m: int = DEFAULT_FOOTPATH_RADIUS_M,
                 max_dates: int = DEFAULT_MAX_DATES) -> None:
        self.sources = tuple(sources)
        self.keys = tuple(feed_keys([s.path for s in self.sources]))
        self.cache_dir = None if cache_dir is None else Path(cache_dir)
        self.params = TimetableParams(footpath_radius_m=footpath_radius_m)
        self.max_dates = max_dates
        self._planners: OrderedDict[dt.date, Planner] = OrderedDict()
        self._fares: FareTable | None = None
        self._lock = threading.Lock()

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

    def planner(self, day: dt.date, *, allow_empty: bool = False) -> Planner:
        """The planner of one service date; raises NoService when no trip runs that day
        (unless allow_empty: its stops can still be looked up)."""
        if not self.sources:
            raise NoService("no transit feeds are loaded", day=day)
        with self._lock:
            if day not in self._planners:
                self._planners[day] = self._build(day)
                while len(self._planners) > self.max_dates:
                    self._planners.popitem(last=False)
            self._planners.move_to_end(day)
            planner = self._planners[day]
        if planner.timetable.n_trips == 0 and not allow_empty:
            raise NoService(f"no transit service on {day.isoformat()}", day=day)
        return planner

    def _build(self, day: dt.date) -> Planner:
        loaded: list[LoadedFeed] = []

        def feeds() -> list[LoadedFeed]:
            if not loaded:
                loaded.extend(read_feed(s.path) for s in self.sources)
            return loaded

        digests = [s.digest for s in self.sources]
        key = cache_key(self.keys, digests, day, self.params)
        timetable = load_cached(self.cache_dir, key) if self.cache_dir is not None else None
        if timetable is None:
            timetable = compile_feeds(feeds(), self.keys, day, self.params)
            if self.cache_dir is not None and timetable.n_trips > 0:
                save_cached(self.cache_dir, key, timetable)
        if timetable.n_trips == 0:
            return Planner(timetable, None)
        if self._fares is None:
            self._fares = self._load_fares(feeds)
        return Planner(timetable, self._fares)

    def _load_fares(self, feeds: Callable[[], list[LoadedFeed]]) -> FareTable:
        document = {"format": FARES_FORMAT, "feeds": [[k, s.digest]
                                                      for k, s in zip(self.keys, self.sources)]}
        key = hashlib.sha256(json.dumps(document, sort_keys=True).encode()).hexdigest()
        path = None if self.cache_dir is None else self.cache_dir / f"fares-{key}.npz"
        if path is not None and path.is_file():
            with np.load(path, allow_pickle=False) as data:
                return FareTable.from_arrays({name: data[name] for name in data.files})
        table = compile_fares(feeds(), list(self.keys))
        if path is not None:
            _save_npz(path, table.arrays())
        return table


def _save_npz(path: Path, arrays: dict[str, Any]) -> None:  # Any: savez's stubs type **kwds as flags
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".npz.tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            np.savez(handle, **arrays)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


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
