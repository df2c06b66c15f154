"""The in-memory VehicleHolds (operators.bikeshare.memory_holds) and the hold's life in time
(maas.domain.vehicle_holds): what `reserve`, `save` and `live` promise, checked by hand."""

from __future__ import annotations

import datetime as dt

import pytest

from maas.domain.errors import Conflict, NotFound, OperatorRejected
from maas.domain.mobility import BookingState, LegBooking
from maas.domain.planning import Money
from maas.domain.vehicle_holds import HeldBooking, VehicleHold
from operators.bikeshare.memory_holds import MemoryVehicleHolds

S = BookingState
T0 = dt.datetime(2026, 11, 24, 0, 0, tzinfo=dt.UTC)
OP = "bikes"


def held(n: int, *, state: BookingState = S.CONFIRMED, key: str = "", started_at: dt.datetime | None = None,
         finished_at: dt.datetime | None = None) -> HeldBooking:
    booking = LegBooking(id=f"b{n}", operator_id=OP, offer_id=f"o{n}", state=state,
                         price=Money(amount_minor=100, currency="JPY"), departure=T0, arrival=T0,
                         expires_at=T0 + dt.timedelta(minutes=15))
    hold = VehicleHold(booking_id=booking.id, station_id="a", vehicle_type_id="bike",
                       started_at=started_at, finished_at=finished_at)
    return HeldBooking(booking=booking, hold=hold, book_key=key or f"k{n}", booked_as=booking)


async def free(_live) -> None:
    return None


async def test_reserve_stores_only_what_the_check_lets_through() -> None:
    store = MemoryVehicleHolds()
    seen = []

    async def one_bike(live):
        seen.append(len(live))
        return "no bike left" if live else None

    assert await store.reserve(OP, held(1), one_bike, since=T0) == held(1)
    with pytest.raises(OperatorRejected, match="no bike left"):
        await store.reserve(OP, held(2), one_bike, since=T0)
    assert seen == [0, 1]
    with pytest.raises(NotFound):
        await store.get(OP, "b2")


async def test_a_failing_check_stores_nothing() -> None:
    store = MemoryVehicleHolds()

    async def operator_down(_live):
        raise ConnectionError("the operator's system did not answer")

    with pytest.raises(ConnectionError):
        await store.reserve(OP, held(1), operator_down, since=T0)
    assert await store.live(OP, since=T0) == []


async def test_a_known_key_answers_the_first_booking_without_checking() -> None:
    store = MemoryVehicleHolds()
    await store.reserve(OP, held(1, key="same"), free, since=T0)

    async def never(_live):
        raise AssertionError("not checked")

    assert (await store.reserve(OP, held(2, key="same"), never, since=T0)).id == "b1"
    assert (await store.find_booked(OP, "same")).id == "b1"
    assert await store.find_booked("other-operator", "same") is None


async def test_save_swaps_the_state_it_read_or_refuses() -> None:
    store = MemoryVehicleHolds()
    await store.reserve(OP, held(1), free, since=T0)
    started = held(1, state=S.STARTED, started_at=T0)
    await store.save(OP, started, expected=S.CONFIRMED)
    with pytest.raises(Conflict):  # a cancel read before the unlock
        await store.save(OP, held(1, state=S.CANCELLED), expected=S.CONFIRMED)
    assert (await store.get(OP, "b1")) == started
    with pytest.raises(NotFound):
        await store.save(OP, held(9), expected=S.CONFIRMED)


def test_a_reservation_lapses_at_its_expiry() -> None:
    h = held(1)
    assert h.at(T0 + dt.timedelta(minutes=15) - dt.timedelta(microseconds=1)) == h
    lapsed = h.at(T0 + dt.timedelta(minutes=15)).booking
    assert lapsed.state is S.EXPIRED and lapsed.reason == "the reservation was not used in time"
    assert held(2, state=S.STARTED, started_at=T0).at(T0 + dt.timedelta(days=1)).booking.state is S.STARTED


async def test_live_holds_are_reservations_rides_and_rides_just_ended() -> None:
    store = MemoryVehicleHolds()
    for h in (held(1), held(2, state=S.STARTED, started_at=T0),
              held(3, state=S.FINISHED, started_at=T0, finished_at=T0 + dt.timedelta(hours=1)),
              held(4, state=S.CANCELLED), held(5, state=S.FINISHED)):  # 5: a no-show, never ridden
        await store.reserve(OP, h, free, since=T0)
    ids = lambda found: sorted(h.id for h in found)  # noqa: E731
    assert ids(await store.live(OP, since=T0)) == ["b1", "b2", "b3"]
    assert ids(await store.live(OP, since=T0 + dt.timedelta(minutes=30))) == ["b2", "b3"]  # b1 lapsed
    assert ids(await store.live(OP, since=T0 + dt.timedelta(hours=2))) == ["b2"]
    assert await store.live("other-operator", since=T0) == []
