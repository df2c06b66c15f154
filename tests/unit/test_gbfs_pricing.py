"""Trip prices from GBFS pricing plans, in integer minor units, on cases checkable by hand."""

from __future__ import annotations

from decimal import Decimal

import pytest

from operators.gbfs import PricingPlan, PricingSegment, currency_exponent, trip_price_minor


def plan(currency: str, price: str, per_min=(), per_km=()) -> PricingPlan:
    seg = lambda s, r, i, e=None: PricingSegment(s, Decimal(r), i, e)  # noqa: E731
    return PricingPlan("p", "plan", currency, Decimal(price), False,
                       tuple(seg(*x) for x in per_min), tuple(seg(*x) for x in per_km))


# HELLO CYCLING style: 130 yen per started 30 minutes, nothing to unlock.
YEN_HALF_HOURS = plan("JPY", "0", per_min=[(0, "130", 30)])
# The spec's "Simple Rate": 3.00 unlock, 0.25 per km and 0.50 per minute, concurrently.
SIMPLE_RATE = plan("EUR", "3.00", per_min=[(0, "0.50", 1)], per_km=[(0, "0.25", 1)])
# The spec's overage plan: 10 km included, 1.00/km to 25 km, then 0.50/km plus 3.00 every 5 km.
OVERAGE = plan("USD", "2.00", per_km=[(10, "1.00", 1, 25), (25, "0.50", 1), (25, "3.00", 5)])


@pytest.mark.parametrize(("duration_s", "expected_yen"), [
    (0, 0),            # no time has started yet
    (1, 130),          # a started half hour is charged
    (30 * 60, 130),    # exactly 30 minutes: the second half hour has not started
    (30 * 60 + 1, 260),
    (45 * 60, 260),
    (90 * 60 + 1, 520),
])
def test_started_intervals_are_charged(duration_s: int, expected_yen: int) -> None:
    assert trip_price_minor(YEN_HALF_HOURS, duration_s, 0) == expected_yen


def test_base_price_plus_time_plus_distance_in_cents() -> None:
    # 3.00 + 10 min x 0.50 + 3 started km (0, 1, 2) x 0.25 = 8.75
    assert trip_price_minor(SIMPLE_RATE, 10 * 60, 2_500) == 875
    assert trip_price_minor(SIMPLE_RATE, 0, 0) == 300


@pytest.mark.parametrize(("distance_m", "expected_cents"), [
    (10_000, 200),      # inside the included 10 km
    (10_001, 300),      # the 11th km has started
    (25_000, 1700),     # 2.00 + 15 x 1.00; `end` 25 is exclusive
    (30_000, 2250),     # 2.00 + 15.00 + 5 x 0.50 + 1 x 3.00
    (30_500, 2600),     # 2.00 + 15.00 + 6 x 0.50 + 2 x 3.00
])
def test_segments_with_start_end_and_overlapping_intervals(distance_m: int, expected_cents: int) -> None:
    assert trip_price_minor(OVERAGE, 0, distance_m) == expected_cents


def test_zero_interval_charges_once_and_negative_rates_never_make_the_total_negative() -> None:
    once = plan("EUR", "1.00", per_min=[(5, "2.00", 0)])
    assert [trip_price_minor(once, m * 60, 0) for m in (5, 6, 60)] == [100, 300, 300]
    discount = plan("EUR", "1.00", per_min=[(0, "-0.40", 1)])
    assert trip_price_minor(discount, 2 * 60, 0) == 20
    assert trip_price_minor(discount, 10 * 60, 0) == 0


def test_rounding_is_half_up_once_at_the_end() -> None:
    assert trip_price_minor(plan("JPY", "0", per_min=[(0, "10.5", 1)]), 3 * 60, 0) == 32   # 31.5 yen
    assert trip_price_minor(plan("EUR", "0", per_min=[(0, "0.005", 1)]), 60, 0) == 1     # 0.5 cent
    assert trip_price_minor(plan("EUR", "0", per_min=[(0, "0.001", 1)]), 4 * 60, 0) == 0  # 0.4 cent


def test_currency_exponents() -> None:
    assert [currency_exponent(c) for c in ("JPY", "jpy", "EUR", "NOK", "KWD")] == [0, 0, 2, 2, 3]
    assert trip_price_minor(plan("KWD", "1.250"), 0, 0) == 1250


def test_negative_inputs_are_rejected() -> None:
    with pytest.raises(ValueError):
        trip_price_minor(SIMPLE_RATE, -1, 0)
