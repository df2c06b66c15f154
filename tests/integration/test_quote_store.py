"""The QuoteStore contract, alike for the in-memory store and SqlQuoteStore on SQLite and
PostgreSQL: a quote round-trips with its details, is sold once (two processes racing to sell one
offer: one wins), lapsed quotes are forgotten per operator, and another operator's are not seen."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from maas.domain.accounts import GeoPoint
from maas.domain.errors import Conflict, NotFound
from maas.domain.mobility import Offer
from maas.domain.planning import Money
from maas.storage.quotes import SqlQuoteStore
from operators.offer_book import MemoryQuoteStore

JST = dt.timezone(dt.timedelta(hours=9))
T0 = dt.datetime(2026, 11, 24, 9, 0, tzinfo=JST)
DETAILS = {"query": {"travellers": 2}, "window": [3600, 4200], "name": "山田 花子"}


def offer(n: int, *, operator: str = "noriai", valid_min: int = 5) -> Offer:
    return Offer(id=f"{operator}-offer-{n}", operator_id=operator, mode="shuttle",
                 price=Money(amount_minor=300, currency="JPY"), valid_until=T0 + dt.timedelta(minutes=valid_min),
                 departure=T0 + dt.timedelta(hours=1), arrival=T0 + dt.timedelta(hours=1, minutes=20),
                 origin=GeoPoint(lat=36.40, lon=138.90), destination=GeoPoint(lat=36.41, lon=138.91), distance_m=1800)


async def round_trip_and_sold_once(one, other) -> None:
    await one.add("noriai", offer(1), DETAILS)
    found = await other.find("noriai", "noriai-offer-1")
    assert found is not None and found.offer == offer(1) and found.details == DETAILS and found.booked_as is None
    assert await other.find("taxi", "noriai-offer-1") is None
    await other.mark_booked("noriai", "noriai-offer-1", "ride-1")
    await one.mark_booked("noriai", "noriai-offer-1", "ride-1")  # the same sale again: a replay
    with pytest.raises(Conflict):
        await one.mark_booked("noriai", "noriai-offer-1", "ride-2")
    assert (await one.find("noriai", "noriai-offer-1")).booked_as == "ride-1"
    with pytest.raises(NotFound):
        await one.mark_booked("noriai", "noriai-offer-404", "ride-3")


async def two_sellers_at_once_sell_it_once(one, other) -> None:
    await one.add("noriai", offer(1), DETAILS)
    results = await asyncio.gather(*(store.mark_booked("noriai", "noriai-offer-1", f"ride-{n}")
                                     for n, store in enumerate((one, other) * 4)), return_exceptions=True)
    assert sum(r is None for r in results) == 1 and all(isinstance(r, Conflict) for r in results if r is not None)


async def lapsed_quotes_forgotten_for_their_operator_only(one, other) -> None:
    await one.add("noriai", offer(1, valid_min=5), DETAILS)
    await one.add("noriai", offer(2, valid_min=90), DETAILS)
    await one.add("taxi", offer(3, operator="taxi", valid_min=5), {})
    await other.forget_before("noriai", T0 + dt.timedelta(minutes=30))
    assert await one.find("noriai", "noriai-offer-1") is None
    assert await one.find("noriai", "noriai-offer-2") is not None
    assert await one.find("taxi", "taxi-offer-3") is not None


CONTRACT = [round_trip_and_sold_once, two_sellers_at_once_sell_it_once, lapsed_quotes_forgotten_for_their_operator_only]


@pytest.mark.parametrize("contract", CONTRACT)
async def test_on_the_database_seen_by_two_processes(contract, engine, other_engine) -> None:
    await contract(SqlQuoteStore(engine), SqlQuoteStore(other_engine))


@pytest.mark.parametrize("contract", CONTRACT)
async def test_in_memory(contract) -> None:
    store = MemoryQuoteStore()
    await contract(store, store)
