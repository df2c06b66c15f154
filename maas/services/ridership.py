"""Ridership uploads: the town's counts of boardings for trips not booked here (CSV), for analysts and admins.

The whole file is checked before anything is stored (maas.domain.ridership.parse_ridership_csv); a bad
row refuses the upload with the rows named. Stored counts replace earlier ones of the same route, date
and trip, in one transaction.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from maas.domain.accounts import Principal, Role
from maas.domain.ports import Clock, UnitOfWorkFactory
from maas.domain.ridership import parse_ridership_csv

ANALYSTS = (Role.ANALYST, Role.ADMIN)


class RidershipService:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow, self._clock = uow, clock

    async def upload(self, caller: Principal, content: str) -> dict[str, Any]:
        """Store every row or none; a summary of what was stored."""
        caller.require(*ANALYSTS)
        counts = parse_ridership_csv(content)
        async with self._uow() as uow:
            await uow.ridership.put(counts, uploaded_by=caller.subject_id, uploaded_at=self._clock.now())
            await uow.commit()
        days = sorted({c.service_date for c in counts})
        return {"rows": len(counts), "routes": sorted({c.route_id for c in counts}),
                "first_date": days[0].isoformat(), "last_date": days[-1].isoformat(),
                "boardings": sum(c.boardings for c in counts)}

    async def totals(self, caller: Principal, day: dt.date) -> dict[str, int]:
        caller.require(*ANALYSTS)
        async with self._uow() as uow:
            return await uow.ridership.totals(day)
