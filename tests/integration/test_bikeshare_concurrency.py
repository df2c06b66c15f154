"""Several copies of the bike-share adapter (as several server processes would run it, each with
its own engine) over the demo region's GBFS feed and one shared database: however many bookings
race for a station's last bikes, exactly as many succeed as there are bikes; a booking made in
one process is seen, cancelled, retried and lapses in the others.

The demo feed (fixtures/demo-region/gbfs) has 2 e-bikes at cy-04 (山吹町立病院) and 1 at cy-05
(本町商店街); no other e-bike is within the 500 m walk of either.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import create_async_engine

from maas.domain.accounts import GeoPoint
from maas.domain.errors import Conflict, NotFound, OperatorRejected
from maas.domain.mobility import BookingState, Offer, OfferQuery
from maas.domain.ports import AdapterContext
from maas.storage.engine import create_engine
from maas.storage.vehicle_holds import SqlVehicleHolds
from operators.bikeshare import SharedVehicleAdapter, create
from tests.fakes import SteppedClock

S = BookingState
DEMO = Path(__file__).resolve().parents[2] / "fixtures" / "demo-region"
UPDATED = 1_793_458_800  # the demo feed's last_updated
T0 = dt.datetime.fromtimestamp(UPDATED, dt.UTC) + dt.timedelta(seconds=30)
CY01 = GeoPoint(lat=36.399459, lon=138.900669)
CY03 = GeoPoint(lat=36.405768, lon=138.911594)
CY04 = GeoPoint(lat=36.411896, lon=138.9136)  # 2 e-bikes
CY05 = GeoPoint(lat=36.403424, lon=138.90379)  # 1 e-bike
FROM_CY04 = OfferQuery(origin=CY04, destination=CY03, depart_at=T0)
FROM_CY05 = OfferQuery(origin=CY05, destination=CY01, depart_at=T0)


class Dawdling(SqlVehicleHolds):
    """Lingers between reading the live holds and storing the new one, so that every booking
    that is not kept waiting by the per-operator lock really overlaps with the others."""

    async def reserve(self, operator_id, held, check, *, since):
        async def slow(live):
            await asyncio.sleep(0.05)
            return await check(live)

        return await super().reserve(operator_id, held, slow, since=since)


class Unserialised(Dawdling):
    """The same store without the per-operator advisory lock (PostgreSQL)."""

    async def _serialise(self, conn, operator_id) -> None:
        return None


def adapter(engine, clock: SteppedClock, store: type[SqlVehicleHolds] = Dawdling) -> SharedVehicleAdapter:
    options = {"gbfs": "gbfs/gbfs.json", "language": "ja", "max_age_s": 315360000}
    extras = {"vehicle_holds": store(engine, clock)}
    return create(AdapterContext("yamabuki-cycle", options, DEMO, clock, extras))


async def ebikes_from(service: SharedVehicleAdapter, query: OfferQuery, n: int = 1) -> list[Offer]:
    offers = []
    for _ in range(n):
        found = [o for o in await service.search_offers(query) if o.vehicle_type == "ebike" and o.origin == query.origin]
        offers += found
    return offers


async def race(services: list[SharedVehicleAdapter], query: OfferQuery, per_service: int) -> tuple[list, list]:
    offers = [(s, o) for s in services for o in await ebikes_from(s, query, per_service)]
    assert len(offers) == len(services) * per_service  # every process sees the station's e-bikes free
    results = await asyncio.gather(*(s.book(o.id, idempotency_key=f"race-{i}") for i, (s, o) in enumerate(offers)),
                                   return_exceptions=True)
    booked = [r for r in results if not isinstance(r, BaseException)]
    refused = [r for r in results if isinstance(r, BaseException)]
    return booked, refused


@pytest.fixture
def clock() -> SteppedClock:
    return SteppedClock(T0)


@pytest.fixture
async def more_engines(database_url: str, engine):
    made = [create_engine(database_url), create_engine(database_url)]
    yield made
    for e in made:
        await e.dispose()


async def test_two_processes_racing_for_the_last_bike_book_it_once(engine, other_engine, clock) -> None:
    services = [adapter(engine, clock), adapter(other_engine, clock)]
    booked, refused = await race(services, FROM_CY05, per_service=3)
    assert len(booked) == 1, booked
    assert len(refused) == 5 and all(isinstance(r, OperatorRejected) for r in refused), refused
    assert all("0 電動アシスト自転車 left" in str(r) for r in refused)
    for s in services:
        assert await ebikes_from(s, FROM_CY05) == []
        assert (await s.get_booking(booked[0].id)).state is S.CONFIRMED


async def test_four_processes_racing_for_two_bikes_book_exactly_two(engine, other_engine, more_engines,
                                                                   clock) -> None:
    services = [adapter(e, clock) for e in (engine, other_engine, *more_engines)]
    booked, refused = await race(services, FROM_CY04, per_service=3)
    assert len(booked) == 2, booked
    assert len(refused) == 10 and all(isinstance(r, OperatorRejected) for r in refused), refused
    assert await ebikes_from(services[3], FROM_CY04) == []


async def test_without_the_per_operator_lock_the_race_overbooks(database_url: str, engine, other_engine,
                                                                more_engines, clock) -> None:
    """The check that the tests above can fail: the same race, with the serialisation taken away
    (PostgreSQL: no advisory lock; SQLite: pysqlite's own deferred transactions instead of BEGIN
    IMMEDIATE), lets more bookings through than there are bikes."""
    if engine.dialect.name == "sqlite":
        plain = [create_async_engine(database_url) for _ in range(4)]
        services = [adapter(e, clock, Dawdling) for e in plain]
    else:
        plain = []
        services = [adapter(e, clock, Unserialised) for e in (engine, other_engine, *more_engines)]
    try:
        booked, _ = await race(services, FROM_CY04, per_service=1)
        assert len(booked) > 2
    finally:
        for e in plain:
            await e.dispose()


async def test_a_booking_is_seen_and_cancelled_in_the_other_process(engine, other_engine, clock) -> None:
    here, there = adapter(engine, clock), adapter(other_engine, clock)
    [offer] = await ebikes_from(here, FROM_CY05)
    booking = await here.book(offer.id, idempotency_key="k1")
    assert await there.get_booking(booking.id) == booking
    assert await ebikes_from(there, FROM_CY05) == []
    cancelled = await there.cancel(booking.id, idempotency_key="k2")
    assert cancelled.state is S.CANCELLED
    assert (await here.get_booking(booking.id)).state is S.CANCELLED
    with pytest.raises(Conflict):
        await here.unlock(booking.id)
    assert len(await ebikes_from(here, FROM_CY05)) == 1  # the bike is free again


async def test_a_retried_booking_in_the_other_process_answers_the_first(engine, other_engine, clock) -> None:
    here, there = adapter(engine, clock), adapter(other_engine, clock)
    [offer] = await ebikes_from(here, FROM_CY04)
    booking = await here.book(offer.id, idempotency_key="once")
    assert await there.book(offer.id, idempotency_key="once") == booking  # `there` never saw the offer
    [other] = await ebikes_from(there, FROM_CY04)  # one e-bike left at cy-04
    with pytest.raises(Conflict, match="idempotency key 'once' was used to book"):
        await there.book(other.id, idempotency_key="once")
    assert (await there.book(other.id, idempotency_key="twice")).id != booking.id
    assert await ebikes_from(here, FROM_CY04) == []


async def test_a_retried_booking_racing_in_two_processes_books_once(engine, other_engine, clock) -> None:
    here, there = adapter(engine, clock), adapter(other_engine, clock)
    [offer] = await ebikes_from(here, FROM_CY04)
    # `there` has no such offer: it can only answer from what `here` stored, or not find it.
    first, second = await asyncio.gather(here.book(offer.id, idempotency_key="same"),
                                         there.book(offer.id, idempotency_key="same"), return_exceptions=True)
    assert first.state is S.CONFIRMED
    assert second == first or isinstance(second, NotFound)
    assert len(await ebikes_from(there, FROM_CY04)) == 1


async def test_a_lapsed_reservation_frees_the_bike_for_the_other_process(engine, other_engine, clock) -> None:
    here, there = adapter(engine, clock), adapter(other_engine, clock)
    [offer] = await ebikes_from(here, FROM_CY05)
    booking = await here.book(offer.id, idempotency_key="k1")
    clock.advance(15 * 60 - 1)
    assert await ebikes_from(there, FROM_CY05) == []
    clock.advance(1)
    lapsed = await there.get_booking(booking.id)
    assert lapsed.state is S.EXPIRED and lapsed.reason == "the reservation was not used in time"
    [again] = await ebikes_from(there, FROM_CY05)
    assert (await there.book(again.id, idempotency_key="k2")).state is S.CONFIRMED
    assert await ebikes_from(here, FROM_CY05) == []
    with pytest.raises(Conflict):
        await here.unlock(booking.id)


async def test_a_ride_started_in_one_process_is_finished_in_the_other(engine, other_engine, clock) -> None:
    here, there = adapter(engine, clock), adapter(other_engine, clock)
    [offer] = await ebikes_from(here, FROM_CY05)
    booking = await here.book(offer.id, idempotency_key="k1")
    clock.advance(60)
    await there.unlock(booking.id)
    assert (await here.get_booking(booking.id)).state is S.STARTED
    clock.advance(15 * 60)  # long past the hold: a started ride does not lapse
    assert await ebikes_from(here, FROM_CY05) == []  # the feed (older than the ride) still shows it
    with pytest.raises(Conflict):  # a cancel racing the unlock, read before it: the store refuses
        await here.holds.save("yamabuki-cycle", await here.holds.get("yamabuki-cycle", booking.id),
                              expected=S.CONFIRMED)
