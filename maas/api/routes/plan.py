"""Door-to-door transit trip planning, open to anyone like the stop search."""

from __future__ import annotations

from maas.api.endpoints import Call, EndpointTable
from maas.api.schemas import PlanRequest, PlanResponse

routes = EndpointTable()


@routes.route("POST", "/v1/plan", summary="Plan a transit trip", tags=("planning",), roles=None,
              body=PlanRequest, response=PlanResponse, errors=(422,))
async def plan_trip(call: Call) -> PlanResponse:
    """From and to are stops or coordinates; give `depart_at` or `arrive_by` with an offset.
    The profile defaults to the elderly one. Errors (422): `unknown_stop`, `no_stop_nearby`
    (nothing within `max_walk_m`), `no_service` (no transit on that date), `invalid_request`.
    No connection is a 200 with no itineraries and `reason` `no_connection`; the same origin
    and destination is a 200 with one itinerary without legs and `reason` `origin_is_destination`."""
    body: PlanRequest = call.body
    return PlanResponse.of(await call.container.planning.plan(body.to_domain()))
