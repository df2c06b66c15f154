"""Refused on-demand quotes (maas.domain.ride_refusals.RideRefusalLog), in the unit of work's session.

Times go into their columns as UTC (SQLite keeps no offset) and come back as UTC.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from maas.domain.ondemand import RefusalCode
from maas.domain.ride_refusals import RideRefusal
from maas.storage.repositories import utc
from maas.storage.tables import RideRefusalRow

_REFUSALS = RideRefusalRow.__table__  # type: ignore[attr-defined]


class SqlRideRefusals:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add(self, refusal: RideRefusal) -> None:
        await self._s.execute(insert(_REFUSALS).values(
            operator_id=refusal.operator_id, service_date=refusal.service_date,
            requested_pickup=utc(refusal.requested_pickup), code=refusal.code.value, travellers=refusal.travellers,
            refused_at=utc(refusal.refused_at), origin_cell=refusal.origin_cell,
            destination_cell=refusal.destination_cell))

    async def list_refusals(self, operator_id: str, *, first: dt.date, last: dt.date) -> list[RideRefusal]:
        query = (select(_REFUSALS).where(_REFUSALS.c.operator_id == operator_id, _REFUSALS.c.service_date >= first,
                                         _REFUSALS.c.service_date <= last)
                 .order_by(_REFUSALS.c.refused_at, _REFUSALS.c.id))
        return [RideRefusal(operator_id=r.operator_id, service_date=r.service_date,
                            requested_pickup=utc(r.requested_pickup), code=RefusalCode(r.code),
                            travellers=r.travellers, refused_at=utc(r.refused_at), origin_cell=r.origin_cell,
                            destination_cell=r.destination_cell)
                for r in await self._s.execute(query)]
