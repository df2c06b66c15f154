"""The StatusReader on the database: a few grouped counts, cheap enough for every scrape."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from maas.domain.analyses import AnalysisState
from maas.domain.status import FeedFreshness, ServiceStatus
from maas.storage.repositories import utc
from maas.storage.tables import AnalysisRow, BookingRow, FeedRow

_BOOKINGS = BookingRow.__table__  # type: ignore[attr-defined]
_ANALYSES = AnalysisRow.__table__  # type: ignore[attr-defined]
_FEEDS = FeedRow.__table__  # type: ignore[attr-defined]


class SqlStatusReader:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def read(self) -> ServiceStatus:
        async with self._engine.connect() as conn:
            bookings = (await conn.execute(select(_BOOKINGS.c.state, func.count()).group_by(_BOOKINGS.c.state))).all()
            analyses = (await conn.execute(select(_ANALYSES.c.state, func.count()).group_by(_ANALYSES.c.state))).all()
            oldest = (await conn.execute(select(func.min(_ANALYSES.c.created_at))
                                         .where(_ANALYSES.c.state == AnalysisState.QUEUED.value))).scalar_one_or_none()
            feeds = (await conn.execute(select(_FEEDS.c.name, _FEEDS.c.imported_at, _FEEDS.c.service_end))).all()
        return ServiceStatus(bookings_by_state={state: int(n) for state, n in bookings},
                             analyses_by_state={state: int(n) for state, n in analyses},
                             oldest_queued_analysis=None if oldest is None else utc(oldest),
                             feeds=tuple(FeedFreshness(name=f.name, imported_at=utc(f.imported_at),
                                                       service_end=f.service_end) for f in feeds))
