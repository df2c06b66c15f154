"""Booking a whole trip as one ticket: the saga that reserves every leg, holds the payment,
commits every leg and confirms; and that compensates what it did when any step fails.

Every step is journaled before it is taken (`started`) and when it ends (`done` or `failed`),
each in its own transaction, and every call to an operator or the gateway carries an
idempotency key made from the booking id and the step: a step repeated after a crash gets the
first answer back and changes nothing. `recover()` (run at start-up) takes each booking the
journal shows in flight and drives it to a final state: forward while its offers' operators
still answer, otherwise back. A compensation that cannot be done now (an operator is down)
leaves the booking in flight with the reason, for the next recovery; it is never forgotten.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence

from maas.domain.accounts import Account, Principal, Role
from maas.domain.bookings import BookedLeg, Booking, SagaStep, StepStatus, TripState
from maas.domain.fare_rules import FareRules
from maas.domain.ledger import EntryKind, settlement_entries
from maas.domain.errors import Conflict, DomainError, InvalidRequest, NotFound, OfferExpired
from maas.domain.mobility import FINAL_STATES, HELD_STATES, BookingState, LegBooking, Offer
from maas.domain.passes import PassState
from maas.domain.payments import Payment, PaymentDeclined, PaymentGateway, PaymentState
from maas.domain.planning import Money
from maas.domain.ports import Clock, OperatorAdapter, UnitOfWorkFactory
from maas.domain.riders import OfferNotYours, RiderContext
from maas.services.booking_terms import BookingTerms, request_digest, same_request

log = logging.getLogger(__name__)
T = TripState
STAFF = frozenset({Role.AGENT, Role.ADMIN})
LEG_DONE_WITHOUT_RIDE = frozenset({BookingState.CANCELLED, BookingState.RELEASED, BookingState.EXPIRED,
                                   BookingState.REJECTED})
# Ended by the operator, not by the rider letting a reservation lapse.
OPERATOR_DROPPED = frozenset({BookingState.CANCELLED, BookingState.REJECTED})
# Test hook: called with each step name before it is taken (tests kill the process there).
StepHook = Callable[[str, str], Awaitable[None]]


class BookingService:
    def __init__(self, uow: UnitOfWorkFactory, adapters: Mapping[str, OperatorAdapter],
                 payments: PaymentGateway, clock: Clock, *, confirm_within_s: int = 900,
                 rules: FareRules | None = None, payouts: Mapping[str, str] | None = None,
                 step_hook: StepHook | None = None) -> None:
        self._uow, self._adapters, self._payments, self.clock = uow, adapters, payments, clock
        self._rules = rules or FareRules()
        self._terms = BookingTerms(self._rules, payments, clock)
        self._payouts = dict(payouts or {})  # operator id -> account its riders' money goes to
        self._confirm_within = dt.timedelta(seconds=confirm_within_s)
        self._step_hook = step_hook

    # -- making a booking ------------------------------------------------------------------------
    async def book(self, caller: Principal, offer_ids: Sequence[str], *, idempotency_key: str,
                   payment_method: str | None = None, rider: RiderContext | None = None) -> tuple[Booking, bool]:
        """The booking, and whether this call made it (False: a retry got the first answer).
        `rider`: whom it is for (the caller, or the rider an agent acts for); their fares,
        passes and saved payment method apply, and an offer issued for anyone else is refused."""
        digest = request_digest(offer_ids, payment_method)
        owner = rider.account_id if rider is not None else caller.subject_id
        async with self._uow() as uow:
            existing = await uow.bookings.find_by_key(owner, idempotency_key)
            if existing is not None:
                return same_request(existing, digest), False
            offers = [await self._offer(uow, offer_id) for offer_id in offer_ids]
            account = await self._rider(uow, caller, rider)
            for offer in offers:
                _check_owner(offer, account, rider)
            passes = [p for p in await uow.passes.list_for(account.id)
                      if p.state is PassState.ACTIVE] if account is not None else []
            booking = self._terms.new_booking(caller, offers, idempotency_key, digest, account, passes)
            profile = await uow.payment_profiles.get(account.id) if account is not None else None
            booking = self._terms.payment_plan(booking, payment_method, profile)
            try:
                await uow.bookings.add(booking)
            except Conflict:  # the same key raced us: answer with the winner's booking
                winner = await uow.bookings.find_by_key(owner, idempotency_key)
                if winner is None:
                    raise
                return same_request(winner, digest), False
            await uow.commit()
        return await self._forward(booking, payment_method), True

    async def _offer(self, uow, offer_id: str) -> Offer:
        offer = await uow.offers.get(offer_id)
        if offer is None:
            raise NotFound(f"no offer {offer_id}: plan the trip again", fields={"offer_ids": offer_id})
        if offer.operator_id not in self._adapters:
            raise NotFound(f"operator {offer.operator_id} is not enabled", fields={"offer_ids": offer_id})
        if not offer.is_valid_at(self.clock.now()):
            raise OfferExpired(f"offer {offer_id} expired at {offer.valid_until.isoformat()}; plan the trip again",
                               fields={"offer_ids": offer_id})
        return offer

    async def _rider(self, uow, caller: Principal, rider: RiderContext | None = None) -> Account | None:
        if rider is not None:
            return await uow.accounts.get(rider.account_id)
        if caller.role is Role.OPERATOR:
            return None
        try:
            return await uow.accounts.get(caller.subject_id)
        except NotFound:
            return None

    # -- the saga ----------------------------------------------------------------------------------
    async def _forward(self, booking: Booking, payment_method: str | None = None) -> Booking:
        try:
            for leg in booking.legs:
                if leg.booking is None:
                    booking = await self._reserve(booking, leg)
            if booking.payment is None and booking.total.amount_minor > 0 and booking.authorise_at is None:
                booking = await self._authorise(booking, payment_method or booking.payment_method)
            for leg in booking.legs:
                assert leg.booking is not None
                if leg.booking.state in HELD_STATES:
                    booking = await self._commit(booking, leg)
        except DomainError as failure:
            state = T.EXPIRED if isinstance(failure, OfferExpired) else T.REJECTED
            return await self._compensate(booking, state, f"{failure.code}: {failure.message}")
        if self._step_hook is not None:
            await self._step_hook(booking.id, "confirm")
        held = [leg for leg in booking.legs if leg.booking is not None and leg.booking.state in HELD_STATES]
        if held:
            deadline = booking.confirm_by or self.clock.now() + self._confirm_within
            return await self._save(booking.moved_to(T.CONDITIONAL_CONFIRMED, at=self.clock.now())
                                    .model_copy(update={"confirm_by": deadline}))
        return await self._save(booking.moved_to(T.CONFIRMED, reason="", at=self.clock.now()))

    async def _reserve(self, booking: Booking, leg: BookedLeg) -> Booking:
        adapter = self._adapters[leg.operator_id]
        answer = await self._step(booking, f"reserve:{leg.index}", lambda: adapter.book(
            leg.offer_id, idempotency_key=f"{booking.id}:reserve:{leg.index}"))
        if answer.state in (BookingState.REJECTED, BookingState.EXPIRED):
            booking = await self._save(booking.with_leg(leg.model_copy(update={"booking": answer})))
            raise _LegRefused(f"{leg.operator_id} refused leg {leg.index}: {answer.reason or answer.state.value}")
        return await self._save(booking.with_leg(leg.model_copy(update={"booking": answer})))

    async def _authorise(self, booking: Booking, payment_method: str | None) -> Booking:
        payment = await self._step(booking, "authorise", lambda: self._payments.authorise(
            booking_id=booking.id, amount=booking.total, idempotency_key=f"{booking.id}:authorise",
            customer_ref=booking.customer_ref, payment_method=payment_method))
        return await self._save(booking.model_copy(update={"payment": payment}))

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

    async def _commit(self, booking: Booking, leg: BookedLeg) -> Booking:
        assert leg.booking is not None
        adapter = self._adapters[leg.operator_id]
        answer = await self._step(booking, f"commit:{leg.index}", lambda: adapter.confirm(
            leg.booking.id, idempotency_key=f"{booking.id}:commit:{leg.index}"))
        booking = await self._save(booking.with_leg(leg.model_copy(update={"booking": answer})))
        if answer.state in LEG_DONE_WITHOUT_RIDE:  # the hold lapsed or the ride went meanwhile
            raise _LegRefused(f"{leg.operator_id} did not commit leg {leg.index}: {answer.reason or answer.state.value}")
        return booking

    async def _compensate(self, booking: Booking, state: TripState, reason: str) -> Booking:
        """Release every held or confirmed leg and the payment hold, then end in `state`. If a
        release fails the booking stays in flight, with the reason, for recovery to finish."""
        booking = await self._latest(booking.id)
        if booking.compensate_to is None:
            booking = await self._save(booking.model_copy(update={"compensate_to": state, "reason": reason}))
        try:
            booking = await self._learn_unanswered(booking)
            for leg in booking.legs:
                if leg.booking is not None and leg.booking.state not in FINAL_STATES:
                    adapter = self._adapters[leg.operator_id]
                    released = await self._step(booking, f"release:{leg.index}", lambda: adapter.cancel(
                        leg.booking.id, idempotency_key=f"{booking.id}:release:{leg.index}"))
                    booking = await self._save(booking.with_leg(leg.model_copy(update={"booking": released})))
            if booking.payment is not None and booking.payment.state is PaymentState.AUTHORISED:
                payment = booking.payment
                voided = await self._step(booking, "void", lambda: self._payments.cancel(
                    payment, idempotency_key=f"{booking.id}:void"))
                booking = await self._save(booking.model_copy(update={"payment": voided}))
        except DomainError as failure:
            log.warning("booking %s: compensation incomplete (%s); recovery will retry", booking.id, failure.message)
            return await self._save(booking.model_copy(update={
                "reason": f"{reason}; compensation pending: {failure.message}"}))
        return await self._save(booking.moved_to(state, reason=reason, at=self.clock.now())
                                .model_copy(update={"compensate_to": None}))

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
                booking = await self._save(booking.with_leg(leg.model_copy(update={"booking": answer})))
        return booking

    async def _step(self, booking: Booking, name: str, call: Callable[[], Awaitable]):
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
        async with self._uow() as uow:
            saved = await uow.bookings.save(booking.model_copy(update={"updated_at": self.clock.now()}))
            await uow.commit()
        return saved

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
            if booking.payment is None and booking.authorise_at is not None and booking.authorise_at <= now:
                await self.authorise_due(booking.id)
        for booking in riding:
            if booking.state is T.FINISHED or max(leg.arrival for leg in booking.legs) <= now:
                try:
                    await self.refresh(booking.id)
                except DomainError as exc:  # one operator down must not stop the others' settlement
                    log.info("booking %s: not refreshed (%s)", booking.id, exc.message)

    async def _resume(self, booking: Booking) -> Booking:
        if booking.compensate_to is not None:
            return await self._compensate(booking, booking.compensate_to, booking.reason.split("; compensation pending")[0])
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
                    booking = await self._save(booking.with_leg(leg.model_copy(update={"booking": fresh})))
        except DomainError as failure:
            log.info("booking %s: operator not reachable (%s); will ask again", booking.id, failure.message)
            return booking
        states = [leg.booking.state for leg in booking.legs if leg.booking is not None]
        if any(s in LEG_DONE_WITHOUT_RIDE for s in states):
            return await self._compensate(booking, T.REJECTED, "an operator did not confirm its leg")
        if all(s is BookingState.CONFIRMED for s in states):
            return await self._save(booking.moved_to(T.CONFIRMED, at=self.clock.now()))
        if booking.confirm_by is not None and self.clock.now() > booking.confirm_by:
            return await self._compensate(booking, T.EXPIRED, "an operator did not confirm in time")
        return booking

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
                    booking = await self._save(booking.with_leg(leg.model_copy(update={"booking": fresh})))
        states = [leg.booking.state for leg in booking.legs if leg.booking is not None]
        dropped = [leg for leg in booking.legs if leg.booking is not None and leg.booking.state in OPERATOR_DROPPED]
        if booking.state is T.CONFIRMED and dropped:
            # An operator cancelled its leg before the trip began: the rest is no trip at all, so it
            # is cancelled too, free of any fee, and the hold released; the rider plans again.
            leg = dropped[0]
            why = f"{leg.operator_id} cancelled leg {leg.index}" + (f" ({leg.booking.reason})" if leg.booking.reason else "")
            return await self._cancel_legs(booking, why, waive_fees=True)
        now = self.clock.now()
        over = all(s is BookingState.FINISHED or s in LEG_DONE_WITHOUT_RIDE for s in states)
        if over and booking.state is not T.FINISHED:
            booking = await self._save(booking.moved_to(T.FINISHED, at=now))
        elif not over and booking.state is T.CONFIRMED and any(
                s in (BookingState.STARTED, BookingState.FINISHED) for s in states):
            booking = await self._save(booking.moved_to(T.STARTED, at=now))
        if booking.state is T.FINISHED:
            booking = await self._settle(booking)
        return booking

    async def _settle(self, booking: Booking) -> Booking:
        ridden = sum(leg.rider_share.amount_minor for leg in booking.legs
                     if leg.booking is not None and leg.booking.state is BookingState.FINISHED)
        fees = sum(leg.fee.amount_minor for leg in booking.legs if leg.fee is not None)
        final = Money(amount_minor=ridden + fees, currency=booking.total.currency)
        if booking.payment is None and final.amount_minor > 0 and booking.authorise_at is not None:
            # The day-ahead authorisation never went through (the gateway was down): hold it now,
            # under the same key, so an authorisation that did happen is replayed, not repeated.
            booking = await self._authorise(booking, booking.payment_method)
        payment = booking.payment
        if payment is not None and payment.state is PaymentState.AUTHORISED:
            if final.amount_minor > 0:
                taken = await self._step(booking, "capture", lambda: self._payments.capture(
                    payment, final, idempotency_key=f"{booking.id}:capture"))
            else:
                taken = await self._step(booking, "void", lambda: self._payments.cancel(
                    payment, idempotency_key=f"{booking.id}:void"))
            booking = await self._save(booking.model_copy(update={"payment": taken}))
        entries = settlement_entries(booking, municipality=self._rules.municipality or "municipality",
                                     at=self.clock.now())
        await self._pay_out(booking, entries)
        async with self._uow() as uow:
            await uow.ledger.add(entries)
            saved = await uow.bookings.save(booking.moved_to(T.SETTLED, at=self.clock.now()))
            await uow.commit()
        return saved

    async def _pay_out(self, booking: Booking, entries: list) -> None:
        """Send each operator with a payout account what the rider paid for its legs, one transfer
        per operator and booking (the municipality's share is invoiced from the ledger)."""
        owed: dict[str, int] = {}
        for entry in entries:
            if entry.kind is EntryKind.RIDER_PAID and entry.operator_id in self._payouts:
                owed[entry.operator_id] = owed.get(entry.operator_id, 0) + entry.amount.amount_minor
        for operator_id, amount in sorted(owed.items()):
            await self._step(booking, f"transfer:{operator_id}", lambda: self._payments.transfer(
                operator_account=self._payouts[operator_id],
                amount=Money(amount_minor=amount, currency=booking.total.currency),
                booking_id=booking.id, idempotency_key=f"{booking.id}:transfer:{operator_id}"))

    async def refresh_leg(self, operator_id: str, leg_booking_id: str) -> Booking | None:
        """After an operator's trip event: refresh the booking holding that leg, if any."""
        async with self._uow() as uow:
            booking = await uow.bookings.find_by_leg(operator_id, leg_booking_id)
        return None if booking is None else await self.refresh(booking.id)

    # -- reading and cancelling ------------------------------------------------------------------
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

    async def _cancel_legs(self, booking: Booking, why: str = "", *, waive_fees: bool = False) -> Booking:
        for leg in booking.legs:
            if leg.booking is not None and leg.booking.state not in FINAL_STATES:
                adapter = self._adapters[leg.operator_id]
                cancelled = await self._step(booking, f"cancel:{leg.index}", lambda: adapter.cancel(
                    leg.booking.id, idempotency_key=f"{booking.id}:cancel:{leg.index}"))
                booking = await self._save(booking.with_leg(leg.model_copy(update={"booking": cancelled})))
        now = self.clock.now()
        for leg in booking.legs:
            fee = 0 if waive_fees else _fee_due(leg, now)
            if fee:
                booking = booking.with_leg(leg.model_copy(update={"fee": Money(amount_minor=fee,
                                                                               currency=leg.price.currency)}))
        fees = sum(leg.fee.amount_minor for leg in booking.legs if leg.fee is not None)
        booking = await self._settle_cancellation(booking, fees)
        reason = "cancelled free of charge" if not fees else f"cancelled; fees {fees} {booking.total.currency}"
        reason = f"{why}; {reason}" if why else reason
        return await self._save(booking.moved_to(T.CANCELLED, reason=reason, at=self.clock.now()))

    async def _settle_cancellation(self, booking: Booking, fees: int) -> Booking:
        payment = booking.payment
        if payment is None:
            return booking
        if payment.state is PaymentState.AUTHORISED:
            if fees:
                fee = Money(amount_minor=min(fees, payment.authorised.amount_minor), currency=booking.total.currency)
                taken = await self._step(booking, "capture-fees", lambda: self._payments.capture(
                    payment, fee, idempotency_key=f"{booking.id}:capture-fees"))
            else:
                taken = await self._step(booking, "void", lambda: self._payments.cancel(
                    payment, idempotency_key=f"{booking.id}:void"))
            return await self._save(booking.model_copy(update={"payment": taken}))
        if payment.state is PaymentState.CAPTURED and payment.refundable_minor > fees:
            back = Money(amount_minor=payment.refundable_minor - fees, currency=booking.total.currency)
            refunded = await self._step(booking, "refund", lambda: self._payments.refund(
                payment, back, idempotency_key=f"{booking.id}:refund"))
            return await self._save(booking.model_copy(update={"payment": refunded}))
        return booking


class _LegRefused(DomainError):
    code = "operator_rejected"


def _check_owner(offer: Offer, account: Account | None, rider: RiderContext | None) -> None:
    """An offer issued for a rider is booked by that rider, or by staff acting for them."""
    if rider is not None:
        rider.check_offer(offer)
    elif offer.issued_for is not None and (account is None or account.id != offer.issued_for):
        raise OfferNotYours(f"offer {offer.id} was issued for another rider: plan the trip again",
                            fields={"offer_ids": offer.id})


def _fee_due(leg: BookedLeg, now: dt.datetime) -> int:
    terms = leg.conditions
    if leg.booking is None or leg.booking.state is not BookingState.CANCELLED or terms.cancellation_fee is None:
        return 0
    if terms.free_cancellation_until is not None and now <= terms.free_cancellation_until:
        return 0
    return terms.cancellation_fee.amount_minor


def _describe(result: object) -> str:
    if isinstance(result, LegBooking):
        return f"{result.id} {result.state.value}"
    if isinstance(result, Payment):
        return f"{result.id} {result.state.value}"
    return ""
