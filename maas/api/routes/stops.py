"""Stop search by name and by position, open to anyone planning a trip."""

from __future__ import annotations

from maas.api.endpoints import Call, EndpointTable
from maas.api.schemas import NearbyStopsQuery, StopList, StopOut, StopSearchQuery

routes = EndpointTable()


@routes.route("GET", "/v1/stops", summary="Find stops by name", tags=("stops",), roles=None,
              query=StopSearchQuery, response=StopList)
async def search_stops(call: Call) -> StopList:
    """Matches kanji, kana (hiragana or katakana, any width) and English names; exact and prefix matches first."""
    query: StopSearchQuery = call.query
    return StopList(items=[StopOut.of(m) for m in await call.container.stops.search(query.q, limit=query.limit)])


@routes.route("GET", "/v1/stops/nearby", summary="Stops near a position", tags=("stops",), roles=None,
              query=NearbyStopsQuery, response=StopList)
async def nearby_stops(call: Call) -> StopList:
    """Nearest first, by straight-line distance, within `radius_m`."""
    query: NearbyStopsQuery = call.query
    matches = await call.container.stops.nearby(query.lat, query.lon, radius_m=query.radius_m, limit=query.limit)
    return StopList(items=[StopOut.of(m) for m in matches])
