"""Liveness and readiness: is the database answering, how fast, and how fresh real time is."""

from __future__ import annotations

import asyncio
import time

from pydantic import BaseModel, ConfigDict

from maas.domain.ports import Clock, UnitOfWorkFactory
from maas.domain.realtime import RealtimeInfo, RealtimeSourceStatus


class HealthReport(BaseModel):
    model_config = ConfigDict(frozen=True)
    healthy: bool
    database: str
    database_latency_ms: float | None
    realtime: tuple[RealtimeSourceStatus, ...] = ()

    @property
    def degraded(self) -> bool:
        """Serving, but a real-time source is stale or broken: riders see the schedule only."""
        return any(s.state in ("stale", "broken") for s in self.realtime)


class HealthService:
    def __init__(self, uow: UnitOfWorkFactory, *, timeout_s: float = 2.0, realtime: RealtimeInfo | None = None,
                 clock: Clock | None = None) -> None:
        self._uow = uow
        self._timeout_s = timeout_s
        self._realtime, self._clock = realtime, clock

    async def check(self) -> HealthReport:
        realtime = (self._realtime.statuses(self._clock.now())
                    if self._realtime is not None and self._clock is not None else ())
        started = time.perf_counter()
        try:
            async with asyncio.timeout(self._timeout_s):
                async with self._uow() as uow:
                    await uow.ping()
        except Exception as exc:  # any failure means "not ready"; the reason goes to the report
            return HealthReport(healthy=False, database=f"unavailable: {type(exc).__name__}", database_latency_ms=None,
                                realtime=realtime)
        return HealthReport(healthy=True, database="ok", database_latency_ms=round((time.perf_counter() - started) * 1000, 2),
                            realtime=realtime)
