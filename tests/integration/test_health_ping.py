"""The health check's ping reads on a connection of its own: on SQLite it answers while another
connection holds the write lock (before, every unit of work began IMMEDIATE and queued behind
writers until the 30 s busy timeout)."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text

from maas.storage.unit_of_work import SqlUnitOfWorkFactory

pytestmark = pytest.mark.sqlite_only  # PostgreSQL readers never wait for writers anyway


async def test_the_ping_does_not_wait_for_a_writer(engine) -> None:
    async with engine.begin() as writer:
        await writer.execute(text("UPDATE rate_limit_counters SET hits = hits + 1"))  # takes the write lock
        async with SqlUnitOfWorkFactory(engine)() as uow:
            await asyncio.wait_for(uow.ping(), timeout=2)
