"""The durable QuoteStore: in-process operators' quotes on SQLite or PostgreSQL, seen alike by
every API process; each call is its own short transaction. Selling an offer is a conditional
update (`booked_as` still empty, or already this booking), so two processes cannot sell one
offer twice."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import delete, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from maas.domain.errors import Conflict, NotFound
from maas.domain.mobility import Offer
from maas.domain.quotes import StoredQuote
from maas.storage.payloads import OFFER, dump, load
from maas.storage.repositories import utc
from maas.storage.tables import OperatorQuoteRow

_QUOTES = OperatorQuoteRow.__table__  # type: ignore[attr-defined]


class SqlQuoteStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def add(self, operator_id: str, offer: Offer, details: Mapping[str, Any]) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(insert(_QUOTES).values(
                operator_id=operator_id, offer_id=offer.id, valid_until=utc(offer.valid_until), booked_as=None,
                offer=dump(OFFER, offer), details=json.dumps(dict(details), ensure_ascii=False)))

    async def find(self, operator_id: str, offer_id: str) -> StoredQuote | None:
        async with self._engine.connect() as conn:
            row = (await conn.execute(select(_QUOTES.c.offer, _QUOTES.c.details, _QUOTES.c.booked_as).where(
                _QUOTES.c.operator_id == operator_id, _QUOTES.c.offer_id == offer_id))).first()
        if row is None:
            return None
        return StoredQuote(offer=load(OFFER, row.offer, row=offer_id), details=json.loads(row.details),
                           booked_as=row.booked_as)

    async def mark_booked(self, operator_id: str, offer_id: str, booking_id: str) -> None:
        async with self._engine.begin() as conn:
            done = await conn.execute(update(_QUOTES).where(
                _QUOTES.c.operator_id == operator_id, _QUOTES.c.offer_id == offer_id,
                or_(_QUOTES.c.booked_as.is_(None), _QUOTES.c.booked_as == booking_id)).values(booked_as=booking_id))
            if done.rowcount == 1:
                return
            other = (await conn.execute(select(_QUOTES.c.booked_as).where(
                _QUOTES.c.operator_id == operator_id, _QUOTES.c.offer_id == offer_id))).first()
        if other is None:
            raise NotFound(f"no offer {offer_id} from {operator_id}")
        raise Conflict(f"offer {offer_id} is already booked as {other.booked_as}")

    async def forget_before(self, operator_id: str, before: dt.datetime) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(delete(_QUOTES).where(_QUOTES.c.operator_id == operator_id,
                                                     _QUOTES.c.valid_until < utc(before)))
