"""The log of gateway events already handled (PaymentEventLog), in the unit of work's session.

The event id is the primary key, and `add` relies on it alone: the insert runs in a savepoint
and a unique-key violation means "seen before". A read-then-insert would let two deliveries of
one event, racing each other, both find nothing and both apply it. On PostgreSQL the second
insert waits for the first transaction and fails once it commits (or succeeds if it rolled
back); on SQLite writers queue behind BEGIN IMMEDIATE (maas.storage.engine).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from maas.domain.payments import GatewayEvent
from maas.storage.repositories import utc
from maas.storage.tables import PaymentEventRow

_EVENTS = PaymentEventRow.__table__  # type: ignore[attr-defined]


class SqlPaymentEvents:
    """PaymentEventLog on the unit of work's session."""

    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add(self, event: GatewayEvent, outcome: str, *, received_at: dt.datetime) -> bool:
        try:
            async with self._s.begin_nested():  # a savepoint: the transaction stays usable after a duplicate
                await self._s.execute(insert(_EVENTS).values(
                    event_id=event.id, type=event.type, payment_id=event.payment_id, created=utc(event.created),
                    received_at=utc(received_at), outcome=outcome))
        except IntegrityError:
            return False
        return True
