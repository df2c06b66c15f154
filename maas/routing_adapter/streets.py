"""The street router the operators drive on, built from MAAS_OSM_FILE (graph cached by the file's digest)."""

from __future__ import annotations

import logging
from pathlib import Path

from routing.streets import StreetRouter, load_graph

logger = logging.getLogger(__name__)


def load_street_router(osm_file: Path, cache_dir: Path) -> StreetRouter:
    """Reads the file (UnreadableOsm when it holds no streets) or its cached graph."""
    graph = load_graph(osm_file, cache_dir=cache_dir)
    logger.info("streets from %s: %d vertices, %d edges", osm_file, graph.vertex_count, graph.edge_count)
    return StreetRouter(graph)
