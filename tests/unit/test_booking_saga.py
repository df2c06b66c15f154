"""The booking saga through BookingService's public methods, over the in-memory unit of work,
scripted operators and the on-board gateway: no HTTP, no database. Each branch: all legs
confirmed, a leg refused, a payment declined, a commit that lapses, conditional confirmation,
an idempotent replay, cancellation with and without fees, recovery after a crash, settlement."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from maas.domain.accounts import GeoPoint, Principal, Role
from maas.domain.bookings import TripState
from maas.domain.errors import Conflict, InvalidRequest, NotFound, OperatorRejected, PermissionDenied
from maas.domain.ledger import EntryKind
from maas.domain.mobility import BookingState, Conditions, LegBooking, OfferQuery, TripEvent, TripEventKind
from maas.domain.payments import PaymentDeclined, PaymentState
from maas.domain.planning import Money
from maas.services.bookings import BookingService
from maas.services.settlement import SettlementService
from payments.on_board import OnBoardGateway
from tests.fakes import InMemoryUnitOfWorkFactory, MemoryOperator, SteppedClock

T0 = dt.datetime(2026, 11, 24, 0, 0, tzinfo=dt.UTC)  # 09:00 in Tokyo
RIDER = Principal(subject_id="acc_rider", role=Role.RIDER)
OTHER = Principal(subject_id="acc_other", role=Role.RIDER)
HERE, THERE = GeoPoint(lat=36.40, lon=138.90), GeoPoint(lat=36.41, lon=138.91)
JPY = "JPY"


class Scripted(MemoryOperator):
    """MemoryOperator with the answers a test asks for: refuse at reserve, hold for a later
    decision (conditional), let the hold lapse at commit."""

    def __init__(self, operator_id: str, clock: SteppedClock, *, refuse: bool = False, conditional: bool = False,
                 lapse: bool = False) -> None:
        super().__init__(clock)
        self.operator_id, self.refuse, self.conditional, self.lapse = operator_id, refuse, conditional, lapse
        self.ids = (f"-{operator_id}-{n}" for n in itertools.count(1))  # offer and booking ids unique across operators
        self.calls: list[str] = []

    async def book(self, offer_id: str, *, idempotency_key: str) -> LegBooking:
        self.calls.append(f"book:{offer_id}")
        if self.refuse:
            raise OperatorRejected("no car free")
        return await super().book(offer_id, idempotency_key=idempotency_key)

    async def confirm(self, booking_id: str, *, idempotency_key: str) -> LegBooking:
        self.calls.append(f"confirm:{booking_id}")
        if self.lapse:
            return await self._move(booking_id, idempotency_key, "confirm", BookingState.EXPIRED)
        if self.conditional:
            return await self._move(booking_id, idempotency_key, "confirm", BookingState.CONDITIONAL_CONFIRMED)
        return await super().confirm(booking_id, idempotency_key=idempotency_key)


class Declining(OnBoardGateway):
    async def authorise(self, **kw):  # type: ignore[override]
        raise PaymentDeclined("card declined")


class Crash(Exception):
    """The process dies here (not a DomainError: the saga must not catch it)."""


class Town:
    def __init__(self, *operators: str, gateway: type[OnBoardGateway] = OnBoardGateway, **script) -> None:
        self.clock = SteppedClock(T0)
        self.uow = InMemoryUnitOfWorkFactory()
        self.ops = {name: Scripted(name, self.clock, **script.get(name, {})) for name in operators}
        self.payments = gateway(now=self.clock.now)
        self.crash_at: str | None = None
        self.service = self.restart()

    def restart(self) -> BookingService:
        """A new service over the same store, operators and gateway (what a restarted process has)."""
        async def hook(booking_id: str, step: str) -> None:
            if step == self.crash_at:
                self.crash_at = None
                raise Crash(step)
        self.service = BookingService(self.uow, self.ops, self.payments, self.clock, step_hook=hook)
        return self.service

    async def offers(self, conditions: Conditions | None = None) -> list[str]:
        """One offer per operator, in order, each leaving 10 minutes after the one before."""
        offers = []
        for n, op in enumerate(self.ops.values()):
            query = OfferQuery(origin=HERE, destination=THERE, depart_at=T0 + dt.timedelta(hours=1, minutes=10 * n))
            (offer,) = await op.search_offers(query)
            if conditions is not None:
                offer = offer.model_copy(update={"conditions": conditions})
                op.offers[offer.id] = (offer, True)
            offers.append(offer)
        async with self.uow() as uow:
            await uow.offers.remember(offers, now=self.clock.now())
            await uow.commit()
        return [o.id for o in offers]

    async def book(self, key: str = "k1", **kw):
        return await self.service.book(RIDER, await self.offers(**kw), idempotency_key=key)

    def leg_states(self, booking) -> list[BookingState]:
        return [leg.booking.state for leg in booking.legs]

    async def steps(self, booking_id: str) -> list[str]:
        return [f"{s.name}:{s.status.value}" for s in await self.service.journal(RIDER, booking_id)]


async def test_all_legs_confirmed_confirm_the_trip_with_the_payment_held() -> None:
    town = Town("taxi", "bus")
    booking, made = await town.book()
    assert made and booking.state is TripState.CONFIRMED
    assert town.leg_states(booking) == [BookingState.CONFIRMED, BookingState.CONFIRMED]
    assert booking.payment.state is PaymentState.AUTHORISED and booking.payment.authorised.amount_minor == 3000
    assert await town.steps(booking.id) == [
        "reserve:0:started", "reserve:0:done", "reserve:1:started", "reserve:1:done", "authorise:started",
        "authorise:done", "commit:0:started", "commit:0:done", "commit:1:started", "commit:1:done"]
    assert await town.service.get(RIDER, booking.id) == booking


async def test_a_leg_refused_at_reserve_releases_the_legs_held_and_rejects() -> None:
    town = Town("taxi", "bus", bus={"refuse": True})
    booking, _ = await town.book()
    assert booking.state is TripState.REJECTED and "no car free" in booking.reason
    assert booking.legs[0].booking.state is BookingState.CANCELLED and booking.legs[1].booking is None
    assert booking.payment is None  # never authorised
    assert "release:0:done" in await town.steps(booking.id)


async def test_a_declined_payment_rejects_and_releases_every_leg() -> None:
    town = Town("taxi", "bus", gateway=Declining)
    booking, _ = await town.book()
    assert booking.state is TripState.REJECTED and booking.reason.startswith("payment_declined")
    assert town.leg_states(booking) == [BookingState.CANCELLED, BookingState.CANCELLED]
    assert not any(c.startswith("confirm") for op in town.ops.values() for c in op.calls)


async def test_a_commit_that_lapses_is_compensated_and_the_hold_voided() -> None:
    town = Town("taxi", "bus", bus={"lapse": True})
    booking, _ = await town.book()
    assert booking.state is TripState.REJECTED and "did not commit leg 1" in booking.reason
    assert town.leg_states(booking) == [BookingState.CANCELLED, BookingState.EXPIRED]
    assert booking.payment.state is PaymentState.CANCELLED


async def test_conditional_legs_wait_then_confirm_or_expire_at_the_deadline() -> None:
    town = Town("taxi", "van", van={"conditional": True})
    waiting, _ = await town.book()
    assert waiting.state is TripState.CONDITIONAL_CONFIRMED and waiting.confirm_by == T0 + dt.timedelta(seconds=900)
    van = town.ops["van"]
    van.bookings[waiting.legs[1].booking.id] = waiting.legs[1].booking.moved_to(BookingState.CONFIRMED)
    assert (await town.service.check_confirmations(waiting.id)).state is TripState.CONFIRMED

    late, _ = await town.book("k2")
    town.clock.advance(901)
    expired = await town.service.check_confirmations(late.id)
    assert expired.state is TripState.EXPIRED and "in time" in expired.reason
    assert town.leg_states(expired) == [BookingState.CANCELLED, BookingState.CANCELLED]


async def test_the_same_key_replays_the_first_booking_and_another_body_is_refused() -> None:
    town = Town("taxi")
    offer_ids = await town.offers()
    first, made = await town.service.book(RIDER, offer_ids, idempotency_key="k1")
    again, made_again = await town.service.book(RIDER, offer_ids, idempotency_key="k1")
    assert made and not made_again and again == first
    assert len(town.ops["taxi"].bookings) == 1
    with pytest.raises(Conflict):
        await town.service.book(RIDER, await town.offers(), idempotency_key="k1")
    other, made_other = await town.service.book(OTHER, offer_ids, idempotency_key="k1")  # keys are per rider
    assert made_other and other.id != first.id


async def test_cancelling_inside_the_free_period_voids_the_hold() -> None:
    town = Town("taxi")
    free = Conditions(free_cancellation_until=T0 + dt.timedelta(minutes=30),
                      cancellation_fee=Money(amount_minor=500, currency=JPY))
    booking, _ = await town.book(conditions=free)
    cancelled = await town.service.cancel(RIDER, booking.id)
    assert cancelled.state is TripState.CANCELLED and cancelled.reason == "cancelled free of charge"
    assert cancelled.payment.state is PaymentState.CANCELLED and cancelled.cancelled_by == RIDER.subject_id
    with pytest.raises(NotFound):  # another rider does not even learn it exists
        await town.service.cancel(OTHER, booking.id)


async def test_cancelling_late_takes_only_the_fee() -> None:
    town = Town("taxi")
    late = Conditions(free_cancellation_until=T0 - dt.timedelta(minutes=1),
                      cancellation_fee=Money(amount_minor=500, currency=JPY))
    booking, _ = await town.book(conditions=late)
    cancelled = await town.service.cancel(RIDER, booking.id)
    assert cancelled.reason == "cancelled; fees 500 JPY" and cancelled.legs[0].fee.amount_minor == 500
    assert cancelled.payment.state is PaymentState.CAPTURED and cancelled.payment.captured_minor == 500
    assert (await town.service.cancel(RIDER, booking.id)) == cancelled  # a repeat changes nothing


@pytest.mark.parametrize("step", ["reserve:1", "reserve:1:answered", "authorise:answered", "commit:0:answered",
                                  "confirm"])
async def test_recovery_after_a_crash_finishes_the_trip_without_booking_twice(step: str) -> None:
    town = Town("taxi", "bus")
    town.crash_at = step
    with pytest.raises(Crash):
        await town.book()
    async with town.uow() as uow:
        (stuck,) = await uow.bookings.in_flight()
    (recovered,) = await town.restart().recover()
    assert recovered.id == stuck.id and recovered.state is TripState.CONFIRMED
    assert all(len(op.bookings) == 1 for op in town.ops.values())  # the same keys replayed, nothing booked twice
    assert recovered.payment.state is PaymentState.AUTHORISED
    assert await town.service.recover() == []


async def test_a_crash_during_compensation_is_finished_by_recovery() -> None:
    town = Town("taxi", "bus", bus={"refuse": True})
    town.crash_at = "release:0"
    with pytest.raises(Crash):
        await town.book()
    town.ops["bus"].refuse = False  # the bus would now say yes: a begun compensation still ends it
    (recovered,) = await town.restart().recover()
    assert recovered.state is TripState.REJECTED and recovered.compensate_to is None
    assert recovered.legs[0].booking.state is BookingState.CANCELLED


@pytest.mark.parametrize("step", ["cancel:1", "cancel:1:answered", "void", "void:answered"])
async def test_a_crash_during_a_cancellation_is_finished_by_recovery(step: str) -> None:
    """Issue 16: a process killed while cancelling left the trip CONFIRMED with a leg cancelled and
    the payment held; recovery now ends it CANCELLED with the hold released, each call once."""
    town = Town("taxi", "bus")
    free = Conditions(free_cancellation_until=T0 + dt.timedelta(minutes=30),
                      cancellation_fee=Money(amount_minor=500, currency=JPY))
    booking, _ = await town.book(conditions=free)
    town.crash_at = step
    with pytest.raises(Crash):
        await town.service.cancel(RIDER, booking.id)
    stuck = await town.service.get(RIDER, booking.id)
    assert stuck.state is TripState.CONFIRMED and stuck.payment.state is PaymentState.AUTHORISED
    town.clock.advance(3600)  # recovered after the free period: the fee is the one due when asked
    (recovered,) = await town.restart().recover()
    assert recovered.id == booking.id and recovered.state is TripState.CANCELLED
    assert recovered.reason == "cancelled free of charge" and recovered.cancelled_by == RIDER.subject_id
    assert town.leg_states(recovered) == [BookingState.CANCELLED, BookingState.CANCELLED]
    assert recovered.payment.state is PaymentState.CANCELLED
    steps = await town.steps(booking.id)
    assert steps.count("void:done") == 1 and steps[-1] == "cancel:done"
    assert await town.service.recover() == []


async def test_a_refused_cancellation_is_not_retried_by_recovery() -> None:
    town = Town("taxi")
    booking, _ = await town.book()

    async def refuse(booking_id: str, *, idempotency_key: str):
        raise Conflict("the ride has begun")

    town.ops["taxi"].cancel = refuse  # type: ignore[method-assign]
    with pytest.raises(Conflict):
        await town.service.cancel(RIDER, booking.id)
    assert (await town.steps(booking.id))[-4:] == ["cancel:started", "cancel:0:started", "cancel:0:failed",
                                                   "cancel:failed"]
    assert await town.restart().recover() == []
    assert (await town.service.get(RIDER, booking.id)).state is TripState.CONFIRMED


async def test_a_finished_trip_is_settled_once_with_its_ledger() -> None:
    town = Town("taxi")
    booking, _ = await town.book()
    leg = booking.legs[0].booking
    for kind in (TripEventKind.STARTED, TripEventKind.FINISHED):
        await town.ops["taxi"].receive_event(TripEvent(booking_id=leg.id, kind=kind, at=town.clock.now()))
    settled = await town.service.refresh_leg("taxi", leg.id)
    assert settled.state is TripState.SETTLED and settled.payment.captured_minor == 1500
    async with town.uow() as uow:
        entries = await uow.ledger.entries(since=T0, until=T0 + dt.timedelta(days=1))
    assert [e.kind for e in entries].count(EntryKind.RIDER_PAID) == 1
    assert await town.service.refresh(booking.id) == settled  # settled once


async def test_settled_trips_add_up_in_the_operator_statement_for_that_operator_only() -> None:
    town = Town("taxi", "bus")
    booking, _ = await town.book()
    for leg in booking.legs:
        for kind in (TripEventKind.STARTED, TripEventKind.FINISHED):
            await town.ops[leg.operator_id].receive_event(TripEvent(booking_id=leg.booking.id, kind=kind,
                                                                    at=town.clock.now()))
    assert (await town.service.refresh(booking.id)).state is TripState.SETTLED
    statements = SettlementService(town.uow, municipality="town")
    day = (T0, T0 + dt.timedelta(days=1))
    taxi = await statements.operator_statement(Principal(subject_id="key_taxi", role=Role.OPERATOR,
                                                         operator_id="taxi"), "taxi", *day)
    assert (taxi.legs, taxi.due.amount_minor, taxi.from_riders.amount_minor) == (1, 1500, 1500)
    with pytest.raises(PermissionDenied):  # an operator's key sees its own statement only
        await statements.operator_statement(Principal(subject_id="key_taxi", role=Role.OPERATOR,
                                                      operator_id="taxi"), "bus", *day)
    with pytest.raises(InvalidRequest):
        await statements.operator_statement(Principal(subject_id="a", role=Role.ANALYST), "taxi", day[1], day[0])
    assert (await statements.subsidy_statement(Principal(subject_id="a", role=Role.ANALYST), *day)).legs == 0


class ShortHold(Scripted):
    """Holds a booking 30 s and extends it once on request (TOMP's EXTEND_EXPIRY_TIME)."""

    async def book(self, offer_id: str, *, idempotency_key: str) -> LegBooking:
        held = await super().book(offer_id, idempotency_key=idempotency_key)
        held = held.model_copy(update={"expires_at": self.clock.now() + dt.timedelta(seconds=30)})
        self.bookings[held.id] = held
        return held

    async def extend_hold(self, booking_id: str, *, idempotency_key: str) -> LegBooking:
        self.calls.append(f"extend:{booking_id}")
        held = self.bookings[booking_id]
        if held.expires_at is None:
            raise Conflict("not held")
        self.bookings[booking_id] = held.model_copy(update={"expires_at": held.expires_at + dt.timedelta(minutes=5)})
        return self.bookings[booking_id]


async def test_a_hold_about_to_lapse_is_extended_before_the_commit() -> None:
    town = Town("bikes")
    town.ops["bikes"] = ShortHold("bikes", town.clock)
    town.restart()
    booking, _ = await town.book()
    assert booking.state is TripState.CONFIRMED
    assert [c.split(":")[0] for c in town.ops["bikes"].calls] == ["book", "extend", "confirm"]
    assert "extend:0:done" in await town.steps(booking.id)
