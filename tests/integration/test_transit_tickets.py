"""The platform's transit ticket office on SQLite and PostgreSQL: offers for priced legs, the TOMP
phases over durable tickets, time ending them, bad input, and two processes booking with one key."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from maas.domain.errors import Conflict, NotFound, OfferExpired
from maas.domain.mobility import BookingState, TripEvent, TripEventKind
from maas.domain.planning import Itinerary, LegPlace, Money, TransitLeg, TripPlan, WalkLeg
from maas.domain.transit_tickets import ride_mode
from maas.services.transit_tickets import TransitTicketOffice
from maas.storage.unit_of_work import SqlUnitOfWorkFactory
from tests.fakes import SteppedClock

JST = dt.timezone(dt.timedelta(hours=9))
NOW = dt.datetime(2026, 12, 2, 8, 0, tzinfo=JST)
S = BookingState


def ride(minutes: int, *, fare: int | None = 200, route_type: int = 3, trip: str = "t1") -> TransitLeg:
    dep = NOW + dt.timedelta(minutes=minutes)
    return TransitLeg(
        origin=LegPlace(name="役場前", lat=36.40, lon=138.90, stop_id="demo:s1"),
        destination=LegPlace(name="山吹駅", lat=36.41, lon=138.92, stop_id="demo:s2"),
        departure=dep, arrival=dep + dt.timedelta(minutes=15), duration_s=900, trip_id=trip, route_id="loop",
        route_short_name="循環", route_long_name="町内循環線", route_type=route_type, route_color="", agency_name="山吹町",
        operator_office="", headsign="山吹駅", wheelchair_accessible=True, stay_seated=False,
        fare=None if fare is None else Money(amount_minor=fare, currency="JPY"))


def plan(*legs) -> TripPlan:
    it = Itinerary(departure=legs[0].departure, arrival=legs[-1].arrival, duration_s=0, transfers=0,
                   walk_distance_m=0, legs=tuple(legs), fare=None)
    return TripPlan(itineraries=(it,), service_date=NOW.date(), timezone="Asia/Tokyo")


@pytest.fixture
def clock() -> SteppedClock:
    return SteppedClock(NOW)


@pytest.fixture
def office(engine, clock) -> TransitTicketOffice:
    return TransitTicketOffice(SqlUnitOfWorkFactory(engine), clock, offer_ttl=dt.timedelta(minutes=30))


async def offered(office: TransitTicketOffice, engine, leg: TransitLeg):
    priced, offers = office.offers_for(plan(leg))
    async with SqlUnitOfWorkFactory(engine)() as uow:
        await uow.offers.remember(offers, now=NOW)
        await uow.commit()
    return offers[0]


def test_route_types_become_the_modes_fare_rules_match():
    assert [ride_mode(t) for t in (3, 700, 2, 101, 1, 0, 4, 1501, 1700)] == [
        "bus", "bus", "rail", "rail", "rail", "rail", "ferry", "shared_taxi", "transit"]


def test_priced_legs_still_to_leave_get_offers(office):
    walk = WalkLeg(origin=ride(5).origin, destination=ride(5).origin, departure=NOW, arrival=NOW, duration_s=0,
                   distance_m=0)
    later, unpriced, gone = ride(90), ride(120, fare=None, trip="t2"), ride(-1, trip="t3")
    priced, offers = office.offers_for(plan(walk, later, unpriced, gone))
    legs = priced.itineraries[0].legs
    assert [getattr(leg, "offer_id", None) for leg in legs] == [None, offers[0].id, None, None]
    (offer,) = offers
    assert offer.operator_id == "transit" and offer.mode == "bus" and offer.price.amount_minor == 200
    # Valid for the TTL, never past the departure.
    assert offer.valid_until == NOW + dt.timedelta(minutes=30)
    assert office.offers_for(plan(ride(10)))[1][0].valid_until == NOW + dt.timedelta(minutes=10)
    assert offer.conditions.free_cancellation_until == later.departure
    assert offer.conditions.cancellation_fee == later.fare
    assert "t1" in offer.conditions.notes[0] and "役場前 → 山吹駅" in offer.description
    assert 1500 < offer.distance_m < 2500


async def test_book_confirm_ride_and_time_ends_it(office, engine, clock):
    offer = await offered(office, engine, ride(60))
    held = await office.book(offer.id, idempotency_key="b1:reserve:0")
    assert held.state is S.PENDING and held.price == offer.price and held.expires_at == offer.valid_until
    assert await office.book(offer.id, idempotency_key="b1:reserve:0") == held  # a retry: the same ticket
    confirmed = await office.confirm(held.id, idempotency_key="b1:commit:0")
    assert confirmed.state is S.CONFIRMED
    assert (await office.confirm(held.id, idempotency_key="b1:commit:0")).state is S.CONFIRMED
    clock.advance(61 * 60)
    started = await office.receive_event(TripEvent(booking_id=held.id, kind=TripEventKind.STARTED, at=clock.now()))
    assert started.state is S.STARTED
    clock.advance(13 * 60)
    assert (await office.get_booking(held.id)).state is S.STARTED
    clock.advance(60)
    assert (await office.get_booking(held.id)).state is S.FINISHED  # the trip arrived: the ticket is used
    # Stored, not just computed: another office on the same database sees it.
    other = TransitTicketOffice(SqlUnitOfWorkFactory(engine), SteppedClock(NOW))
    assert (await other.get_booking(held.id)).state is S.FINISHED
    with pytest.raises(Conflict):
        await office.cancel(held.id, idempotency_key="b1:cancel:0")


async def test_no_show_finishes_and_cancel_before_and_after_departure(office, engine, clock):
    a = await office.book((await offered(office, engine, ride(60))).id, idempotency_key="a")
    await office.confirm(a.id, idempotency_key="a:c")
    gone = await office.receive_event(TripEvent(booking_id=a.id, kind=TripEventKind.NO_SHOW, at=NOW))
    assert gone.state is S.FINISHED
    b = await office.book((await offered(office, engine, ride(60, trip="t9"))).id, idempotency_key="b")
    assert (await office.cancel(b.id, idempotency_key="b:x")).state is S.RELEASED
    assert (await office.cancel(b.id, idempotency_key="b:x")).state is S.RELEASED  # repeated: unchanged
    c = await office.book((await offered(office, engine, ride(60, trip="t8"))).id, idempotency_key="c")
    await office.confirm(c.id, idempotency_key="c:c")
    clock.advance(65 * 60)  # on board, no STARTED event: cancelling is still possible, the fee applies
    cancelled = await office.cancel(c.id, idempotency_key="c:x")
    assert cancelled.state is S.CANCELLED and cancelled.conditions.cancellation_fee.amount_minor == 200


async def test_lapsed_and_late_holds_are_not_confirmed(office, engine, clock):
    offer = await offered(office, engine, ride(20))
    held = await office.book(offer.id, idempotency_key="k1")
    clock.advance(21 * 60)
    lapsed = await office.confirm(held.id, idempotency_key="k1:c")
    assert lapsed.state is S.EXPIRED
    late_offer = await offered(office, engine, ride(60, trip="t5"))
    late = await office.book(late_offer.id, idempotency_key="k2")
    # A hold whose expiry lies past the departure (a longer TTL) is refused once the trip has left.
    office2 = TransitTicketOffice(SqlUnitOfWorkFactory(engine), clock, offer_ttl=dt.timedelta(hours=3))
    clock.advance(40 * 60)
    assert (await office2.confirm(late.id, idempotency_key="k2:c")).state in (S.REJECTED, S.EXPIRED)


async def test_bad_requests_are_named_errors(office, engine, clock):
    offer = await offered(office, engine, ride(60))
    with pytest.raises(NotFound):
        await office.book("trn_nope", idempotency_key="x")
    with pytest.raises(NotFound):
        await office.get_booking("tkt_nope")
    held = await office.book(offer.id, idempotency_key="x")
    other = await offered(office, engine, ride(60, trip="t2"))
    with pytest.raises(Conflict):
        await office.book(other.id, idempotency_key="x")  # the key booked another offer
    clock.advance(31 * 60)
    with pytest.raises(OfferExpired):
        await office.book(other.id, idempotency_key="y")
    assert (await office.get_booking(held.id)).state is S.EXPIRED
    assert await office.search_offers(None) == []  # type: ignore[arg-type]


async def test_two_processes_booking_with_one_key_get_one_ticket(office, engine, other_engine, clock):
    offer = await offered(office, engine, ride(60))
    there = TransitTicketOffice(SqlUnitOfWorkFactory(other_engine), clock)
    answers = await asyncio.gather(*(o.book(offer.id, idempotency_key="same") for o in (office, there) * 3))
    assert len({a.id for a in answers}) == 1


async def test_a_ticket_that_lapses_before_its_commit_is_compensated(engine, clock):
    """The saga reserves the ticket, then stalls past the hold (a slow payment): the commit answers
    EXPIRED, so the booking is not confirmed and the payment hold is released."""
    from maas.domain.accounts import Principal, Role
    from maas.domain.bookings import TripState
    from maas.services.bookings import BookingService
    from payments.on_board import OnBoardGateway

    uow = SqlUnitOfWorkFactory(engine)
    office = TransitTicketOffice(uow, clock, offer_ttl=dt.timedelta(minutes=10))
    offer = await offered(office, engine, ride(60))

    async def stall(booking_id: str, step: str) -> None:
        if step == "commit:0":
            clock.advance(11 * 60)

    gateway = OnBoardGateway(now=clock.now)
    service = BookingService(uow, {"transit": office}, gateway, clock, step_hook=stall)
    rider = Principal(subject_id="acc-haru", role=Role.RIDER)
    booking, made = await service.book(rider, [offer.id], idempotency_key="slow")
    assert made and booking.state is TripState.REJECTED and "did not commit" in booking.reason
    assert booking.legs[0].booking.state is S.EXPIRED
    assert booking.payment.state.value == "CANCELLED"
