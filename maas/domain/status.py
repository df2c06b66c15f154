"""What the service's shared state says about its health, read when metrics are scraped
(`StatusReader`): bookings by trip state (the sagas' outcomes), analyses by state and the oldest
queued one (the job queue's depth and age), and each imported feed's freshness. Read from the
database, so every API process reports the same figures."""

from __future__ import annotations

import datetime as dt
from typing import Protocol

from pydantic import BaseModel, ConfigDict


class FeedFreshness(BaseModel):
    model_config = ConfigDict(frozen=True)
    name: str
    imported_at: dt.datetime
    service_end: dt.date | None = None


class ServiceStatus(BaseModel):
    model_config = ConfigDict(frozen=True)
    bookings_by_state: dict[str, int]
    analyses_by_state: dict[str, int]
    oldest_queued_analysis: dt.datetime | None = None
    feeds: tuple[FeedFreshness, ...] = ()


class StatusReader(Protocol):
    async def read(self) -> ServiceStatus: ...
