"""The outbox (rider events) in the unit of work's session, fanned out to webhook deliveries.

`add` runs inside the transaction of the change that caused the events: the event rows and one
delivery row per enabled endpoint that wants each event are committed with the change or not at
all. An event id already recorded is skipped (ids are stable, so recording a change twice is one
event), inside a savepoint so the caller's transaction stays usable.
"""

from __future__ import annotations

from sqlalchemy import func, insert, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from maas.domain.rider_events import RiderEvent
from maas.domain.webhooks import WebhookEndpoint
from maas.storage.payloads import RIDER_EVENT, dump, load
from maas.storage.repositories import utc
from maas.storage.tables import RiderEventRow, WebhookDeliveryRow, WebhookEndpointRow
from maas.storage.webhooks import endpoint_of

_EVENTS = RiderEventRow.__table__  # type: ignore[attr-defined]
_ENDPOINTS = WebhookEndpointRow.__table__  # type: ignore[attr-defined]
_DELIVERIES = WebhookDeliveryRow.__table__  # type: ignore[attr-defined]


class SqlEventOutbox:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add(self, events: list[RiderEvent]) -> int:
        if not events:
            return 0
        endpoints = await self._endpoints({e.account_id for e in events})
        added = 0
        for event in events:
            try:
                async with self._s.begin_nested():
                    await self._s.execute(insert(_EVENTS).values(
                        id=event.id, type=event.type.value, account_id=event.account_id, booking_id=event.booking_id,
                        created_at=utc(event.created), payload=dump(RIDER_EVENT, event)))
            except IntegrityError:
                continue  # recorded before: the same change seen again
            added += 1
            rows = [dict(endpoint_id=e.id, event_id=event.id, attempts=0, next_attempt_at=utc(event.created),
                         last_error="") for e in endpoints if e.wants(event)]
            if rows:
                await self._s.execute(insert(_DELIVERIES), rows)
        return added

    async def _endpoints(self, accounts: set[str]) -> list[WebhookEndpoint]:
        query = select(_ENDPOINTS).where(_ENDPOINTS.c.disabled_at.is_(None), or_(
            _ENDPOINTS.c.account_id.is_(None), _ENDPOINTS.c.account_id.in_(sorted(accounts))))
        return [endpoint_of(row) for row in await self._s.execute(query)]

    async def list_for(self, account_id: str, *, after_seq: int = 0, limit: int = 100) -> list[tuple[int, RiderEvent]]:
        query = (select(_EVENTS.c.seq, _EVENTS.c.id, _EVENTS.c.payload)
                 .where(_EVENTS.c.account_id == account_id, _EVENTS.c.seq > after_seq)
                 .order_by(_EVENTS.c.seq).limit(limit))
        return [(seq, load(RIDER_EVENT, payload, row=event_id))
                for seq, event_id, payload in await self._s.execute(query)]

    async def position(self, event_id: str, account_id: str) -> int | None:
        return (await self._s.execute(select(_EVENTS.c.seq).where(
            _EVENTS.c.id == event_id, _EVENTS.c.account_id == account_id))).scalar_one_or_none()

    async def last_position(self) -> int:
        return int((await self._s.execute(select(func.coalesce(func.max(_EVENTS.c.seq), 0)))).scalar_one())
