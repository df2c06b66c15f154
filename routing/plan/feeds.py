"""Compiled feeds kept in memory and on disk, one entry per feed, keyed by its own digest.

`CompiledFeeds.get(source, key, params)` returns a feed's whole-calendar timetable and fare
table (read on first use: some feeds carry a million fare rules): from memory, else from the .npz cache ("timetable-…" and "fares-…" keyed by the feed's
key, digest, parameters and format), else parsed and compiled once. A network of many feeds
asks for each, so replacing one feed compiles that feed alone. The counters say how often each
path was taken (tests assert that a new date compiles nothing). Safe to share between threads;
a feed is compiled by one thread at a time.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from routing.fares import FORMAT_VERSION as FARES_FORMAT
from routing.fares import FareTable, compile_fares
from routing.gtfs import LoadedFeed, read_feed
from routing.npz import save_npz
from routing.timetable.cache import cache_key, load_cached, save_cached
from routing.timetable.compile import compile_feed
from routing.timetable.model import Timetable
from routing.timetable.params import TimetableParams


class Source(Protocol):
    @property
    def path(self) -> Path: ...

    @property
    def digest(self) -> str: ...


@dataclass(frozen=True)
class CompiledFeed:
    key: str
    digest: str
    timetable: Timetable
    fares: Callable[[], FareTable]  # read from the cache on first call (large fare tables)


class CompiledFeeds:
    def __init__(self, cache_dir: str | os.PathLike | None = None) -> None:
        self.cache_dir = None if cache_dir is None else Path(cache_dir)
        self._memory: dict[tuple[str, str, TimetableParams], CompiledFeed] = {}
        self._locks: dict[tuple[str, str, TimetableParams], threading.Lock] = {}
        self._lock = threading.Lock()
        self.compiled = 0  # feeds parsed and compiled
        self.loaded = 0  # feeds read from the .npz cache

    def get(self, source: Source, key: str, params: TimetableParams) -> CompiledFeed:
        entry = (key, source.digest, params)
        with self._lock:
            found = self._memory.get(entry)
            if found is not None:
                return found
            lock = self._locks.setdefault(entry, threading.Lock())
        with lock:
            with self._lock:
                found = self._memory.get(entry)
            if found is None:
                found = self._load_or_compile(source, key, params)
                with self._lock:
                    self._memory[entry] = found
            return found

    def cached_fares(self, source: Source, key: str) -> Callable[[], FareTable] | None:
        """A loader of the feed's cached fare table, None when the feed is not cached."""
        if self.cache_dir is None:
            return None
        path = self.cache_dir / f"fares-{_fares_key(key, source.digest)}.npz"
        return _fares_from(path) if path.is_file() else None

    def retain(self, keep: Iterable[tuple[str, str]]) -> None:
        """Forget compiled feeds whose (key, digest) is not in keep (replaced or removed)."""
        wanted = set(keep)
        with self._lock:
            for entry in [e for e in self._memory if (e[0], e[1]) not in wanted]:
                del self._memory[entry]
                self._locks.pop(entry, None)

    def _load_or_compile(self, source: Source, key: str, params: TimetableParams) -> CompiledFeed:
        name = cache_key(key, source.digest, params)
        fares_path = None if self.cache_dir is None else self.cache_dir / f"fares-{_fares_key(key, source.digest)}.npz"
        if self.cache_dir is not None and fares_path is not None and fares_path.is_file():
            timetable = load_cached(self.cache_dir, name)
            if timetable is not None:
                self.loaded += 1
                return CompiledFeed(key, source.digest, timetable, _fares_from(fares_path))
        loaded: LoadedFeed = read_feed(source.path)
        timetable = compile_feed(loaded, key, params)
        fares = compile_fares([loaded], [key])
        self.compiled += 1
        if self.cache_dir is not None and fares_path is not None:
            save_cached(self.cache_dir, name, timetable)
            save_npz(fares_path, fares.arrays())
        return CompiledFeed(key, source.digest, timetable, lambda: fares)


def _fares_from(path: Path) -> Callable[[], FareTable]:
    def load() -> FareTable:
        with np.load(path, allow_pickle=False) as data:
            return FareTable.from_arrays({n: data[n] for n in data.files})
    return load


def _fares_key(key: str, digest: str) -> str:
    document = {"format": FARES_FORMAT, "feed": [key, digest]}
    return hashlib.sha256(json.dumps(document, sort_keys=True).encode()).hexdigest()


