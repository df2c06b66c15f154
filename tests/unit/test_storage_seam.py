"""The storage seam: the composition root wired over the in-memory unit of work (no engine, no
database), the unit of work's protocol met by both implementations, and the in-memory one as
transactional as a database: isolation until commit, stale versions refused at commit."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from maas.bootstrap import build_container
from maas.domain.accounts import GeoPoint, Principal, Role
from maas.domain.bookings import BookedLeg, Booking, TripState
from maas.domain.errors import Conflict
from maas.domain.mobility import OfferQuery
from maas.domain.planning import Money
from maas.domain.ports import UnitOfWork
from maas.settings import load_settings
from maas.storage.engine import create_engine
from maas.storage.unit_of_work import SqlUnitOfWork, SqlUnitOfWorkFactory
from operators.bikeshare.memory_holds import MemoryVehicleHolds
from operators.ondemand.memory import MemoryRideStore
from payments.on_board import OnBoardGateway
from tests.fakes import InMemoryStore, InMemoryUnitOfWork, InMemoryUnitOfWorkFactory, MemoryOperator, SteppedClock

T0 = dt.datetime(2026, 11, 24, 0, 0, tzinfo=dt.UTC)
DEMO = Path(__file__).resolve().parents[2] / "fixtures" / "demo-region"
NOWHERE = "postgresql+asyncpg://nobody@127.0.0.1:1/none"  # nothing listens: any connection attempt fails
REPOSITORIES = sorted(name for name, member in vars(UnitOfWork).items() if isinstance(member, property))


def booking(n: int) -> Booking:
    leg = BookedLeg(index=0, operator_id="taxi", offer_id=f"o{n}", mode="taxi",
                    price=Money(amount_minor=1500, currency="JPY"), departure=T0, arrival=T0 + dt.timedelta(minutes=9))
    return Booking(id=f"bk-{n}", account_id="acc-1", state=TripState.PENDING, legs=(leg,), total=leg.price,
                   idempotency_key=f"k{n}", request_digest="d", created_at=T0, updated_at=T0)


async def test_the_container_runs_on_a_given_unit_of_work_without_a_database(tmp_path: Path) -> None:
    clock, uow = SteppedClock(T0), InMemoryUnitOfWorkFactory()
    taxi = MemoryOperator(clock)
    settings = load_settings({}, database_url=NOWHERE, data_dir=tmp_path, planner_warmup=False)
    container = build_container(settings, clock=clock, uow=uow, operator_adapters={"memory": taxi},
                                payments=OnBoardGateway(now=clock.now))
    try:
        assert container.engine is None and container.uow is uow
        report = await container.health.check()
        assert report.healthy and report.database == "ok"
        (offer,) = await taxi.search_offers(OfferQuery(origin=GeoPoint(lat=36.40, lon=138.90),
                                                       destination=GeoPoint(lat=36.41, lon=138.91),
                                                       depart_at=T0 + dt.timedelta(hours=1)))
        await container.offers.remember([offer])
        booked, _ = await container.bookings.book(Principal(subject_id="acc-1", role=Role.RIDER), [offer.id],
                                                  idempotency_key="k1")
        assert booked.state is TripState.CONFIRMED
        assert uow.store.table("bookings")[booked.id].state is TripState.CONFIRMED
        uow.store.reachable = False
        assert not (await container.health.check()).healthy
    finally:
        await container.aclose()


@pytest.mark.parametrize("implementation", [SqlUnitOfWork, InMemoryUnitOfWork])
async def test_both_units_of_work_bind_every_repository_the_protocol_names(implementation) -> None:
    assert len(REPOSITORIES) == 20  # read-only properties, so attributes set on entry satisfy them
    if implementation is InMemoryUnitOfWork:
        async with InMemoryUnitOfWork(InMemoryStore()) as uow:
            bound = {name for name in REPOSITORIES if hasattr(uow, name)}
    else:  # a session connects on its first statement, so nothing is reached here
        engine = create_engine(NOWHERE)
        async with SqlUnitOfWorkFactory(engine)() as uow:
            bound = {name for name in REPOSITORIES if hasattr(uow, name)}
        await engine.dispose()
    assert sorted(bound) == REPOSITORIES


async def test_writes_are_invisible_to_other_transactions_until_committed() -> None:
    uow = InMemoryUnitOfWorkFactory()
    async with uow() as writer, uow() as reader:
        await writer.bookings.add(booking(1))
        assert await reader.bookings.find_by_key("acc-1", "k1") is None
        await writer.commit()
        with pytest.raises(Conflict):  # committed meanwhile: its key is taken for the reader too
            await reader.bookings.add(booking(1))
    async with uow() as later:
        assert (await later.bookings.get("bk-1")).version == 0


async def test_of_two_writers_of_one_version_only_the_first_to_commit_stores_anything() -> None:
    uow = InMemoryUnitOfWorkFactory()
    async with uow() as u:
        await u.bookings.add(booking(1))
        await u.commit()
    async with uow() as first, uow() as second:
        a, b = await first.bookings.get("bk-1"), await second.bookings.get("bk-1")
        await first.bookings.save(a.moved_to(TripState.CONFIRMED))
        await second.bookings.save(b.moved_to(TripState.REJECTED))  # neither has committed yet
        await first.commit()
        with pytest.raises(Conflict, match="changed since version 0"):
            await second.commit()
    async with uow() as u:
        stored = await u.bookings.get("bk-1")
    assert stored.state is TripState.CONFIRMED and stored.version == 1


async def test_configured_operators_keep_their_rides_and_holds_in_the_stores_given(tmp_path: Path) -> None:
    rides, holds = MemoryRideStore(), MemoryVehicleHolds()
    settings = load_settings({}, database_url=NOWHERE, data_dir=tmp_path, planner_warmup=False,
                             operators_config=DEMO / "maas-operators.json")
    container = build_container(settings, clock=SteppedClock(T0), uow=InMemoryUnitOfWorkFactory(),
                                ride_store=rides, vehicle_holds=holds, payments=OnBoardGateway())
    try:
        assert container.engine is None
        assert container.operator_adapters["noriai"].store is rides
        assert container.operator_adapters["yamabuki-cycle"].holds is holds
    finally:
        await container.aclose()
