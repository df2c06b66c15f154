"""The booking saga: reserve every leg, hold the payment, commit every leg, confirm; and
compensate what it did when any step fails.

Every step is journaled before it is taken (`started`) and when it ends (`done` or `failed`),
each in its own transaction, and every call to an operator or the gateway carries an
idempotency key made from the booking id and the step: a step repeated after a crash gets the
first answer back and changes nothing. `recover()` (run at start-up) takes each booking the
journal shows in flight and drives it to a final state: forward while its offers' operators
still answer, otherwise back. A compensation that cannot be done now (an operator is down)
leaves the booking in flight with the reason, for the next recovery; it is never forgotten.
What each outcome is the Booking aggregate decides (maas.domain.bookings); this module only
talks to the operators, the gateway and the journal.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import TypeVar

from maas.domain.booked_legs import LEG_DONE_WITHOUT_RIDE, BookedLeg
from maas.domain.bookings import Booking, SagaStep, StepStatus, TripState
from maas.domain.errors import Conflict, DomainError, NotFound, OfferExpired
from maas.domain.fare_rules import FareRules
from maas.domain.mobility import FINAL_STATES, HELD_STATES, BookingState, LegBooking
from maas.domain.payments import Payment, PaymentGateway, PaymentState
from maas.domain.ports import BookingData, Clock, HoldExtension, OperatorAdapter, UnitOfWorkFactory
from maas.services.booking_terms import BookingTerms
from maas.services.rider_events import record_booking_change

log = logging.getLogger(__name__)
Answer = TypeVar("Answer")
T = TripState
# Test hook: called with each step name before it is taken (tests kill the process there).
StepHook = Callable[[str, str], Awaitable[None]]
EXTEND_WHEN_LEFT = dt.timedelta(seconds=60)  # a hold with less left is extended before the commit


class BookingSaga:
    def __init__(self, uow: UnitOfWorkFactory, adapters: Mapping[str, OperatorAdapter],
                 payments: PaymentGateway, clock: Clock, *, confirm_within_s: int = 900,
                 rules: FareRules | None = None, payouts: Mapping[str, str] | None = None,
                 step_hook: StepHook | None = None, on_events: Callable[[], None] | None = None) -> None:
        self._uow, self._adapters, self._payments, self.clock = uow, adapters, payments, clock
        self._rules = rules or FareRules()
        self._terms = BookingTerms(self._rules, payments, clock)
        self._payouts = dict(payouts or {})  # operator id -> account its riders' money goes to
        self._confirm_within = dt.timedelta(seconds=confirm_within_s)
        self._step_hook = step_hook
        self.on_events = on_events  # told after a save committed rider events (streams, webhooks)

    async def _forward(self, booking: Booking, payment_method: str | None = None,
                       booking_data: Mapping[str, str] | None = None) -> Booking:
        """`booking_data`: the rider's personal data for operators that require it; held in
        memory for this call only, so a booking resumed after a restart cannot send it again."""
        try:
            for leg in booking.legs:
                if leg.booking is None:
                    booking = await self._reserve(booking, leg, booking_data or {})
            if booking.needs_hold():
                booking = await self._authorise(booking, payment_method or booking.payment_method)
            for leg in booking.legs:
                assert leg.booking is not None
                if leg.booking.state in HELD_STATES:
                    booking = await self._keep_held(booking, leg)
                    booking = await self._commit(booking, leg)
        except DomainError as failure:
            state = T.EXPIRED if isinstance(failure, OfferExpired) else T.REJECTED
            return await self._compensate(booking, state, f"{failure.code}: {failure.message}")
        if self._step_hook is not None:
            await self._step_hook(booking.id, "confirm")
        now = self.clock.now()
        outcome = booking.confirmation(now)
        if outcome.compensate:
            return await self._compensate(booking, outcome.state, outcome.reason)
        if outcome.state is T.CONDITIONAL_CONFIRMED:
            return await self._save(booking.awaiting_confirmation(now, self._confirm_within))
        return await self._save(booking.moved_to(T.CONFIRMED, reason="", at=now))

    async def _reserve(self, booking: Booking, leg: BookedLeg, data: Mapping[str, str]) -> Booking:
        adapter, key = self._adapters[leg.operator_id], f"{booking.id}:reserve:{leg.index}"
        required = leg.conditions.required_data
        given: dict[str, str] = {}
        if required:  # refused before the operator is asked when the data cannot be given
            missing = [f for f in required if f not in data]
            if missing or not isinstance(adapter, BookingData):
                raise _LegRefused(f"{leg.operator_id} requires the rider's {', '.join(missing or required)} to "
                                  f"book leg {leg.index}, which this booking cannot pass on (personal data is "
                                  "never kept: a booking resumed after a restart has none)")
            given = {f: data[f] for f in required}

        async def call() -> LegBooking:
            if given:
                assert isinstance(adapter, BookingData)
                return await adapter.book_with_data(leg.offer_id, idempotency_key=key, data=given)
            return await adapter.book(leg.offer_id, idempotency_key=key)

        answer = await self._step(booking, f"reserve:{leg.index}", call)
        booking = await self._save(booking.with_leg_booking(leg.index, answer))
        if answer.state in (BookingState.REJECTED, BookingState.EXPIRED):
            raise _LegRefused(f"{leg.operator_id} refused leg {leg.index}: {answer.reason or answer.state.value}")
        return booking

    async def _authorise(self, booking: Booking, payment_method: str | None) -> Booking:
        payment = await self._step(booking, "authorise", lambda: self._payments.authorise(
            booking_id=booking.id, amount=booking.total, idempotency_key=f"{booking.id}:authorise",
            customer_ref=booking.customer_ref, payment_method=payment_method))
        return await self._save(booking.model_copy(update={"payment": payment}))

    async def _keep_held(self, booking: Booking, leg: BookedLeg) -> Booking:
        """A hold about to lapse while the payment was taken is extended first, where the
        operator can (TOMP's EXTEND_EXPIRY_TIME); a refusal is left for the commit to meet."""
        held, adapter = leg.booking, self._adapters[leg.operator_id]
        if (held is None or held.state is not BookingState.PENDING or held.expires_at is None
                or held.expires_at - self.clock.now() > EXTEND_WHEN_LEFT or not isinstance(adapter, HoldExtension)):
            return booking
        try:
            answer = await self._step(booking, f"extend:{leg.index}", lambda: adapter.extend_hold(
                held.id, idempotency_key=f"{booking.id}:extend:{leg.index}"))
        except Conflict:
            return booking
        return await self._save(booking.with_leg_booking(leg.index, answer))

    async def _commit(self, booking: Booking, leg: BookedLeg) -> Booking:
        assert leg.booking is not None
        adapter, held = self._adapters[leg.operator_id], leg.booking.id
        answer = await self._step(booking, f"commit:{leg.index}", lambda: adapter.confirm(
            held, idempotency_key=f"{booking.id}:commit:{leg.index}"))
        booking = await self._save(booking.with_leg_booking(leg.index, answer))
        if answer.state in LEG_DONE_WITHOUT_RIDE:  # the hold lapsed or the ride went meanwhile
            raise _LegRefused(f"{leg.operator_id} did not commit leg {leg.index}: {answer.reason or answer.state.value}")
        return booking

    async def _compensate(self, booking: Booking, state: TripState, reason: str) -> Booking:
        """Release every held or confirmed leg and the payment hold, then end in `state`. If a
        release fails the booking stays in flight, with the reason, for recovery to finish."""
        booking = await self._latest(booking.id)
        if booking.compensate_to is None:
            booking = await self._save(booking.compensating(state, reason))
        try:
            booking = await self._learn_unanswered(booking)
            booking = await self._end_legs(booking, "release")
            if booking.payment is not None and booking.payment.state is PaymentState.AUTHORISED:
                payment = booking.payment
                voided = await self._step(booking, "void", lambda: self._payments.cancel(
                    payment, idempotency_key=f"{booking.id}:void"))
                booking = await self._save(booking.model_copy(update={"payment": voided}))
        except DomainError as failure:
            log.warning("booking %s: compensation incomplete (%s); recovery will retry", booking.id, failure.message)
            booking = await self._latest(booking.id)  # with the releases saved before the failure
            return await self._save(booking.compensation_stalled(failure.message))
        return await self._save(booking.compensated(self.clock.now()))

    async def _learn_unanswered(self, booking: Booking) -> Booking:
        """A reserve call whose answer was lost (a timeout, a crash) may still have booked the
        leg: ask again with the same key, so the operator replays its answer and we can release it."""
        async with self._uow() as uow:
            asked = {step.name for step in await uow.bookings.steps(booking.id)}
        for leg in booking.legs:
            if leg.booking is None and f"reserve:{leg.index}" in asked:
                adapter = self._adapters[leg.operator_id]
                try:
                    answer = await adapter.book(leg.offer_id, idempotency_key=f"{booking.id}:reserve:{leg.index}")
                except (NotFound, OfferExpired, Conflict):
                    continue  # nothing was booked, or the offer can no longer be: nothing to release
                booking = await self._save(booking.with_leg_booking(leg.index, answer))
        return booking

    async def _end_legs(self, booking: Booking, step: str) -> Booking:
        """Cancels at its operator every leg not yet final, each a journaled step (`step:index`)."""
        for leg in booking.legs:
            if leg.booking is not None and leg.booking.state not in FINAL_STATES:
                adapter, held, key = self._adapters[leg.operator_id], leg.booking.id, f"{booking.id}:{step}:{leg.index}"
                ended = await self._step(booking, f"{step}:{leg.index}", lambda: adapter.cancel(
                    held, idempotency_key=key))
                booking = await self._save(booking.with_leg_booking(leg.index, ended))
        return booking

    async def _step(self, booking: Booking, name: str, call: Callable[[], Awaitable[Answer]]) -> Answer:
        seq = await self._journal(booking.id, name, StepStatus.STARTED)
        if self._step_hook is not None:
            await self._step_hook(booking.id, name)
        try:
            result = await call()
        except DomainError as failure:
            await self._journal(booking.id, name, StepStatus.FAILED, f"{failure.code}: {failure.message}", seq + 1)
            raise
        if self._step_hook is not None:
            await self._step_hook(booking.id, f"{name}:answered")
        await self._journal(booking.id, name, StepStatus.DONE, _describe(result), seq + 1)
        return result

    async def _journal(self, booking_id: str, name: str, status: StepStatus, detail: str = "",
                       seq: int | None = None) -> int:
        async with self._uow() as uow:
            if seq is None:
                seq = len(await uow.bookings.steps(booking_id))
            await uow.bookings.add_step(SagaStep(booking_id=booking_id, seq=seq, name=name, status=status,
                                                 at=self.clock.now(), detail=detail[:2000]))
            await uow.commit()
        return seq

    async def _save(self, booking: Booking) -> Booking:
        """Save, and in the same transaction put the events the change means in the outbox."""
        async with self._uow() as uow:
            before = await uow.bookings.get(booking.id)
            saved = await uow.bookings.save(booking.model_copy(update={"updated_at": self.clock.now()}))
            recorded = await record_booking_change(uow, before, saved, self.clock.now())
            await uow.commit()
        if recorded:
            self._announce()
        return saved

    def _announce(self) -> None:
        if self.on_events is not None:
            self.on_events()

    async def _latest(self, booking_id: str) -> Booking:
        async with self._uow() as uow:
            return await uow.bookings.get(booking_id)

    # -- after a crash; delayed confirmations ------------------------------------------------------
    async def recover(self) -> list[Booking]:
        """Drive every booking left in flight to a final state (or CONDITIONAL_CONFIRMED)."""
        async with self._uow() as uow:
            pending = await uow.bookings.in_flight()
        done = []
        for booking in pending:
            done.append(await self._resume(booking))
        return done

    async def _resume(self, booking: Booking) -> Booking:
        if booking.compensate_to is not None:
            return await self._compensate(booking, booking.compensate_to, booking.compensation_reason)
        if booking.state is T.CONDITIONAL_CONFIRMED:
            return await self.check_confirmations(booking.id)
        log.info("booking %s: resuming the saga after a restart", booking.id)
        return await self._forward(booking)

    async def check_confirmations(self, booking_id: str) -> Booking:
        """Ask the operators of a conditional booking where their legs stand: all confirmed →
        CONFIRMED; one refused, lapsed, or the deadline passed → compensated."""
        booking = await self._latest(booking_id)
        if booking.state is not T.CONDITIONAL_CONFIRMED:
            return booking
        try:
            for leg in booking.legs:
                assert leg.booking is not None
                if leg.booking.state in HELD_STATES:
                    fresh = await self._adapters[leg.operator_id].get_booking(leg.booking.id)
                    booking = await self._save(booking.with_leg_booking(leg.index, fresh))
        except DomainError as failure:
            log.info("booking %s: operator not reachable (%s); will ask again", booking.id, failure.message)
            return booking
        outcome = booking.confirmation(self.clock.now())
        if outcome.compensate:
            return await self._compensate(booking, outcome.state, outcome.reason)
        if outcome.state is T.CONFIRMED:
            return await self._save(booking.moved_to(T.CONFIRMED, at=self.clock.now()))
        return booking


class _LegRefused(DomainError):
    code = "operator_rejected"


def _describe(result: object) -> str:
    if isinstance(result, LegBooking | Payment):
        return f"{result.id} {result.state.value}"
    return ""
