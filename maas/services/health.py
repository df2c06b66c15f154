"""Liveness and readiness: is the database answering, how fast, how fresh real time is, and
which transit feeds failed to compile (the others still serve, so the service stays healthy)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping

from pydantic import BaseModel, ConfigDict

from maas.domain.ports import Clock, UnitOfWorkFactory
from maas.domain.realtime import RealtimeInfo, RealtimeSourceStatus


class HealthReport(BaseModel):
    model_config = ConfigDict(frozen=True)
    healthy: bool
    database: str
    database_latency_ms: float | None
    realtime: tuple[RealtimeSourceStatus, ...] = ()
    feeds_failed: dict[str, str] = {}  # feed key -> why it failed to compile

    @property
    def degraded(self) -> bool:
        """Serving, but a real-time source is stale or broken: riders see the schedule only."""
        return any(s.state in ("stale", "broken") for s in self.realtime)


class HealthService:
    def __init__(self, uow: UnitOfWorkFactory, *, timeout_s: float = 2.0, realtime: RealtimeInfo | None = None,
                 clock: Clock | None = None, feed_failures: Callable[[], Mapping[str, str]] | None = None) -> None:
        self._uow = uow
        self._timeout_s = timeout_s
        self._realtime, self._clock = realtime, clock
        self._feed_failures = feed_failures
        self._running: asyncio.Task[HealthReport] | None = None

    async def check(self) -> HealthReport:
        """Checks asked for while one is under way share its answer (one ping for a burst of
        probes from load balancers), never an older one."""
        if self._running is None or self._running.done():
            self._running = asyncio.create_task(self._check())
        return await asyncio.shield(self._running)

    async def _check(self) -> HealthReport:
        realtime = (self._realtime.statuses(self._clock.now())
                    if self._realtime is not None and self._clock is not None else ())
        started = time.perf_counter()
        try:
            async with asyncio.timeout(self._timeout_s):
                async with self._uow() as uow:
                    await uow.ping()
        except Exception as exc:  # any failure means "not ready"; the reason goes to the report
            return HealthReport(healthy=False, database=f"unavailable: {type(exc).__name__}", database_latency_ms=None,
                                realtime=realtime, feeds_failed=self._failures())
        return HealthReport(healthy=True, database="ok", database_latency_ms=round((time.perf_counter() - started) * 1000, 2),
                            realtime=realtime, feeds_failed=self._failures())

    def _failures(self) -> dict[str, str]:
        return {} if self._feed_failures is None else dict(self._feed_failures())
