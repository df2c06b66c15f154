"""Waiting until PostgreSQL shows sessions parked on a lock: how the stores' overlap tests know
two writers really met, rather than ran one after the other."""

from __future__ import annotations

import asyncio

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine


async def await_lock_waiters(engine: AsyncEngine, count: int) -> None:
    query = text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                 "AND wait_event_type = 'Lock'")
    waiting = -1
    async with engine.connect() as watcher:
        for _ in range(250):
            waiting = (await watcher.execute(query)).scalar_one()
            await watcher.commit()  # pg_stat_activity is a snapshot per transaction: take a new one
            if waiting == count:
                return
            await asyncio.sleep(0.02)
    raise AssertionError(f"{waiting} sessions wait on a lock, expected {count}")
