"""Settlement reports: what each operator is owed for a period, and what the municipality owes
in subsidies, both added up from the ledger written when bookings settled."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from maas.domain.accounts import Principal, Role
from maas.domain.errors import InvalidRequest
from maas.domain.ledger import EntryKind, OperatorStatement, SubsidyStatement
from maas.domain.planning import Money
from maas.domain.ports import UnitOfWorkFactory

MAX_PERIOD = dt.timedelta(days=400)


def _period(since: dt.datetime, until: dt.datetime) -> None:
    if until <= since or until - since > MAX_PERIOD:
        raise InvalidRequest("the period must end after it starts and span at most 400 days",
                             fields={"to": "after from, within 400 days"})


class SettlementService:
    def __init__(self, uow: UnitOfWorkFactory, *, municipality: str, currency: str = "JPY") -> None:
        self._uow, self.municipality, self.currency = uow, municipality, currency

    async def operator_statement(self, caller: Principal, operator_id: str, since: dt.datetime,
                                 until: dt.datetime) -> OperatorStatement:
        if caller.role is not Role.ANALYST:
            caller.require_operator(operator_id)  # an operator sees its own; admins and analysts any
        _period(since, until)
        async with self._uow() as uow:
            entries = await uow.ledger.entries(since=since, until=until, operator_id=operator_id)
        due = sum(e.amount.amount_minor for e in entries if e.kind is EntryKind.OPERATOR_DUE)
        riders = sum(e.amount.amount_minor for e in entries if e.kind is EntryKind.RIDER_PAID)
        town = sum(e.amount.amount_minor for e in entries if e.kind is EntryKind.SUBSIDY_DUE)
        passes = sum(e.amount.amount_minor for e in entries if e.kind is EntryKind.PASS_COVERED)
        legs = len({(e.booking_id, e.leg_index) for e in entries if e.kind is EntryKind.OPERATOR_DUE})
        def money(amount: int) -> Money:
            return Money(amount_minor=amount, currency=self.currency)

        return OperatorStatement(operator_id=operator_id, period_from=since, period_to=until, legs=legs,
                                 due=money(due), from_riders=money(riders), from_municipality=money(town),
                                 from_passes=money(passes))

    async def subsidy_statement(self, caller: Principal, since: dt.datetime, until: dt.datetime) -> SubsidyStatement:
        caller.require(Role.ANALYST, Role.ADMIN)
        _period(since, until)
        async with self._uow() as uow:
            entries = await uow.ledger.entries(since=since, until=until, kind=EntryKind.SUBSIDY_DUE)
        by_rule: Counter[str] = Counter()
        by_operator: Counter[str] = Counter()
        for e in entries:
            by_rule[",".join(e.rules) or "none"] += e.amount.amount_minor
            by_operator[e.operator_id] += e.amount.amount_minor
        return SubsidyStatement(municipality=self.municipality, period_from=since, period_to=until,
                                total=Money(amount_minor=sum(by_operator.values()), currency=self.currency),
                                by_rule=dict(by_rule), by_operator=dict(by_operator), legs=len(entries))
