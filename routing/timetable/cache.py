"""Compiled feeds cached as .npz files, one per feed, keyed by what shapes it.

The key covers the feed's key (its ids carry it) and digest, the compile parameters and
FORMAT_VERSION, never the date (a compiled feed holds its whole calendar) nor the other feeds
(they are linked after loading, routing.timetable.link). A hit never parses the feed, and a
changed feed recompiles alone.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import logging
import os
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from routing.gtfs import LoadedFeed, feed_digest, read_feed
from routing.npz import save_npz
from routing.timetable.compile import compile_feed, feed_keys
from routing.timetable.day import timetable_on_day
from routing.timetable.link import link_feeds
from routing.timetable.model import FORMAT_VERSION, Timetable
from routing.timetable.params import TimetableParams

logger = logging.getLogger(__name__)


def cache_key(key: str, digest: str, params: TimetableParams) -> str:
    """The cache key of one feed compiled under its key (ids carry it) with params."""
    document = {"format": FORMAT_VERSION, "feed": [key, digest],
                "params": dataclasses.asdict(params)}
    return hashlib.sha256(json.dumps(document, sort_keys=True).encode()).hexdigest()


def _cache_file(cache_dir: str | os.PathLike, key: str) -> Path:
    return Path(cache_dir) / f"timetable-{key}.npz"


def load_cached(cache_dir: str | os.PathLike, key: str) -> Timetable | None:
    path = _cache_file(cache_dir, key)
    if not path.is_file():
        return None
    with np.load(path, allow_pickle=False) as data:
        return Timetable.from_arrays({name: data[name] for name in data.files})


def save_cached(cache_dir: str | os.PathLike, key: str, timetable: Timetable) -> Path:
    return save_npz(_cache_file(cache_dir, key), timetable.arrays())


def load_or_compile_feed(key: str, digest: str, read: Callable[[], LoadedFeed],
                         params: TimetableParams,
                         cache_dir: str | os.PathLike | None = None) -> Timetable:
    """One feed's calendar timetable from the cache, or compiled (read() parses the feed only
    then) and cached."""
    name = cache_key(key, digest, params)
    if cache_dir is not None and (hit := load_cached(cache_dir, name)) is not None:
        logger.debug("timetable cache hit %s (%s)", name, key)
        return hit
    timetable = compile_feed(read(), key, params)
    if cache_dir is not None:
        save_cached(cache_dir, name, timetable)
    return timetable


def _given(feed: LoadedFeed) -> Callable[[], LoadedFeed]:
    return lambda: feed


def _reader(path: str | os.PathLike[str]) -> Callable[[], LoadedFeed]:
    return lambda: read_feed(path)


def compile_timetable(feeds: Sequence[LoadedFeed], date: dt.date, *,
                      params: TimetableParams = TimetableParams(),
                      cache_dir: str | os.PathLike | None = None) -> Timetable:
    """Already loaded feeds cut to one date, each feed reused from or written to the cache
    when cache_dir is given."""
    keys = feed_keys([f.source for f in feeds])
    parts = [load_or_compile_feed(k, f.digest, _given(f), params, cache_dir)
             for f, k in zip(feeds, keys)]
    return timetable_on_day(link_feeds(parts, params), date)


def load_calendar(paths: Sequence[str | os.PathLike], params: TimetableParams = TimetableParams(),
                  cache_dir: str | os.PathLike | None = None) -> Timetable:
    """The whole-calendar timetable of feed files; a feed is parsed only on its cache miss."""
    keys = feed_keys(paths)
    parts = [load_or_compile_feed(k, feed_digest(p), _reader(p), params, cache_dir)
             for p, k in zip(paths, keys)]
    return link_feeds(parts, params)


def load_or_compile(paths: Sequence[str | os.PathLike], date: dt.date,
                    params: TimetableParams = TimetableParams(),
                    cache_dir: str | os.PathLike | None = None) -> Timetable:
    """The timetable of feed files cut to one date (see load_calendar)."""
    return timetable_on_day(load_calendar(paths, params, cache_dir), date)
