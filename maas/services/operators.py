"""Registering transport operators that plug into the platform."""

from __future__ import annotations

import re

from maas.domain.accounts import Operator
from maas.domain.errors import InvalidRequest
from maas.domain.ports import Clock, UnitOfWorkFactory

_OPERATOR_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")
KINDS = frozenset({"transit", "bike-share", "car-share", "taxi", "on-demand"})


class OperatorService:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def register(self, *, operator_id: str, name: str, name_en: str, mode: str, kind: str) -> Operator:
        problems = {}
        if not _OPERATOR_ID.match(operator_id):
            problems["id"] = "lower-case letters, digits and '-', 2 to 63 characters"
        if kind not in KINDS:
            problems["kind"] = f"one of {', '.join(sorted(KINDS))}"
        if not name.strip():
            problems["name"] = "must not be blank"
        if problems:
            raise InvalidRequest("the operator details are not valid", fields=problems)
        operator = Operator(id=operator_id, name=name, name_en=name_en, mode=mode, kind=kind,
                            created_at=self._clock.now())
        async with self._uow() as uow:
            await uow.operators.add(operator)
            await uow.commit()
        return operator

    async def find(self, operator_id: str) -> Operator | None:
        async with self._uow() as uow:
            return await uow.operators.find(operator_id)

    async def get(self, operator_id: str) -> Operator:
        async with self._uow() as uow:
            return await uow.operators.get(operator_id)

    async def list_operators(self) -> list[Operator]:
        async with self._uow() as uow:
            return await uow.operators.list_operators()
