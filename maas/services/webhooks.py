"""Webhook endpoints: a rider's app (or staff for a rider) registers a URL for the rider's events;
an admin registers an integration's URL for every rider's. The signing secret is shown once, at
registration, and kept sealed (SecretBox). URLs are https, or http to this machine when the
setting allows it (development); event types are checked against the known ones.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence

from maas.domain.accounts import Principal, Role
from maas.domain.errors import InvalidRequest, NotFound
from maas.domain.ports import Clock, UnitOfWorkFactory
from maas.domain.riders import RiderContext
from maas.domain.webhooks import Delivery, SecretBox, WebhookEndpoint, check_event_types, check_url

MAX_ENDPOINTS = 10  # per rider or per admin


class WebhookService:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, box: SecretBox, *, allow_loopback_http: bool) -> None:
        self._uow, self._clock, self._box, self._loopback = uow, clock, box, allow_loopback_http

    async def register(self, caller: Principal, url: str, event_types: Sequence[str],
                       rider: RiderContext | None) -> tuple[WebhookEndpoint, str]:
        """The endpoint and its signing secret (never shown again)."""
        url = check_url(url, allow_loopback_http=self._loopback)
        types = check_event_types(event_types)
        owner = self._owner(caller, rider)
        secret = "whsec_" + secrets.token_urlsafe(32)
        endpoint = WebhookEndpoint(id="we_" + secrets.token_hex(12), account_id=owner, created_by=caller.subject_id,
                                   url=url, event_types=types, created_at=self._clock.now())
        async with self._uow() as uow:
            if len(await uow.webhooks.list_endpoints(owner)) >= MAX_ENDPOINTS:
                raise InvalidRequest(f"at most {MAX_ENDPOINTS} webhook endpoints", fields={"url": "too many endpoints"})
            await uow.webhooks.add_endpoint(endpoint, self._box.seal(secret))
            await uow.commit()
        return endpoint, secret

    def _owner(self, caller: Principal, rider: RiderContext | None) -> str | None:
        if rider is not None:
            return rider.account_id
        if caller.role is Role.ADMIN:
            return None  # an integration: every rider's events
        if caller.role is Role.AGENT:
            raise InvalidRequest("name the rider (for_rider) the endpoint is for", fields={"for_rider": "required"})
        return caller.subject_id

    async def list_endpoints(self, caller: Principal, rider: RiderContext | None) -> list[WebhookEndpoint]:
        owner = self._owner(caller, rider)
        async with self._uow() as uow:
            return await uow.webhooks.list_endpoints(owner)

    async def get(self, caller: Principal, endpoint_id: str) -> WebhookEndpoint:
        async with self._uow() as uow:
            endpoint = await uow.webhooks.find_endpoint(endpoint_id)
        if endpoint is None or not _may_see(caller, endpoint):
            raise NotFound(f"no webhook endpoint {endpoint_id}")  # never confirm another's exists
        return endpoint

    async def delete(self, caller: Principal, endpoint_id: str) -> None:
        await self.get(caller, endpoint_id)
        async with self._uow() as uow:
            await uow.webhooks.delete_endpoint(endpoint_id)
            await uow.commit()

    async def deliveries(self, caller: Principal, endpoint_id: str, *, limit: int = 50) -> list[Delivery]:
        await self.get(caller, endpoint_id)
        async with self._uow() as uow:
            return await uow.webhooks.deliveries(endpoint_id, limit=limit)


def _may_see(caller: Principal, endpoint: WebhookEndpoint) -> bool:
    if caller.role in (Role.ADMIN, Role.AGENT):
        return endpoint.account_id is not None or caller.role is Role.ADMIN
    return endpoint.account_id == caller.subject_id
