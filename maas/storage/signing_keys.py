"""Signing keys' rows (maas/ticket_keys.py does the cryptography): listed oldest first, added
once per key id (a second process adding the same first key is told it exists), and the latest
moment any ticket issued before some time stays valid (how long a superseded key is published)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from maas.storage.repositories import utc
from maas.storage.tables import SigningKeyRow, TicketIssuedRow

_KEYS = SigningKeyRow.__table__  # type: ignore[attr-defined]
_TICKETS = TicketIssuedRow.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class StoredKey:
    key_id: str
    private_key: str  # encrypted
    public_pem: str
    created_at: dt.datetime
    active_from: dt.datetime


class SqlSigningKeys:
    def __init__(self, engine: AsyncEngine, purpose: str = "tickets") -> None:
        self._engine, self._purpose = engine, purpose

    async def all(self) -> list[StoredKey]:
        async with self._engine.connect() as conn:
            rows = (await conn.execute(select(_KEYS).where(_KEYS.c.purpose == self._purpose)
                                       .order_by(_KEYS.c.active_from, _KEYS.c.key_id))).all()
        return [StoredKey(r.key_id, r.private_key, r.public_pem, utc(r.created_at), utc(r.active_from)) for r in rows]

    async def add(self, key: StoredKey, *, only_if_none: bool = False) -> bool:
        """Stores the key; False when it was not (its id exists, or `only_if_none` and a key exists)."""
        async with self._engine.begin() as conn:
            if only_if_none:
                # SQLite's BEGIN IMMEDIATE serialises this check; on PostgreSQL two first starts may
                # both add a first key, which is harmless: the later active_from signs.
                exists = (await conn.execute(select(func.count()).select_from(_KEYS)
                                             .where(_KEYS.c.purpose == self._purpose))).scalar_one()
                if exists:
                    return False
            try:
                await conn.execute(insert(_KEYS).values(
                    key_id=key.key_id, purpose=self._purpose, private_key=key.private_key, public_pem=key.public_pem,
                    created_at=utc(key.created_at), active_from=utc(key.active_from)))
            except IntegrityError:
                return False
        return True

    async def tickets_valid_until(self, issued_before: dt.datetime) -> dt.datetime | None:
        """The latest validity of a ticket issued before that moment (None: no such ticket)."""
        async with self._engine.connect() as conn:
            latest = (await conn.execute(select(func.max(_TICKETS.c.valid_until))
                                         .where(_TICKETS.c.issued_at < utc(issued_before)))).scalar_one_or_none()
        return None if latest is None else utc(latest)
