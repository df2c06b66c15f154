"""Trip bookings, their saga journal and the offers handed to riders, in the unit of work's session.

A booking is stored whole as JSON (`payload`) next to the columns it is looked up by. `save`
is a compare-and-swap on `version`, so of two writers that read the same version exactly one
stores anything:

- PostgreSQL (READ COMMITTED): the loser's UPDATE waits for the winner's row lock, re-checks
  `version = :read` against the committed row and updates nothing;
- SQLite: every transaction starts with BEGIN IMMEDIATE (maas.storage.engine), so writers queue
  and the second one finds the version moved.

Times go into the columns as UTC (SQLite keeps no offset, so only UTC text orders instants
correctly); the payload keeps them exactly as given.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from maas.domain.bookings import IN_FLIGHT, Booking, SagaStep, StepStatus
from maas.domain.errors import Conflict, NotFound
from maas.domain.mobility import Offer
from maas.storage.repositories import utc
from maas.storage.tables import BookingRow, BookingStepRow, OfferIssuedRow

_BOOKINGS = BookingRow.__table__  # type: ignore[attr-defined]
_STEPS = BookingStepRow.__table__  # type: ignore[attr-defined]
_OFFERS = OfferIssuedRow.__table__  # type: ignore[attr-defined]

OFFER_RETENTION = dt.timedelta(days=1)  # offers expired longer ago than this are purged
_CHUNK = 1000  # offer rows per upsert statement (5 parameters each)


def _booking_values(booking: Booking) -> dict[str, Any]:
    return dict(
        account_id=booking.account_id, state=booking.state.value, idempotency_key=booking.idempotency_key,
        request_digest=booking.request_digest, total_minor=booking.total.amount_minor,
        currency=booking.total.currency, version=booking.version, created_at=utc(booking.created_at),
        updated_at=utc(booking.updated_at), confirm_by=utc(booking.confirm_by) if booking.confirm_by else None,
        payload=booking.model_dump_json(),
    )


class SqlBookings:
    """BookingRepository on the unit of work's session."""

    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add(self, booking: Booking) -> Booking:
        try:
            async with self._s.begin_nested():  # a savepoint: the transaction stays usable after a Conflict
                await self._s.execute(insert(_BOOKINGS).values(id=booking.id, **_booking_values(booking)))
        except IntegrityError:
            raise Conflict(f"account {booking.account_id} already used idempotency key {booking.idempotency_key}, "
                           f"or booking id {booking.id} is taken",
                           fields={"idempotency_key": "already used"}) from None
        return booking

    async def get(self, booking_id: str) -> Booking:
        payload = (await self._s.execute(
            select(_BOOKINGS.c.payload).where(_BOOKINGS.c.id == booking_id))).scalar_one_or_none()
        if payload is None:
            raise NotFound(f"no booking {booking_id}")
        return Booking.model_validate_json(payload)

    async def find_by_key(self, account_id: str, idempotency_key: str) -> Booking | None:
        payload = (await self._s.execute(select(_BOOKINGS.c.payload).where(
            _BOOKINGS.c.account_id == account_id, _BOOKINGS.c.idempotency_key == idempotency_key,
        ))).scalar_one_or_none()
        return None if payload is None else Booking.model_validate_json(payload)

    async def save(self, booking: Booking) -> Booking:
        saved = booking.model_copy(update={"version": booking.version + 1})
        values = _booking_values(saved)
        values["version"] = _BOOKINGS.c.version + 1
        try:
            async with self._s.begin_nested():
                result = await self._s.execute(update(_BOOKINGS).where(
                    _BOOKINGS.c.id == booking.id, _BOOKINGS.c.version == booking.version).values(**values))
        except IntegrityError:  # the booking was given another account's key or an already used one
            raise Conflict(f"account {booking.account_id} already used idempotency key {booking.idempotency_key}",
                           fields={"idempotency_key": "already used"}) from None
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise Conflict(f"booking {booking.id} changed since version {booking.version} was read; read it again")
        return saved

    async def list_for(self, account_id: str, *, limit: int = 50) -> list[Booking]:
        query = (select(_BOOKINGS.c.payload).where(_BOOKINGS.c.account_id == account_id)
                 .order_by(_BOOKINGS.c.created_at.desc(), _BOOKINGS.c.id.desc()).limit(limit))
        return [Booking.model_validate_json(p) for p in (await self._s.execute(query)).scalars()]

    async def in_flight(self) -> list[Booking]:
        query = (select(_BOOKINGS.c.payload).where(_BOOKINGS.c.state.in_(sorted(s.value for s in IN_FLIGHT)))
                 .order_by(_BOOKINGS.c.created_at, _BOOKINGS.c.id))
        return [Booking.model_validate_json(p) for p in (await self._s.execute(query)).scalars()]

    async def add_step(self, step: SagaStep) -> None:
        try:
            async with self._s.begin_nested():
                await self._s.execute(insert(_STEPS).values(
                    booking_id=step.booking_id, seq=step.seq, name=step.name, status=step.status.value,
                    at=utc(step.at), detail=step.detail))
        except IntegrityError:
            exists = (await self._s.execute(
                select(_BOOKINGS.c.id).where(_BOOKINGS.c.id == step.booking_id))).scalar_one_or_none()
            if exists is None:
                raise NotFound(f"no booking {step.booking_id}") from None
            raise Conflict(f"booking {step.booking_id} already has journal step {step.seq}",
                           fields={"seq": "already written"}) from None

    async def steps(self, booking_id: str) -> list[SagaStep]:
        query = select(_STEPS).where(_STEPS.c.booking_id == booking_id).order_by(_STEPS.c.seq)
        return [SagaStep(booking_id=r.booking_id, seq=r.seq, name=r.name, status=StepStatus(r.status),
                         at=utc(r.at), detail=r.detail)
                for r in (await self._s.execute(query))]


class SqlOfferRegistry:
    """OfferRegistry on the unit of work's session: an offer id seen again replaces its row."""

    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def remember(self, offers: Sequence[Offer], *, now: dt.datetime) -> None:
        latest = {offer.id: offer for offer in offers}  # one row per id, the last one given wins
        rows = [dict(offer_id=o.id, operator_id=o.operator_id, valid_until=utc(o.valid_until), issued_at=utc(now),
                     payload=o.model_dump_json()) for o in latest.values()]
        dialect = postgresql if self._s.get_bind().dialect.name == "postgresql" else sqlite
        for start in range(0, len(rows), _CHUNK):  # under SQLite's and asyncpg's parameter limits
            upsert = dialect.insert(_OFFERS).values(rows[start:start + _CHUNK])
            await self._s.execute(upsert.on_conflict_do_update(
                index_elements=[_OFFERS.c.offer_id],
                set_={name: upsert.excluded[name] for name in ("operator_id", "valid_until", "issued_at", "payload")},
            ))
        await self._s.execute(delete(_OFFERS).where(_OFFERS.c.valid_until < utc(now) - OFFER_RETENTION))

    async def get(self, offer_id: str) -> Offer | None:
        payload = (await self._s.execute(
            select(_OFFERS.c.payload).where(_OFFERS.c.offer_id == offer_id))).scalar_one_or_none()
        return None if payload is None else Offer.model_validate_json(payload)
