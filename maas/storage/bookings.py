"""Trip bookings, their saga journal and the offers handed to riders, in the unit of work's session.

A booking is stored whole as JSON (`payload`) next to the columns it is looked up by. `save`
is a compare-and-swap on `version`, so of two writers that read the same version exactly one
stores anything:

- PostgreSQL (READ COMMITTED): the loser's UPDATE waits for the winner's row lock, re-checks
  `version = :read` against the committed row and updates nothing;
- SQLite: every transaction starts with BEGIN IMMEDIATE (maas.storage.engine), so writers queue
  and the second one finds the version moved.

`booking_legs` maps each operator booking (operator id, the operator's booking id) to its
booking, for trip events that name only the operator's booking. `add` and `save` insert the
legs whose operator booking id is known and not yet recorded, in the same savepoint as the
booking row; an id never changes once set, so rows are only ever added.

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

from maas.domain.bookings import CANCEL_STEP, CANCELLABLE, IN_FLIGHT, Booking, SagaStep, StepStatus, TripState
from maas.domain.errors import Conflict, NotFound
from maas.domain.mobility import Offer
from maas.storage.payloads import BOOKING, OFFER, dump, load
from maas.storage.repositories import utc
from maas.storage.tables import BookingLegRow, BookingRow, BookingStepRow, OfferIssuedRow

_BOOKINGS = BookingRow.__table__  # type: ignore[attr-defined]
_STEPS = BookingStepRow.__table__  # type: ignore[attr-defined]
_LEGS = BookingLegRow.__table__  # type: ignore[attr-defined]
_OFFERS = OfferIssuedRow.__table__  # type: ignore[attr-defined]

OFFER_RETENTION = dt.timedelta(days=1)  # offers expired longer ago than this are purged
_CHUNK = 1000  # offer rows per upsert statement (5 parameters each)


def _booking_values(booking: Booking) -> dict[str, Any]:
    return dict(
        account_id=booking.account_id, state=booking.state.value, idempotency_key=booking.idempotency_key,
        request_digest=booking.request_digest, total_minor=booking.total.amount_minor,
        currency=booking.total.currency, version=booking.version, created_at=utc(booking.created_at),
        updated_at=utc(booking.updated_at), confirm_by=utc(booking.confirm_by) if booking.confirm_by else None,
        payment_id=booking.payment.id if booking.payment else None, payload=dump(BOOKING, booking),
    )


def _known_legs(booking: Booking) -> dict[tuple[str, str], int]:
    """(operator id, operator's booking id) -> leg index, for the legs the operator answered."""
    return {(leg.operator_id, leg.booking.id): leg.index for leg in booking.legs if leg.booking is not None}


class SqlBookings:
    """BookingRepository on the unit of work's session."""

    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add(self, booking: Booking) -> Booking:
        try:
            async with self._s.begin_nested():  # a savepoint: the transaction stays usable after a Conflict
                await self._s.execute(insert(_BOOKINGS).values(id=booking.id, **_booking_values(booking)))
                await self._record_legs(booking, _known_legs(booking))
        except IntegrityError:
            raise Conflict(f"account {booking.account_id} already used idempotency key {booking.idempotency_key}, "
                           f"or booking id {booking.id} is taken",
                           fields={"idempotency_key": "already used"}) from None
        return booking

    async def _record_legs(self, booking: Booking, legs: dict[tuple[str, str], int]) -> None:
        """Insert these legs of the booking; Conflict if another booking has one of them."""
        if not legs:
            return
        try:
            async with self._s.begin_nested():
                await self._s.execute(insert(_LEGS), [
                    dict(operator_id=operator_id, leg_booking_id=leg_booking_id, booking_id=booking.id,
                         leg_index=index) for (operator_id, leg_booking_id), index in legs.items()])
        except IntegrityError:
            taken = ", ".join(f"{operator_id}/{leg_id}" for operator_id, leg_id in legs)
            raise Conflict(f"booking {booking.id}: operator booking {taken} belongs to another booking") from None

    async def get(self, booking_id: str) -> Booking:
        payload = (await self._s.execute(
            select(_BOOKINGS.c.payload).where(_BOOKINGS.c.id == booking_id))).scalar_one_or_none()
        if payload is None:
            raise NotFound(f"no booking {booking_id}")
        return load(BOOKING, payload, row=booking_id)

    async def find_by_key(self, account_id: str, idempotency_key: str) -> Booking | None:
        payload = (await self._s.execute(select(_BOOKINGS.c.payload).where(
            _BOOKINGS.c.account_id == account_id, _BOOKINGS.c.idempotency_key == idempotency_key,
        ))).scalar_one_or_none()
        return None if payload is None else load(BOOKING, payload)

    async def find_by_leg(self, operator_id: str, leg_booking_id: str) -> Booking | None:
        query = (select(_BOOKINGS.c.payload).join(_LEGS, _LEGS.c.booking_id == _BOOKINGS.c.id)
                 .where(_LEGS.c.operator_id == operator_id, _LEGS.c.leg_booking_id == leg_booking_id))
        payload = (await self._s.execute(query)).scalar_one_or_none()
        return None if payload is None else load(BOOKING, payload)

    async def find_by_payment(self, payment_id: str) -> Booking | None:
        # Oldest first, so the answer is stable should two bookings ever name the same payment.
        query = (select(_BOOKINGS.c.payload).where(_BOOKINGS.c.payment_id == payment_id)
                 .order_by(_BOOKINGS.c.created_at, _BOOKINGS.c.id).limit(1))
        payload = (await self._s.execute(query)).scalar_one_or_none()
        return None if payload is None else load(BOOKING, payload)

    async def save(self, booking: Booking) -> Booking:
        saved = booking.model_copy(update={"version": booking.version + 1})
        values = _booking_values(saved)
        values["version"] = _BOOKINGS.c.version + 1
        try:
            async with self._s.begin_nested():
                result = await self._s.execute(update(_BOOKINGS).where(
                    _BOOKINGS.c.id == booking.id, _BOOKINGS.c.version == booking.version).values(**values))
                if result.rowcount != 1:  # type: ignore[attr-defined]
                    raise Conflict(f"booking {booking.id} changed since version {booking.version} was read; "
                                   "read it again")
                legs = _known_legs(saved)
                if legs:
                    # The update holds the booking's row (PostgreSQL) or the write lock (SQLite): no
                    # other save of this booking runs between this read and the insert.
                    recorded = await self._s.execute(select(_LEGS.c.operator_id, _LEGS.c.leg_booking_id)
                                                     .where(_LEGS.c.booking_id == booking.id))
                    for operator_id, leg_booking_id in recorded:
                        legs.pop((operator_id, leg_booking_id), None)
                    await self._record_legs(saved, legs)
        except IntegrityError:  # the booking was given another account's key or an already used one
            raise Conflict(f"account {booking.account_id} already used idempotency key {booking.idempotency_key}",
                           fields={"idempotency_key": "already used"}) from None
        return saved

    async def list_for(self, account_id: str, *, limit: int = 50) -> list[Booking]:
        query = (select(_BOOKINGS.c.payload).where(_BOOKINGS.c.account_id == account_id)
                 .order_by(_BOOKINGS.c.created_at.desc(), _BOOKINGS.c.id.desc()).limit(limit))
        return [load(BOOKING, p) for p in (await self._s.execute(query)).scalars()]

    async def in_states(self, states: Sequence[TripState], *, limit: int = 500) -> list[Booking]:
        query = (select(_BOOKINGS.c.payload).where(_BOOKINGS.c.state.in_(sorted(s.value for s in states)))
                 .order_by(_BOOKINGS.c.updated_at, _BOOKINGS.c.id).limit(limit))
        return [load(BOOKING, p) for p in (await self._s.execute(query)).scalars()]

    async def in_flight(self) -> list[Booking]:
        query = (select(_BOOKINGS.c.payload).where(_BOOKINGS.c.state.in_(sorted(s.value for s in IN_FLIGHT)))
                 .order_by(_BOOKINGS.c.created_at, _BOOKINGS.c.id))
        return [load(BOOKING, p) for p in (await self._s.execute(query)).scalars()]

    async def cancel_begun(self) -> list[Booking]:
        begun = select(_STEPS.c.booking_id).where(_STEPS.c.booking_id == _BOOKINGS.c.id,
                                                  _STEPS.c.name == CANCEL_STEP)
        query = (select(_BOOKINGS.c.payload)
                 .where(_BOOKINGS.c.state.in_(sorted(s.value for s in CANCELLABLE)), begun.exists())
                 .order_by(_BOOKINGS.c.created_at, _BOOKINGS.c.id))
        return [load(BOOKING, p) for p in (await self._s.execute(query)).scalars()]

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


SWEEP_EVERY = dt.timedelta(minutes=1)
_NEXT_SWEEP: dict[str, dt.datetime] = {}  # database URL -> when this process sweeps lapsed offers next


class SqlOfferRegistry:
    """OfferRegistry on the unit of work's session: an offer id seen again replaces its row."""

    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def remember(self, offers: Sequence[Offer], *, now: dt.datetime) -> None:
        # One row per id, the last one given wins; one lapsed past the retention is never kept.
        latest = {offer.id: offer for offer in offers if offer.valid_until >= now - OFFER_RETENTION}
        rows = [dict(offer_id=o.id, operator_id=o.operator_id, valid_until=utc(o.valid_until), issued_at=utc(now),
                     payload=dump(OFFER, o)) for o in latest.values()]
        dialect = postgresql if self._s.get_bind().dialect.name == "postgresql" else sqlite
        for start in range(0, len(rows), _CHUNK):  # under SQLite's and asyncpg's parameter limits
            upsert = dialect.insert(_OFFERS).values(rows[start:start + _CHUNK])
            await self._s.execute(upsert.on_conflict_do_update(
                index_elements=[_OFFERS.c.offer_id],
                set_={name: upsert.excluded[name] for name in ("operator_id", "valid_until", "issued_at", "payload")},
            ))
        # Lapsed offers are swept at most once a minute per database and process, not by every plan.
        bind = str(self._s.get_bind().url)
        if now >= _NEXT_SWEEP.get(bind, now):
            _NEXT_SWEEP[bind] = now + SWEEP_EVERY
            await self._s.execute(delete(_OFFERS).where(_OFFERS.c.valid_until < utc(now) - OFFER_RETENTION))

    async def get(self, offer_id: str) -> Offer | None:
        payload = (await self._s.execute(
            select(_OFFERS.c.payload).where(_OFFERS.c.offer_id == offer_id))).scalar_one_or_none()
        return None if payload is None else load(OFFER, payload, row=offer_id)
