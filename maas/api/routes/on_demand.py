"""On-demand rides: riders and call-centre staff quote, book, see and cancel; drivers' systems
fetch manifests and report pickups, drop-offs and no-shows."""

from __future__ import annotations

from maas.api.endpoints import Binary, Call, EndpointTable
from maas.api.on_demand_schemas import (REPORT_KINDS, ManifestList, ManifestOut, ManifestQuery, RideBookRequest,
                                        RideList, RideListQuery, RideOfferOut, RideOut, RideQuoteRequest,
                                        RideReportRequest, VehiclePositionsQuery)
from maas.api.riders import rider_of
from maas.domain.accounts import Principal, Role
from maas.domain.passes import RiderPass
from maas.domain.riders import RiderContext

routes = EndpointTable()
RIDERS = (Role.RIDER, Role.AGENT, Role.ADMIN)
DRIVERS = (Role.OPERATOR, Role.ADMIN)
TAGS = ("on-demand",)
BASE = "/v1/on-demand/{operator_id}"


async def _passes_of(call: Call, rider: RiderContext | None) -> list[RiderPass]:
    """The rider's passes, so a quote shows what the booking will charge."""
    return await call.container.passes.valid_for(rider.account_id) if rider is not None else []


def _principal(call: Call) -> Principal:
    assert call.principal is not None
    return call.principal


@routes.route("POST", f"{BASE}/quotes", summary="Quote an on-demand ride", tags=TAGS, roles=RIDERS,
              body=RideQuoteRequest, response=RideOfferOut, errors=(404, 422))
async def quote_ride(call: Call) -> RideOfferOut:
    """A pickup window, a latest arrival (`arrive_by` when asked) and a price, or 422 `ride_refused`
    with `fields.refusal`: outside_area, outside_hours, notice_too_short, too_early,
    party_too_large, no_capacity or cannot_arrive_in_time. Quoted for the
    caller, or the rider staff name in `for_rider`: their account's needs are added to those
    asked for, and only they can book the offer (403 `offer_not_yours` for anyone else)."""
    rider = await rider_of(call, call.body.for_rider)
    offer = await call.container.on_demand.quote(call.path("operator_id"), call.body.to_query(), rider)
    price = call.container.rider_fares.rider_price(operator_id=offer.operator_id, mode=offer.mode, price=offer.price,
                                                   origin=offer.origin, destination=offer.destination,
                                                   departure=offer.departure, rider=rider,
                                                   passes=await _passes_of(call, rider))
    return RideOfferOut.of(offer, price)


@routes.route("POST", f"{BASE}/rides", summary="Book an on-demand ride", tags=TAGS, roles=RIDERS,
              body=RideBookRequest, response=RideOut, status=201, errors=(403, 404, 409, 422, 503))
async def book_ride(call: Call) -> RideOut:
    """Books a quoted offer and confirms it (paid on board: `rider_price`, after the town's fare
    rules). Needs an `Idempotency-Key` header: a retry with the same key returns the same ride.
    409 `operator_rejected` if the place was taken since the quote, `offer_expired` after
    `valid_until`; 403 `offer_not_yours` for an offer quoted for another rider."""
    body: RideBookRequest = call.body
    key = call.idempotency_key()
    rider = await rider_of(call, body.for_rider)
    ride = await call.container.on_demand.request_ride(
        _principal(call), call.path("operator_id"), body.offer_id, idempotency_key=key,
        rider_name=body.rider_name, for_rider=body.for_rider, rider=rider)
    return RideOut.of(ride)


@routes.route("GET", f"{BASE}/rides", summary="On-demand rides", tags=TAGS, roles=RIDERS,
              query=RideListQuery, response=RideList, errors=(404,))
async def list_rides(call: Call) -> RideList:
    """A rider's own rides; staff see every ride, or one rider's with `rider`."""
    query: RideListQuery = call.query
    rides = await call.container.on_demand.list_rides(_principal(call), call.path("operator_id"),
                                                      service_date=query.date, rider=query.rider, limit=query.limit)
    return RideList(items=[RideOut.of(r) for r in rides])


@routes.route("GET", f"{BASE}/rides/{{ride_id}}", summary="One on-demand ride", tags=TAGS, roles=RIDERS,
              response=RideOut, errors=(404,))
async def get_ride(call: Call) -> RideOut:
    ride = await call.container.on_demand.get_ride(_principal(call), call.path("operator_id"), call.path("ride_id"))
    return RideOut.of(ride)


@routes.route("POST", f"{BASE}/rides/{{ride_id}}/cancel", summary="Cancel an on-demand ride", tags=TAGS,
              roles=RIDERS, response=RideOut, errors=(404, 409))
async def cancel_ride(call: Call) -> RideOut:
    """Free of charge until the offer's `free_cancellation_until`; cancelling twice is harmless.
    409 once the rider has been picked up, and 409 (`fields.booking_id`) for a ride that is a leg
    of a trip booking: cancel the booking, which releases its payment and other legs too."""
    operator_id, ride_id = call.path("operator_id"), call.path("ride_id")
    key = call.idempotency_key(default=f"cancel:{ride_id}")
    service = call.container.on_demand
    await service.cancel_ride(_principal(call), operator_id, ride_id, idempotency_key=key)
    return RideOut.of(await service.get_ride(_principal(call), operator_id, ride_id))


@routes.route("GET", f"{BASE}/manifests", summary="Drivers' manifests", tags=TAGS, roles=DRIVERS,
              query=ManifestQuery, response=ManifestList, errors=(403, 404))
async def manifests(call: Call) -> ManifestList:
    """Each van's run for the day: done stops first, then the plan in order with scheduled times,
    the promised windows, riders and their needs."""
    query: ManifestQuery = call.query
    operator_id = call.path("operator_id")
    found = await call.container.on_demand.manifests(_principal(call), operator_id, query.date,
                                                     vehicle_id=query.vehicle_id)
    return ManifestList(operator_id=operator_id, items=[ManifestOut.of(m) for m in found])


@routes.route("GET", f"{BASE}/vehicle-positions", summary="The vans' positions as GTFS-Realtime (open data)",
              tags=TAGS, roles=None, query=VehiclePositionsQuery, errors=(404,))
async def vehicle_positions(call: Call) -> Binary:
    """A GTFS-RT FeedMessage of VehiclePositions, open to anyone (other planners show the vans): each van on
    shift at the stop its driver last reported, within the last 10 minutes (no rider is named). 404 for an
    operator that runs no on-demand service."""
    query: VehiclePositionsQuery = call.query
    fixes = await call.container.on_demand.vehicle_positions(call.path("operator_id"))
    message = call.container.publisher.vehicle_positions(fixes, call.container.on_demand.clock.now())
    if query.format == "json":
        return Binary(call.container.publisher.as_json(message).encode(), "application/json")
    return Binary(message, "application/x-protobuf")


@routes.route("POST", f"{BASE}/rides/{{ride_id}}/reports", summary="Report a pickup, drop-off or no-show",
              tags=TAGS, roles=DRIVERS, body=RideReportRequest, response=RideOut, errors=(403, 404, 409, 422))
async def report(call: Call) -> RideOut:
    """`picked_up`, `dropped_off`, `no_show` (not after a pickup), `issue`, or `arrived` (the van is
    at the pickup: the rider is told); a repeated report changes nothing. 409 for an impossible
    step (a drop-off of a cancelled ride)."""
    body: RideReportRequest = call.body
    detail = body.detail or ("arrived at the pickup" if body.kind == "arrived" else "")
    ride = await call.container.on_demand.report(_principal(call), call.path("operator_id"), call.path("ride_id"),
                                                 REPORT_KINDS[body.kind], at=body.at, detail=detail)
    if body.kind == "arrived":
        await call.container.ride_news.arrived(_principal(call), call.path("operator_id"), call.path("ride_id"))
    return RideOut.of(ride)
