"""Street graphs cached as .npz files beside the compiled timetables, keyed by the OSM file's digest.

The key covers the file's SHA-256, the profile parameters and FORMAT_VERSION; a hit reads no OSM.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
from pathlib import Path

import numpy as np

from routing.npz import save_npz
from routing.streets.errors import UnreadableOsm
from routing.streets.graph import StreetGraph, build_graph
from routing.streets.profiles import StreetParams
from routing.streets.reader import read_ways

FORMAT_VERSION = 2
logger = logging.getLogger(__name__)


def osm_digest(path: str | os.PathLike[str]) -> str:
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except OSError as error:
        raise UnreadableOsm(f"{path}: cannot read the OSM file ({error})") from error
    return digest.hexdigest()


def cache_key(digest: str, params: StreetParams) -> str:
    document = {"format": FORMAT_VERSION, "osm": digest, "params": dataclasses.asdict(params)}
    return hashlib.sha256(json.dumps(document, sort_keys=True).encode()).hexdigest()


def _cache_file(cache_dir: str | os.PathLike[str], key: str) -> Path:
    return Path(cache_dir) / f"streets-{key}.npz"


def load_graph(path: str | os.PathLike[str], params: StreetParams | None = None,
               cache_dir: str | os.PathLike[str] | None = None) -> StreetGraph:
    """The street graph of an OSM file; the file is parsed only on a cache miss."""
    params = params or StreetParams()
    digest = osm_digest(path)
    key = cache_key(digest, params)
    if cache_dir is not None and (cached := _cache_file(cache_dir, key)).is_file():
        logger.debug("street graph cache hit %s", key)
        with np.load(cached, allow_pickle=False) as data:
            return StreetGraph.from_arrays({name: data[name] for name in data.files}, digest)
    graph = build_graph(read_ways(path, params), digest)
    if cache_dir is not None:
        save_npz(_cache_file(cache_dir, key), graph.arrays())
    return graph


