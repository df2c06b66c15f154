"""SqlBookings and SqlOfferRegistry on SQLite and PostgreSQL: round trips, idempotency keys,
the optimistic lock (with a real race), the saga journal and the offer registry."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from sqlalchemy import text

from maas.domain.accounts import GeoPoint
from maas.domain.bookings import BookedLeg, Booking, Compensation, SagaStep, StepStatus, TripState
from maas.domain.errors import Conflict, NotFound
from maas.domain.mobility import BookingState, Conditions, LegBooking, Offer
from maas.domain.payments import Payment, PaymentState
from maas.domain.planning import Money
from maas.storage.unit_of_work import SqlUnitOfWorkFactory
from tests.integration.locks import await_lock_waiters

JST = dt.timezone(dt.timedelta(hours=9))
T0 = dt.datetime(2026, 11, 25, 9, 0, tzinfo=JST)


def yen(amount: int) -> Money:
    return Money(amount_minor=amount, currency="JPY")


def legs(n: int) -> tuple[BookedLeg, BookedLeg]:
    start = T0 + dt.timedelta(hours=1)
    taxi = BookedLeg(
        index=0, operator_id="yamabuki-taxi", offer_id=f"offer-{n}-taxi", mode="taxi", price=yen(1800),
        departure=start, arrival=start + dt.timedelta(minutes=20), description="駅まで",
        conditions=Conditions(confirmation_required=True, free_cancellation_until=start - dt.timedelta(hours=1),
                              cancellation_fee=yen(500), notes=("車椅子可",)),
        booking=LegBooking(id=f"taxi-{n}", operator_id="yamabuki-taxi", offer_id=f"offer-{n}-taxi",
                           state=BookingState.CONDITIONAL_CONFIRMED, price=yen(1800), departure=start,
                           arrival=start + dt.timedelta(minutes=20), expires_at=start - dt.timedelta(minutes=30)),
    )
    bus = BookedLeg(index=1, operator_id="town-bus", offer_id=f"offer-{n}-bus", mode="bus", price=yen(200),
                    departure=start + dt.timedelta(minutes=30), arrival=start + dt.timedelta(minutes=70))
    return taxi, bus


def booking(n: int, *, account: str = "acc-1", key: str | None = None, state: TripState = TripState.PENDING,
            created: dt.datetime | None = None, paid: bool = False) -> Booking:
    created = created or T0 + dt.timedelta(minutes=n)
    payment = Payment(id=f"pi_{n}", gateway="stripe", booking_id=f"bk-{n}", state=PaymentState.AUTHORISED,
                      authorised=yen(2000), created_at=created) if paid else None
    return Booking(
        id=f"bk-{n}", account_id=account, state=state, legs=legs(n), total=yen(2000), payment=payment,
        payment_gateway="stripe" if paid else "", idempotency_key=key or f"key-{n}", request_digest=f"digest-{n}",
        created_at=created, updated_at=created,
        confirm_by=created + dt.timedelta(hours=2) if state is TripState.CONDITIONAL_CONFIRMED else None,
    )


def offer(n: int, *, valid_until: dt.datetime, price: int = 1800) -> Offer:
    return Offer(id=f"offer-{n}", operator_id="yamabuki-taxi", mode="taxi", price=yen(price),
                 valid_until=valid_until, departure=T0, arrival=T0 + dt.timedelta(minutes=20),
                 origin=GeoPoint(lat=36.40, lon=138.90), destination=GeoPoint(lat=36.42, lon=138.95), distance_m=4200,
                 conditions=Conditions(cancellation_fee=yen(300)), vehicle_type="wheelchair_van")


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
            assert await work.bookings.add(b) == b
        await work.commit()


async def test_a_booking_round_trips_through_add_get_find_and_list(uow: SqlUnitOfWorkFactory) -> None:
    unpaid, paid = booking(1), booking(2, paid=True, state=TripState.CONDITIONAL_CONFIRMED)
    await _add(uow, unpaid, paid)
    async with uow() as work:
        for stored in (unpaid, paid):
            assert await work.bookings.get(stored.id) == stored
            assert await work.bookings.find_by_key("acc-1", stored.idempotency_key) == stored
        got = await work.bookings.get(paid.id)
        assert got.version == 0 and got.payment == paid.payment and got.legs[0].booking == paid.legs[0].booking
        assert got.legs[1].booking is None and (await work.bookings.get(unpaid.id)).payment is None
        assert got.legs[0].departure.utcoffset() == dt.timedelta(hours=9)  # the payload keeps the offset
        assert got.confirm_by == paid.confirm_by
        assert await work.bookings.find_by_key("acc-1", "key-9") is None
        assert await work.bookings.find_by_key("acc-2", "key-1") is None
        assert await work.bookings.list_for("acc-1") == [paid, unpaid]  # newest first
        assert await work.bookings.list_for("acc-1", limit=1) == [paid]
        assert await work.bookings.list_for("acc-2") == []


async def test_list_for_orders_instants_not_wall_clock_text(uow: SqlUnitOfWorkFactory) -> None:
    # 09:30 JST is 00:30 UTC: earlier than 01:00 UTC although "09:30" sorts after "01:00".
    jst = booking(1, created=dt.datetime(2026, 11, 25, 9, 30, tzinfo=JST))
    utc = booking(2, created=dt.datetime(2026, 11, 25, 1, 0, tzinfo=dt.UTC))
    await _add(uow, jst, utc)
    async with uow() as work:
        assert [b.id for b in await work.bookings.list_for("acc-1")] == ["bk-2", "bk-1"]


async def test_unknown_booking_is_not_found(uow: SqlUnitOfWorkFactory) -> None:
    async with uow() as work:
        with pytest.raises(NotFound):
            await work.bookings.get("bk-404")


async def test_a_reused_idempotency_key_conflicts_and_the_transaction_goes_on(uow: SqlUnitOfWorkFactory) -> None:
    first = booking(1)
    async with uow() as work:
        await work.bookings.add(first)
        with pytest.raises(Conflict):
            await work.bookings.add(booking(2, key="key-1"))
        other = await work.bookings.add(booking(3))
        await work.bookings.add_step(SagaStep(booking_id=other.id, seq=0, name="reserve:0",
                                              status=StepStatus.STARTED, at=T0))
        await work.commit()
    async with uow() as work:
        assert [b.id for b in await work.bookings.list_for("acc-1")] == ["bk-3", "bk-1"]
        assert len(await work.bookings.steps("bk-3")) == 1
        with pytest.raises(Conflict):  # across transactions too
            await work.bookings.add(booking(4, key="key-1"))
        # Another account may use the same key.
        theirs = await work.bookings.add(booking(5, account="acc-2", key="key-1"))
        await work.commit()
    async with uow() as work:
        assert await work.bookings.find_by_key("acc-2", "key-1") == theirs
        assert await work.bookings.find_by_key("acc-1", "key-1") == first
        with pytest.raises(NotFound):
            await work.bookings.get("bk-2")


async def test_save_bumps_the_version_and_a_stale_save_stores_nothing(uow: SqlUnitOfWorkFactory) -> None:
    b = booking(1)
    await _add(uow, b)
    later = T0 + dt.timedelta(minutes=5)
    held = b.moved_to(TripState.CONDITIONAL_CONFIRMED, at=later).model_copy(
        update={"confirm_by": later + dt.timedelta(hours=1)})
    async with uow() as work:
        saved = await work.bookings.save(held)
        assert saved == held.model_copy(update={"version": 1})
        await work.commit()
    async with uow() as work:
        assert await work.bookings.get(b.id) == saved
        assert await work.bookings.find_by_key("acc-1", "key-1") == saved
        with pytest.raises(Conflict):  # written from version 0, which is gone
            await work.bookings.save(b.moved_to(TripState.REJECTED, reason="stale"))
        confirmed = await work.bookings.save(saved.moved_to(TripState.CONFIRMED))  # the transaction goes on
        assert confirmed.version == 2
        await work.commit()
    async with uow() as work:
        stored = await work.bookings.get(b.id)
        assert stored.state is TripState.CONFIRMED and stored.version == 2 and stored.reason == ""
        with pytest.raises(Conflict):
            await work.bookings.save(booking(404))  # never added
    async with uow() as work:  # the last block did not commit, and nothing changed anyway
        assert await work.bookings.get(b.id) == stored


async def test_a_stalled_compensation_keeps_its_reason_and_what_is_pending(uow: SqlUnitOfWorkFactory) -> None:
    b = booking(1)
    await _add(uow, b)
    stalled = b.compensating(TripState.REJECTED, "operator_rejected: shuttle refused leg 1").compensation_stalled(
        "shuttle is down")
    await _save(uow, stalled)
    async with uow() as work:
        [stored] = await work.bookings.in_flight()
    assert stored.compensate_to is TripState.REJECTED and stored.compensation == Compensation(
        reason="operator_rejected: shuttle refused leg 1", pending="shuttle is down")
    done = await _save(uow, stored.compensated(T0 + dt.timedelta(minutes=1)))
    async with uow() as work:
        assert await work.bookings.get(b.id) == done
    assert (done.state, done.reason, done.compensation) == (
        TripState.REJECTED, "operator_rejected: shuttle refused leg 1", None)


async def test_in_flight_lists_pending_and_conditional_oldest_first(uow: SqlUnitOfWorkFactory) -> None:
    states = [TripState.CONFIRMED, TripState.CONDITIONAL_CONFIRMED, TripState.PENDING, TripState.REJECTED,
              TripState.PENDING, TripState.SETTLED, TripState.CANCELLED, TripState.EXPIRED]
    made = [booking(n, state=s, account=f"acc-{n % 2}", created=T0 - dt.timedelta(minutes=n))
            for n, s in enumerate(states)]
    await _add(uow, *made)
    async with uow() as work:
        assert [b.id for b in await work.bookings.in_flight()] == ["bk-4", "bk-2", "bk-1"]
        await work.bookings.save(made[2].moved_to(TripState.CONFIRMED))
        await work.commit()
    async with uow() as work:
        assert [b.id for b in await work.bookings.in_flight()] == ["bk-4", "bk-1"]
        riding = await work.bookings.in_states([TripState.CONFIRMED, TripState.STARTED])
        assert sorted(b.id for b in riding) == ["bk-0", "bk-2"]
        assert [b.id for b in await work.bookings.in_states([TripState.SETTLED])] == ["bk-5"]
        assert len(await work.bookings.in_states([TripState.CONFIRMED], limit=1)) == 1


async def test_steps_append_and_read_back_in_order(uow: SqlUnitOfWorkFactory) -> None:
    await _add(uow, booking(1), booking(2))
    journal = [
        SagaStep(booking_id="bk-1", seq=0, name="reserve:0", status=StepStatus.STARTED, at=T0),
        SagaStep(booking_id="bk-1", seq=1, name="reserve:0", status=StepStatus.DONE,
                 at=T0 + dt.timedelta(seconds=2), detail="taxi-1 CONDITIONAL_CONFIRMED"),
        SagaStep(booking_id="bk-1", seq=2, name="authorise", status=StepStatus.FAILED,
                 at=dt.datetime(2026, 11, 25, 0, 0, 3, 250_000, tzinfo=dt.UTC), detail="card declined" * 100),
    ]
    async with uow() as work:
        for step in (journal[0], journal[2], journal[1]):  # the order read back is seq's, not arrival's
            await work.bookings.add_step(step)
        with pytest.raises(Conflict):
            await work.bookings.add_step(journal[1].model_copy(update={"name": "again"}))
        with pytest.raises(NotFound):
            await work.bookings.add_step(journal[0].model_copy(update={"booking_id": "bk-404"}))
        await work.bookings.add_step(journal[0].model_copy(update={"booking_id": "bk-2"}))
        await work.commit()
    async with uow() as work:
        steps = await work.bookings.steps("bk-1")
        assert steps == journal
        assert all(s.at.tzinfo is not None for s in steps)
        assert [s.booking_id for s in await work.bookings.steps("bk-2")] == ["bk-2"]
        assert await work.bookings.steps("bk-404") == []


async def test_offers_remember_get_replace_and_purge(uow: SqlUnitOfWorkFactory) -> None:
    now = T0
    fresh, soon = offer(1, valid_until=now + dt.timedelta(minutes=15)), offer(2, valid_until=now)
    async with uow() as work:
        await work.offers.remember([fresh, soon, offer(3, valid_until=now - dt.timedelta(days=2))], now=now)
        await work.offers.remember([], now=now)
        await work.commit()
    async with uow() as work:
        assert await work.offers.get("offer-1") == fresh
        got = await work.offers.get("offer-2")
        assert got == soon and got is not None and got.valid_until.utcoffset() == dt.timedelta(hours=9)
        assert await work.offers.get("offer-3") is None  # expired more than a day ago: never kept
        assert await work.offers.get("offer-404") is None
        repriced = offer(1, valid_until=now + dt.timedelta(minutes=30), price=2100)
        # An id seen again replaces its row; within one call the last one given wins.
        await work.offers.remember([offer(1, valid_until=now, price=1), repriced], now=now + dt.timedelta(minutes=1))
        await work.commit()
    async with uow() as work:
        assert await work.offers.get("offer-1") == repriced
        # A day later offer-2 (valid until `now`) is exactly one day old and stays; it goes at the
        # first sweep after that (sweeps run at most once a minute, not on every call).
        await work.offers.remember([], now=now + dt.timedelta(days=1))
        assert await work.offers.get("offer-2") == soon
        await work.offers.remember([], now=now + dt.timedelta(days=1, seconds=1))
        assert await work.offers.get("offer-2") == soon  # within the minute: not swept yet
        await work.offers.remember([], now=now + dt.timedelta(days=1, minutes=1))
        assert await work.offers.get("offer-2") is None
        assert await work.offers.get("offer-1") == repriced
        await work.commit()


async def test_many_offers_at_once(uow: SqlUnitOfWorkFactory) -> None:
    offers = [offer(n, valid_until=T0 + dt.timedelta(minutes=10)) for n in range(2500)]
    async with uow() as work:
        await work.offers.remember(offers, now=T0)
        await work.commit()
    async with uow() as work:
        assert await work.offers.get("offer-0") == offers[0]
        assert await work.offers.get("offer-2499") == offers[-1]


async def _save(uow: SqlUnitOfWorkFactory, b: Booking) -> Booking:
    async with uow() as work:
        saved = await work.bookings.save(b)
        await work.commit()
    return saved


def _one_winner(results: list[object], read_version: int) -> int:
    winners = [i for i, r in enumerate(results) if isinstance(r, Booking)]
    losers = [r for r in results if isinstance(r, BaseException)]
    assert len(winners) == 1, results
    assert len(losers) == 1 and isinstance(losers[0], Conflict), results
    won = results[winners[0]]
    assert isinstance(won, Booking) and won.version == read_version + 1
    return winners[0]


async def test_concurrent_saves_of_one_version_exactly_one_wins(uow: SqlUnitOfWorkFactory,
                                                                second_uow: SqlUnitOfWorkFactory) -> None:
    await _add(uow, booking(1))
    for read_version in (0, 1, 2):  # several rounds, each on the version the last winner left
        # One after the other: on SQLite a transaction holds the write lock from its first statement.
        async with uow() as work:
            mine = await work.bookings.get("bk-1")
        async with second_uow() as work:
            theirs = await work.bookings.get("bk-1")
        assert mine == theirs and mine.version == read_version
        contenders = [mine.model_copy(update={"reason": f"mine {read_version}"}),
                      theirs.model_copy(update={"reason": f"theirs {read_version}"})]
        results = await asyncio.gather(_save(uow, contenders[0]), _save(second_uow, contenders[1]),
                                       return_exceptions=True)
        winner = _one_winner(list(results), read_version)
        async with second_uow() as work:
            stored = await work.bookings.get("bk-1")
        assert stored == contenders[winner].model_copy(update={"version": read_version + 1})




@pytest.mark.parametrize("database_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
async def test_both_saves_overlap_on_postgres_and_the_loser_waits_then_fails(
        engine, uow: SqlUnitOfWorkFactory, second_uow: SqlUnitOfWorkFactory) -> None:
    """Proves the two saves really overlap: a third session holds the booking's row lock until
    both saves are parked behind it; once it lets go, one save goes through and the other,
    waiting on the winner, finds the version moved."""
    assert engine.dialect.name == "postgresql"
    read = booking(1)
    await _add(uow, read)
    contenders = [read.moved_to(TripState.CONFIRMED), read.moved_to(TripState.REJECTED, reason="no taxi")]
    async with engine.connect() as holder:
        held = await holder.begin()
        await holder.execute(text("SELECT version FROM bookings WHERE id = :id FOR UPDATE"), {"id": read.id})
        saves = asyncio.gather(_save(uow, contenders[0]), _save(second_uow, contenders[1]), return_exceptions=True)
        try:
            await await_lock_waiters(engine, 2)
        finally:
            await held.rollback()
            results = await saves
    winner = _one_winner(list(results), 0)
    async with uow() as work:
        assert await work.bookings.get(read.id) == contenders[winner].model_copy(update={"version": 1})

