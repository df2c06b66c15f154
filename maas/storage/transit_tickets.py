"""Issued transit tickets in the unit of work's session; the unique idempotency key is what turns
a repeated booking call into the first ticket, even from two processes at once."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from maas.domain.errors import Conflict, NotFound
from maas.domain.mobility import LegBooking
from maas.storage.payloads import TRANSIT_TICKET, dump, load
from maas.storage.repositories import utc
from maas.storage.tables import TransitTicketRow

_TICKETS = TransitTicketRow.__table__  # type: ignore[attr-defined]


class SqlTransitTickets:
    """TicketBook on the unit of work's session."""

    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add(self, ticket: LegBooking, *, idempotency_key: str, now: dt.datetime) -> None:
        try:
            async with self._s.begin_nested():  # a savepoint: the transaction stays usable after a Conflict
                await self._s.execute(insert(_TICKETS).values(
                    id=ticket.id, idempotency_key=idempotency_key, offer_id=ticket.offer_id, state=ticket.state.value,
                    departure=utc(ticket.departure), updated_at=utc(now),
                    payload=dump(TRANSIT_TICKET, ticket)))
        except IntegrityError:
            raise Conflict(f"idempotency key {idempotency_key} or ticket id {ticket.id} is already used") from None

    async def find_by_key(self, idempotency_key: str) -> LegBooking | None:
        payload = (await self._s.execute(select(_TICKETS.c.payload).where(
            _TICKETS.c.idempotency_key == idempotency_key))).scalar_one_or_none()
        return None if payload is None else load(TRANSIT_TICKET, payload)

    async def get(self, ticket_id: str) -> LegBooking:
        payload = (await self._s.execute(select(_TICKETS.c.payload).where(
            _TICKETS.c.id == ticket_id))).scalar_one_or_none()
        if payload is None:
            raise NotFound(f"no transit ticket {ticket_id}")
        return load(TRANSIT_TICKET, payload, row=ticket_id)

    async def save(self, ticket: LegBooking, *, now: dt.datetime) -> None:
        done = await self._s.execute(update(_TICKETS).where(_TICKETS.c.id == ticket.id).values(
            state=ticket.state.value, updated_at=utc(now), payload=dump(TRANSIT_TICKET, ticket)))
        if done.rowcount != 1:
            raise NotFound(f"no transit ticket {ticket.id}")
