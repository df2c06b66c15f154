"""The durable VehicleHolds: shared-vehicle bookings and the vehicles they hold, on SQLite or
PostgreSQL, seen alike by every process of the service.

`reserve` is serialised per operator, so that of any number of processes booking the last
vehicle at once exactly one sees it free:

- PostgreSQL: the transaction first takes `pg_advisory_xact_lock` on a 64-bit key derived from
  the operator id (held until commit or rollback). Whoever waited for it then reads the live
  holds in a new statement, which under READ COMMITTED sees the winner's committed hold.
- SQLite: every transaction starts with BEGIN IMMEDIATE (maas.storage.engine), which takes the
  database's write lock at once, so reserving transactions run one after another.

State moves (`save`) are compare-and-swap on the stored state: of two processes moving one
booking at once (a cancel racing an unlock), one stores its move and the other gets Conflict.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from sqlalchemy import BigInteger, func, insert, literal, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from maas.domain.errors import Conflict, InvalidRequest, NotFound, OperatorRejected
from maas.domain.mobility import BookingState
from maas.domain.ports import Clock
from maas.domain.vehicle_holds import AvailabilityCheck, HeldBooking
from maas.storage.payloads import VEHICLE_HOLD, dump, load
from maas.storage.repositories import utc
from maas.storage.tables import VehicleHoldRow

_HOLDS = VehicleHoldRow.__table__  # type: ignore[attr-defined]


class _SystemClock:
    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)


def lock_key(operator_id: str) -> int:
    """A stable signed 64-bit advisory-lock key for the operator's holds (same in every process;
    Python's hash() is salted per process, so it would not do)."""
    digest = hashlib.blake2b(f"maas.vehicle_holds:{operator_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def _values(held: HeldBooking, now: dt.datetime) -> dict[str, object]:
    until = held.live_until()
    return dict(state=held.booking.state.value, live_until=None if until is None else utc(until),
                updated_at=now, payload=dump(VEHICLE_HOLD, held))


class SqlVehicleHolds:
    """VehicleHolds on an AsyncEngine; every call is its own short transaction."""

    def __init__(self, engine: AsyncEngine, clock: Clock | None = None) -> None:
        self._engine = engine
        self._clock = clock or _SystemClock()

    async def _serialise(self, conn: AsyncConnection, operator_id: str) -> None:
        """Wait until no other transaction is reserving for this operator (see the module doc)."""
        if conn.dialect.name == "postgresql":
            await conn.execute(select(func.pg_advisory_xact_lock(literal(lock_key(operator_id), BigInteger))))
        # SQLite: this transaction began with BEGIN IMMEDIATE and holds the write lock already.

    async def reserve(self, operator_id: str, held: HeldBooking, check: AvailabilityCheck, *,
                      since: dt.datetime) -> HeldBooking:
        if held.booking.operator_id != operator_id:
            raise InvalidRequest(f"booking {held.id} is not operator {operator_id}'s")
        async with self._engine.begin() as conn:
            await self._serialise(conn, operator_id)
            if held.book_key and (first := await _by_key(conn, operator_id, held.book_key)) is not None:
                return first
            refusal = await check(await _live(conn, operator_id, since))
            if refusal:
                raise OperatorRejected(refusal)  # rolls back: nothing stored
            try:
                await conn.execute(insert(_HOLDS).values(
                    booking_id=held.id, operator_id=operator_id, offer_id=held.booking.offer_id,
                    book_key=held.book_key or None, **_values(held, self._clock.now())))
            except IntegrityError:
                raise Conflict(f"booking {held.id} of {operator_id} exists already") from None
        return held

    async def find_booked(self, operator_id: str, book_key: str) -> HeldBooking | None:
        if not book_key:
            return None
        async with self._engine.begin() as conn:
            return await _by_key(conn, operator_id, book_key)

    async def get(self, operator_id: str, booking_id: str) -> HeldBooking:
        async with self._engine.begin() as conn:
            payload = (await conn.execute(select(_HOLDS.c.payload).where(
                _HOLDS.c.operator_id == operator_id, _HOLDS.c.booking_id == booking_id))).scalar_one_or_none()
        if payload is None:
            raise NotFound(f"no booking {booking_id} at {operator_id}")
        return load(VEHICLE_HOLD, payload, row=booking_id)

    async def save(self, operator_id: str, held: HeldBooking, *, expected: BookingState) -> HeldBooking:
        where = (_HOLDS.c.operator_id == operator_id, _HOLDS.c.booking_id == held.id)
        async with self._engine.begin() as conn:
            # On PostgreSQL a second writer waits for the first one's row lock, then re-checks the
            # state against the committed row and updates nothing.
            result = await conn.execute(update(_HOLDS).where(*where, _HOLDS.c.state == expected.value)
                                        .values(**_values(held, self._clock.now())))
            if result.rowcount == 1:
                return held
            state = (await conn.execute(select(_HOLDS.c.state).where(*where))).scalar_one_or_none()
        if state is None:
            raise NotFound(f"no booking {held.id} at {operator_id}")
        raise Conflict(f"booking {held.id} is {state} now, not {expected.value}; read it again")

    async def live(self, operator_id: str, *, since: dt.datetime) -> list[HeldBooking]:
        async with self._engine.begin() as conn:
            return await _live(conn, operator_id, since)


async def _by_key(conn: AsyncConnection, operator_id: str, book_key: str) -> HeldBooking | None:
    payload = (await conn.execute(select(_HOLDS.c.payload).where(
        _HOLDS.c.operator_id == operator_id, _HOLDS.c.book_key == book_key))).scalar_one_or_none()
    return None if payload is None else load(VEHICLE_HOLD, payload)


async def _live(conn: AsyncConnection, operator_id: str, since: dt.datetime) -> list[HeldBooking]:
    query = (select(_HOLDS.c.payload)
             .where(_HOLDS.c.operator_id == operator_id,
                    or_(_HOLDS.c.live_until.is_(None), _HOLDS.c.live_until >= utc(since)))
             .order_by(_HOLDS.c.booking_id))
    return [load(VEHICLE_HOLD, p) for p in (await conn.execute(query)).scalars()]
