"""Stop search by name and by position, open to anyone planning a trip."""

from __future__ import annotations

from maas.api import localize
from maas.api.endpoints import Call, EndpointTable
from maas.api.schemas import DepartureBoardOut, DeparturesQuery, NearbyStopsQuery, StopList, StopOut, StopSearchQuery

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


@routes.route("GET", "/v1/stops/{stop_id}/departures", summary="Next departures at a stop", tags=("stops",),
              roles=None, query=DeparturesQuery, response=DepartureBoardOut, errors=(404,))
async def stop_departures(call: Call) -> DepartureBoardOut:
    """Scheduled departures from `from` (default now) on that service day, earliest first. `stop_id` is
    `feed:stop_id` or the feed's own id; a station lists its platforms' departures. 404 for an unknown
    stop; 422 `no_service` when nothing runs that day."""
    query: DeparturesQuery = call.query
    board = await call.container.planning.departures(call.path("stop_id"), at=query.from_, limit=query.limit)
    return DepartureBoardOut.of(await localize.board(call.container, board))
