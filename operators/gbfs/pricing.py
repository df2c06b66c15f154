"""GBFS pricing plans and the trip price they give, in integer minor units of the plan's currency."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

# ISO 4217 minor-unit exponents that are not 2; every other code has cents.
_EXPONENTS = {
    **dict.fromkeys(("BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX",
                     "UYI", "VND", "VUV", "XAF", "XOF", "XPF"), 0),
    **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
}


def currency_exponent(currency: str) -> int:
    """Decimal places of a currency's minor unit: JPY 0, EUR 2, KWD 3."""
    return _EXPONENTS.get(currency.upper(), 2)


@dataclass(frozen=True, slots=True)
class PricingSegment:
    """One `per_min_pricing` (minutes) or `per_km_pricing` (kilometres) segment; `end` is exclusive."""

    start: int
    rate: Decimal
    interval: int
    end: int | None


@dataclass(frozen=True, slots=True)
class PricingPlan:
    """`price` is the total for a flat plan and the once-per-trip base (unlock fee) for a rate plan."""

    plan_id: str
    name: str
    currency: str
    price: Decimal
    is_taxable: bool
    per_min_pricing: tuple[PricingSegment, ...] = ()
    per_km_pricing: tuple[PricingSegment, ...] = ()


def _charges(segment: PricingSegment, amount: int, unit: int) -> int:
    """How often a segment's rate is charged for `amount` base units (seconds or metres).

    The rate is charged at start, start + interval, start + 2 interval, ... before `end`, each time
    the trip goes past that point: a 10-minute trip on a 1-minute interval from 0 pays 10 times,
    10 minutes and 1 second pays 11 (a started interval is charged), and a trip that stops exactly
    at `start` pays nothing for the segment. An interval of 0 charges the rate once.
    """
    start = segment.start * unit
    limit = amount if segment.end is None else min(amount, segment.end * unit)
    if limit <= start:
        return 0
    if segment.interval == 0:
        return 1
    step = segment.interval * unit
    return -(-(limit - start) // step)


def trip_price_minor(plan: PricingPlan, duration_s: int, distance_m: int) -> int:
    """The price of one trip in minor units: base price plus every time and distance segment.

    The sum is kept exact in decimal and rounded half-up to the minor unit once, at the end;
    segments with negative rates (discounts) cannot take the total below zero.
    """
    if duration_s < 0 or distance_m < 0:
        raise ValueError("duration_s and distance_m must be non-negative")
    total = plan.price
    total += sum((s.rate * _charges(s, duration_s, 60) for s in plan.per_min_pricing), Decimal(0))
    total += sum((s.rate * _charges(s, distance_m, 1000) for s in plan.per_km_pricing), Decimal(0))
    minor = (total.scaleb(currency_exponent(plan.currency))).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return max(0, int(minor))
