"""Exact conversion of GTFS decimal prices into integer minor units of an ISO 4217 currency."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

# ISO 4217 exponents other than 2; an unknown code is assumed to have the common 2 decimals.
_ZERO_DECIMALS = frozenset({"BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF",
                            "UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF"})
_THREE_DECIMALS = frozenset({"BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"})


def currency_decimals(currency: str) -> int:
    """Digits after the decimal point of the currency's minor unit (JPY 0, EUR 2, KWD 3)."""
    code = currency.strip().upper()
    if code in _ZERO_DECIMALS:
        return 0
    return 3 if code in _THREE_DECIMALS else 2


def to_minor(price: str, currency: str) -> int:
    """'2.50' EUR -> 250, '230' JPY -> 230; ValueError if not a non-negative exact amount."""
    try:
        amount = Decimal(price.strip())
    except InvalidOperation:
        raise ValueError(f"price {price!r} is not a decimal number") from None
    if not amount.is_finite() or amount < 0:
        raise ValueError(f"price {price!r} is not a non-negative amount")
    minor = amount.scaleb(currency_decimals(currency))
    if minor != minor.to_integral_value():
        raise ValueError(f"price {price!r} has more decimals than {currency} allows")
    return int(minor)
