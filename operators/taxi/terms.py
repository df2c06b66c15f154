"""The terms a taxi offer is sold on: free cancellation until shortly before the pickup, then
a cancellation fee (by default the flag fall, what a car sent out costs the company)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from maas.domain.mobility import Conditions
from maas.domain.planning import Money
from operators.taxi.tariff import Tariff


@dataclass(frozen=True, slots=True)
class CancellationPolicy:
    free_until_before_pickup_s: int = 10 * 60
    fee_minor: int | None = None  # None: the tariff's flag fall

    def conditions(self, tariff: Tariff, pickup: dt.datetime, *, confirmation_required: bool,
                   notes: tuple[str, ...]) -> Conditions:
        fee = tariff.flag_fall.price_minor if self.fee_minor is None else self.fee_minor
        return Conditions(
            confirmation_required=confirmation_required,
            free_cancellation_until=pickup - dt.timedelta(seconds=self.free_until_before_pickup_s),
            cancellation_fee=Money(amount_minor=fee, currency=tariff.currency) if fee else None,
            notes=notes)


def cancellation_fee_due(conditions: Conditions, at: dt.datetime) -> Money | None:
    """The fee owed for cancelling at `at` under `conditions`; None while cancelling is free."""
    if conditions.cancellation_fee is None:
        return None
    if conditions.free_cancellation_until is not None and at <= conditions.free_cancellation_until:
        return None
    return conditions.cancellation_fee


def tariff_notes(tariff: Tariff, *, wheelchair: bool) -> tuple[str, ...]:
    """What the rider should know about the price: it is an estimate, and what it includes."""
    notes = ["Estimated meter fare; the fare charged is what the meter shows."]
    if wheelchair and tariff.wheelchair_fee_minor:
        notes.append(f"Includes the wheelchair taxi booking fee of {tariff.wheelchair_fee_minor} {tariff.currency}.")
    notes += [f"{d.name_en or d.name}: {d.percent}% off the meter fare ({d.requires})."
              for d in tariff.discounts]
    return tuple(notes)
