"""A RideStore in memory, with the same compare-and-swap as the database one: for tests, the
conformance kit and a demo without a database (rides are lost when the process stops)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from maas.domain.errors import Conflict, NotFound
from maas.domain.ondemand import DayPlan, Ride, StalePlan


class MemoryRideStore:
    def __init__(self) -> None:
        self._plans: dict[tuple[str, dt.date], DayPlan] = {}
        self._rides: dict[str, Ride] = {}

    async def load_day(self, operator_id: str, service_date: dt.date) -> tuple[DayPlan, list[Ride]]:
        plan = self._plans.get((operator_id, service_date), DayPlan(operator_id=operator_id, service_date=service_date))
        rides = [r for r in self._rides.values() if r.operator_id == operator_id and r.service_date == service_date]
        return plan, rides

    async def save_day(self, plan: DayPlan, rides: Sequence[Ride]) -> DayPlan:
        key = (plan.operator_id, plan.service_date)
        stored = self._plans.get(key)
        if (stored.version if stored else 0) != plan.version:
            raise StalePlan(f"the plan of {plan.operator_id} on {plan.service_date} changed; read it again")
        for ride in rides:
            other = next((r for r in self._rides.values() if r.operator_id == ride.operator_id
                          and r.booking.offer_id == ride.booking.offer_id and r.id != ride.id), None)
            if other is not None:
                raise Conflict(f"offer {ride.booking.offer_id} is already booked as {other.id}")
        saved = plan.model_copy(update={"version": plan.version + 1})
        self._plans[key] = saved
        self._rides.update({ride.id: ride for ride in rides})
        return saved

    async def get_ride(self, operator_id: str, ride_id: str) -> Ride:
        ride = self._rides.get(ride_id)
        if ride is None or ride.operator_id != operator_id:
            raise NotFound(f"no ride {ride_id} with {operator_id}")
        return ride

    async def find_by_offer(self, operator_id: str, offer_id: str) -> Ride | None:
        return next((r for r in self._rides.values()
                     if r.operator_id == operator_id and r.booking.offer_id == offer_id), None)

    async def list_rides(self, operator_id: str, *, service_date: dt.date | None = None,
                         rider_ref: str | None = None, limit: int = 200) -> list[Ride]:
        found = [r for r in self._rides.values() if r.operator_id == operator_id
                 and (service_date is None or r.service_date == service_date)
                 and (rider_ref is None or r.rider_ref == rider_ref)]
        return sorted(found, key=lambda r: r.pickup_from)[:limit]
