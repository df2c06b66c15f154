"""Taxi: meter-tariff quotes and an in-process dispatcher behind the OperatorAdapter contract."""

from operators.taxi.adapter import TaxiAdapter
from operators.taxi.demo import from_demo_region
from operators.taxi.fleet import CarKind, CarWindow, Fleet
from operators.taxi.hours import DailyWindow
from operators.taxi.tariff import Tariff, load_tariff, metered_minor, quote_fare, slow_running_s
from operators.taxi.terms import CancellationPolicy, cancellation_fee_due
from operators.taxi.travel import TravelModel, haversine_m

__all__ = [
    "CancellationPolicy", "CarKind", "CarWindow", "DailyWindow", "Fleet", "Tariff", "TaxiAdapter",
    "TravelModel", "cancellation_fee_due", "from_demo_region", "haversine_m", "load_tariff",
    "metered_minor", "quote_fare", "slow_running_s",
]
