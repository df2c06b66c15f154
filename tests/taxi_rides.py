"""The standard taxi ride of the taxi tests (tests/unit/test_taxi_adapter.py and test_taxi_lifecycle.py):
the demo tariff, a two-car company at a depot, and a ride 0.01 degree north of it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from maas.domain.accounts import GeoPoint
from maas.domain.mobility import OfferQuery
from operators.taxi import DailyWindow, Fleet, TaxiAdapter, TravelModel, load_tariff
from tests.fakes import SteppedClock

DEMO = Path(__file__).resolve().parents[1] / "fixtures" / "demo-region"
TARIFF = load_tariff(DEMO / "taxi-tariff.json")
T0 = dt.datetime(2026, 11, 24, 1, 0, tzinfo=dt.UTC)  # 10:00 in Tokyo
DEPOT = GeoPoint(lat=36.40, lon=138.90)
NORTH = GeoPoint(lat=36.41, lon=138.90)


def taxi(clock: SteppedClock, cars: int = 2, wheelchair_cars: int = 1, **options: object) -> TaxiAdapter:
    return TaxiAdapter("test-taxi", TARIFF, Fleet(cars=cars, wheelchair_cars=wheelchair_cars),
                       DailyWindow(start="06:00", end="24:00"), clock, TravelModel(depot=DEPOT),
                       **options)


def trip(at: dt.datetime = T0 + dt.timedelta(hours=1), travellers: int = 1,
         needs: frozenset[str] = frozenset()) -> OfferQuery:
    return OfferQuery(origin=DEPOT, destination=NORTH, depart_at=at, travellers=travellers, needs=needs)


async def book_one(adapter: TaxiAdapter, query: OfferQuery | None = None, key: str = "k1"):
    [offer] = await adapter.search_offers(query or trip())
    return offer, await adapter.book(offer.id, idempotency_key=key)
