"""HealthService: a burst of checks shares the ping under way (one for twenty load-balancer
probes), and a check after it asks the database again (never an old answer)."""

from __future__ import annotations

import asyncio

from maas.services.health import HealthService
from tests.fakes import InMemoryUnitOfWorkFactory


async def test_a_burst_of_checks_shares_one_ping_and_a_later_check_pings_again() -> None:
    store = InMemoryUnitOfWorkFactory()
    opened = 0

    def counting():
        nonlocal opened
        opened += 1
        return store()

    health = HealthService(counting)
    reports = await asyncio.gather(*(health.check() for _ in range(20)))
    assert opened == 1 and all(r.healthy for r in reports)
    store.store.reachable = False
    assert not (await health.check()).healthy and opened == 2
