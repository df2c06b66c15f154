"""Compiled timetables cached as .npz files keyed by a digest of everything that shapes them.

The key covers the feed digests (in order, with their keys), the service date, the compile
parameters and FORMAT_VERSION. `load_or_compile` needs only the feed files' digests to find a
cached timetable, so a hit never parses the feeds.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from routing.gtfs import LoadedFeed, feed_digest, read_feed
from routing.timetable.compile import TimetableParams, compile_feeds, feed_keys
from routing.timetable.model import FORMAT_VERSION, Timetable

logger = logging.getLogger(__name__)


def cache_key(keys: Sequence[str], digests: Sequence[str], day: dt.date,
              params: TimetableParams) -> str:
    document = {"format": FORMAT_VERSION, "feeds": list(zip(keys, digests)),
                "date": day.isoformat(), "params": dataclasses.asdict(params)}
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
    """Write atomically (temp file then rename) so a reader never sees half a file."""
    path = _cache_file(cache_dir, key)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".npz.tmp")
    try:
        arrays: dict[str, Any] = timetable.arrays()  # Any: savez's stubs type **kwds as its flags
        with os.fdopen(fd, "wb") as handle:
            np.savez(handle, **arrays)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def compile_timetable(feeds: Sequence[LoadedFeed], date: dt.date, *,
                      params: TimetableParams = TimetableParams(),
                      cache_dir: str | os.PathLike | None = None) -> Timetable:
    """Compile already loaded feeds, reusing or filling the cache when cache_dir is given."""
    keys = feed_keys([f.source for f in feeds])
    key = cache_key(keys, [f.digest for f in feeds], date, params)
    if cache_dir is not None and (hit := load_cached(cache_dir, key)) is not None:
        return hit
    timetable = compile_feeds(feeds, keys, date, params)
    if cache_dir is not None:
        save_cached(cache_dir, key, timetable)
    return timetable


def load_or_compile(paths: Sequence[str | os.PathLike], date: dt.date,
                    params: TimetableParams = TimetableParams(),
                    cache_dir: str | os.PathLike | None = None) -> Timetable:
    """The timetable of feed files for a date; the feeds are parsed only on a cache miss."""
    keys = feed_keys(paths)
    key = cache_key(keys, [feed_digest(p) for p in paths], date, params)
    if cache_dir is not None and (hit := load_cached(cache_dir, key)) is not None:
        logger.debug("timetable cache hit %s", key)
        return hit
    timetable = compile_feeds([read_feed(p) for p in paths], keys, date, params)
    if cache_dir is not None:
        save_cached(cache_dir, key, timetable)
    return timetable
