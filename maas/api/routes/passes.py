"""Passes and bundles: the catalogue, buying one (paid at once), a rider's passes, cancelling with a refund."""

from __future__ import annotations

from maas.api.endpoints import Call, EndpointTable, Replayed
from maas.api.pass_schemas import (PassCancelQuery, PassCatalogue, PassList, PassListQuery, PassOut, PassProductOut,
                                   PassPurchase)
from maas.api.riders import rider_of
from maas.domain.accounts import Principal, Role

routes = EndpointTable()
RIDERS = (Role.RIDER, Role.AGENT, Role.ADMIN)
TAGS = ("passes",)


def _principal(call: Call) -> Principal:
    assert call.principal is not None
    return call.principal


@routes.route("GET", "/v1/passes/products", summary="Passes on sale", tags=TAGS, roles=None, response=PassCatalogue)
async def catalogue(call: Call) -> PassCatalogue:
    return PassCatalogue(items=[PassProductOut.of(p) for p in call.container.passes.catalogue()])


@routes.route("POST", "/v1/passes", summary="Buy a pass", tags=TAGS, roles=RIDERS, body=PassPurchase,
              response=PassOut, status=201, errors=(402, 403, 404, 409, 422, 503))
async def buy(call: Call) -> PassOut | Replayed:
    """Paid in full at once. Needs an `Idempotency-Key`: the same key and body again returns the same
    pass (200) and charges nothing twice; the same key with another body is 409. 403 when the rider is
    not eligible (for example an elderly residents' pass); 402 when the payment is declined.
    Call-centre staff buy for a rider with `for_rider` (403 without it): the rider's eligibility
    counts, and the agent is recorded as `bought_by`."""
    body: PassPurchase = call.body
    rider = await rider_of(call, body.for_rider)
    bought, created = await call.container.passes.buy(_principal(call), body.product_id.strip(),
                                                      idempotency_key=call.idempotency_key(),
                                                      first_day=body.first_day, payment_method=body.payment_method,
                                                      rider=rider)
    return PassOut.of(bought) if created else Replayed(PassOut.of(bought))


@routes.route("GET", "/v1/passes", summary="My passes", tags=TAGS, roles=RIDERS, query=PassListQuery,
              response=PassList, errors=(422,))
async def mine(call: Call) -> PassList:
    """The caller's passes; staff give `rider` for one rider's (422 for a rider naming another)."""
    query: PassListQuery = call.query
    return PassList(items=[PassOut.of(p) for p in await call.container.passes.list_mine(_principal(call),
                                                                                        query.rider)])


@routes.route("GET", "/v1/passes/{pass_id}", summary="One pass", tags=TAGS, roles=RIDERS, response=PassOut,
              errors=(404,))
async def one(call: Call) -> PassOut:
    return PassOut.of(await call.container.passes.get(_principal(call), call.path("pass_id")))


@routes.route("POST", "/v1/passes/{pass_id}/cancel", summary="Cancel a pass and get refunded", tags=TAGS,
              roles=RIDERS, query=PassCancelQuery, response=PassOut, errors=(404, 409, 422, 503))
async def cancel(call: Call) -> PassOut:
    """Refunded in full before its first day, then for its unused whole days; 409 once it has ended.
    Staff may name the rider (`for_rider`): 404 if the pass is not theirs. `cancelled_by` records who."""
    query: PassCancelQuery = call.query
    rider = await rider_of(call, query.for_rider) if query.for_rider else None
    return PassOut.of(await call.container.passes.cancel(_principal(call), call.path("pass_id"),
                                                         for_rider=rider.account_id if rider else None))
