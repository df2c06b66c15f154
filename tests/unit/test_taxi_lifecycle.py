"""The booking life cycle at the taxi dispatcher: cancelling (free, then with a fee),
dispatcher confirmation and lapsed holds, trip events and the live ETA, on a fake clock.
The ride and the company are those of test_taxi_adapter (pickup at 11:00 in Tokyo, 800 yen)."""

from __future__ import annotations

import datetime as dt

import pytest

from maas.domain.errors import Conflict
from maas.domain.mobility import BookingState, Conditions, TripEvent, TripEventKind
from maas.domain.planning import Money
from maas.domain.ports import LiveEta, OperatorAdapter
from operators.taxi import CancellationPolicy, cancellation_fee_due
from tests.fakes import SteppedClock
from tests.taxi_rides import T0, book_one, taxi, trip

S = BookingState


@pytest.fixture
def clock() -> SteppedClock:
    return SteppedClock(T0)


# -- cancelling and confirming ------------------------------------------------------------
async def test_cancelling_early_is_free_and_frees_the_car(clock: SteppedClock) -> None:
    adapter = taxi(clock, cars=1)
    _, booking = await book_one(adapter)
    cancelled = await adapter.cancel(booking.id, idempotency_key="c")
    assert cancelled.state is S.CANCELLED and cancelled.reason == "cancelled free of charge"
    assert len(await adapter.search_offers(trip())) == 1


async def test_cancelling_late_records_the_fee(clock: SteppedClock) -> None:
    adapter = taxi(clock)
    _, booking = await book_one(adapter)
    clock.advance(50 * 60 + 1)  # one second past 10 minutes before the pickup
    cancelled = await adapter.cancel(booking.id, idempotency_key="c")
    assert cancelled.reason == "cancelled after the free period; cancellation fee 700 JPY"


def test_the_fee_is_due_only_after_the_free_period() -> None:
    terms = Conditions(free_cancellation_until=T0, cancellation_fee=Money(amount_minor=700, currency="JPY"))
    assert cancellation_fee_due(terms, T0) is None
    assert cancellation_fee_due(terms, T0 + dt.timedelta(seconds=1)) == terms.cancellation_fee
    assert cancellation_fee_due(Conditions(free_cancellation_until=T0), T0 + dt.timedelta(days=1)) is None


async def test_a_configured_fee_and_free_period_are_sold_with_the_offer(clock: SteppedClock) -> None:
    adapter = taxi(clock, cancellation=CancellationPolicy(free_until_before_pickup_s=3600, fee_minor=0))
    [offer] = await adapter.search_offers(trip())
    assert offer.conditions.free_cancellation_until == T0
    assert offer.conditions.cancellation_fee is None


async def test_cancel_twice_is_idempotent_and_confirm_after_cancel_conflicts(clock: SteppedClock) -> None:
    adapter = taxi(clock)
    _, booking = await book_one(adapter)
    first = await adapter.cancel(booking.id, idempotency_key="c1")
    clock.advance(3000)  # a fee would be due now, but nothing is cancelled again
    assert await adapter.cancel(booking.id, idempotency_key="c1") == first
    assert await adapter.cancel(booking.id, idempotency_key="c2") == first
    with pytest.raises(Conflict):
        await adapter.confirm(booking.id, idempotency_key="x")


async def test_a_started_ride_cannot_be_cancelled(clock: SteppedClock) -> None:
    adapter = taxi(clock)
    _, booking = await book_one(adapter)
    await adapter.receive_event(TripEvent(booking_id=booking.id, kind=TripEventKind.STARTED, at=T0))
    with pytest.raises(Conflict):
        await adapter.cancel(booking.id, idempotency_key="c")


async def test_a_dispatcher_confirmed_company_holds_then_confirms(clock: SteppedClock) -> None:
    adapter = taxi(clock, confirmation_required=True, hold_s=600)
    offer, held = await book_one(adapter)
    assert offer.conditions.confirmation_required
    assert held.state is S.CONDITIONAL_CONFIRMED and held.expires_at == T0 + dt.timedelta(minutes=10)
    confirmed = await adapter.confirm(held.id, idempotency_key="ok")
    assert confirmed.state is S.CONFIRMED and confirmed.expires_at is None
    assert await adapter.confirm(held.id, idempotency_key="ok") == confirmed
    clock.advance(601)
    assert (await adapter.get_booking(held.id)).state is S.CONFIRMED  # confirmed bookings do not lapse


async def test_an_unconfirmed_hold_lapses_and_frees_the_car(clock: SteppedClock) -> None:
    adapter = taxi(clock, cars=1, confirmation_required=True, hold_s=600)
    _, held = await book_one(adapter)
    assert await adapter.search_offers(trip()) == []
    clock.advance(600)
    assert (await adapter.get_booking(held.id)).state is S.EXPIRED
    with pytest.raises(Conflict):
        await adapter.confirm(held.id, idempotency_key="late")
    assert len(await adapter.search_offers(trip())) == 1


async def test_cancelling_a_hold_releases_it_without_a_fee(clock: SteppedClock) -> None:
    adapter = taxi(clock, confirmation_required=True)
    _, held = await book_one(adapter)
    released = await adapter.cancel(held.id, idempotency_key="c")
    assert released.state is S.RELEASED and "no fee" in released.reason


# -- trip events and ETA ------------------------------------------------------------------
@pytest.mark.parametrize(("kinds", "state", "reason"), [
    ([TripEventKind.STARTED], S.STARTED, ""),
    ([TripEventKind.STARTED, TripEventKind.FINISHED], S.FINISHED, ""),
    ([TripEventKind.NO_SHOW], S.FINISHED, "no-show"),
    ([TripEventKind.ISSUE], S.CONFIRMED, ""),
])
async def test_trip_events_move_the_booking(clock: SteppedClock, kinds: list[TripEventKind],
                                            state: BookingState, reason: str) -> None:
    adapter = taxi(clock)
    _, booking = await book_one(adapter)
    for kind in kinds:
        booking = await adapter.receive_event(TripEvent(booking_id=booking.id, kind=kind, at=T0))
    assert (booking.state, booking.reason) == (state, reason)
    assert [e.kind for e in adapter.events] == kinds


async def test_an_event_the_life_cycle_forbids_conflicts(clock: SteppedClock) -> None:
    adapter = taxi(clock)
    _, booking = await book_one(adapter)
    await adapter.cancel(booking.id, idempotency_key="c")
    with pytest.raises(Conflict):
        await adapter.receive_event(TripEvent(booking_id=booking.id, kind=TripEventKind.STARTED, at=T0))


async def test_a_finished_ride_frees_the_car(clock: SteppedClock) -> None:
    adapter = taxi(clock, cars=1)
    _, booking = await book_one(adapter)
    await adapter.receive_event(TripEvent(booking_id=booking.id, kind=TripEventKind.NO_SHOW, at=T0))
    assert len(await adapter.search_offers(trip())) == 1


async def test_live_eta_counts_down_to_the_pickup(clock: SteppedClock) -> None:
    adapter = taxi(clock)
    assert isinstance(adapter, OperatorAdapter) and isinstance(adapter, LiveEta)
    _, booking = await book_one(adapter)
    assert await adapter.eta_s(booking.id) == 3600
    clock.advance(3599.5)
    assert await adapter.eta_s(booking.id) == 1  # a started second counts
    clock.advance(100)
    assert await adapter.eta_s(booking.id) == 0  # late, never negative
    await adapter.receive_event(TripEvent(booking_id=booking.id, kind=TripEventKind.STARTED, at=clock.at))
    assert await adapter.eta_s(booking.id) == 0
    await adapter.receive_event(TripEvent(booking_id=booking.id, kind=TripEventKind.FINISHED, at=clock.at))
    with pytest.raises(Conflict):
        await adapter.eta_s(booking.id)
