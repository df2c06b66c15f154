"""Bookings found by their legs' operator bookings, and the settlement ledger (SqlLedger), on
SQLite and PostgreSQL: round trips, period boundaries, a booking settled once (with a real
race), and the booking_legs backfill of migration 0006."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from sqlalchemy import insert, select, text

from maas.domain.bookings import BookedLeg, Booking, TripState
from maas.domain.errors import Conflict, InvalidRequest
from maas.domain.ledger import EntryKind, LedgerEntry
from maas.domain.mobility import BookingState, LegBooking
from maas.domain.planning import Money
from maas.storage import migrate
from maas.storage.engine import create_engine
from maas.storage.tables import BookingLegRow, BookingRow
from maas.storage.unit_of_work import SqlUnitOfWorkFactory
from tests.integration.locks import await_lock_waiters

JST = dt.timezone(dt.timedelta(hours=9))
T0 = dt.datetime(2026, 11, 27, 9, 0, tzinfo=JST)


def yen(amount: int) -> Money:
    return Money(amount_minor=amount, currency="JPY")


def leg_booking(leg_id: str, operator_id: str, state: BookingState = BookingState.CONFIRMED) -> LegBooking:
    return LegBooking(id=leg_id, operator_id=operator_id, offer_id=f"offer-{leg_id}", state=state, price=yen(1800),
                      departure=T0, arrival=T0 + dt.timedelta(minutes=20))


def booking(n: int, *, taxi_id: str | None = None, bus_id: str | None = None, key: str | None = None) -> Booking:
    start = T0 + dt.timedelta(hours=1)
    taxi = BookedLeg(index=0, operator_id="yamabuki-taxi", offer_id=f"offer-{n}-taxi", mode="taxi", price=yen(1800),
                     departure=start, arrival=start + dt.timedelta(minutes=20),
                     booking=leg_booking(taxi_id, "yamabuki-taxi") if taxi_id else None)
    bus = BookedLeg(index=1, operator_id="town-bus", offer_id=f"offer-{n}-bus", mode="bus", price=yen(200),
                    departure=start + dt.timedelta(minutes=30), arrival=start + dt.timedelta(minutes=70),
                    booking=leg_booking(bus_id, "town-bus") if bus_id else None)
    created = T0 + dt.timedelta(minutes=n)
    return Booking(id=f"bk-{n}", account_id="acc-1", state=TripState.PENDING, legs=(taxi, bus), total=yen(2000),
                   idempotency_key=key or f"key-{n}", request_digest=f"digest-{n}", created_at=created,
                   updated_at=created)


def entries_of(booking_id: str, at: dt.datetime, *, operator: str = "yamabuki-taxi", legs: int = 1,
               rider: str = "acc-1") -> list[LedgerEntry]:
    made: list[LedgerEntry] = []
    for index in range(legs):
        def entry(kind: EntryKind, party: str, amount: int, rules: tuple[str, ...] = ()) -> LedgerEntry:
            return LedgerEntry(booking_id=booking_id, leg_index=index, kind=kind, party=party, operator_id=operator,
                               amount=yen(amount), at=at, rules=rules)
        made += [entry(EntryKind.OPERATOR_DUE, operator, 1800, ("senior-half", "town-cap")),
                 entry(EntryKind.RIDER_PAID, rider, 900, ("senior-half", "town-cap")),
                 entry(EntryKind.SUBSIDY_DUE, "muni-1", 900, ("senior-half", "town-cap"))]
    return made


@pytest.fixture
def uow(engine) -> SqlUnitOfWorkFactory:
    return SqlUnitOfWorkFactory(engine)


@pytest.fixture
def second_uow(other_engine) -> SqlUnitOfWorkFactory:
    """Units of work on another engine (its own connection pool), as a second process would have."""
    return SqlUnitOfWorkFactory(other_engine)


async def _add(uow: SqlUnitOfWorkFactory, *bookings: Booking) -> None:
    async with uow() as work:
        for b in bookings:
            await work.bookings.add(b)
        await work.commit()


# --- find_by_leg ---------------------------------------------------------------------------------


async def test_find_by_leg_after_add(uow: SqlUnitOfWorkFactory) -> None:
    both, taxi_only = booking(1, taxi_id="taxi-1", bus_id="bus-1"), booking(2, taxi_id="taxi-2")
    await _add(uow, both, taxi_only, booking(3))
    async with uow() as work:
        assert await work.bookings.find_by_leg("yamabuki-taxi", "taxi-1") == both
        assert await work.bookings.find_by_leg("town-bus", "bus-1") == both
        assert await work.bookings.find_by_leg("yamabuki-taxi", "taxi-2") == taxi_only
        assert await work.bookings.find_by_leg("yamabuki-taxi", "taxi-404") is None
        assert await work.bookings.find_by_leg("town-bus", "taxi-1") is None  # another operator's id
        assert await work.bookings.find_by_leg("town-bus", "") is None


async def test_find_by_leg_after_a_save_learned_the_operator_booking(engine, uow: SqlUnitOfWorkFactory) -> None:
    b = booking(1, taxi_id="taxi-1")
    await _add(uow, b)
    learned = b.with_leg(b.legs[1].model_copy(update={"booking": leg_booking("bus-1", "town-bus")}))
    async with uow() as work:
        assert await work.bookings.find_by_leg("town-bus", "bus-1") is None
        saved = await work.bookings.save(learned)
        assert await work.bookings.find_by_leg("town-bus", "bus-1") == saved
        await work.commit()
    async with uow() as work:
        assert await work.bookings.find_by_leg("town-bus", "bus-1") == saved
        assert await work.bookings.find_by_leg("yamabuki-taxi", "taxi-1") == saved
        # Saving again (legs already recorded, a leg's state moved on) keeps them and finds the new version.
        cancelled = saved.legs[0].booking.moved_to(BookingState.CANCELLED)  # type: ignore[union-attr]
        again = await work.bookings.save(saved.with_leg(saved.legs[0].model_copy(update={"booking": cancelled})))
        assert again.version == 2
        await work.commit()
    async with uow() as work:
        assert await work.bookings.find_by_leg("yamabuki-taxi", "taxi-1") == again
        assert await work.bookings.find_by_leg("town-bus", "bus-1") == again
    async with engine.connect() as conn:
        legs = BookingLegRow.__table__  # type: ignore[attr-defined]
        rows = (await conn.execute(select(legs).order_by(legs.c.leg_index))).all()
        assert [(r.operator_id, r.leg_booking_id, r.booking_id, r.leg_index) for r in rows] == [
            ("yamabuki-taxi", "taxi-1", "bk-1", 0), ("town-bus", "bus-1", "bk-1", 1)]


async def test_a_stale_save_records_no_leg(uow: SqlUnitOfWorkFactory) -> None:
    b = booking(1)
    await _add(uow, b)
    async with uow() as work:
        await work.bookings.save(b)
        await work.commit()
    async with uow() as work:
        with pytest.raises(Conflict):  # version 0 is gone
            await work.bookings.save(b.with_leg(b.legs[0].model_copy(
                update={"booking": leg_booking("taxi-1", "yamabuki-taxi")})))
        await work.commit()
    async with uow() as work:
        assert await work.bookings.find_by_leg("yamabuki-taxi", "taxi-1") is None


async def test_an_operator_booking_of_another_booking_conflicts_and_nothing_is_stored(
        uow: SqlUnitOfWorkFactory) -> None:
    first = booking(1, taxi_id="taxi-1")
    await _add(uow, first)
    async with uow() as work:
        with pytest.raises(Conflict):
            await work.bookings.add(booking(2, taxi_id="taxi-1"))
        other = await work.bookings.add(booking(3))
        with pytest.raises(Conflict):
            await work.bookings.save(other.with_leg(other.legs[0].model_copy(
                update={"booking": leg_booking("taxi-1", "yamabuki-taxi")})))
        await work.commit()
    async with uow() as work:
        assert await work.bookings.find_by_key("acc-1", "key-2") is None  # the whole add was undone
        assert (await work.bookings.get("bk-3")).version == 0  # and the whole save
        assert await work.bookings.find_by_leg("yamabuki-taxi", "taxi-1") == first


# --- the ledger ----------------------------------------------------------------------------------


async def test_ledger_round_trip_with_filters_and_period_boundaries(uow: SqlUnitOfWorkFactory) -> None:
    since = dt.datetime(2026, 11, 1, tzinfo=JST)
    until = dt.datetime(2026, 12, 1, tzinfo=JST)
    on_start = entries_of("bk-1", since, legs=2)  # exactly at the start: inside
    # 2026-11-30 23:30 JST is 14:30 UTC: inside although its UTC date is the 30th and "14:30" < "23:30".
    late = entries_of("bk-2", dt.datetime(2026, 11, 30, 14, 30, tzinfo=dt.UTC), operator="town-bus", rider="acc-2")
    on_end = entries_of("bk-3", until)  # exactly at the end: outside
    before = entries_of("bk-4", since - dt.timedelta(microseconds=1))
    mid = [e.model_copy(update={"rules": ()}) for e in entries_of("bk-5", T0)]
    async with uow() as work:
        for batch in (late, on_end, before, on_start, mid):
            await work.ledger.add(batch)
        await work.ledger.add([])  # nothing to write
        await work.commit()
    async with uow() as work:
        got = await work.ledger.entries(since=since, until=until)
        assert got == on_start + mid + late
        assert all(e.at.utcoffset() == dt.timedelta(0) for e in got)
        assert got[0].rules == ("senior-half", "town-cap") and got[len(on_start)].rules == ()
        assert await work.ledger.entries(since=since, until=until, operator_id="town-bus") == late
        assert await work.ledger.entries(since=since, until=until, kind=EntryKind.SUBSIDY_DUE) == [
            e for e in on_start + mid + late if e.kind is EntryKind.SUBSIDY_DUE]
        assert await work.ledger.entries(since=since, until=until, operator_id="yamabuki-taxi",
                                         kind=EntryKind.RIDER_PAID) == [
            e for e in on_start + mid if e.kind is EntryKind.RIDER_PAID]
        assert await work.ledger.entries(since=until, until=until + dt.timedelta(days=1)) == on_end
        assert await work.ledger.entries(since=since - dt.timedelta(days=1), until=since) == before
        assert await work.ledger.entries(since=since, until=until, operator_id="nobody") == []


async def test_a_second_settlement_conflicts_and_adds_nothing(uow: SqlUnitOfWorkFactory) -> None:
    first = entries_of("bk-1", T0)
    async with uow() as work:
        await work.ledger.add(first)
        with pytest.raises(Conflict):  # within the same transaction
            await work.ledger.add(entries_of("bk-1", T0 + dt.timedelta(hours=1), legs=2))
        await work.ledger.add(entries_of("bk-2", T0))  # the transaction goes on
        await work.commit()
    async with uow() as work:
        with pytest.raises(Conflict):  # and across transactions
            await work.ledger.add([first[0].model_copy(update={"leg_index": 5})])
        await work.commit()
    async with uow() as work:
        got = await work.ledger.entries(since=T0 - dt.timedelta(days=1), until=T0 + dt.timedelta(days=1))
        assert got == first + entries_of("bk-2", T0)


async def test_entries_of_several_bookings_at_once_are_refused(uow: SqlUnitOfWorkFactory) -> None:
    async with uow() as work:
        with pytest.raises(InvalidRequest):
            await work.ledger.add(entries_of("bk-1", T0) + entries_of("bk-2", T0))
        with pytest.raises(InvalidRequest):  # a rule id would not survive the comma-joined column
            await work.ledger.add([entries_of("bk-3", T0)[0].model_copy(update={"rules": ("a,b",)})])
        await work.ledger.add(entries_of("bk-1", T0))  # neither counted as a settlement
        await work.ledger.add(entries_of("bk-3", T0))
        await work.commit()
    async with uow() as work:
        got = await work.ledger.entries(since=T0, until=T0 + dt.timedelta(seconds=1))
        assert [e.booking_id for e in got] == ["bk-1"] * 3 + ["bk-3"] * 3


async def _settle(uow: SqlUnitOfWorkFactory, entries: list[LedgerEntry]) -> str:
    async with uow() as work:
        await work.ledger.add(entries)
        await work.commit()
    return entries[0].party


async def test_concurrent_settlements_of_one_booking_exactly_one_wins(uow: SqlUnitOfWorkFactory,
                                                                      second_uow: SqlUnitOfWorkFactory) -> None:
    for n in range(3):
        contenders = [entries_of(f"bk-{n}", T0, operator="yamabuki-taxi"),
                      entries_of(f"bk-{n}", T0, operator="town-bus", legs=2)]
        results = await asyncio.gather(_settle(uow, contenders[0]), _settle(second_uow, contenders[1]),
                                       return_exceptions=True)
        winners = [i for i, r in enumerate(results) if isinstance(r, str)]
        assert len(winners) == 1, results
        assert [type(r) for r in results if isinstance(r, BaseException)] == [Conflict], results
        async with second_uow() as work:
            got = await work.ledger.entries(since=T0, until=T0 + dt.timedelta(seconds=1))
        assert [e for e in got if e.booking_id == f"bk-{n}"] == contenders[winners[0]]




@pytest.mark.parametrize("database_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
async def test_on_postgres_the_second_settlement_waits_for_the_first_then_fails(
        engine, uow: SqlUnitOfWorkFactory, second_uow: SqlUnitOfWorkFactory) -> None:
    """Proves the two settlements overlap: the second one's insert waits on the first's
    uncommitted settlements row, and fails once the first commits."""
    assert engine.dialect.name == "postgresql"
    async with uow() as first:
        await first.ledger.add(entries_of("bk-1", T0))
        second = asyncio.ensure_future(_settle(second_uow, entries_of("bk-1", T0, operator="town-bus")))
        try:
            await await_lock_waiters(engine, 1)
        finally:
            await first.commit()
        with pytest.raises(Conflict):
            await second
    async with uow() as work:
        assert await work.ledger.entries(since=T0, until=T0 + dt.timedelta(seconds=1)) == entries_of("bk-1", T0)


# --- migration 0006 ------------------------------------------------------------------------------


def _row(b: Booking) -> dict[str, object]:
    """The bookings row as revision 0005 has it."""
    return dict(id=b.id, account_id=b.account_id, state=b.state.value, idempotency_key=b.idempotency_key,
                request_digest=b.request_digest, total_minor=b.total.amount_minor, currency=b.total.currency,
                version=b.version, created_at=b.created_at.astimezone(dt.UTC),
                updated_at=b.updated_at.astimezone(dt.UTC), confirm_by=None, payment_id=None,
                payload=b.model_dump_json())


async def test_migration_backfills_booking_legs_from_the_payloads(empty_database_url: str) -> None:
    engine = create_engine(empty_database_url)
    try:
        await migrate.upgrade(engine, "0005")
        stored = [booking(1, taxi_id="taxi-1", bus_id="bus-1"), booking(2, bus_id="bus-2"), booking(3)]
        async with engine.begin() as conn:
            await conn.execute(insert(BookingRow.__table__), [_row(b) for b in stored])  # type: ignore[attr-defined]
        await migrate.upgrade(engine)
        async with engine.connect() as conn:
            rows = (await conn.execute(select(BookingLegRow.__table__))).all()  # type: ignore[attr-defined]
        assert sorted((r.operator_id, r.leg_booking_id, r.booking_id, r.leg_index) for r in rows) == [
            ("town-bus", "bus-1", "bk-1", 1), ("town-bus", "bus-2", "bk-2", 1), ("yamabuki-taxi", "taxi-1", "bk-1", 0)]
        uow = SqlUnitOfWorkFactory(engine)
        async with uow() as work:
            assert await work.bookings.find_by_leg("town-bus", "bus-2") == stored[1]
            assert await work.bookings.find_by_leg("yamabuki-taxi", "taxi-1") == stored[0]
            # A save after the upgrade finds the backfilled legs recorded and adds only the new one.
            learned = stored[1].with_leg(stored[1].legs[0].model_copy(
                update={"booking": leg_booking("taxi-2", "yamabuki-taxi")}))
            saved = await work.bookings.save(learned)
            assert await work.bookings.find_by_leg("yamabuki-taxi", "taxi-2") == saved
            await work.commit()
        await migrate.downgrade(engine, "0005")  # the downgrade leaves the bookings alone
        async with engine.connect() as conn:
            assert (await conn.execute(text("SELECT count(*) FROM bookings"))).scalar_one() == 3
    finally:
        await engine.dispose()
