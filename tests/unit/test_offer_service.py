"""Offers are asked of every operator at once; slow or failing ones are reported, not fatal."""

from __future__ import annotations

import asyncio
import datetime as dt
import time

import pytest

from maas.domain.accounts import GeoPoint
from maas.domain.errors import NotFound, OperatorUnavailable
from maas.domain.mobility import OfferQuery
from maas.services.offers import OfferService
from tests.fakes import MemoryOperator, SteppedClock

T0 = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)
QUERY = OfferQuery(origin=GeoPoint(lat=36.40, lon=138.90), destination=GeoPoint(lat=36.41, lon=138.91),
                   depart_at=T0 + dt.timedelta(hours=1))


def named(operator_id: str, cls=MemoryOperator):
    adapter = cls(SteppedClock(T0))
    adapter.operator_id = operator_id
    return adapter


class Slow(MemoryOperator):
    async def search_offers(self, query):
        await asyncio.sleep(10)
        return await super().search_offers(query)


class Down(MemoryOperator):
    async def search_offers(self, query):
        raise OperatorUnavailable("connection refused")


class Crashing(MemoryOperator):
    async def search_offers(self, query):
        raise KeyError("bug in the adapter")


class Impostor(MemoryOperator):
    async def search_offers(self, query):
        offers = await super().search_offers(query)
        return [o.model_copy(update={"operator_id": "someone-else"}) for o in offers]


async def test_slow_and_failing_operators_only_lose_their_own_offers() -> None:
    service = OfferService({"taxi": named("taxi"), "slow": named("slow", Slow),
                            "down": named("down", Down), "crash": named("crash", Crashing),
                            "fake": named("fake", Impostor)}, budget_s=0.2)
    started = time.monotonic()
    result = await service.search(QUERY)
    assert time.monotonic() - started < 2  # the slow one is not waited for
    assert [o.operator_id for o in result.offers] == ["taxi"]
    reasons = {f.operator_id: f.reason for f in result.failures}
    assert reasons == {"slow": "timeout", "down": "unavailable", "crash": "error",
                       "fake": "invalid_response"}


async def test_a_subset_of_operators_and_unknown_ones() -> None:
    service = OfferService({"a": named("a"), "b": named("b")})
    result = await service.search(QUERY, operator_ids=["b"])
    assert {o.operator_id for o in result.offers} == {"b"} and result.failures == ()
    with pytest.raises(NotFound):
        await service.search(QUERY, operator_ids=["nobody"])
    with pytest.raises(ValueError):
        OfferService({}, budget_s=0)


async def test_offers_remembered_at_once_share_a_transaction_and_are_stored_before_returning() -> None:
    from tests.fakes import InMemoryUnitOfWorkFactory

    clock, store = SteppedClock(T0), InMemoryUnitOfWorkFactory()
    opened = 0

    def counting():
        nonlocal opened
        opened += 1
        return store()

    adapter = named("taxi")
    service = OfferService({"taxi": adapter}, uow=counting, clock=clock)
    batches = [await adapter.search_offers(QUERY) for _ in range(20)]

    async def remember_and_check(offers) -> None:
        await service.remember(offers)
        async with store() as uow:  # stored by the time remember returns
            assert [await uow.offers.get(o.id) for o in offers] == list(offers)

    await asyncio.gather(*(remember_and_check(b) for b in batches))
    assert 1 <= opened <= 2  # the first write, then one for everyone who came while it ran
    await service.remember(batches[0])
    assert opened <= 3
