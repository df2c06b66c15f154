"""Webhook endpoints: register (the signing secret shown once), list, delete, and see deliveries."""

from __future__ import annotations

from maas.api.endpoints import Call, EndpointTable
from maas.api.event_schemas import (DeliveryList, DeliveryOut, WebhookCreated, WebhookList, WebhookOut, WebhookQuery,
                                    WebhookRequest)
from maas.api.riders import rider_of
from maas.domain.accounts import Principal, Role

routes = EndpointTable()
CALLERS = (Role.RIDER, Role.AGENT, Role.ADMIN)
TAGS = ("events",)


def _principal(call: Call) -> Principal:
    assert call.principal is not None
    return call.principal


@routes.route("POST", "/v1/webhooks", summary="Register a webhook endpoint", tags=TAGS, roles=CALLERS,
              body=WebhookRequest, response=WebhookCreated, status=201, errors=(404, 422))
async def create_webhook(call: Call) -> WebhookCreated:
    """Events of the caller's trips (staff: of `for_rider`'s; an admin without `for_rider`: every
    rider's, for an integration) are POSTed to `url`, signed: `Maas-Signature: t=TIMESTAMP,v1=HEX`
    where HEX is HMAC-SHA256 of "TIMESTAMP.BODY" with `secret`, shown only in this answer. 422 for a
    URL that is not https (http only to loopback, in development) or an unknown event type."""
    body: WebhookRequest = call.body
    rider = await rider_of(call, body.for_rider) if body.for_rider else None
    endpoint, secret = await call.container.webhooks.register(_principal(call), body.url, body.event_types, rider)
    return WebhookCreated(**WebhookOut.of(endpoint).model_dump(), secret=secret)


@routes.route("GET", "/v1/webhooks", summary="My webhook endpoints", tags=TAGS, roles=CALLERS, query=WebhookQuery,
              response=WebhookList, errors=(404, 422))
async def list_webhooks(call: Call) -> WebhookList:
    query: WebhookQuery = call.query
    rider = await rider_of(call, query.for_rider) if query.for_rider else None
    found = await call.container.webhooks.list_endpoints(_principal(call), rider)
    return WebhookList(items=[WebhookOut.of(e) for e in found])


@routes.route("DELETE", "/v1/webhooks/{webhook_id}", summary="Delete a webhook endpoint", tags=TAGS, roles=CALLERS,
              status=204, errors=(404,))
async def delete_webhook(call: Call) -> None:
    await call.container.webhooks.delete(_principal(call), call.path("webhook_id"))


@routes.route("GET", "/v1/webhooks/{webhook_id}/deliveries", summary="A webhook endpoint's deliveries", tags=TAGS,
              roles=CALLERS, response=DeliveryList, errors=(404,))
async def webhook_deliveries(call: Call) -> DeliveryList:
    """Newest first: attempts, the receiver's last status or error, and the next attempt."""
    found = await call.container.webhooks.deliveries(_principal(call), call.path("webhook_id"))
    return DeliveryList(items=[DeliveryOut.of(d) for d in found])
