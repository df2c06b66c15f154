"""Riders' passes in the unit of work's session; the account's idempotency key is unique, so a
repeated purchase finds the first pass instead of selling a second."""

from __future__ import annotations

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from maas.domain.errors import Conflict, NotFound
from maas.domain.passes import PassState, RiderPass
from maas.storage.payloads import RIDER_PASS, dump, load
from maas.storage.repositories import utc
from maas.storage.tables import RiderPassRow

_PASSES = RiderPassRow.__table__  # type: ignore[attr-defined]


class SqlPasses:
    """PassBook on the unit of work's session."""

    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add(self, rider_pass: RiderPass) -> None:
        p = rider_pass
        try:
            async with self._s.begin_nested():  # a savepoint: the transaction stays usable after a Conflict
                await self._s.execute(insert(_PASSES).values(
                    id=p.id, account_id=p.account_id, idempotency_key=p.idempotency_key, state=p.state.value,
                    valid_from=utc(p.valid_from), valid_until=utc(p.valid_until), created_at=utc(p.created_at),
                    payload=dump(RIDER_PASS, p)))
        except IntegrityError:
            raise Conflict(f"account {p.account_id} already used idempotency key {p.idempotency_key}") from None

    async def get(self, pass_id: str) -> RiderPass:
        payload = (await self._s.execute(select(_PASSES.c.payload).where(_PASSES.c.id == pass_id))).scalar_one_or_none()
        if payload is None:
            raise NotFound(f"no pass {pass_id}")
        return load(RIDER_PASS, payload, row=pass_id)

    async def find_by_key(self, account_id: str, idempotency_key: str) -> RiderPass | None:
        payload = (await self._s.execute(select(_PASSES.c.payload).where(
            _PASSES.c.account_id == account_id, _PASSES.c.idempotency_key == idempotency_key))).scalar_one_or_none()
        return None if payload is None else load(RIDER_PASS, payload)

    async def list_for(self, account_id: str) -> list[RiderPass]:
        rows = await self._s.execute(select(_PASSES.c.payload).where(_PASSES.c.account_id == account_id)
                                     .order_by(_PASSES.c.created_at.desc(), _PASSES.c.id))
        return [load(RIDER_PASS, payload) for (payload,) in rows]

    async def pending(self) -> list[RiderPass]:
        rows = await self._s.execute(select(_PASSES.c.payload).where(_PASSES.c.state == PassState.PENDING.value)
                                     .order_by(_PASSES.c.created_at))
        return [load(RIDER_PASS, payload) for (payload,) in rows]

    async def save(self, rider_pass: RiderPass) -> None:
        done = await self._s.execute(update(_PASSES).where(_PASSES.c.id == rider_pass.id).values(
            state=rider_pass.state.value, payload=dump(RIDER_PASS, rider_pass)))
        if done.rowcount != 1:
            raise NotFound(f"no pass {rider_pass.id}")
