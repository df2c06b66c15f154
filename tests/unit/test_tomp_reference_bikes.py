"""The reference bike-share operator in process: the conformance kit, holds that lapse, bikes that
leave and come back to their docks."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from maas.domain.accounts import GeoPoint
from maas.domain.errors import OperatorRejected
from maas.domain.mobility import BookingState, OfferQuery, TripEvent, TripEventKind
from operators.conformance import CHECKS, ConformanceScenario, run_conformance
from operators.reference.bikes import from_demo_region
from tests.fakes import SteppedClock

T0 = dt.datetime(2026, 11, 24, 1, 0, tzinfo=dt.UTC)
DEMO = Path(__file__).resolve().parents[2] / "fixtures" / "demo-region"
QUERY = OfferQuery(origin=GeoPoint(lat=36.40, lon=138.90), destination=GeoPoint(lat=36.415, lon=138.905),
                   depart_at=T0 + dt.timedelta(minutes=10))


@pytest.fixture
def clock() -> SteppedClock:
    return SteppedClock(T0)


def test_the_demo_system_is_read_from_its_gbfs_files(clock) -> None:
    bikes = from_demo_region(DEMO, clock)
    assert bikes.operator_id == "yamabuki-cycle" and len(bikes.docks) == 6
    assert bikes.docks["cy-01"].bikes == {"ebike": 4, "bike": 3} and bikes.docks["cy-01"].name == "山吹駅前"
    assert {t.plan.plan_id for t in bikes.types.values()} == {"bike-30min", "ebike-30min"}


async def test_the_bike_operator_passes_the_conformance_kit(clock) -> None:
    bikes = from_demo_region(DEMO, clock, offer_validity_s=60)
    scenario = ConformanceScenario(QUERY, rejected_query=QUERY.model_copy(update={"travellers": 9}))
    report = await run_conformance(bikes, scenario, now=clock.now, wait_until=clock.wait_until)
    assert report.ok, report.summary()
    assert {r.name for r in report.results if r.status == "passed"} == set(CHECKS) - {"timeout", "spec"}


async def test_a_ride_takes_a_bike_and_docks_it_at_the_end(clock) -> None:
    bikes = from_demo_region(DEMO, clock)
    offer = next(o for o in await bikes.search_offers(QUERY) if o.vehicle_type == "bike")
    start, end = bikes.docks["cy-01"], bikes.docks["cy-04"]
    booking = await bikes.book(offer.id, idempotency_key="k")
    assert start.bikes["bike"] == 2 and booking.state is BookingState.PENDING
    await bikes.confirm(booking.id, idempotency_key="c")
    await bikes.receive_event(TripEvent(booking_id=booking.id, kind=TripEventKind.STARTED, at=T0))
    assert start.free_docks == 5
    await bikes.receive_event(TripEvent(booking_id=booking.id, kind=TripEventKind.FINISHED, at=T0))
    assert (end.bikes["bike"], end.free_docks) == (1, 3)


async def test_an_uncommitted_hold_lapses_and_frees_the_bikes(clock) -> None:
    bikes = from_demo_region(DEMO, clock, hold_s=60)
    offer = next(o for o in await bikes.search_offers(QUERY) if o.vehicle_type == "ebike")
    booking = await bikes.book(offer.id, idempotency_key="k")
    assert bikes.docks["cy-01"].bikes["ebike"] == 3
    clock.at += dt.timedelta(seconds=61)
    assert (await bikes.get_booking(booking.id)).state is BookingState.EXPIRED
    assert bikes.docks["cy-01"].bikes["ebike"] == 4


async def test_the_last_bike_cannot_be_booked_twice(clock) -> None:
    bikes = from_demo_region(DEMO, clock)
    party = QUERY.model_copy(update={"travellers": 4})
    first = next(o for o in await bikes.search_offers(party) if o.vehicle_type == "ebike")
    second = next(o for o in await bikes.search_offers(party) if o.vehicle_type == "ebike")
    await bikes.book(first.id, idempotency_key="a")
    with pytest.raises(OperatorRejected, match="no ebike left at 山吹駅前 for 4"):
        await bikes.book(second.id, idempotency_key="b")


async def test_no_bike_for_a_wheelchair(clock) -> None:
    bikes = from_demo_region(DEMO, clock)
    assert await bikes.search_offers(QUERY.model_copy(update={"needs": frozenset({"wheelchair"})})) == []
