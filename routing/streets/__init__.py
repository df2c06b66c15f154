"""Street networks from OpenStreetMap: graph, profiles, snapping, searches (see docs/streets.md)."""

from routing.streets.cache import load_graph, osm_digest
from routing.streets.errors import StreetError, TooFarFromStreet, UnknownProfile, Unreachable, UnreadableOsm
from routing.streets.graph import StreetGraph, build_graph
from routing.streets.profiles import PROFILES, StreetParams
from routing.streets.reader import read_ways
from routing.streets.search import StreetMatrix, StreetPath, StreetRouter

__all__ = [
    "PROFILES", "StreetError", "StreetGraph", "StreetMatrix", "StreetParams", "StreetPath", "StreetRouter",
    "TooFarFromStreet", "UnknownProfile", "Unreachable", "UnreadableOsm", "build_graph", "load_graph",
    "osm_digest", "read_ways",
]
