"""One repository contract, passed alike by the in-memory unit of work (tests/fakes.py) and the
SQL one on SQLite and PostgreSQL: transactions (commit, discard, rollback on an exception), the
optimistic booking version, idempotency keys, lookups and orderings of bookings, the saga
journal, offers, accounts, the ledger, passes, tickets issued and payment events."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from maas.domain.accounts import ApiKey, GeoPoint, NewAccount, Operator, Role
from maas.domain.bookings import BookedLeg, Booking, SagaStep, StepStatus, TripState
from maas.domain.errors import Conflict, InvalidRequest, NotFound
from maas.domain.fare_rules import PassProduct
from maas.domain.ledger import EntryKind, LedgerEntry
from maas.domain.mobility import BookingState, LegBooking, Offer
from maas.domain.ondemand import RefusalCode
from maas.domain.passes import PassState, RiderPass
from maas.domain.payments import GatewayEvent, Payment, PaymentProfile, PaymentState
from maas.domain.ride_refusals import RideRefusal
from maas.domain.planning import Money
from maas.domain.ports import UnitOfWorkFactory
from maas.domain.tickets import TicketRecord
from maas.storage import migrate
from maas.storage.engine import create_engine
from maas.storage.unit_of_work import SqlUnitOfWorkFactory
from tests.conftest import create_postgres_database, drop_postgres_database
from tests.fakes import InMemoryUnitOfWorkFactory

JST = dt.timezone(dt.timedelta(hours=9))
T0 = dt.datetime(2026, 11, 25, 9, 0, tzinfo=JST)


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def uow(request: pytest.FixtureRequest, tmp_path: Path):
    if request.param == "memory":
        yield InMemoryUnitOfWorkFactory()
        return
    url = (f"sqlite+aiosqlite:///{tmp_path / 'maas.sqlite3'}" if request.param == "sqlite"
           else await create_postgres_database())
    engine = create_engine(url)
    try:
        await migrate.upgrade(engine)
        yield SqlUnitOfWorkFactory(engine)
    finally:
        await engine.dispose()
        if request.param == "postgres":
            await drop_postgres_database(url)


def yen(amount: int) -> Money:
    return Money(amount_minor=amount, currency="JPY")


def booking(n: int, *, account: str = "acc-1", key: str | None = None, state: TripState = TripState.PENDING,
            leg_id: str | None = None, payment_id: str | None = None) -> Booking:
    start, created = T0 + dt.timedelta(hours=1), T0 + dt.timedelta(minutes=n)
    answer = None if leg_id is None else LegBooking(
        id=leg_id, operator_id="taxi", offer_id=f"offer-{n}", state=BookingState.PENDING, price=yen(1800),
        departure=start, arrival=start + dt.timedelta(minutes=20))
    payment = None if payment_id is None else Payment(
        id=payment_id, gateway="stripe", booking_id=f"bk-{n}", state=PaymentState.AUTHORISED, authorised=yen(1800),
        created_at=created)
    leg = BookedLeg(index=0, operator_id="taxi", offer_id=f"offer-{n}", mode="taxi", price=yen(1800),
                    departure=start, arrival=start + dt.timedelta(minutes=20), booking=answer)
    return Booking(id=f"bk-{n}", account_id=account, state=state, legs=(leg,), total=yen(1800), payment=payment,
                   idempotency_key=key or f"key-{n}", request_digest=f"digest-{n}", created_at=created,
                   updated_at=created)


async def add(uow: UnitOfWorkFactory, *bookings: Booking) -> None:
    async with uow() as u:
        for b in bookings:
            await u.bookings.add(b)
        await u.commit()


async def test_only_committed_changes_are_kept_and_an_exception_rolls_back(uow: UnitOfWorkFactory) -> None:
    async with uow() as u:
        await u.bookings.add(booking(1))
        assert (await u.bookings.get("bk-1")).id == "bk-1"  # its own writes are visible to it
    with pytest.raises(RuntimeError):
        async with uow() as u:
            await u.bookings.add(booking(2))
            raise RuntimeError("the use case failed")
    async with uow() as u:
        for missing in ("bk-1", "bk-2"):
            with pytest.raises(NotFound):
                await u.bookings.get(missing)
        await u.bookings.add(booking(3))
        await u.commit()
        await u.bookings.add(booking(4))  # after a commit, a new transaction: left without commit
    async with uow() as u:
        assert [b.id for b in await u.bookings.list_for("acc-1")] == ["bk-3"]
        await u.ping()


async def test_a_stale_booking_version_is_refused_and_nothing_stored(uow: UnitOfWorkFactory) -> None:
    await add(uow, booking(1))
    async with uow() as u:
        read = await u.bookings.get("bk-1")
    async with uow() as u:
        saved = await u.bookings.save(read.moved_to(TripState.CONFIRMED))
        assert saved.version == 1
        await u.commit()
    async with uow() as u:
        with pytest.raises(Conflict, match="changed since version 0"):
            await u.bookings.save(read.moved_to(TripState.REJECTED))
    async with uow() as u:
        stored = await u.bookings.get("bk-1")
        assert stored.state is TripState.CONFIRMED and stored.version == 1
        again = await u.bookings.save(stored.model_copy(update={"reason": "twice"}))
        with pytest.raises(Conflict):  # the version read before this transaction's own save
            await u.bookings.save(stored)
        assert again.version == 2
        with pytest.raises(Conflict):
            await u.bookings.save(booking(9))  # never added: no version to match


async def test_idempotency_keys_are_per_account_and_taken_ids_refused(uow: UnitOfWorkFactory) -> None:
    await add(uow, booking(1, key="k"), booking(2, key="k", account="acc-2"))
    for taken in (booking(3, key="k"), booking(1, key="other")):
        async with uow() as u:
            with pytest.raises(Conflict) as refused:
                await u.bookings.add(taken)
            assert refused.value.fields == {"idempotency_key": "already used"}
    async with uow() as u:
        assert (await u.bookings.find_by_key("acc-1", "k")).id == "bk-1"
        assert (await u.bookings.find_by_key("acc-2", "k")).id == "bk-2"
        assert await u.bookings.find_by_key("acc-3", "k") is None


async def test_bookings_are_found_by_leg_and_payment_and_listed_in_order(uow: UnitOfWorkFactory) -> None:
    await add(uow, booking(1, leg_id="taxi-1", payment_id="pi_1"), booking(2, state=TripState.CONFIRMED),
              booking(3, state=TripState.CONDITIONAL_CONFIRMED, account="acc-2"))
    async with uow() as u:
        assert (await u.bookings.find_by_leg("taxi", "taxi-1")).id == "bk-1"
        assert await u.bookings.find_by_leg("bus", "taxi-1") is None
        assert (await u.bookings.find_by_payment("pi_1")).id == "bk-1"
        assert await u.bookings.find_by_payment("pi_9") is None
        assert [b.id for b in await u.bookings.list_for("acc-1")] == ["bk-2", "bk-1"]
        assert [b.id for b in await u.bookings.list_for("acc-1", limit=1)] == ["bk-2"]
        assert [b.id for b in await u.bookings.in_flight()] == ["bk-1", "bk-3"]
        assert [b.id for b in await u.bookings.in_states([TripState.CONFIRMED])] == ["bk-2"]
        with pytest.raises(Conflict):  # an operator booking belongs to one trip
            await u.bookings.add(booking(4, leg_id="taxi-1"))


async def test_the_journal_keeps_steps_in_order_once_each(uow: UnitOfWorkFactory) -> None:
    await add(uow, booking(1))
    async with uow() as u:
        for seq, name in ((1, "reserve:0"), (0, "reserve:0")):
            await u.bookings.add_step(SagaStep(booking_id="bk-1", seq=seq, name=name,
                                               status=StepStatus.DONE if seq else StepStatus.STARTED, at=T0))
        await u.commit()
    async with uow() as u:
        assert [(s.seq, s.status) for s in await u.bookings.steps("bk-1")] == [(0, StepStatus.STARTED),
                                                                               (1, StepStatus.DONE)]
        with pytest.raises(Conflict):
            await u.bookings.add_step(SagaStep(booking_id="bk-1", seq=1, name="x", status=StepStatus.DONE, at=T0))
    async with uow() as u:
        with pytest.raises(NotFound):
            await u.bookings.add_step(SagaStep(booking_id="bk-9", seq=0, name="x", status=StepStatus.DONE, at=T0))
        assert await u.bookings.steps("bk-9") == []


def offer(offer_id: str, *, valid_until: dt.datetime, price: int = 1800) -> Offer:
    return Offer(id=offer_id, operator_id="taxi", mode="taxi", price=yen(price), valid_until=valid_until,
                 departure=T0, arrival=T0 + dt.timedelta(minutes=20), origin=GeoPoint(lat=36.40, lon=138.90),
                 destination=GeoPoint(lat=36.41, lon=138.91), distance_m=2000)


async def test_offers_are_remembered_replaced_and_purged_a_day_after_expiry(uow: UnitOfWorkFactory) -> None:
    async with uow() as u:
        await u.offers.remember([offer("old", valid_until=T0), offer("new", valid_until=T0, price=1),
                                 offer("new", valid_until=T0 + dt.timedelta(hours=1))], now=T0)
        await u.commit()
    async with uow() as u:
        assert (await u.offers.get("new")).price == yen(1800)  # the last one given wins
        await u.offers.remember([offer("later", valid_until=T0 + dt.timedelta(days=3))], now=T0 + dt.timedelta(days=2))
        await u.commit()
    async with uow() as u:
        assert await u.offers.get("old") is None and await u.offers.get("missing") is None
        assert (await u.offers.get("later")).valid_until == T0 + dt.timedelta(days=3)


async def test_accounts_by_email_search_and_sessions(uow: UnitOfWorkFactory) -> None:
    new = NewAccount(email="Haru@Example.jp", display_name="山田 ハル", role=Role.RIDER, password="x" * 12,
                     phone="0274-52-1234", member_no="M-7", display_name_kana="ﾔﾏﾀﾞ ﾊﾙ")
    async with uow() as u:
        made = await u.accounts.add(new, account_id="acc-1", password_hash="h", now=T0)
        assert made.email == "haru@example.jp" and made.phone == "0274521234"
        assert made.display_name_kana == "ヤマダ ハル"  # half-width kana stored as full-width
        await u.commit()
    for clash in (new.model_copy(update={"member_no": None}), new.model_copy(update={"email": "x@example.jp"})):
        async with uow() as u:
            with pytest.raises(Conflict):
                await u.accounts.add(clash, account_id="acc-2", password_hash="h", now=T0)
    async with uow() as u:
        assert (await u.accounts.find_by_email("HARU@example.jp")) == (made, "h")
        with pytest.raises(NotFound):
            await u.accounts.get("acc-9")
        for q in ("山田ハル", "52-1234", "M-7", "example", "やまだ", "ヤマダ　ハル", "ﾀﾞﾊ"):
            assert [a.id for a in await u.accounts.list_accounts(q=q)] == ["acc-1"], q
        assert await u.accounts.list_accounts(q="123") == []  # too few digits for a phone search
        assert await u.accounts.list_accounts(q="やま%") == [] and await u.accounts.list_accounts(q="や_だ") == []
        assert await u.accounts.list_accounts(role="agent") == []


def entry(booking_id: str, kind: EntryKind, amount: int, at: dt.datetime, rules: tuple[str, ...] = ()) -> LedgerEntry:
    return LedgerEntry(booking_id=booking_id, leg_index=0, kind=kind, party="taxi", operator_id="taxi",
                       amount=yen(amount), at=at, rules=rules)


async def test_the_ledger_settles_a_booking_once(uow: UnitOfWorkFactory) -> None:
    await add(uow, booking(1), booking(2))
    async with uow() as u:
        await u.ledger.add([entry("bk-1", EntryKind.RIDER_PAID, 1500, T0 + dt.timedelta(hours=1)),
                            entry("bk-1", EntryKind.SUBSIDY_DUE, 300, T0 + dt.timedelta(hours=1), ("r1",))])
        await u.ledger.add([entry("bk-2", EntryKind.RIDER_PAID, 900, T0)])
        await u.commit()
    async with uow() as u:
        with pytest.raises(Conflict):
            await u.ledger.add([entry("bk-1", EntryKind.RIDER_PAID, 1, T0)])
    async with uow() as u:
        with pytest.raises(InvalidRequest):
            await u.ledger.add([entry("bk-3", EntryKind.RIDER_PAID, 1, T0), entry("bk-4", EntryKind.RIDER_PAID, 1, T0)])
        with pytest.raises(InvalidRequest):
            await u.ledger.add([entry("bk-3", EntryKind.RIDER_PAID, 1, T0, ("a,b",))])
        found = await u.ledger.entries(since=T0, until=T0 + dt.timedelta(days=1))
        assert [(e.booking_id, e.amount.amount_minor, e.rules) for e in found] == [
            ("bk-2", 900, ()), ("bk-1", 1500, ()), ("bk-1", 300, ("r1",))]
        assert [e.booking_id for e in await u.ledger.entries(since=T0, until=T0 + dt.timedelta(minutes=1))] == ["bk-2"]
        assert len(await u.ledger.entries(since=T0, until=T0 + dt.timedelta(days=1), kind=EntryKind.SUBSIDY_DUE)) == 1
        assert await u.ledger.entries(since=T0, until=T0 + dt.timedelta(days=1), operator_id="bus") == []


async def test_tickets_issued_are_recorded_once_and_found_by_their_booking_state(uow: UnitOfWorkFactory) -> None:
    await add(uow, booking(1, state=TripState.CONFIRMED), booking(2))
    record = TicketRecord(ticket_id="tkt_1", booking_id="bk-1", booking_version=0, issued_at=T0,
                          valid_until=T0 + dt.timedelta(hours=3))
    async with uow() as u:
        await u.tickets_issued.record(record)
        await u.tickets_issued.record(record)
        await u.tickets_issued.record(record.model_copy(update={"ticket_id": "tkt_2", "booking_id": "bk-2"}))
        await u.commit()
    async with uow() as u:
        assert await u.tickets_issued.of_bookings_in([TripState.CONFIRMED], valid_after=T0) == [record]
        assert await u.tickets_issued.of_bookings_in([TripState.CONFIRMED],
                                                     valid_after=T0 + dt.timedelta(hours=3)) == []


async def test_a_payment_event_is_taken_once(uow: UnitOfWorkFactory) -> None:
    event = GatewayEvent(id="evt_1", type="payment_intent.succeeded", payment_id="pi_1", created=T0)
    async with uow() as u:
        assert await u.payment_events.add(event, "applied", received_at=T0)
        assert not await u.payment_events.add(event, "applied", received_at=T0)
        await u.commit()
    async with uow() as u:
        assert not await u.payment_events.add(event, "again", received_at=T0)


async def test_passes_by_key_pending_and_saved(uow: UnitOfWorkFactory) -> None:
    product = PassProduct.model_validate({"id": "day-1", "name": "1日券", "price": 800, "days": 1})
    first = RiderPass(id="pass_1", account_id="acc-1", product=product, state=PassState.PENDING, valid_from=T0,
                      valid_until=T0 + dt.timedelta(days=1), price=yen(800), idempotency_key="k", request_digest="d",
                      created_at=T0, updated_at=T0)
    later = first.model_copy(update={"id": "pass_2", "idempotency_key": "k2", "created_at": T0 + dt.timedelta(hours=1),
                                     "state": PassState.ACTIVE})
    async with uow() as u:
        await u.passes.add(first)
        await u.passes.add(later)
        await u.commit()
    async with uow() as u:
        with pytest.raises(Conflict):
            await u.passes.add(first.model_copy(update={"id": "pass_3"}))  # the same key again
    async with uow() as u:
        assert (await u.passes.find_by_key("acc-1", "k")) == first and await u.passes.find_by_key("acc-2", "k") is None
        assert [p.id for p in await u.passes.list_for("acc-1")] == ["pass_2", "pass_1"]
        assert [p.id for p in await u.passes.pending()] == ["pass_1"]
        await u.passes.save(first.model_copy(update={"state": PassState.FAILED}))
        with pytest.raises(NotFound):
            await u.passes.save(first.model_copy(update={"id": "pass_9"}))
        with pytest.raises(NotFound):
            await u.passes.get("pass_9")
        await u.commit()
    async with uow() as u:
        assert (await u.passes.get("pass_1")).state is PassState.FAILED and await u.passes.pending() == []


async def test_transit_tickets_by_key_and_id(uow: UnitOfWorkFactory) -> None:
    ticket = LegBooking(id="tt_1", operator_id="transit", offer_id="offer-1", state=BookingState.CONFIRMED,
                        price=yen(200), departure=T0, arrival=T0 + dt.timedelta(minutes=30))
    async with uow() as u:
        await u.transit_tickets.add(ticket, idempotency_key="k1", now=T0)
        await u.commit()
    for clash, key in ((ticket, "k2"), (ticket.model_copy(update={"id": "tt_2"}), "k1")):
        async with uow() as u:
            with pytest.raises(Conflict):
                await u.transit_tickets.add(clash, idempotency_key=key, now=T0)
    async with uow() as u:
        assert await u.transit_tickets.find_by_key("k1") == ticket and await u.transit_tickets.find_by_key("k9") is None
        await u.transit_tickets.save(ticket.moved_to(BookingState.CANCELLED), now=T0)
        with pytest.raises(NotFound):
            await u.transit_tickets.save(ticket.model_copy(update={"id": "tt_9"}), now=T0)
        await u.commit()
    async with uow() as u:
        assert (await u.transit_tickets.get("tt_1")).state is BookingState.CANCELLED
        with pytest.raises(NotFound):
            await u.transit_tickets.get("tt_9")


async def test_payment_profiles_are_replaced_whole(uow: UnitOfWorkFactory) -> None:
    profile = PaymentProfile(account_id="acc-1", gateway="stripe", customer_ref="cus_1", setup_id="seti_1",
                             updated_at=T0)
    async with uow() as u:
        assert await u.payment_profiles.get("acc-1") is None
        await u.payment_profiles.put(profile)
        await u.payment_profiles.put(profile.model_copy(update={"payment_method": "pm_1", "setup_id": "seti_2"}))
        await u.commit()
    async with uow() as u:
        stored = await u.payment_profiles.get("acc-1")
    assert (stored.payment_method, stored.setup_id, stored.updated_at) == ("pm_1", "seti_2", T0)


async def test_ride_refusals_by_operator_and_service_day(uow: UnitOfWorkFactory) -> None:
    def refusal(operator_id: str, day: int, minute: int) -> RideRefusal:
        at = dt.datetime(2026, 11, day, 9, minute, tzinfo=JST)
        return RideRefusal(operator_id=operator_id, service_date=at.date(), requested_pickup=at,
                           code=RefusalCode.NO_CAPACITY, travellers=1, refused_at=at, origin_cell="a",
                           destination_cell="b")
    async with uow() as u:
        for r in (refusal("vans", 24, 5), refusal("vans", 24, 1), refusal("vans", 25, 0), refusal("taxi", 24, 0)):
            await u.ride_refusals.add(r)
        await u.commit()
    async with uow() as u:
        found = await u.ride_refusals.list_refusals("vans", first=dt.date(2026, 11, 24), last=dt.date(2026, 11, 24))
    assert [r.refused_at.minute for r in found] == [1, 5]


async def test_operators_and_their_keys(uow: UnitOfWorkFactory) -> None:
    vans = Operator(id="vans", name="のりあい", mode="on_demand", kind="on_demand", created_at=T0)
    key = ApiKey(id="key_1", operator_id="vans", label="dispatch", created_at=T0)
    async with uow() as u:
        await u.operators.add(vans)
        await u.operators.add_key(key, "secret-hash")
        await u.commit()
    async with uow() as u:
        with pytest.raises(Conflict):
            await u.operators.add(vans)
    async with uow() as u:
        assert await u.operators.get("vans") == vans and await u.operators.find("bus") is None
        assert await u.operators.list_operators() == [vans]
        await u.operators.revoke_key("key_1", T0 + dt.timedelta(hours=1))
        with pytest.raises(NotFound):
            await u.operators.revoke_key("key_9", T0)
        await u.commit()
    async with uow() as u:
        (revoked,) = await u.operators.list_keys("vans")
        assert revoked.revoked_at == T0 + dt.timedelta(hours=1)
        assert await u.operators.find_key("key_1") == (revoked, "secret-hash")
