"""A booked trip's life after the saga: reading it, the day-ahead authorisation, the legs
moving along as their operators report, settlement (the final amount taken, the ledger written,
the operators paid out), and cancellation under each offer's terms.

The Booking aggregate (maas.domain.bookings) says what state the legs put the trip in, what
fees are due, the final amount and what to ask the gateway for; this module asks the operators
and the gateway and stores the answers, each call journaled as a saga step.
"""

from __future__ import annotations

import asyncio
import logging

from maas.domain.accounts import Principal, Role
from maas.domain.booked_legs import PaymentAction, PaymentStep
from maas.domain.bookings import CANCEL_STEP, Booking, CancelIntent, SagaStep, StepStatus, TripState
from maas.domain.errors import Conflict, DomainError, InvalidRequest, NotFound
from maas.domain.ledger import LedgerEntry, rider_paid_by_operator, settlement_entries
from maas.domain.mobility import FINAL_STATES
from maas.domain.payments import PaymentDeclined
from maas.services.booking_saga import BookingSaga
from maas.services.rider_events import record_booking_change

log = logging.getLogger(__name__)
T = TripState
STAFF = frozenset({Role.AGENT, Role.ADMIN})


class BookingTrip(BookingSaga):
    # -- reading -------------------------------------------------------------------------------
    async def get(self, caller: Principal, booking_id: str) -> Booking:
        async with self._uow() as uow:
            booking = await uow.bookings.get(booking_id)
        if caller.role not in STAFF and booking.account_id != caller.subject_id:
            raise NotFound(f"no booking {booking_id}")
        return booking

    async def list_mine(self, caller: Principal, *, limit: int = 50, rider: str | None = None) -> list[Booking]:
        """The caller's bookings; staff see one rider's with `rider` (anyone else naming another
        account is refused, never silently shown their own)."""
        if rider is not None and rider != caller.subject_id and caller.role not in STAFF:
            raise InvalidRequest("only call-centre staff may list another rider's bookings",
                                 fields={"rider": "not allowed"})
        async with self._uow() as uow:
            return await uow.bookings.list_for(rider or caller.subject_id, limit=limit)

    async def journal(self, caller: Principal, booking_id: str) -> list[SagaStep]:
        await self.get(caller, booking_id)
        async with self._uow() as uow:
            return await uow.bookings.steps(booking_id)

    # -- the trip's days ahead; the watcher ------------------------------------------------------
    async def authorise_due(self, booking_id: str) -> Booking:
        """Authorise a booking made beyond a hold's life, now that its day is near; a declined
        saved method cancels the trip (legs released under their terms) with the reason."""
        booking = await self._latest(booking_id)
        if booking.state is not T.CONFIRMED or booking.payment is not None or booking.authorise_at is None:
            return booking
        try:
            return await self._authorise(booking, booking.payment_method)
        except PaymentDeclined as declined:
            log.info("booking %s: saved method declined (%s); cancelling the trip", booking.id, declined.message)
            return await self._cancel_legs(booking, f"payment_declined: {declined.message}")
        except DomainError as failure:  # the gateway is down: ask again on the next round
            log.warning("booking %s: not authorised yet (%s)", booking.id, failure.message)
            return booking

    async def watch(self, stop: asyncio.Event, interval_s: float = 30.0) -> None:
        """`check_all()` every interval until `stop` is set (the app runs this after `recover()`;
        a round in progress finishes, so no transaction is cut in half)."""
        while not stop.is_set():
            try:
                await asyncio.wait_for(stop.wait(), interval_s)
                return
            except TimeoutError:
                pass
            try:
                await self.check_all()
            except Exception:
                log.exception("checking bookings failed")

    async def check_all(self) -> None:
        """Ask about conditional bookings, and about booked trips whose last leg should be over by
        now (operators that do not report their trip events are asked instead)."""
        async with self._uow() as uow:
            waiting = await uow.bookings.in_states([T.CONDITIONAL_CONFIRMED])
            riding = await uow.bookings.in_states([T.CONFIRMED, T.STARTED, T.FINISHED])
        for booking in waiting:
            await self.check_confirmations(booking.id)
        now = self.clock.now()
        for booking in riding:
            if booking.authorisation_due(now):
                await self.authorise_due(booking.id)
        for booking in riding:
            if booking.should_be_over(now):
                try:
                    await self.refresh(booking.id)
                except DomainError as exc:  # one operator down must not stop the others' settlement
                    log.info("booking %s: not refreshed (%s)", booking.id, exc.message)

    # -- the trip: legs start and end; settlement -------------------------------------------------
    async def refresh(self, booking_id: str) -> Booking:
        """Ask each operator where its leg stands and move the booking along: STARTED once a leg
        started, FINISHED once every leg is over, then settled: the final amount is taken (never
        more than the hold) and the ledger says who owes whom."""
        booking = await self._latest(booking_id)
        if booking.state not in (T.CONFIRMED, T.STARTED, T.FINISHED):
            return booking
        for leg in booking.legs:
            if leg.booking is not None and leg.booking.state not in FINAL_STATES:
                fresh = await self._adapters[leg.operator_id].get_booking(leg.booking.id)
                if fresh != leg.booking:
                    booking = await self._save(booking.with_leg_booking(leg.index, fresh))
        dropped = booking.dropped_by_operator()
        if dropped is not None:
            # The rest is no trip at all, so it is cancelled too, free of any fee, and the hold
            # released; the rider plans again.
            return await self._cancel_legs(booking, dropped, waive_fees=True)
        progressed = booking.progressed()
        if progressed is not booking.state:
            booking = await self._save(booking.moved_to(progressed, at=self.clock.now()))
        if booking.state is T.FINISHED:
            booking = await self._settle(booking)
        return booking

    async def _settle(self, booking: Booking) -> Booking:
        if booking.needs_late_hold():
            # The day-ahead authorisation never went through (the gateway was down): hold it now,
            # under the same key, so an authorisation that did happen is replayed, not repeated.
            booking = await self._authorise(booking, booking.payment_method)
        booking = await self._pay(booking, booking.settlement_payment(), capture="capture")
        entries = settlement_entries(booking, municipality=self._rules.municipality or "municipality",
                                     at=self.clock.now())
        await self._pay_out(booking, entries)
        async with self._uow() as uow:
            await uow.ledger.add(entries)
            saved = await uow.bookings.save(booking.moved_to(T.SETTLED, at=self.clock.now()))
            recorded = await record_booking_change(uow, booking, saved, self.clock.now())
            await uow.commit()
        if recorded:
            self._announce()
        return saved

    async def _pay(self, booking: Booking, action: PaymentAction, *, capture: str) -> Booking:
        """Ask the gateway for what the aggregate decided, as the journal step `capture` (for a
        capture), `void` or `refund`."""
        payment = booking.payment
        if action.step is PaymentStep.NONE or payment is None:
            return booking
        if action.step is PaymentStep.CAPTURE:
            assert action.amount is not None
            amount = action.amount
            answer = await self._step(booking, capture, lambda: self._payments.capture(
                payment, amount, idempotency_key=f"{booking.id}:{capture}"))
        elif action.step is PaymentStep.VOID:
            answer = await self._step(booking, "void", lambda: self._payments.cancel(
                payment, idempotency_key=f"{booking.id}:void"))
        else:
            assert action.amount is not None
            back = action.amount
            answer = await self._step(booking, "refund", lambda: self._payments.refund(
                payment, back, idempotency_key=f"{booking.id}:refund"))
        return await self._save(booking.model_copy(update={"payment": answer}))

    async def _pay_out(self, booking: Booking, entries: list[LedgerEntry]) -> None:
        """Send each operator with a payout account what the rider paid for its legs, one transfer
        per operator and booking (the municipality's share is invoiced from the ledger)."""
        owed = rider_paid_by_operator(entries)
        for operator_id, amount in sorted(owed.items()):
            if operator_id not in self._payouts:
                continue
            await self._step(booking, f"transfer:{operator_id}", lambda: self._payments.transfer(
                operator_account=self._payouts[operator_id], amount=amount,
                booking_id=booking.id, idempotency_key=f"{booking.id}:transfer:{operator_id}"))

    async def refresh_leg(self, operator_id: str, leg_booking_id: str) -> Booking | None:
        """After an operator's trip event: refresh the booking holding that leg, if any (a
        conditional one learns at once whether its operators confirmed)."""
        booking = await self.find_by_leg(operator_id, leg_booking_id)
        if booking is None:
            return None
        if booking.state is T.CONDITIONAL_CONFIRMED:
            return await self.check_confirmations(booking.id)
        return await self.refresh(booking.id)

    async def find_by_leg(self, operator_id: str, leg_booking_id: str) -> Booking | None:
        async with self._uow() as uow:
            return await uow.bookings.find_by_leg(operator_id, leg_booking_id)

    async def note(self, booking_id: str, name: str, detail: str) -> None:
        """Journal what an operator told about the booking that changes no state (an ETA, a
        support request's progress), so staff and the rider's history see it."""
        await self._journal(booking_id, name, StepStatus.DONE, detail)

    # -- cancelling ------------------------------------------------------------------------------
    async def cancel(self, caller: Principal, booking_id: str, *, for_rider: str | None = None) -> Booking:
        """Cancel every leg under its offer's terms; release the hold, or take only the fees due.
        Staff naming the rider (`for_rider`) get 404 for a booking that is not that rider's; who
        cancelled is recorded."""
        booking = await self.get(caller, booking_id)
        if for_rider is not None and booking.account_id != for_rider:
            raise NotFound(f"no booking {booking_id} for rider {for_rider}")
        if booking.state is T.CANCELLED:
            return booking
        if booking.state not in (T.CONFIRMED, T.CONDITIONAL_CONFIRMED):
            raise Conflict(f"booking {booking_id} is {booking.state.value} and cannot be cancelled")
        booking = await self._save(booking.model_copy(update={"cancelled_by": caller.subject_id}))
        return await self._cancel_legs(booking)

    async def _cancel_legs(self, booking: Booking, why: str = "", *, waive_fees: bool = False,
                           resumed: CancelIntent | None = None) -> Booking:
        """Cancels the legs, takes the fees or releases the hold, then CANCELLED. The whole of it is
        journaled as the step `cancel` (with its intent) first, so a crash half-way is finished by
        recovery instead of leaving a confirmed trip with cancelled legs and the hold in place."""
        intent = resumed or CancelIntent(at=self.clock.now(), why=why, waive_fees=waive_fees)
        await self._journal(booking.id, CANCEL_STEP, StepStatus.STARTED, intent.model_dump_json())
        try:
            booking = await self._end_legs(booking, "cancel")
            booking = booking.with_fees(intent.at, waive=intent.waive_fees)
            booking = await self._pay(booking, booking.cancellation_payment(), capture="capture-fees")
            booking = await self._save(booking.moved_to(T.CANCELLED, reason=booking.cancellation_reason(intent.why),
                                                        at=self.clock.now()))
        except DomainError as failure:
            await self._journal(booking.id, CANCEL_STEP, StepStatus.FAILED, f"{failure.code}: {failure.message}")
            raise
        await self._journal(booking.id, CANCEL_STEP, StepStatus.DONE)
        return booking

    async def recover(self) -> list[Booking]:
        """Finish the cancellations a crash cut short, then drive the bookings in flight (the saga's)."""
        finished = await self.finish_cancellations()
        return finished + await super().recover()

    async def finish_cancellations(self) -> list[Booking]:
        """Bookings whose last `cancel` step only started: cancelled again with the same intent
        (each operator and gateway call repeats its key, so nothing is cancelled or taken twice)."""
        async with self._uow() as uow:
            begun = await uow.bookings.cancel_begun()
        done = []
        for booking in begun:
            async with self._uow() as uow:
                steps = [s for s in await uow.bookings.steps(booking.id) if s.name == CANCEL_STEP]
            if not steps or steps[-1].status is not StepStatus.STARTED:
                continue  # it ended (a refusal is the rider's to retry), or never began
            intent = CancelIntent.model_validate_json(steps[-1].detail)
            log.info("booking %s: finishing a cancellation cut short", booking.id)
            try:
                done.append(await self._cancel_legs(booking, resumed=intent))
            except DomainError as failure:
                log.warning("booking %s: cancellation still not finished (%s)", booking.id, failure.message)
        return done
