"""Door-to-door transit trip planning, open to anyone like the stop search."""

from __future__ import annotations

from maas.api import localize
from maas.api.endpoints import Call, EndpointTable
from maas.api.schemas import PlanRequest, PlanResponse
from maas.api.trip_option_schemas import TripOptionsRequest, TripOptionsResponse

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
    plan = await call.container.planning.plan(body.to_domain())
    return PlanResponse.of(await localize.plan(call.container, plan))


@routes.route("POST", "/v1/plan/door-to-door", summary="Door-to-door options over every mode",
              tags=("planning",), roles=None, body=TripOptionsRequest, response=TripOptionsResponse,
              errors=(422,))
async def plan_door_to_door(call: Call) -> TripOptionsResponse:
    """Transit, operators' direct rides (taxi, on-demand van, shared bike or car) and transit
    with a ride for the first or last mile, each leg with its operator, offer id, price and
    booking conditions. `from` and `to` must be coordinates and the time `depart_at`. An
    operator that does not answer in time is listed in `unavailable_operators`."""
    body: TripOptionsRequest = call.body
    return TripOptionsResponse.of(await call.container.door_to_door.plan(body.to_request()))
