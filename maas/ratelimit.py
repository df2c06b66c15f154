"""Rate limits on sign-in, registration and the expensive endpoints (plans, door-to-door,
analyses), per client address and per account, counted in fixed windows by `limits` in a
storage every API process shares: the service's database by default (no server needed), Redis
(`MAAS_RATE_LIMIT_STORAGE=redis://host:6379`, with the `redis` extra installed) or this
process's memory (`memory://`, one process only)."""

from __future__ import annotations

import math
import time
from collections.abc import Mapping

from limits import RateLimitItem, parse_many
from limits.aio.storage import MemoryStorage, Storage
from limits.aio.strategies import FixedWindowRateLimiter
from limits.storage import storage_from_string

RULES = ("sign_in", "register", "expensive")


def parse_rule(text: str) -> list[RateLimitItem]:
    """`10/minute;100/hour` as `limits` items; ValueError when it cannot be read."""
    return list(parse_many(text))


def storage_from_setting(value: str) -> Storage | None:
    """The storage a setting names; None for `database` (the caller supplies the database's)."""
    if value == "database":
        return None
    if value == "memory://":
        return MemoryStorage()
    if value.startswith(("redis://", "rediss://")):
        made = storage_from_string("async+" + value, implementation="redispy")
        assert isinstance(made, Storage)
        return made
    raise ValueError("use database, memory:// or redis://HOST:PORT")


class RateLimits:
    def __init__(self, storage: Storage, rules: Mapping[str, str]) -> None:
        self._storage = storage
        self._limiter = FixedWindowRateLimiter(storage)
        self._items = {name: parse_rule(text) for name, text in rules.items()}

    async def aclose(self) -> None:
        """Closes a Redis storage's connections (`limits` leaves that to its owner)."""
        client = getattr(getattr(self._storage, "bridge", None), "storage", None)
        if client is not None and hasattr(client, "aclose"):
            await client.aclose()

    async def hit(self, rule: str, who: str) -> int | None:
        """Counts one request of `who` (an address or an account) under `rule`: None while within
        the limits, else the whole seconds until the window that refused it ends."""
        for item in self._items.get(rule, ()):
            if not await self._limiter.hit(item, rule, who):
                stats = await self._limiter.get_window_stats(item, rule, who)
                return max(1, math.ceil(stats.reset_time - time.time()))
        return None
