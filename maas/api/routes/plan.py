"""Door-to-door transit trip planning, open to anyone like the stop search."""

from __future__ import annotations

from maas.api import localize
from maas.api.endpoints import Call, EndpointTable
from maas.api.riders import rider_of
from maas.api.schemas import PlanRequest, PlanResponse
from maas.api.trip_option_schemas import TripOptionsRequest, TripOptionsResponse
from maas.domain.accounts import GeoPoint
from maas.domain.door_to_door import OperatorLeg
from maas.domain.planning import Money, TransitLeg
from maas.domain.transit_tickets import TRANSIT_OPERATOR, ride_mode

routes = EndpointTable()


@routes.route("POST", "/v1/plan", summary="Plan a transit trip", tags=("planning",), roles=None,
              body=PlanRequest, response=PlanResponse, errors=(422,), limit="expensive")
async def plan_trip(call: Call) -> PlanResponse:
    """From and to are stops or coordinates; give `depart_at` or `arrive_by` with an offset.
    The profile defaults to the elderly one. Errors (422): `unknown_stop`, `no_stop_nearby`
    (nothing within `max_walk_m`), `no_service` (no transit on that date), `invalid_request`.
    No connection is a 200 with no itineraries and `reason` `no_connection`; the same origin
    and destination is a 200 with one itinerary without legs and `reason` `origin_is_destination`.

    Signed in, the legs' ticket offers are issued for the account (staff plan for a rider with
    `for_rider`): booking them as anyone else is 403 `offer_not_yours`."""
    body: PlanRequest = call.body
    plan = await call.container.planning.plan(body.to_domain(), await rider_of(call, body.for_rider))
    return PlanResponse.of(await localize.plan(call.container, plan))


@routes.route("POST", "/v1/plan/door-to-door", summary="Door-to-door options over every mode",
              tags=("planning",), roles=None, body=TripOptionsRequest, response=TripOptionsResponse,
              errors=(401, 404, 422), limit="expensive")
async def plan_door_to_door(call: Call) -> TripOptionsResponse:
    """Transit, operators' direct rides (taxi, on-demand van, shared bike or car) and transit
    with a ride for the first or last mile, each leg with its operator, offer id, price and
    booking conditions. `from` and `to` must be coordinates; give `depart_at` (leave no sooner)
    or `arrive_by` (the latest departures that still arrive by then, still ahead). Rides to or
    from a train are timed to it: the rider reaches the platform the profile's `min_transfer_s`
    before it leaves, and is picked up that long after it arrives; `waits_s` shows every wait.
    An operator that does not answer in time, or does not take the trip, is listed in
    `unavailable_operators`.

    Signed in, the trip is planned for the account: its needs (a wheelchair) and entitlements
    (age) shape the options, and every offer is issued for it: booking it as anyone else is
    403 `offer_not_yours`. Call-centre staff plan for a rider with `for_rider` (404 for no such
    account, 422 `not_a_rider` for a staff account; 422 when a rider names someone else)."""
    body: TripOptionsRequest = call.body
    rider = await rider_of(call, body.for_rider)
    plan = await call.container.door_to_door.plan(body.to_request(), rider)
    fares = call.container.rider_fares
    passes = await call.container.passes.valid_for(rider.account_id) if rider is not None else []
    prices: dict[str, Money] = {}
    for option in plan.options:
        for leg in option.legs:
            # Rides with a ticket offer: the operator's price, or a transit fare sold by the platform.
            if isinstance(leg, OperatorLeg):
                seller, mode, price = leg.operator_id, leg.mode, leg.price
            elif isinstance(leg, TransitLeg) and leg.offer_id and leg.fare is not None:
                seller, mode, price = TRANSIT_OPERATOR, ride_mode(leg.route_type), leg.fare
            else:
                continue
            prices[leg.offer_id] = fares.rider_price(
                operator_id=seller, mode=mode, price=price, origin=GeoPoint(lat=leg.origin.lat, lon=leg.origin.lon),
                destination=GeoPoint(lat=leg.destination.lat, lon=leg.destination.lon), departure=leg.departure,
                rider=rider, passes=passes)
    return TripOptionsResponse.of(plan, prices)
