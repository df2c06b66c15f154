"""Webhook endpoints and their deliveries in the unit of work's session.

`claim` takes the lease of due deliveries in one statement: on PostgreSQL the candidate rows are
locked with `FOR UPDATE SKIP LOCKED`, so two workers claiming at once take different rows and
neither waits; on SQLite every transaction begins with BEGIN IMMEDIATE (maas.storage.engine), so
claims are made by one writer at a time. A result is recorded only by the worker that still holds
the lease (`lease_owner`), so a worker whose lease ran out cannot overwrite a newer attempt.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import and_, delete, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from maas.domain.rider_events import RiderEvent
from maas.domain.webhooks import Claimed, Delivery, WebhookEndpoint
from maas.storage.payloads import RIDER_EVENT, load
from maas.storage.repositories import utc
from maas.storage.tables import RiderEventRow, WebhookDeliveryRow, WebhookEndpointRow

_EVENTS = RiderEventRow.__table__  # type: ignore[attr-defined]
_ENDPOINTS = WebhookEndpointRow.__table__  # type: ignore[attr-defined]
_DELIVERIES = WebhookDeliveryRow.__table__  # type: ignore[attr-defined]


def endpoint_of(row: Any) -> WebhookEndpoint:
    return WebhookEndpoint(id=row.id, account_id=row.account_id, created_by=row.created_by, url=row.url,
                           event_types=tuple(row.event_types), created_at=utc(row.created_at),
                           failing_since=utc(row.failing_since) if row.failing_since else None,
                           disabled_at=utc(row.disabled_at) if row.disabled_at else None)


def _delivery(row: Any) -> Delivery:
    return Delivery(id=row.id, endpoint_id=row.endpoint_id, event_id=row.event_id, attempts=row.attempts,
                    next_attempt_at=utc(row.next_attempt_at), last_status=row.last_status,
                    last_error=row.last_error, delivered_at=utc(row.delivered_at) if row.delivered_at else None)


class SqlWebhooks:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add_endpoint(self, endpoint: WebhookEndpoint, sealed_secret: bytes) -> None:
        await self._s.execute(insert(_ENDPOINTS).values(
            id=endpoint.id, account_id=endpoint.account_id, created_by=endpoint.created_by, url=endpoint.url,
            event_types=list(endpoint.event_types), secret_sealed=sealed_secret, created_at=utc(endpoint.created_at)))

    async def list_endpoints(self, account_id: str | None, *, created_by: str | None = None) -> list[WebhookEndpoint]:
        query = select(_ENDPOINTS).order_by(_ENDPOINTS.c.created_at, _ENDPOINTS.c.id)
        query = query.where(_ENDPOINTS.c.account_id == account_id if account_id is not None
                            else _ENDPOINTS.c.account_id.is_(None))
        if created_by is not None:
            query = query.where(_ENDPOINTS.c.created_by == created_by)
        return [endpoint_of(row) for row in await self._s.execute(query)]

    async def find_endpoint(self, endpoint_id: str) -> WebhookEndpoint | None:
        row = (await self._s.execute(select(_ENDPOINTS).where(_ENDPOINTS.c.id == endpoint_id))).first()
        return None if row is None else endpoint_of(row)

    async def delete_endpoint(self, endpoint_id: str) -> None:
        # Explicitly, not only by the foreign key: SQLite enforces ON DELETE only with the pragma on.
        await self._s.execute(delete(_DELIVERIES).where(_DELIVERIES.c.endpoint_id == endpoint_id))
        await self._s.execute(delete(_ENDPOINTS).where(_ENDPOINTS.c.id == endpoint_id))

    async def deliveries(self, endpoint_id: str, *, limit: int = 50) -> list[Delivery]:
        query = (select(_DELIVERIES).where(_DELIVERIES.c.endpoint_id == endpoint_id)
                 .order_by(_DELIVERIES.c.id.desc()).limit(limit))
        return [_delivery(row) for row in await self._s.execute(query)]

    async def claim(self, owner: str, now: dt.datetime, lease: dt.timedelta, limit: int) -> list[Claimed]:
        at = utc(now)
        due = (select(_DELIVERIES.c.id)
               .join(_ENDPOINTS, _ENDPOINTS.c.id == _DELIVERIES.c.endpoint_id)
               .where(_DELIVERIES.c.delivered_at.is_(None), _DELIVERIES.c.next_attempt_at <= at,
                      _ENDPOINTS.c.disabled_at.is_(None),
                      or_(_DELIVERIES.c.lease_until.is_(None), _DELIVERIES.c.lease_until < at))
               .order_by(_DELIVERIES.c.next_attempt_at, _DELIVERIES.c.id).limit(limit))
        if self._s.get_bind().dialect.name == "postgresql":
            due = due.with_for_update(of=_DELIVERIES, skip_locked=True)
        ids = list((await self._s.execute(due)).scalars())
        if not ids:
            return []
        await self._s.execute(update(_DELIVERIES).where(_DELIVERIES.c.id.in_(ids))
                              .values(lease_owner=owner, lease_until=at + lease))
        rows = await self._s.execute(
            select(_DELIVERIES, _ENDPOINTS.c.url, _ENDPOINTS.c.secret_sealed, _EVENTS.c.payload)
            .join(_ENDPOINTS, _ENDPOINTS.c.id == _DELIVERIES.c.endpoint_id)
            .join(_EVENTS, _EVENTS.c.id == _DELIVERIES.c.event_id)
            .where(_DELIVERIES.c.id.in_(ids)).order_by(_DELIVERIES.c.next_attempt_at, _DELIVERIES.c.id))
        claimed = []
        for row in rows:
            event = load(RIDER_EVENT, row.payload, row=row.event_id)
            claimed.append(Claimed(delivery=_delivery(row), url=row.url, secret=bytes(row.secret_sealed),
                                   body=event_body(event)))
        return claimed

    def _held(self, delivery_id: int, owner: str) -> Any:
        return and_(_DELIVERIES.c.id == delivery_id, _DELIVERIES.c.lease_owner == owner,
                    _DELIVERIES.c.delivered_at.is_(None))

    async def succeeded(self, delivery_id: int, owner: str, status: int, now: dt.datetime) -> bool:
        result = await self._s.execute(update(_DELIVERIES).where(self._held(delivery_id, owner)).values(
            attempts=_DELIVERIES.c.attempts + 1, last_status=status, last_error="", delivered_at=utc(now),
            lease_owner=None, lease_until=None))
        if result.rowcount != 1:  # type: ignore[attr-defined]
            return False
        endpoint_id = (await self._s.execute(select(_DELIVERIES.c.endpoint_id).where(
            _DELIVERIES.c.id == delivery_id))).scalar_one()
        await self._s.execute(update(_ENDPOINTS).where(_ENDPOINTS.c.id == endpoint_id).values(failing_since=None))
        return True

    async def failed(self, delivery_id: int, owner: str, status: int | None, error: str, now: dt.datetime,
                     retry_at: dt.datetime, disable_after: dt.timedelta) -> bool:
        result = await self._s.execute(update(_DELIVERIES).where(self._held(delivery_id, owner)).values(
            attempts=_DELIVERIES.c.attempts + 1, last_status=status, last_error=error[:500],
            next_attempt_at=utc(retry_at), lease_owner=None, lease_until=None))
        if result.rowcount != 1:  # type: ignore[attr-defined]
            return False
        endpoint_id = (await self._s.execute(select(_DELIVERIES.c.endpoint_id).where(
            _DELIVERIES.c.id == delivery_id))).scalar_one()
        since = (await self._s.execute(select(_ENDPOINTS.c.failing_since).where(
            _ENDPOINTS.c.id == endpoint_id))).scalar_one_or_none()
        if since is None:
            await self._s.execute(update(_ENDPOINTS).where(_ENDPOINTS.c.id == endpoint_id)
                                  .values(failing_since=utc(now)))
        elif utc(now) - utc(since) >= disable_after:
            await self._s.execute(update(_ENDPOINTS).where(_ENDPOINTS.c.id == endpoint_id)
                                  .values(disabled_at=utc(now)))
        return True


def event_body(event: RiderEvent) -> bytes:
    """The exact bytes sent and signed."""
    return json.dumps(event.payload(), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
