"""The durable RideStore: on-demand rides and versioned day plans on SQLite or PostgreSQL.

A day's plan is saved by compare-and-swap on its version in the same transaction as the
day's rides, so of two writers that read the same version exactly one stores anything:

- the plan row exists: `UPDATE ... WHERE version = :read`; on PostgreSQL the loser waits for
  the winner's row lock, re-checks the WHERE against the committed row and updates nothing;
  SQLite takes its write lock at BEGIN IMMEDIATE (maas.storage.engine), so writers queue.
- the first save of a day (version 0): both INSERT; the primary key lets one in and the
  other's IntegrityError becomes StalePlan.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence

from sqlalchemy import Row, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from maas.domain.errors import Conflict, InvalidRequest, NotFound
from maas.domain.ondemand import DayPlan, Ride, StalePlan, StopKind
from maas.domain.ports import Clock
from maas.storage.payloads import RIDE, dump, load
from maas.storage.repositories import utc
from maas.storage.tables import OnDemandPlanRow, OnDemandRideRow

_RIDES = OnDemandRideRow.__table__  # type: ignore[attr-defined]
_PLANS = OnDemandPlanRow.__table__  # type: ignore[attr-defined]


class _SystemClock:
    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)


def routes_json(plan: DayPlan) -> str:
    return json.dumps({vehicle: [[ride_id, kind.value] for ride_id, kind in stops]
                       for vehicle, stops in plan.routes.items()}, ensure_ascii=False)


def _plan(operator_id: str, service_date: dt.date, row: Row | None) -> DayPlan:
    if row is None:
        return DayPlan(operator_id=operator_id, service_date=service_date)
    routes = {vehicle: tuple((ride_id, StopKind(kind)) for ride_id, kind in stops)
              for vehicle, stops in json.loads(row.routes).items()}
    return DayPlan(operator_id=operator_id, service_date=service_date, version=row.version, routes=routes)


def _ride_values(ride: Ride, now: dt.datetime) -> dict[str, object]:
    return dict(
        operator_id=ride.operator_id, service_date=ride.service_date, offer_id=ride.booking.offer_id,
        state=ride.booking.state.value, rider_ref=ride.rider_ref,
        # UTC, so that SQLite (which keeps no offset) orders instants correctly.
        pickup_from=utc(ride.pickup_from), payload=dump(RIDE, ride), updated_at=now,
    )


class SqlRideStore:
    """RideStore on an AsyncEngine; every call is its own short transaction."""

    def __init__(self, engine: AsyncEngine, clock: Clock | None = None) -> None:
        self._engine = engine
        self._clock = clock or _SystemClock()

    async def load_day(self, operator_id: str, service_date: dt.date) -> tuple[DayPlan, list[Ride]]:
        async with self._engine.begin() as conn:
            # The plan before the rides: under READ COMMITTED each statement sees its own snapshot,
            # so rides can only be newer than the version read, and a save on it then fails as stale.
            row = (await conn.execute(select(_PLANS.c.version, _PLANS.c.routes).where(
                _PLANS.c.operator_id == operator_id, _PLANS.c.service_date == service_date))).one_or_none()
            rides = await _select_rides(conn, operator_id, service_date=service_date)
        return _plan(operator_id, service_date, row), rides

    async def save_day(self, plan: DayPlan, rides: Sequence[Ride]) -> DayPlan:
        strangers = sorted({r.id for r in rides if r.operator_id != plan.operator_id})
        if strangers:
            raise InvalidRequest(f"rides {', '.join(strangers)} are not operator {plan.operator_id}'s")
        now = self._clock.now()
        routes = routes_json(plan)
        async with self._engine.begin() as conn:
            new_version = await self._swap_plan(conn, plan, routes, now)
            for ride in rides:
                await _upsert_ride(conn, ride, now)
        return plan.model_copy(update={"version": new_version})

    async def _swap_plan(self, conn: AsyncConnection, plan: DayPlan, routes: str, now: dt.datetime) -> int:
        result = await conn.execute(
            update(_PLANS)
            .where(_PLANS.c.operator_id == plan.operator_id, _PLANS.c.service_date == plan.service_date,
                   _PLANS.c.version == plan.version)
            .values(version=_PLANS.c.version + 1, routes=routes, updated_at=now))
        if result.rowcount == 1:
            return plan.version + 1
        stale = StalePlan(f"the plan of {plan.operator_id} for {plan.service_date} changed since version "
                          f"{plan.version} was read")
        if plan.version != 0:
            raise stale
        try:
            await conn.execute(insert(_PLANS).values(operator_id=plan.operator_id, service_date=plan.service_date,
                                                     version=1, routes=routes, updated_at=now))
        except IntegrityError:
            raise stale from None  # another first writer got there first
        return 1

    async def get_ride(self, operator_id: str, ride_id: str) -> Ride:
        async with self._engine.begin() as conn:
            payload = (await conn.execute(select(_RIDES.c.payload).where(
                _RIDES.c.operator_id == operator_id, _RIDES.c.id == ride_id))).scalar_one_or_none()
        if payload is None:
            raise NotFound(f"operator {operator_id} has no ride {ride_id}")
        return load(RIDE, payload, row=ride_id)

    async def find_by_offer(self, operator_id: str, offer_id: str) -> Ride | None:
        async with self._engine.begin() as conn:
            payload = (await conn.execute(select(_RIDES.c.payload).where(
                _RIDES.c.operator_id == operator_id, _RIDES.c.offer_id == offer_id))).scalar_one_or_none()
        return None if payload is None else load(RIDE, payload)

    async def list_rides(self, operator_id: str, *, service_date: dt.date | None = None,
                         rider_ref: str | None = None, limit: int = 200) -> list[Ride]:
        async with self._engine.begin() as conn:
            return await _select_rides(conn, operator_id, service_date=service_date, rider_ref=rider_ref,
                                       limit=limit)


async def _select_rides(conn: AsyncConnection, operator_id: str, *, service_date: dt.date | None = None,
                        rider_ref: str | None = None, limit: int | None = None) -> list[Ride]:
    query = select(_RIDES.c.payload).where(_RIDES.c.operator_id == operator_id)
    if service_date is not None:
        query = query.where(_RIDES.c.service_date == service_date)
    if rider_ref is not None:
        query = query.where(_RIDES.c.rider_ref == rider_ref)
    query = query.order_by(_RIDES.c.pickup_from, _RIDES.c.id)
    if limit is not None:
        query = query.limit(limit)
    return [load(RIDE, p) for p in (await conn.execute(query)).scalars()]


async def _upsert_ride(conn: AsyncConnection, ride: Ride, now: dt.datetime) -> None:
    """Update the ride by id, or insert it. Any unique violation (the offer already booked by
    another ride, or the id taken by another operator's ride) is a Conflict, and since it
    raises inside save_day's transaction, nothing of that save is stored."""
    values = _ride_values(ride, now)
    try:
        result = await conn.execute(update(_RIDES).where(
            _RIDES.c.id == ride.id, _RIDES.c.operator_id == ride.operator_id).values(**values))
        if result.rowcount == 0:
            await conn.execute(insert(_RIDES).values(id=ride.id, **values))
    except IntegrityError:
        raise Conflict(f"ride {ride.id}: offer {ride.booking.offer_id} of operator {ride.operator_id} is already "
                       "booked, or the ride id is taken",
                       fields={"offer_id": "already booked"}) from None
