"""Tickets handed out (maas.domain.tickets.TicketRegister), in the unit of work's session.

Recording is idempotent: two requests for the same booking version make the same ticket, and
the second insert finds it there. Times go into their columns as UTC and come back as UTC.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from maas.domain.bookings import TripState
from maas.domain.tickets import TicketRecord
from maas.storage.repositories import utc
from maas.storage.tables import BookingRow, TicketIssuedRow

_TICKETS = TicketIssuedRow.__table__  # type: ignore[attr-defined]
_BOOKINGS = BookingRow.__table__  # type: ignore[attr-defined]


class SqlTicketsIssued:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def record(self, record: TicketRecord) -> None:
        try:
            async with self._s.begin_nested():  # a savepoint: a repeat leaves the transaction usable
                await self._s.execute(insert(_TICKETS).values(
                    ticket_id=record.ticket_id, booking_id=record.booking_id,
                    booking_version=record.booking_version, issued_at=utc(record.issued_at),
                    valid_until=utc(record.valid_until)))
        except IntegrityError:
            pass  # recorded already (the same id is the same ticket)

    async def of_bookings_in(self, states: Sequence[TripState], *, valid_after: dt.datetime) -> list[TicketRecord]:
        query = (select(_TICKETS).join(_BOOKINGS, _BOOKINGS.c.id == _TICKETS.c.booking_id)
                 .where(_BOOKINGS.c.state.in_(sorted(s.value for s in states)),
                        _TICKETS.c.valid_until > utc(valid_after))
                 .order_by(_TICKETS.c.booking_id, _TICKETS.c.booking_version))
        return [TicketRecord(ticket_id=r.ticket_id, booking_id=r.booking_id, booking_version=r.booking_version,
                             issued_at=utc(r.issued_at), valid_until=utc(r.valid_until))
                for r in await self._s.execute(query)]
