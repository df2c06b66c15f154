"""The conformance kit passes a conforming adapter and names what a sloppy one gets wrong."""

from __future__ import annotations

import datetime as dt

from maas.domain.accounts import GeoPoint
from maas.domain.mobility import LegBooking, OfferQuery
from maas.domain.ports import OperatorAdapter
from operators.conformance import ConformanceScenario, run_conformance
from tests.fakes import MemoryOperator
from tests.fakes import SteppedClock

T0 = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)
QUERY = OfferQuery(origin=GeoPoint(lat=36.40, lon=138.90), destination=GeoPoint(lat=36.41, lon=138.91),
                   depart_at=T0 + dt.timedelta(hours=1))
TOO_MANY = QUERY.model_copy(update={"travellers": 9})


class Sloppy(MemoryOperator):
    """Books twice for a repeated key and lets an expired offer through."""

    operator_id = "sloppy"

    async def book(self, offer_id: str, *, idempotency_key: str) -> LegBooking:
        self.keys.pop(idempotency_key, None)
        offer, _ = self.offers.get(offer_id, (None, True))
        if offer is not None:
            self.offers[offer_id] = (offer.model_copy(update={"valid_until": T0 + dt.timedelta(days=9)}), True)
        return await super().book(offer_id, idempotency_key=idempotency_key)


async def test_a_conforming_adapter_passes() -> None:
    clock = SteppedClock(T0)
    adapter = MemoryOperator(clock)
    assert isinstance(adapter, OperatorAdapter)
    report = await run_conformance(adapter, ConformanceScenario(QUERY, rejected_query=TOO_MANY),
                                   now=clock.now, wait_until=clock.wait_until)
    assert report.ok, report.summary()
    status = {r.name: r.status for r in report.results}
    assert status["expiry"] == status["rejection"] == status["book_confirm_cancel"] == "passed"
    assert status["timeout"] == "skipped"  # no slow operator given


async def test_a_sloppy_adapter_is_caught() -> None:
    clock = SteppedClock(T0)
    report = await run_conformance(Sloppy(clock), ConformanceScenario(QUERY), now=clock.now,
                                   wait_until=clock.wait_until)
    assert not report.ok
    failed = {r.name for r in report.failed()}
    assert {"book_confirm_cancel", "expiry"} <= failed
    assert "DOES NOT CONFORM" in report.summary()
