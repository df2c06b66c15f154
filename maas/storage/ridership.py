"""Uploaded ridership counts (maas.domain.ridership.RidershipLog), in the unit of work's session."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import delete, func, insert, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from maas.domain.ridership import RidershipCount
from maas.storage.repositories import utc
from maas.storage.tables import RidershipRow

_COUNTS = RidershipRow.__table__  # type: ignore[attr-defined]
_BATCH = 500  # keys per DELETE: well under SQLite's and PostgreSQL's bound-parameter limits


class SqlRidership:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def put(self, counts: Sequence[RidershipCount], *, uploaded_by: str, uploaded_at: dt.datetime) -> None:
        keys = [(c.route_id, c.service_date, c.trip_id) for c in counts]
        columns = tuple_(_COUNTS.c.route_id, _COUNTS.c.service_date, _COUNTS.c.trip_id)
        for lo in range(0, len(keys), _BATCH):
            await self._s.execute(delete(_COUNTS).where(columns.in_(keys[lo:lo + _BATCH])))
        for lo in range(0, len(counts), _BATCH):
            await self._s.execute(insert(_COUNTS), [
                {"route_id": c.route_id, "service_date": c.service_date, "trip_id": c.trip_id,
                 "boardings": c.boardings, "uploaded_by": uploaded_by, "uploaded_at": utc(uploaded_at)}
                for c in counts[lo:lo + _BATCH]])

    async def totals(self, day: dt.date) -> dict[str, int]:
        query = (select(_COUNTS.c.route_id, func.sum(_COUNTS.c.boardings))
                 .where(_COUNTS.c.service_date == day).group_by(_COUNTS.c.route_id))
        return {str(route): int(total) for route, total in await self._s.execute(query)}
