"""Liveness and readiness: is the database answering, and how fast."""

from __future__ import annotations

import asyncio
import time

from pydantic import BaseModel, ConfigDict

from maas.domain.ports import UnitOfWorkFactory


class HealthReport(BaseModel):
    model_config = ConfigDict(frozen=True)
    healthy: bool
    database: str
    database_latency_ms: float | None


class HealthService:
    def __init__(self, uow: UnitOfWorkFactory, *, timeout_s: float = 2.0) -> None:
        self._uow = uow
        self._timeout_s = timeout_s
        self._running: asyncio.Task[HealthReport] | None = None

    async def check(self) -> HealthReport:
        """Checks asked for while one is under way share its answer (one ping for a burst of
        probes from load balancers), never an older one."""
        if self._running is None or self._running.done():
            self._running = asyncio.create_task(self._check())
        return await asyncio.shield(self._running)

    async def _check(self) -> HealthReport:
        started = time.perf_counter()
        try:
            async with asyncio.timeout(self._timeout_s):
                async with self._uow() as uow:
                    await uow.ping()
        except Exception as exc:  # any failure means "not ready"; the reason goes to the report
            return HealthReport(healthy=False, database=f"unavailable: {type(exc).__name__}", database_latency_ms=None)
        return HealthReport(healthy=True, database="ok", database_latency_ms=round((time.perf_counter() - started) * 1000, 2))
