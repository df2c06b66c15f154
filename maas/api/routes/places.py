"""Points of interest: hospitals, clinics, shops, the town hall, stations."""

from __future__ import annotations

from maas.api.endpoints import ANY_ROLE, Call, EndpointTable
from maas.api.schemas import PlaceList, PlaceOut, PlaceQuery

routes = EndpointTable()


@routes.route("GET", "/v1/places", summary="Places riders travel to", tags=("places",), roles=ANY_ROLE,
              query=PlaceQuery, response=PlaceList)
async def list_places(call: Call) -> PlaceList:
    query: PlaceQuery = call.query
    category = query.category.value if query.category is not None else None
    places = await call.container.places.list_places(region_id=query.region_id, category=category)
    return PlaceList(items=[PlaceOut.of(p) for p in places])
