"""Bike-share over a tiny hand-written GBFS v2.3 feed whose answers can be checked by hand.

Everything lies on the meridian 139.0 E, where 0.001 degree of latitude is 111.195 m:

    origin       35.0000   (O)
    scooter s3   35.0001   reserved by someone else
    scooter s1   35.0005   56 m from O, 2 km of range
    station a    35.0010   111 m from O: 1 bike, 5 docks
    scooter s2   35.0020   222 m from O, 15 km of range
    station b    35.0030   334 m from O: 4 bikes
    station far  35.0100   1.1 km from both ends: 9 bikes
    station c    35.0190   111 m from D: no bike, 2 docks
    station full 35.0195   56 m from D: 3 bikes, no dock
    destination  35.0200   (D)

Bikes ride the straight line x 1.3 at 15 km/h on plan `basic` (100 yen + 20 yen per started
5 min); scooters go to the door on plan `scoot` (50 yen + 15 yen per started minute).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from pathlib import Path

import pytest

from maas.domain.accounts import GeoPoint
from maas.domain.errors import Conflict, NotFound, OfferExpired, OperatorRejected, OperatorUnavailable
from maas.domain.mobility import BookingState, TripEvent, TripEventKind
from maas.domain.ports import AssetAvailability, OperatorAdapter, VehicleUnlock
from operators.bikeshare import BikeShareAdapter
from tests.fakes import SteppedClock
from tests.tiny_bikes import STATUS, D, LON, QUERY, T0, UPDATED, O, bike_files, make_adapter, write_feed

S = BookingState


@pytest.fixture
def clock() -> SteppedClock:
    return SteppedClock(T0)


@pytest.fixture
def gbfs(tmp_path: Path) -> Path:
    return write_feed(tmp_path / "gbfs", bike_files())


@pytest.fixture
def adapter(gbfs: Path, clock: SteppedClock) -> BikeShareAdapter:
    return make_adapter(gbfs, clock)


def _bike(offers):
    (bike,) = [o for o in offers if o.mode == "bike"]
    return bike


def _key(n: int) -> str:
    return f"key-{n}"


async def test_the_adapter_satisfies_the_contract_and_its_capabilities(adapter) -> None:
    assert isinstance(adapter, OperatorAdapter)
    assert isinstance(adapter, AssetAvailability) and isinstance(adapter, VehicleUnlock)


async def test_the_nearest_station_with_a_bike_to_the_nearest_station_with_a_dock(adapter) -> None:
    offers = await adapter.search_offers(QUERY)
    bike = _bike(offers)
    # a -> c is 0.018 deg = 2001.5 m, x 1.3 = 2602 m, at 15 km/h 625 s: 3 started 5-min blocks.
    assert (bike.origin.lat, bike.destination.lat) == (35.001, 35.019)
    assert (bike.distance_m, bike.price.amount_minor, bike.price.currency) == (2602, 160, "JPY")
    assert bike.travel_model == "straight_line"  # estimated on the crow-fly distance, and says so
    assert bike.departure == T0 + dt.timedelta(seconds=111)  # 111 m walk at 1 m/s
    assert bike.arrival - bike.departure == dt.timedelta(seconds=625)
    assert bike.vehicle_type == "bike" and "A 111 m away to C" in bike.description
    assert bike.valid_until == T0 + dt.timedelta(seconds=120)


async def test_a_scooter_with_enough_range_goes_to_the_door(adapter) -> None:
    (scooter,) = [o for o in await adapter.search_offers(QUERY) if o.mode == "scooter"]
    # s1 is nearer but has 2 km of range for a 2.8 km ride; s3 is reserved. s2 -> D is 0.018 deg:
    # 2602 m, 625 s = 11 started minutes: 50 + 11 x 15 = 215 yen.
    assert "s2" in scooter.description
    assert (scooter.origin.lat, scooter.destination) == (35.002, D)
    assert (scooter.distance_m, scooter.price.amount_minor) == (2602, 215)


async def test_offers_come_cheapest_first_with_distinct_ids(adapter) -> None:
    offers = await adapter.search_offers(QUERY)
    assert [o.mode for o in offers] == ["bike", "scooter"]
    assert len({o.id for o in offers + await adapter.search_offers(QUERY)}) == 4


async def test_a_wheelchair_user_gets_no_offer(adapter, caplog) -> None:
    caplog.set_level(logging.INFO, logger="operators.bikeshare")
    assert await adapter.search_offers(QUERY.model_copy(update={"needs": frozenset({"wheelchair"})})) == []
    assert "wheelchair" in caplog.text


async def test_no_dock_near_the_destination_means_no_bike_but_a_scooter(adapter, caplog) -> None:
    caplog.set_level(logging.INFO, logger="operators.bikeshare")
    far_away = QUERY.model_copy(update={"destination": GeoPoint(lat=35.04, lon=LON)})
    offers = await adapter.search_offers(far_away)
    assert [o.mode for o in offers] == ["scooter"]  # s2: 4.2 km x 1.3 = 5.5 km, 6.6 km with reserve
    assert "no other station with 1 free dock(s) within 500 m of the destination" in caplog.text


async def test_a_party_of_two_needs_two_bikes_and_pays_twice(adapter) -> None:
    offers = await adapter.search_offers(QUERY.model_copy(update={"travellers": 2}))
    bike = _bike(offers)  # a has one bike: b -> c, 0.016 deg = 2313 m, 556 s: 140 yen each
    assert (bike.origin.lat, bike.distance_m, bike.price.amount_minor) == (35.003, 2313, 280)
    assert all(o.mode == "bike" for o in offers)  # free-floating only for one traveller


async def test_a_departure_beyond_the_hold_time_is_refused_with_the_reason(adapter) -> None:
    later = QUERY.model_copy(update={"depart_at": T0 + dt.timedelta(minutes=16)})
    with pytest.raises(OperatorRejected, match="takes no reservations ahead.*within 15 min"):
        await adapter.search_offers(later)
    assert await adapter.search_offers(later.model_copy(update={"depart_at": T0 + dt.timedelta(minutes=14)}))


async def test_a_reservation_ahead_holds_the_bike_from_its_start(gbfs, clock) -> None:
    """Station a has one bike. Reserved for T0+90 min, it stays free for riders now and for a trip
    ending its hold before then, and is taken for any trip asked while the reservation holds it."""
    adapter = make_adapter(gbfs, clock, reservation_horizon_s=7200)
    start = T0 + dt.timedelta(minutes=90)
    ahead = _bike(await adapter.search_offers(QUERY.model_copy(update={"depart_at": start})))
    assert ahead.origin.lat == 35.001 and ahead.departure == start + dt.timedelta(seconds=111)  # 111 m at 1 m/s
    assert "reserved from" in ahead.conditions.notes[0]
    booking = await adapter.book(ahead.id, idempotency_key=_key(1))
    assert booking.state is S.CONFIRMED and booking.expires_at == start + dt.timedelta(minutes=15)
    assert _bike(await adapter.search_offers(QUERY)).origin.lat == 35.001  # free now
    before = QUERY.model_copy(update={"depart_at": start - dt.timedelta(minutes=16)})
    assert _bike(await adapter.search_offers(before)).origin.lat == 35.001  # back before it is due
    for minutes in (-10, 0, 14):
        during = QUERY.model_copy(update={"depart_at": start + dt.timedelta(minutes=minutes)})
        assert _bike(await adapter.search_offers(during)).origin.lat == 35.003, minutes  # a's bike is held
    with pytest.raises(OperatorRejected, match="at most 120 min ahead"):
        await adapter.search_offers(QUERY.model_copy(update={"depart_at": T0 + dt.timedelta(minutes=121)}))
    # Unlocked at the time, not an hour before; unused, it lapses a hold time after its start.
    clock.at = start - dt.timedelta(minutes=60)
    with pytest.raises(Conflict, match="reserved from"):
        await adapter.unlock(booking.id)
    clock.at = start
    await adapter.unlock(booking.id)
    assert (await adapter.get_booking(booking.id)).state is S.STARTED


async def test_an_unused_reservation_ahead_lapses_and_a_bad_horizon_is_refused(gbfs, clock) -> None:
    adapter = make_adapter(gbfs, clock, reservation_horizon_s=3600)
    start = T0 + dt.timedelta(minutes=40)
    ahead = _bike(await adapter.search_offers(QUERY.model_copy(update={"depart_at": start})))
    booking = await adapter.book(ahead.id, idempotency_key=_key(1))
    clock.at = start + dt.timedelta(minutes=15)
    assert (await adapter.get_booking(booking.id)).state is S.EXPIRED
    for bad in (-1, 8 * 86_400, 1.5):
        with pytest.raises(ValueError, match="reservation_horizon_s"):
            make_adapter(gbfs, clock, reservation_horizon_s=bad)


async def test_booking_reserves_the_bike_and_cancelling_gives_it_back(adapter) -> None:
    bike = _bike(await adapter.search_offers(QUERY))
    booking = await adapter.book(bike.id, idempotency_key=_key(1))
    assert booking.state is S.CONFIRMED and booking.price == bike.price
    assert booking.expires_at == T0 + dt.timedelta(minutes=15)
    assert await adapter.book(bike.id, idempotency_key=_key(1)) == booking
    after = _bike(await adapter.search_offers(QUERY))
    assert after.origin.lat == 35.003  # a's only bike is reserved: b, 140 yen
    assert after.price.amount_minor == 140
    cancelled = await adapter.cancel(booking.id, idempotency_key=_key(2))
    assert cancelled.state is S.CANCELLED
    assert _bike(await adapter.search_offers(QUERY)).origin.lat == 35.001


async def test_a_booked_scooter_is_not_offered_again(adapter) -> None:
    (scooter,) = [o for o in await adapter.search_offers(QUERY) if o.mode == "scooter"]
    await adapter.book(scooter.id, idempotency_key=_key(1))
    assert [o.mode for o in await adapter.search_offers(QUERY)] == ["bike"]  # s1 lacks range
    assets = await adapter.list_available_assets(O, 300)
    assert {a.id for a in assets} == {"a", "s1"}  # b is 334 m away, s2 is booked, s3 reserved


async def test_two_concurrent_bookings_of_the_last_bike_one_wins(gbfs, clock) -> None:
    reserved = []

    async def tell_the_operator(booking) -> None:
        await asyncio.sleep(0)  # the operator's system answers later: other tasks run meanwhile
        reserved.append(booking.id)

    adapter = make_adapter(gbfs, clock, on_reserve=tell_the_operator)
    first = _bike(await adapter.search_offers(QUERY))
    second = _bike(await adapter.search_offers(QUERY))
    assert first.origin == second.origin and first.id != second.id  # both for a's one bike
    answers = await asyncio.gather(adapter.book(first.id, idempotency_key=_key(1)),
                                   adapter.book(second.id, idempotency_key=_key(2)), return_exceptions=True)
    booked = [a for a in answers if not isinstance(a, BaseException)]
    refused = [a for a in answers if isinstance(a, OperatorRejected)]
    assert len(booked) == 1 and len(refused) == 1 and reserved == [booked[0].id]
    assert "A has 0 Bike left" in str(refused[0])


async def test_an_unused_reservation_lapses_and_frees_the_bike(gbfs, adapter, clock) -> None:
    booking = await adapter.book(_bike(await adapter.search_offers(QUERY)).id, idempotency_key=_key(1))
    clock.advance(15 * 60 - 1)
    assert (await adapter.get_booking(booking.id)).state is S.CONFIRMED
    write_feed(gbfs.parent, bike_files(), updated=UPDATED + 900)  # the operator kept publishing
    assert _bike(await adapter.search_offers(QUERY)).origin.lat == 35.003  # still held
    clock.advance(1)
    lapsed = await adapter.get_booking(booking.id)
    assert lapsed.state is S.EXPIRED and lapsed.reason == "the reservation was not used in time"
    assert _bike(await adapter.search_offers(QUERY)).origin.lat == 35.001
    assert (await adapter.cancel(lapsed.id, idempotency_key=_key(2))) == lapsed
    with pytest.raises(Conflict):
        await adapter.unlock(lapsed.id)


async def test_an_expired_offer_cannot_be_booked(adapter, clock) -> None:
    bike = _bike(await adapter.search_offers(QUERY))
    clock.advance(120)
    with pytest.raises(OfferExpired):
        await adapter.book(bike.id, idempotency_key=_key(1))
    with pytest.raises(NotFound):
        await adapter.book("nope", idempotency_key=_key(2))


async def test_unlock_starts_the_ride_and_the_bike_stays_taken_until_the_feed_knows(gbfs, adapter, clock) -> None:
    booking = await adapter.book(_bike(await adapter.search_offers(QUERY)).id, idempotency_key=_key(1))
    clock.advance(30)
    await adapter.unlock(booking.id)
    assert adapter.unlocks == [(booking.id, clock.now())]
    assert (await adapter.get_booking(booking.id)).state is S.STARTED
    finished = await adapter.receive_event(TripEvent(booking_id=booking.id, kind=TripEventKind.FINISHED,
                                                     at=clock.now()))
    assert finished.state is S.FINISHED
    # The feed was written before the ride began, so it still shows the bike at a.
    assert _bike(await adapter.search_offers(QUERY)).origin.lat == 35.001 + 0.002
    # A newer feed (after the ttl) that shows a bike at a again is believed.
    write_feed(gbfs.parent, bike_files(), updated=UPDATED + 60)
    clock.advance(60)
    assert _bike(await adapter.search_offers(QUERY)).origin.lat == 35.001
    with pytest.raises(Conflict):
        await adapter.cancel(booking.id, idempotency_key=_key(2))


async def test_the_feed_is_read_again_only_after_its_ttl(gbfs, adapter, clock) -> None:
    await adapter.search_offers(QUERY)
    clock.advance(30)
    write_feed(gbfs.parent, bike_files(status={**STATUS, "a": (0, 6)}), updated=UPDATED + 40)
    assert _bike(await adapter.search_offers(QUERY)).origin.lat == 35.001  # ttl 60 not over
    assert adapter.feed.reads == 1
    clock.advance(30)
    assert _bike(await adapter.search_offers(QUERY)).origin.lat == 35.003
    assert adapter.feed.reads == 2


async def test_a_stale_feed_gives_no_offers_and_says_why(adapter, clock, caplog) -> None:
    clock.advance(290)  # 300 s after last_updated: the limit
    assert await adapter.search_offers(QUERY)
    clock.advance(1)
    with pytest.raises(OperatorUnavailable, match="stale"):
        await adapter.search_offers(QUERY)
    assert "stale GBFS files: " in caplog.text
    with pytest.raises(OperatorUnavailable):
        await adapter.list_available_assets(O, 500)


async def test_a_feed_that_vanishes_is_used_while_live_then_refused(gbfs, adapter, clock) -> None:
    await adapter.search_offers(QUERY)
    (gbfs.parent / "station_status.json").unlink()
    clock.advance(61)
    assert await adapter.search_offers(QUERY)  # the read failed; the earlier one is 71 s old
    assert adapter.feed.reads == 1
    clock.advance(240)
    with pytest.raises(OperatorUnavailable):
        await adapter.search_offers(QUERY)


async def test_bookings_on_a_stale_feed_are_refused(gbfs, clock) -> None:
    adapter = make_adapter(gbfs, clock, offer_validity_s=600)
    bike = _bike(await adapter.search_offers(QUERY))
    clock.advance(291)  # the offer is still valid; the feed is 301 s old
    with pytest.raises(OperatorUnavailable, match="stale"):
        await adapter.book(bike.id, idempotency_key=_key(1))
