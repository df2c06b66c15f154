"""SqlRideStore on SQLite and PostgreSQL: round trips, the plan's compare-and-swap, and real races."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from sqlalchemy import text

from maas.domain.accounts import GeoPoint
from maas.domain.errors import Conflict, NotFound
from maas.domain.mobility import BookingState, LegBooking
from maas.domain.ondemand import DayPlan, Ride, StalePlan, StopKind
from maas.domain.planning import Money
from maas.storage.rides import SqlRideStore
from tests.integration.locks import await_lock_waiters

JST = dt.timezone(dt.timedelta(hours=9))
DAY = dt.date(2026, 11, 24)
OP = "yamabuki-van"
P, D = StopKind.PICKUP, StopKind.DROP_OFF


def ride(n: int, *, hour: int = 9, day: dt.date = DAY, offer: str | None = None, rider: str = "acc-1",
         operator: str = OP, state: BookingState = BookingState.CONFIRMED, tz: dt.tzinfo = JST) -> Ride:
    start = dt.datetime(day.year, day.month, day.day, hour, 0, tzinfo=tz)
    return Ride(
        booking=LegBooking(id=f"ride-{n}", operator_id=operator, offer_id=offer or f"offer-{n}", state=state,
                           price=Money(amount_minor=300, currency="JPY"), departure=start,
                           arrival=start + dt.timedelta(minutes=30)),
        service_date=day, origin=GeoPoint(lat=36.40, lon=138.90), destination=GeoPoint(lat=36.42, lon=138.95),
        travellers=2, wheelchairs=1, needs=frozenset({"wheelchair", "escort"}),
        requested_pickup=start, pickup_from=start - dt.timedelta(minutes=10),
        pickup_until=start + dt.timedelta(minutes=20), latest_dropoff=start + dt.timedelta(minutes=60),
        vehicle_id="van-1", rider_ref=rider, rider_name="山田 花子", book_key=f"key-{n}",
    )


def plan_with(base: DayPlan, *rides: Ride, vehicle: str = "van-1") -> DayPlan:
    stops = base.routes.get(vehicle, ()) + tuple(s for r in rides for s in ((r.id, P), (r.id, D)))
    return base.model_copy(update={"routes": {**base.routes, vehicle: stops}})


@pytest.fixture
def store(engine) -> SqlRideStore:
    return SqlRideStore(engine)


@pytest.fixture
def second_store(other_engine) -> SqlRideStore:
    """Another store on its own engine (its own connection pool), as a second process would have."""
    return SqlRideStore(other_engine)


async def test_an_unwritten_day_is_version_0_without_rides(store: SqlRideStore) -> None:
    assert await store.load_day(OP, DAY) == (DayPlan(operator_id=OP, service_date=DAY), [])


async def test_first_save_creates_version_1_and_round_trips(store: SqlRideStore) -> None:
    a, b = ride(1, hour=10), ride(2, hour=8)
    plan, _ = await store.load_day(OP, DAY)
    wanted = plan_with(plan, b, a).model_copy(update={"routes": {"van-1": ((b.id, P), (a.id, P), (b.id, D),
                                                                           (a.id, D)), "van-2": ()}})
    saved = await store.save_day(wanted, [a, b])
    assert saved == wanted.model_copy(update={"version": 1})
    loaded, rides = await store.load_day(OP, DAY)
    assert loaded == saved
    assert list(loaded.routes) == ["van-1", "van-2"]
    assert rides == [b, a]  # by pickup time
    assert rides[0].needs == frozenset({"wheelchair", "escort"})
    assert rides[0].pickup_from.utcoffset() == dt.timedelta(hours=9)  # the payload keeps the offset
    assert await store.get_ride(OP, a.id) == a
    assert await store.find_by_offer(OP, "offer-2") == b
    assert await store.find_by_offer(OP, "offer-9") is None
    assert await store.find_by_offer("someone-else", "offer-2") is None


async def test_later_saves_bump_the_version_and_update_rides_by_id(store: SqlRideStore) -> None:
    a = ride(1)
    first = await store.save_day(plan_with(DayPlan(operator_id=OP, service_date=DAY), a), [a])
    started = a.model_copy(update={"booking": a.booking.moved_to(BookingState.STARTED),
                                   "picked_up_at": dt.datetime(2026, 11, 24, 0, 5, tzinfo=dt.UTC)})
    c = ride(3, hour=11)
    second = await store.save_day(plan_with(first, c), [started, c])
    assert second.version == 2
    plan, rides = await store.load_day(OP, DAY)
    assert plan == second and rides == [started, c]
    assert (await store.get_ride(OP, a.id)).booking.state is BookingState.STARTED
    third = await store.save_day(second.model_copy(update={"routes": {}}), [])  # a plan change alone
    assert third.version == 3 and (await store.load_day(OP, DAY))[0].routes == {}


async def test_a_stale_save_raises_and_stores_none_of_its_rides(store: SqlRideStore) -> None:
    a = ride(1)
    v1 = await store.save_day(plan_with(DayPlan(operator_id=OP, service_date=DAY), a), [a])
    await store.save_day(v1, [])  # someone else moves the plan to version 2
    late = ride(2, hour=10)
    changed_a = a.model_copy(update={"rider_name": "changed"})
    with pytest.raises(StalePlan):
        await store.save_day(plan_with(v1, late), [changed_a, late])
    with pytest.raises(StalePlan):  # a "first" save of a day that already has a plan
        await store.save_day(plan_with(DayPlan(operator_id=OP, service_date=DAY), late), [late])
    plan, rides = await store.load_day(OP, DAY)
    assert plan.version == 2 and plan.routes == v1.routes
    assert rides == [a]
    with pytest.raises(NotFound):
        await store.get_ride(OP, late.id)


async def test_an_offer_booked_by_two_rides_conflicts_and_stores_nothing(store: SqlRideStore) -> None:
    a = ride(1, offer="offer-x")
    v1 = await store.save_day(plan_with(DayPlan(operator_id=OP, service_date=DAY), a), [a])
    twin = ride(2, offer="offer-x", hour=10)
    other = ride(3, hour=11)
    with pytest.raises(Conflict) as raised:
        await store.save_day(plan_with(v1, other, twin), [other, twin])
    assert not isinstance(raised.value, StalePlan)
    assert await store.load_day(OP, DAY) == (v1, [a])
    # Within one call too, and on the first save of another day.
    day2 = DAY + dt.timedelta(days=1)
    b, b_twin = ride(4, day=day2, offer="offer-y"), ride(5, day=day2, offer="offer-y")
    with pytest.raises(Conflict):
        await store.save_day(plan_with(DayPlan(operator_id=OP, service_date=day2), b, b_twin), [b, b_twin])
    assert await store.load_day(OP, day2) == (DayPlan(operator_id=OP, service_date=day2), [])
    # Another operator may use the same offer id.
    theirs = ride(6, operator="other-op", offer="offer-x")
    saved = await store.save_day(plan_with(DayPlan(operator_id="other-op", service_date=DAY), theirs), [theirs])
    assert saved.version == 1 and await store.find_by_offer("other-op", "offer-x") == theirs


async def test_a_ride_id_of_another_operator_conflicts(store: SqlRideStore) -> None:
    a = ride(1)
    await store.save_day(plan_with(DayPlan(operator_id=OP, service_date=DAY), a), [a])
    imposter = ride(1, operator="other-op")
    with pytest.raises(Conflict):
        await store.save_day(plan_with(DayPlan(operator_id="other-op", service_date=DAY), imposter), [imposter])
    assert await store.get_ride(OP, a.id) == a
    assert await store.load_day("other-op", DAY) == (DayPlan(operator_id="other-op", service_date=DAY), [])


async def test_get_ride_unknown_or_of_another_operator_is_not_found(store: SqlRideStore) -> None:
    with pytest.raises(NotFound):
        await store.get_ride(OP, "ride-404")
    a = ride(1)
    await store.save_day(plan_with(DayPlan(operator_id=OP, service_date=DAY), a), [a])
    with pytest.raises(NotFound):
        await store.get_ride("other-op", a.id)


async def test_list_rides_filters_by_day_and_rider_in_pickup_order(store: SqlRideStore) -> None:
    day2 = DAY + dt.timedelta(days=1)
    # 09:00 JST is 00:00 UTC: ordering must compare instants, not wall-clock text.
    early_utc = ride(4, hour=0, tz=dt.UTC, rider="acc-2")  # 09:00 JST
    day1 = [ride(1, hour=10), ride(2, hour=8, rider="acc-2"), early_utc]
    later = [ride(3, day=day2, hour=7)]
    v = await store.save_day(plan_with(DayPlan(operator_id=OP, service_date=DAY), *day1), day1)
    await store.save_day(plan_with(DayPlan(operator_id=OP, service_date=day2), *later), later)
    ids = lambda rides: [r.id for r in rides]  # noqa: E731
    assert ids(await store.list_rides(OP)) == ["ride-2", "ride-4", "ride-1", "ride-3"]
    assert ids(await store.list_rides(OP, service_date=DAY)) == ["ride-2", "ride-4", "ride-1"]
    assert ids(await store.list_rides(OP, rider_ref="acc-2")) == ["ride-2", "ride-4"]
    assert ids(await store.list_rides(OP, service_date=day2, rider_ref="acc-1")) == ["ride-3"]
    assert ids(await store.list_rides(OP, service_date=day2, rider_ref="acc-2")) == []
    assert ids(await store.list_rides(OP, limit=2)) == ["ride-2", "ride-4"]
    assert await store.list_rides("other-op") == []
    assert v.version == 1


async def _race(first: SqlRideStore, second: SqlRideStore) -> tuple[list[object], list[Ride]]:
    """Both stores read the same version, then save at once, each adding its own ride."""
    (plan_a, _), (plan_b, _) = await asyncio.gather(first.load_day(OP, DAY), second.load_day(OP, DAY))
    assert plan_a == plan_b
    n = plan_a.version * 2  # later rounds pick up later, so each round's winner is the day's last ride
    mine, theirs = ride(100 + n, hour=10 + n), ride(101 + n, hour=11 + n)
    results = await asyncio.gather(first.save_day(plan_with(plan_a, mine), [mine]),
                                   second.save_day(plan_with(plan_b, theirs), [theirs]), return_exceptions=True)
    return results, [mine, theirs]


def _one_winner(results: list[object], contenders: list[Ride], read_version: int) -> Ride:
    winners = [i for i, r in enumerate(results) if isinstance(r, DayPlan)]
    losers = [r for r in results if isinstance(r, BaseException)]
    assert len(winners) == 1, results
    assert len(losers) == 1 and isinstance(losers[0], StalePlan), results
    won = results[winners[0]]
    assert isinstance(won, DayPlan) and won.version == read_version + 1
    return contenders[winners[0]]


async def test_concurrent_first_saves_of_a_day_exactly_one_wins(store: SqlRideStore,
                                                                 second_store: SqlRideStore) -> None:
    results, contenders = await _race(store, second_store)
    winner = _one_winner(results, contenders, 0)
    plan, rides = await store.load_day(OP, DAY)
    assert plan.version == 1 and rides == [winner]
    assert plan.routes == {"van-1": ((winner.id, P), (winner.id, D))}


async def test_concurrent_saves_of_one_version_exactly_one_wins(store: SqlRideStore,
                                                                second_store: SqlRideStore) -> None:
    base = ride(1, hour=8)
    await store.save_day(plan_with(DayPlan(operator_id=OP, service_date=DAY), base), [base])
    for read_version in (1, 2, 3):  # several rounds, each on the version the last winner left
        results, contenders = await _race(store, second_store)
        winner = _one_winner(results, contenders, read_version)
        plan, rides = await second_store.load_day(OP, DAY)
        assert plan.version == read_version + 1
        assert rides[-1] == winner and len(rides) == read_version + 1
        assert plan.routes["van-1"][-2:] == ((winner.id, P), (winner.id, D))
        assert {r.id for r in rides} == {rid for rid, _ in plan.routes["van-1"]}




@pytest.mark.parametrize("database_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
@pytest.mark.parametrize("first_save", [False, True], ids=["update", "insert"])
async def test_both_saves_overlap_on_postgres_and_the_loser_waits_then_fails(
        engine, store: SqlRideStore, second_store: SqlRideStore, first_save: bool) -> None:
    """Proves the two saves really overlap: a third session holds the plan row (its lock, or an
    uncommitted first insert) until both saves are parked behind it; once it lets go, one save
    goes through and the other, waiting on the winner, finds the version moved."""
    assert engine.dialect.name == "postgresql"
    base = ride(1, hour=8)
    read = DayPlan(operator_id=OP, service_date=DAY)
    if not first_save:
        read = await store.save_day(plan_with(read, base), [base])
    a, b = ride(2, hour=9), ride(3, hour=10)
    async with engine.connect() as holder:
        held = await holder.begin()
        if first_save:  # both saves' INSERTs wait on this uncommitted row's key
            await holder.execute(text("INSERT INTO ondemand_plans (operator_id, service_date, version, routes, "
                                      "updated_at) VALUES (:o, :d, 1, '{}', now())"), {"o": OP, "d": DAY})
        else:  # both saves' UPDATEs wait on this row lock
            await holder.execute(text("SELECT version FROM ondemand_plans WHERE operator_id = :o FOR UPDATE"),
                                 {"o": OP})
        saves = asyncio.gather(store.save_day(plan_with(read, a), [a]),
                               second_store.save_day(plan_with(read, b), [b]), return_exceptions=True)
        try:
            await await_lock_waiters(engine, 2)
        finally:
            await held.rollback()
            results = await saves
    winner = _one_winner(list(results), [a, b], read.version)
    plan, rides = await store.load_day(OP, DAY)
    assert plan.version == read.version + 1
    assert rides == ([] if first_save else [base]) + [winner]
