"""The taxi dispatcher behind the operator contract, driven by a fake clock (no sleeping).

The standard ride: picked up at the depot, 0.01 degree north. That is 1,112 m in a straight
line (0.01 x 111,195 m), 1,446 m by road (x 1.3), 174 s at 30 km/h, so 700 + 1 step = 800 yen.
A car leaves the depot 120 s before the pickup (dispatch time) and is back 174 s after drop-off.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from pathlib import Path

import pytest

from maas.domain.errors import Conflict, NotFound, OfferExpired, OperatorRejected
from maas.domain.mobility import BookingState, OfferQuery, TripEvent, TripEventKind
from maas.domain.planning import Money
from operators.conformance import ConformanceScenario, run_conformance
from operators.taxi import CarKind, CarWindow, DailyWindow, Fleet, TaxiAdapter, TravelModel, from_demo_region
from operators.taxi.fleet import busiest
from tests.fakes import SteppedClock as FakeClock
from tests.taxi_rides import DEMO, NORTH, T0, TARIFF, book_one, taxi, trip

S = BookingState


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(T0)


# -- offers -------------------------------------------------------------------------------
async def test_one_standard_offer_priced_by_the_meter(clock: FakeClock) -> None:
    pickup = T0 + dt.timedelta(hours=1)
    [offer] = await taxi(clock).search_offers(trip(pickup))
    assert (offer.operator_id, offer.mode, offer.vehicle_type) == ("test-taxi", "taxi", "standard_taxi")
    assert offer.distance_m == 1446
    assert offer.price == Money(amount_minor=800, currency="JPY")
    assert offer.departure == pickup and offer.arrival == pickup + dt.timedelta(seconds=174)
    assert offer.valid_until == T0 + dt.timedelta(minutes=5)
    assert offer.conditions.free_cancellation_until == pickup - dt.timedelta(minutes=10)
    assert offer.conditions.cancellation_fee == Money(amount_minor=700, currency="JPY")
    assert not offer.conditions.confirmation_required
    assert any("Disability discount" in note for note in offer.conditions.notes)


async def test_a_ride_now_is_picked_up_when_the_car_can_get_there(clock: FakeClock) -> None:
    [at_depot] = await taxi(clock).search_offers(trip(T0))
    assert at_depot.departure == T0 + dt.timedelta(seconds=120)  # dispatch time only
    far = TaxiAdapter("t", TARIFF, Fleet(cars=1), DailyWindow(start="00:00", end="24:00"), clock,
                      TravelModel(depot=NORTH))
    [from_afar] = await far.search_offers(trip(T0))
    assert from_afar.departure == T0 + dt.timedelta(seconds=120 + 174)  # and the 1,446 m drive


async def test_offer_validity_is_configurable(clock: FakeClock) -> None:
    [offer] = await taxi(clock, offer_validity_s=30).search_offers(trip())
    assert offer.valid_until == T0 + dt.timedelta(seconds=30)


async def test_night_pickups_pay_the_surcharge(clock: FakeClock) -> None:
    [offer] = await taxi(clock).search_offers(trip(dt.datetime(2026, 11, 24, 13, 30, tzinfo=dt.UTC)))
    assert offer.price.amount_minor == 960  # 22:30 in Tokyo: 800 x 1.2


async def test_a_wheelchair_user_gets_only_a_wheelchair_taxi_with_its_fee(clock: FakeClock) -> None:
    [offer] = await taxi(clock).search_offers(trip(needs=frozenset({"wheelchair"})))
    assert offer.vehicle_type == CarKind.WHEELCHAIR.value
    assert offer.price.amount_minor == 800 + 500


async def test_a_walking_aid_gets_both_kinds_of_taxi(clock: FakeClock) -> None:
    offers = await taxi(clock).search_offers(trip(needs=frozenset({"walking_aid"})))
    assert [o.vehicle_type for o in offers] == ["standard_taxi", "wheelchair_taxi"]
    assert len({o.id for o in offers}) == 2


@pytest.mark.parametrize(("query", "wheelchair_cars"), [
    (trip(dt.datetime(2026, 11, 24, 16, 0, tzinfo=dt.UTC)), 1),   # 01:00 in Tokyo: closed
    (trip(dt.datetime(2026, 11, 24, 20, 59, tzinfo=dt.UTC)), 1),  # 05:59 in Tokyo: not yet open
    (trip(travellers=5), 1),                                      # four seats
    (trip(travellers=4, needs=frozenset({"wheelchair"})), 1),     # wheelchair user and two more
    (trip(needs=frozenset({"wheelchair"})), 0),                   # no wheelchair taxi at all
])
async def test_no_offer_for_what_the_company_cannot_do(clock: FakeClock, query: OfferQuery,
                                                       wheelchair_cars: int) -> None:
    assert await taxi(clock, wheelchair_cars=wheelchair_cars).search_offers(query) == []


async def test_the_last_service_minute_still_gets_an_offer(clock: FakeClock) -> None:
    offers = await taxi(clock).search_offers(trip(dt.datetime(2026, 11, 24, 14, 59, tzinfo=dt.UTC)))
    assert len(offers) == 1  # 23:59 in Tokyo


# -- booking ------------------------------------------------------------------------------
async def test_book_confirms_at_once_and_keeps_the_offer_terms(clock: FakeClock) -> None:
    adapter = taxi(clock)
    offer, booking = await book_one(adapter)
    assert booking.state is S.CONFIRMED
    assert (booking.offer_id, booking.operator_id, booking.price) == (offer.id, "test-taxi", offer.price)
    assert (booking.departure, booking.arrival, booking.conditions) == (offer.departure, offer.arrival,
                                                                         offer.conditions)
    assert await adapter.get_booking(booking.id) == booking


async def test_a_full_pool_gives_no_offer_and_refuses_a_booking(clock: FakeClock) -> None:
    adapter = taxi(clock, cars=1)
    [first] = await adapter.search_offers(trip())
    [second] = await adapter.search_offers(trip(T0 + dt.timedelta(hours=1, minutes=5)))
    await adapter.book(first.id, idempotency_key="a")
    with pytest.raises(OperatorRejected, match="no car"):
        await adapter.book(second.id, idempotency_key="b")
    assert await adapter.search_offers(trip()) == []
    later = await adapter.search_offers(trip(T0 + dt.timedelta(hours=2)))  # the car is back by then
    assert (await adapter.book(later[0].id, idempotency_key="c")).state is S.CONFIRMED


async def test_the_car_is_busy_from_leaving_the_depot_to_getting_back(clock: FakeClock) -> None:
    adapter = taxi(clock, cars=1)
    pickup = T0 + dt.timedelta(hours=1)
    await book_one(adapter, trip(pickup))
    back = pickup + dt.timedelta(seconds=174 + 174)
    # The next job's car must leave 120 s before its pickup: one second too early, then just in time.
    assert await adapter.search_offers(trip(back + dt.timedelta(seconds=119))) == []
    assert len(await adapter.search_offers(trip(back + dt.timedelta(seconds=120)))) == 1
    before = pickup - dt.timedelta(seconds=120)
    assert await adapter.search_offers(trip(before - dt.timedelta(seconds=173))) == []
    assert len(await adapter.search_offers(trip(before - dt.timedelta(seconds=174 + 174)))) == 1


async def test_wheelchair_cars_are_a_pool_of_their_own(clock: FakeClock) -> None:
    adapter = taxi(clock, cars=1, wheelchair_cars=1)
    await book_one(adapter, key="standard")
    wheelchair = trip(needs=frozenset({"wheelchair"}))
    offer, booking = await book_one(adapter, wheelchair, key="wheelchair")
    assert booking.state is S.CONFIRMED
    assert await adapter.search_offers(wheelchair) == []


def test_cars_are_interchangeable_so_only_the_busiest_instant_counts() -> None:
    at = lambda minutes: T0 + dt.timedelta(minutes=minutes)  # noqa: E731
    taken = [CarWindow(CarKind.STANDARD, at(0), at(10)), CarWindow(CarKind.STANDARD, at(20), at(30)),
             CarWindow(CarKind.WHEELCHAIR, at(0), at(30))]
    # Overlaps both standard jobs, but never two at once: one car is busy at a time.
    assert busiest(taken, CarWindow(CarKind.STANDARD, at(5), at(25))) == 1
    assert busiest(taken + [CarWindow(CarKind.STANDARD, at(8), at(12))],
                   CarWindow(CarKind.STANDARD, at(5), at(25))) == 2
    assert busiest(taken, CarWindow(CarKind.STANDARD, at(10), at(20))) == 0


async def test_two_concurrent_bookings_never_take_the_last_car(clock: FakeClock) -> None:
    async def terminal(booking) -> None:
        await asyncio.sleep(0)  # handing the job to the driver yields to the other booking

    adapter = taxi(clock, cars=1, on_assign=terminal)
    [a] = await adapter.search_offers(trip())
    [b] = await adapter.search_offers(trip())
    results = await asyncio.gather(adapter.book(a.id, idempotency_key="a"),
                                   adapter.book(b.id, idempotency_key="b"), return_exceptions=True)
    assert sorted(type(r).__name__ for r in results) == ["LegBooking", "OperatorRejected"]


async def test_a_failed_hand_over_books_nothing(clock: FakeClock) -> None:
    async def broken(booking) -> None:
        raise ConnectionError("terminal offline")

    adapter = taxi(clock, cars=1, on_assign=broken)
    [offer] = await adapter.search_offers(trip())
    with pytest.raises(ConnectionError):
        await adapter.book(offer.id, idempotency_key="a")
    assert len(await adapter.search_offers(trip())) == 1  # the car is still free


async def test_the_same_key_books_once_and_answers_the_same(clock: FakeClock) -> None:
    adapter = taxi(clock, cars=2)
    [offer] = await adapter.search_offers(trip())
    first = await adapter.book(offer.id, idempotency_key="k")
    assert await adapter.book(offer.id, idempotency_key="k") == first
    _, other = await book_one(adapter, key="other")  # the second car is still free
    assert other.state is S.CONFIRMED
    assert await adapter.search_offers(trip()) == []


async def test_a_key_reused_for_another_offer_or_an_offer_booked_twice_conflicts(clock: FakeClock) -> None:
    adapter = taxi(clock, cars=3)
    [a] = await adapter.search_offers(trip())
    [b] = await adapter.search_offers(trip())
    await adapter.book(a.id, idempotency_key="k")
    with pytest.raises(Conflict, match="idempotency key"):
        await adapter.book(b.id, idempotency_key="k")
    with pytest.raises(Conflict, match="already booked"):
        await adapter.book(a.id, idempotency_key="another")


async def test_an_expired_offer_cannot_be_booked(clock: FakeClock) -> None:
    adapter = taxi(clock, offer_validity_s=30)
    [late, on_time] = [(await adapter.search_offers(trip()))[0] for _ in range(2)]
    clock.advance(29)
    assert (await adapter.book(on_time.id, idempotency_key="a")).state is S.CONFIRMED
    clock.advance(1)
    with pytest.raises(OfferExpired):
        await adapter.book(late.id, idempotency_key="b")


async def test_unknown_ids_are_not_found(clock: FakeClock) -> None:
    adapter = taxi(clock)
    calls = [adapter.book("nope", idempotency_key="a"), adapter.confirm("nope", idempotency_key="b"),
             adapter.cancel("nope", idempotency_key="c"), adapter.get_booking("nope"), adapter.eta_s("nope"),
             adapter.receive_event(TripEvent(booking_id="nope", kind=TripEventKind.STARTED, at=T0))]
    for call in calls:
        with pytest.raises(NotFound):
            await call


async def test_offers_sold_outside_changed_hours_are_refused_with_the_reason(clock: FakeClock) -> None:
    adapter = taxi(clock)
    [offer] = await adapter.search_offers(trip())  # 11:00 in Tokyo
    adapter.set_service_hours(DailyWindow(start="06:00", end="10:30"))
    with pytest.raises(OperatorRejected, match="11:00 is outside service hours 06:00-10:30"):
        await adapter.book(offer.id, idempotency_key="a")


# -- the demo region ----------------------------------------------------------------------
async def test_the_demo_region_taxi_is_built_from_its_files(clock: FakeClock) -> None:
    adapter = from_demo_region(DEMO, clock)
    assert adapter.operator_id == "yamabuki-kotsu-taxi"
    assert adapter.fleet == Fleet(cars=9, wheelchair_cars=2)
    assert str(adapter.service_hours) == "06:00-24:00"
    wheelchair = trip(needs=frozenset({"wheelchair"}))
    for key in ("a", "b"):
        await book_one(adapter, wheelchair, key=key)
    assert await adapter.search_offers(wheelchair) == []  # two wheelchair taxis, both out
    assert len(await adapter.search_offers(trip())) == 1


def test_a_region_without_one_taxi_operator_is_refused(tmp_path: Path, clock: FakeClock) -> None:
    (tmp_path / "operators.json").write_text("[]", encoding="utf-8")
    with pytest.raises(ValueError, match="expected one taxi operator, found 0"):
        from_demo_region(tmp_path, clock)


async def test_the_demo_taxi_passes_the_conformance_kit(clock: FakeClock) -> None:
    adapter = from_demo_region(DEMO, clock, offer_validity_s=60)
    scenario = ConformanceScenario(trip(), rejected_query=trip(travellers=9))
    report = await run_conformance(adapter, scenario, now=clock.now, wait_until=clock.wait_until)
    assert report.ok, report.summary()
    status = {r.name: r.status for r in report.results}
    assert status["book_confirm_cancel"] == status["expiry"] == status["rejection"] == "passed"


async def test_the_disability_discount_is_quoted_to_an_eligible_rider(clock: FakeClock) -> None:
    [plain] = await taxi(clock).search_offers(trip())
    [eligible] = await taxi(clock).search_offers(trip().model_copy(update={"concessions": frozenset({"disability"})}))
    assert plain.price.amount_minor == 800 and eligible.price.amount_minor == 720  # 10 % off the meter


# -- arriving by a time ---------------------------------------------------------------------
async def test_a_taxi_to_arrive_by_a_time_promises_it_or_offers_nothing(clock: FakeClock, caplog) -> None:
    caplog.set_level(logging.DEBUG, logger="operators.taxi.adapter")
    adapter = taxi(clock)
    pickup = T0 + dt.timedelta(hours=1)
    in_time = trip(pickup).model_copy(update={"arrive_by": pickup + dt.timedelta(seconds=174)})
    [offer] = await adapter.search_offers(in_time)
    assert offer.arrival <= offer.latest_arrival == pickup + dt.timedelta(seconds=174)
    [plain] = await adapter.search_offers(trip(pickup))
    assert plain.latest_arrival is None  # no time asked, none promised
    # The drive takes 174 s: one second less is too late; so is a ride now, after the car's approach.
    assert await adapter.search_offers(trip(pickup).model_copy(
        update={"arrive_by": pickup + dt.timedelta(seconds=173)})) == []
    assert await adapter.search_offers(trip(T0).model_copy(update={"arrive_by": T0 + dt.timedelta(seconds=200)})) == []
    assert "cannot arrive in time: the car reaches the destination at 10:04, after 10:03" in caplog.text

