"""The retention schedule, applied: precise ride places coarsened to the ~250 m mesh after their
days, refused requests and access-audit entries deleted after theirs. Run periodically by the
server and by `maas retention run`."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging

from pydantic import BaseModel, ConfigDict, Field

from maas.domain.ports import Clock, UnitOfWorkFactory
from maas.domain.privacy import PersonalData

log = logging.getLogger(__name__)


class RetentionSchedule(BaseModel):
    model_config = ConfigDict(frozen=True)
    ride_places_days: int = Field(default=90, ge=1)
    refusals_days: int = Field(default=365, ge=1)
    audit_days: int = Field(default=3 * 365, ge=1)


class RetentionReport(BaseModel):
    model_config = ConfigDict(frozen=True)
    ran_at: dt.datetime
    rides_coarsened: int
    refusals_deleted: int
    audit_entries_deleted: int


class RetentionService:
    def __init__(self, uow: UnitOfWorkFactory, personal: PersonalData | None, clock: Clock,
                 schedule: RetentionSchedule) -> None:
        self._uow, self._personal, self._clock, self.schedule = uow, personal, clock, schedule

    async def run(self) -> RetentionReport:
        now = self._clock.now()
        rides = refusals = 0
        if self._personal is not None:
            rides = await self._personal.coarsen_rides_before(now - dt.timedelta(days=self.schedule.ride_places_days))
            refusals = await self._personal.purge_refusals_before(now - dt.timedelta(days=self.schedule.refusals_days))
        async with self._uow() as uow:
            audit = await uow.audit.purge_before(now - dt.timedelta(days=self.schedule.audit_days))
            await uow.commit()
        report = RetentionReport(ran_at=now, rides_coarsened=rides, refusals_deleted=refusals,
                                 audit_entries_deleted=audit)
        log.info("retention: %s", report.model_dump(mode="json"))
        return report

    async def watch(self, stop: asyncio.Event, interval_s: float) -> None:
        """Run every `interval_s` (the first after one interval, so a start is not slowed) until
        `stop` is set; a failed run is logged and tried again next time."""
        while True:
            try:
                await asyncio.wait_for(stop.wait(), timeout=interval_s)
                return
            except TimeoutError:
                pass
            try:
                await self.run()
            except Exception:  # the next run tries again; the server keeps serving
                log.exception("retention run failed")
