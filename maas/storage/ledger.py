"""The settlement ledger (maas.domain.ledger.Ledger), in the unit of work's session.

A booking is settled once: `add` inserts its `settlements` row and its entries in one
savepoint, and the row's primary key alone refuses a second settlement. A read-then-insert
would let two settlements of one booking, racing each other, both find nothing and both write.
On PostgreSQL the second insert waits for the first transaction and fails once it commits (or
goes through if it rolled back); on SQLite writers queue behind BEGIN IMMEDIATE
(maas.storage.engine).

`at` goes into its column as UTC (SQLite keeps no offset, so only UTC text orders instants
correctly) and comes back as UTC; rule ids are stored joined by commas.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from maas.domain.errors import Conflict, InvalidRequest
from maas.domain.ledger import EntryKind, LedgerEntry
from maas.domain.planning import Money
from maas.storage.repositories import utc
from maas.storage.tables import LedgerEntryRow, SettlementRow

_ENTRIES = LedgerEntryRow.__table__  # type: ignore[attr-defined]
_SETTLEMENTS = SettlementRow.__table__  # type: ignore[attr-defined]
_RULES_SEPARATOR = ","


class SqlLedger:
    """Ledger on the unit of work's session."""

    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add(self, entries: Sequence[LedgerEntry]) -> None:
        if not entries:
            return
        bookings = sorted({e.booking_id for e in entries})
        if len(bookings) > 1:
            raise InvalidRequest(f"ledger entries of one booking at a time, got {', '.join(bookings)}",
                                 fields={"entries": "several bookings"})
        for entry in entries:
            if any(_RULES_SEPARATOR in rule or not rule for rule in entry.rules):
                raise InvalidRequest(f"rule ids must be non-empty and without '{_RULES_SEPARATOR}': {entry.rules}",
                                     fields={"rules": "invalid rule id"})
        booking_id = bookings[0]
        rows = [dict(booking_id=e.booking_id, leg_index=e.leg_index, kind=e.kind.value, party=e.party,
                     operator_id=e.operator_id, amount_minor=e.amount.amount_minor, currency=e.amount.currency,
                     at=utc(e.at), rules=_RULES_SEPARATOR.join(e.rules)) for e in entries]
        try:
            async with self._s.begin_nested():  # a savepoint: the transaction stays usable after a Conflict
                await self._s.execute(insert(_SETTLEMENTS).values(
                    booking_id=booking_id, settled_at=max(row["at"] for row in rows)))
                await self._s.execute(insert(_ENTRIES), rows)
        except IntegrityError:
            raise Conflict(f"booking {booking_id} was settled already", fields={"booking_id": "settled already"}) \
                from None

    async def entries(self, *, since: dt.datetime, until: dt.datetime, operator_id: str | None = None,
                      kind: EntryKind | None = None) -> list[LedgerEntry]:
        """Entries with since <= at < until, oldest first (then by booking, leg, and as written)."""
        query = select(_ENTRIES).where(_ENTRIES.c.at >= utc(since), _ENTRIES.c.at < utc(until))
        if operator_id is not None:
            query = query.where(_ENTRIES.c.operator_id == operator_id)
        if kind is not None:
            query = query.where(_ENTRIES.c.kind == kind.value)
        query = query.order_by(_ENTRIES.c.at, _ENTRIES.c.booking_id, _ENTRIES.c.leg_index, _ENTRIES.c.id)
        return [LedgerEntry(booking_id=r.booking_id, leg_index=r.leg_index, kind=EntryKind(r.kind), party=r.party,
                            operator_id=r.operator_id, amount=Money(amount_minor=r.amount_minor, currency=r.currency),
                            at=utc(r.at), rules=tuple(r.rules.split(_RULES_SEPARATOR)) if r.rules else ())
                for r in (await self._s.execute(query))]
