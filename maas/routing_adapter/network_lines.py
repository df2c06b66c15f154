"""The network drawn on report maps: each route as the line of its longest trip's stops, and the stops.

JSON values only: routes as {route_id, name, color, coordinates: [[lon, lat], ...]} (GeoJSON order), stops as
{id, name, lat, lon}. At most MAX_ROUTES routes and MAX_STOPS stops (the first in feed order): a map of a
town needs no more, and a national feed set must not fill a report's summary.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from routing.gtfs import LoadedFeed

MAX_ROUTES = 300
MAX_STOPS = 3000


def network_lines(feeds: Sequence[LoadedFeed]) -> dict[str, Any]:
    routes: list[dict[str, Any]] = []
    stops: list[dict[str, Any]] = []
    for loaded in feeds:
        feed = loaded.feed
        if feed.stops is None or feed.trips is None or feed.stop_times is None or feed.routes is None:
            continue
        where = {str(r.stop_id): (float(r.stop_lat), float(r.stop_lon), str(r.stop_name))
                 for r in feed.stops.itertuples(index=False)}
        times = feed.stop_times.assign(trip_id=feed.stop_times["trip_id"].astype(str))
        counts = times.groupby("trip_id").size()
        for route in feed.routes.itertuples(index=False):
            if len(routes) >= MAX_ROUTES:
                break
            trips = feed.trips.loc[feed.trips["route_id"].astype(str) == str(route.route_id), "trip_id"].astype(str)
            trips = [t for t in trips if t in counts.index]
            if not trips:
                continue
            longest = max(trips, key=lambda t: (int(counts[t]), t))
            calls = times[times["trip_id"] == longest].sort_values("stop_sequence")["stop_id"].astype(str)
            coordinates = [[where[s][1], where[s][0]] for s in calls if s in where]
            name = _text(route, "route_long_name") or _text(route, "route_short_name") or str(route.route_id)
            color = _text(route, "route_color")
            routes.append({"route_id": str(route.route_id), "name": name,
                           "color": f"#{color}" if len(color) == 6 else "#555555", "coordinates": coordinates})
        served = set(times["stop_id"].astype(str))
        for stop_id, (lat, lon, name) in where.items():
            if stop_id in served and len(stops) < MAX_STOPS:
                stops.append({"id": stop_id, "name": name, "lat": lat, "lon": lon})
    return {"routes": routes, "stops": stops}


def _text(row: Any, column: str) -> str:
    value = getattr(row, column, None)
    return "" if value is None or pd.isna(value) else str(value).strip()
