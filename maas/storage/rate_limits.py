"""A `limits` storage backend on the service's own database (SQLite or PostgreSQL), so the rate
limits are shared by every API process without a server of their own. It keeps fixed windows
only (what `limits`' FixedWindowRateLimiter asks of a storage): one row per key, counted up by a
single upsert that starts a new window when the old one has ended."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from limits.aio.storage import Storage
from sqlalchemy import case, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from maas.storage.tables import RateLimitCounterRow

_COUNTERS = RateLimitCounterRow.__table__  # type: ignore[attr-defined]
_Hit = tuple[str, int, int, "asyncio.Future[int]"]  # key, expiry, amount, where the count goes
SWEEP_EVERY_S = 60.0  # ended windows are deleted at most this often per process


class SqlRateLimitStorage(Storage):
    STORAGE_SCHEME = None  # built by the composition root, never from a URI

    def __init__(self, engine: AsyncEngine) -> None:
        super().__init__()
        self._engine = engine
        self._insert = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert
        self._swept = 0.0
        self._pending: list[_Hit] = []
        self._writer: asyncio.Task[None] | None = None

    @property
    def base_exceptions(self) -> type[Exception]:
        return SQLAlchemyError

    async def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        """Counts a hit. Hits at the same moment share one transaction (a group commit): while one
        batch is written the next gathers, so a burst of plans does not queue on SQLite's lock."""
        hit: _Hit = (key, expiry, amount, asyncio.get_running_loop().create_future())
        self._pending.append(hit)
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write())
        return await asyncio.shield(hit[3])

    async def _write(self) -> None:
        while self._pending:
            batch, self._pending = self._pending, []
            now = time.time()
            try:
                async with self._engine.begin() as conn:
                    counts = [await conn.execute(self._upsert(key, expiry, amount, now))
                              for key, expiry, amount, _ in batch]
                    hits = [int(c.scalar_one()) for c in counts]
                    if now - self._swept >= SWEEP_EVERY_S:
                        self._swept = now
                        await conn.execute(delete(_COUNTERS).where(_COUNTERS.c.expires_at <= now))
            except Exception as exc:  # every waiter learns of it (limits then lets the request through or not)
                for *_, done in batch:
                    if not done.done():
                        done.set_exception(exc)
                continue
            for (*_, done), count in zip(batch, hits, strict=True):
                if not done.done():
                    done.set_result(count)

    def _upsert(self, key: str, expiry: int, amount: int, now: float) -> Any:
        new = self._insert(_COUNTERS).values(key=key, hits=amount, expires_at=now + expiry)
        ended = _COUNTERS.c.expires_at <= now
        return new.on_conflict_do_update(index_elements=[_COUNTERS.c.key], set_={
            "hits": case((ended, amount), else_=_COUNTERS.c.hits + amount),
            "expires_at": case((ended, now + expiry), else_=_COUNTERS.c.expires_at),
        }).returning(_COUNTERS.c.hits)

    async def get(self, key: str) -> int:
        async with self._engine.connect() as conn:
            row = (await conn.execute(select(_COUNTERS.c.hits, _COUNTERS.c.expires_at)
                                      .where(_COUNTERS.c.key == key))).first()
        return 0 if row is None or row.expires_at <= time.time() else int(row.hits)

    async def get_expiry(self, key: str) -> float:
        async with self._engine.connect() as conn:
            expires = (await conn.execute(select(_COUNTERS.c.expires_at)
                                          .where(_COUNTERS.c.key == key))).scalar_one_or_none()
        return time.time() if expires is None else float(expires)

    async def check(self) -> bool:
        try:
            async with self._engine.connect() as conn:
                await conn.execute(select(1))
        except SQLAlchemyError:
            return False
        return True

    async def reset(self) -> int | None:
        async with self._engine.begin() as conn:
            return (await conn.execute(delete(_COUNTERS))).rowcount

    async def clear(self, key: str) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(delete(_COUNTERS).where(_COUNTERS.c.key == key))
