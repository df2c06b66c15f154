"""Is a point in a zone: even-odd ray casting over polygon edges, or near a member stop."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from routing.flex.model import DEFAULT_STOP_RADIUS_M, Zone, ZoneKind
from routing.geodesy import haversine_m


def ring_edges(ring: np.ndarray) -> np.ndarray:
    """(lon1, lat1, lon2, lat2) rows for a closed ring given as (n, 2) lon/lat points."""
    return np.hstack([ring[:-1], ring[1:]])


def points_in_edges(lat_deg: np.ndarray, lon_deg: np.ndarray, edges_deg: np.ndarray) -> np.ndarray:
    """Even-odd rule over every ring at once, so a hole (or a second polygon) needs no special case.

    A ray toward +lon crosses an edge when the edge straddles the point's latitude (half-open, so
    a vertex on the ray counts once) and the crossing lies east of the point.
    """
    lat = np.asarray(lat_deg, dtype=np.float64)[:, None]
    lon = np.asarray(lon_deg, dtype=np.float64)[:, None]
    x1, y1, x2, y2 = (edges_deg[:, k][None, :] for k in range(4))
    straddles = (y1 > lat) != (y2 > lat)
    # Horizontal edges never straddle; a dummy divisor keeps them from dividing by zero.
    dy = np.where(y2 == y1, 1.0, y2 - y1)
    crossing_lon = x1 + (lat - y1) * (x2 - x1) / dy
    crossings = (straddles & (lon < crossing_lon)).sum(axis=1)
    return crossings % 2 == 1


def distance_m(lat1_deg: float, lon1_deg: float, lat2_deg: np.ndarray, lon2_deg: np.ndarray) -> np.ndarray:
    """Great-circle distances from one point to many."""
    return haversine_m(lat1_deg, lon1_deg, lat2_deg, lon2_deg)


def in_zone(zone: Zone, lat_deg: float, lon_deg: float, *, stop_radius_m: float = DEFAULT_STOP_RADIUS_M) -> bool:
    """Inside an area zone's polygon, or within stop_radius_m of a stop-based zone's member stop."""
    if zone.kind is ZoneKind.AREA:
        if len(zone.edges_deg) == 0:
            return False
        return bool(points_in_edges(np.array([lat_deg]), np.array([lon_deg]), zone.edges_deg)[0])
    if len(zone.stop_lat_deg) == 0:
        return False
    return bool((distance_m(lat_deg, lon_deg, zone.stop_lat_deg, zone.stop_lon_deg) <= stop_radius_m).any())


def zones_containing(zones: Mapping[str, Zone], lat_deg: float, lon_deg: float, *,
                     stop_radius_m: float = DEFAULT_STOP_RADIUS_M) -> set[str]:
    """Ids of every zone in the mapping that holds the point."""
    return {zone_id for zone_id, zone in zones.items()
            if in_zone(zone, lat_deg, lon_deg, stop_radius_m=stop_radius_m)}
