"""Settlement: who owes whom for a booking once its trip ended, entry by entry.

For each leg ridden the operator is owed its price, of which the rider paid their share, a pass
of the rider's may have paid part (from the pass's revenue), and the municipality owes the rest
(its subsidy, invoiced to it). A cancelled leg owes only the fee
its terms set, paid by the rider. Entries are written once per booking, when the final amount
is taken, and reports add them up per operator or per municipality over a period, so the
money that moved and the money owed can be checked against each other.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from enum import Enum
from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field

from maas.domain.bookings import Booking
from maas.domain.mobility import BookingState
from maas.domain.planning import Money


class EntryKind(str, Enum):
    OPERATOR_DUE = "operator_due"  # the operator's price for a leg ridden (or its cancellation fee)
    RIDER_PAID = "rider_paid"  # taken from the rider for the leg
    SUBSIDY_DUE = "subsidy_due"  # owed by the municipality for the leg
    PASS_COVERED = "pass_covered"  # paid from the revenue of the rider's pass


class LedgerEntry(BaseModel):
    model_config = ConfigDict(frozen=True)
    booking_id: str
    leg_index: int = Field(ge=0)
    kind: EntryKind
    party: str  # operator id, municipality id, or the rider's account id
    operator_id: str  # whose leg it is, for the operator's report
    amount: Money
    at: dt.datetime
    rules: tuple[str, ...] = ()


def settlement_entries(booking: Booking, *, municipality: str, at: dt.datetime) -> list[LedgerEntry]:
    """The entries of a booking whose legs are all over (finished, no-show or cancelled)."""
    entries: list[LedgerEntry] = []
    for leg in booking.legs:
        state = leg.booking.state if leg.booking is not None else None
        currency = leg.price.currency
        covered = 0
        if state is BookingState.FINISHED:
            due, paid = leg.price.amount_minor, leg.rider_share.amount_minor
            covered = leg.covered.amount_minor if leg.covered is not None else 0
            subsidy = due - paid - covered
        elif leg.fee is not None and leg.fee.amount_minor > 0:
            due = paid = leg.fee.amount_minor
            subsidy = 0
        else:
            continue

        def entry(kind: EntryKind, party: str, amount: int) -> LedgerEntry:
            return LedgerEntry(booking_id=booking.id, leg_index=leg.index, kind=kind, party=party,
                               operator_id=leg.operator_id, amount=Money(amount_minor=amount, currency=currency),
                               at=at, rules=leg.rules)
        entries.append(entry(EntryKind.OPERATOR_DUE, leg.operator_id, due))
        if paid:
            entries.append(entry(EntryKind.RIDER_PAID, booking.account_id, paid))
        if covered:
            entries.append(entry(EntryKind.PASS_COVERED, leg.pass_id or "pass", covered))
        if subsidy:
            entries.append(entry(EntryKind.SUBSIDY_DUE, municipality, subsidy))
    return entries


def rider_paid_by_operator(entries: list[LedgerEntry]) -> dict[str, Money]:
    """What the rider paid for each operator's legs: one payout per operator and booking."""
    owed: dict[str, Money] = {}
    for entry in entries:
        if entry.kind is EntryKind.RIDER_PAID:
            before = owed.get(entry.operator_id)
            total = entry.amount.amount_minor + (before.amount_minor if before is not None else 0)
            owed[entry.operator_id] = Money(amount_minor=total, currency=entry.amount.currency)
    return owed


class OperatorStatement(BaseModel):
    """What one operator is owed for a period: from riders and from the municipality."""

    model_config = ConfigDict(frozen=True)
    operator_id: str
    period_from: dt.datetime
    period_to: dt.datetime
    legs: int
    due: Money
    from_riders: Money
    from_municipality: Money
    from_passes: Money


class SubsidyStatement(BaseModel):
    """What the municipality owes for a period, per rule and per operator (no rider is named)."""

    model_config = ConfigDict(frozen=True)
    municipality: str
    period_from: dt.datetime
    period_to: dt.datetime
    total: Money
    by_rule: dict[str, int]
    by_operator: dict[str, int]
    legs: int


class Ledger(Protocol):
    async def add(self, entries: Sequence[LedgerEntry]) -> None:
        """Write a booking's entries; Conflict if that booking was settled already."""
        ...

    async def entries(self, *, since: dt.datetime, until: dt.datetime, operator_id: str | None = None,
                      kind: EntryKind | None = None) -> list[LedgerEntry]: ...
