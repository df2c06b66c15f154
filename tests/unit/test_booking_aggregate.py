"""The Booking aggregate's rules, without I/O: the trip's state from its legs, the outcome once
the legs were committed, cancellation fees, the final amount, what the gateway is asked for,
and the compensation's reason kept as a field (and read from bookings stored before it was)."""

from __future__ import annotations

import datetime as dt

import pytest

from maas.domain.bookings import (BookedLeg, Booking, Compensation, PaymentStep, TripState)
from maas.domain.errors import Conflict
from maas.domain.ledger import rider_paid_by_operator, settlement_entries
from maas.domain.mobility import BookingState, Conditions, LegBooking
from maas.domain.payments import Payment, PaymentState
from maas.domain.planning import Money

JST = dt.timezone(dt.timedelta(hours=9))
T0 = dt.datetime(2026, 12, 8, 8, 0, tzinfo=JST)
L, T = BookingState, TripState


def yen(amount: int) -> Money:
    return Money(amount_minor=amount, currency="JPY")


def leg(index: int, state: BookingState | None, *, price: int = 500, fee: int | None = None,
        free_until: dt.datetime | None = None, rider_price: int | None = None, covered: int | None = None,
        reason: str = "") -> BookedLeg:
    departure = T0 + dt.timedelta(hours=1 + index)
    answer = None if state is None else LegBooking(
        id=f"op-{index}", operator_id=f"op{index}", offer_id=f"off-{index}", state=state, price=yen(price),
        departure=departure, arrival=departure + dt.timedelta(minutes=30), reason=reason)
    conditions = Conditions(free_cancellation_until=free_until,
                            cancellation_fee=yen(fee) if fee is not None else None)
    return BookedLeg(index=index, operator_id=f"op{index}", offer_id=f"off-{index}", mode="BUS", price=yen(price),
                     departure=departure, arrival=departure + dt.timedelta(minutes=30), conditions=conditions,
                     booking=answer, rider_price=yen(rider_price) if rider_price is not None else None,
                     covered=yen(covered) if covered is not None else None)


def booking(*legs: BookedLeg, state: TripState = T.PENDING, payment: Payment | None = None,
            confirm_by: dt.datetime | None = None, authorise_at: dt.datetime | None = None, **more) -> Booking:
    total = sum(one.rider_share.amount_minor for one in legs)
    return Booking(id="bkg-1", account_id="acc-1", state=state, legs=legs, total=yen(total), payment=payment,
                   idempotency_key="k", request_digest="d", created_at=T0, updated_at=T0,
                   confirm_by=confirm_by, authorise_at=authorise_at, **more)


def held(amount: int, state: PaymentState = PaymentState.AUTHORISED, captured: int = 0, refunded: int = 0) -> Payment:
    return Payment(id="pi_1", gateway="stripe", booking_id="bkg-1", state=state, authorised=yen(amount),
                   captured_minor=captured, refunded_minor=refunded)


# -- the outcome once every leg was committed ------------------------------------------------------
def test_every_leg_confirmed_confirms_the_trip():
    outcome = booking(leg(0, L.CONFIRMED), leg(1, L.CONFIRMED)).confirmation(T0)
    assert outcome.state is T.CONFIRMED and not outcome.compensate


@pytest.mark.parametrize("lost", [L.CANCELLED, L.RELEASED, L.EXPIRED, L.REJECTED])
def test_a_leg_without_a_ride_rejects_the_trip(lost):
    outcome = booking(leg(0, L.CONFIRMED), leg(1, lost)).confirmation(T0)
    assert outcome.state is T.REJECTED and outcome.compensate
    assert outcome.reason == "an operator did not confirm its leg"


@pytest.mark.parametrize("waiting", [L.PENDING, L.CONDITIONAL_CONFIRMED])
def test_a_held_leg_waits_for_its_operator_until_the_deadline(waiting):
    trip = booking(leg(0, L.CONFIRMED), leg(1, waiting), confirm_by=T0 + dt.timedelta(minutes=15))
    assert trip.confirmation(T0).state is T.CONDITIONAL_CONFIRMED
    assert trip.confirmation(T0 + dt.timedelta(minutes=15)).state is T.CONDITIONAL_CONFIRMED  # at it: still on time
    late = trip.confirmation(T0 + dt.timedelta(minutes=15, seconds=1))
    assert late.state is T.EXPIRED and late.compensate and late.reason == "an operator did not confirm in time"


def test_a_refusal_wins_over_a_passed_deadline():
    trip = booking(leg(0, L.REJECTED), leg(1, L.PENDING), confirm_by=T0)
    assert trip.confirmation(T0 + dt.timedelta(hours=1)).state is T.REJECTED


def test_a_leg_no_operator_answered_about_is_not_a_confirmation():
    assert booking(leg(0, L.CONFIRMED), leg(1, None)).confirmation(T0).state is T.CONDITIONAL_CONFIRMED


def test_awaiting_confirmation_sets_the_deadline_once():
    trip = booking(leg(0, L.PENDING)).awaiting_confirmation(T0, dt.timedelta(minutes=15))
    assert trip.state is T.CONDITIONAL_CONFIRMED and trip.confirm_by == T0 + dt.timedelta(minutes=15)
    again = trip.awaiting_confirmation(T0 + dt.timedelta(minutes=10), dt.timedelta(minutes=15))
    assert again.confirm_by == T0 + dt.timedelta(minutes=15)


def test_an_operators_own_response_time_shortens_the_wait_never_lengthens_it():
    def answering_by(minutes: int) -> BookedLeg:
        one = leg(0, L.CONDITIONAL_CONFIRMED)
        assert one.booking is not None
        terms = one.booking.conditions.model_copy(update={"respond_by": T0 + dt.timedelta(minutes=minutes)})
        return one.model_copy(update={"booking": one.booking.model_copy(update={"conditions": terms})})

    soon = booking(answering_by(5), leg(1, L.CONFIRMED)).awaiting_confirmation(T0, dt.timedelta(minutes=15))
    assert soon.confirm_by == T0 + dt.timedelta(minutes=5)
    assert soon.confirmation(T0 + dt.timedelta(minutes=6)).state is T.EXPIRED
    late = booking(answering_by(60)).awaiting_confirmation(T0, dt.timedelta(minutes=15))
    assert late.confirm_by == T0 + dt.timedelta(minutes=15)


def test_the_hold_is_taken_at_booking_unless_free_held_or_left_to_the_day_ahead():
    assert booking(leg(0, None)).needs_hold()
    assert not booking(leg(0, None, price=0)).needs_hold()
    assert not booking(leg(0, None), payment=held(500)).needs_hold()
    assert not booking(leg(0, None), authorise_at=T0).needs_hold()


# -- the compensation's reason ---------------------------------------------------------------------
def test_a_compensation_keeps_its_reason_through_a_stall_and_ends_in_its_state():
    trip = booking(leg(0, L.CONFIRMED)).compensating(T.REJECTED, "payment_declined: card refused")
    assert trip.compensate_to is T.REJECTED and trip.compensation == Compensation(reason="payment_declined: card refused")
    stalled = trip.compensation_stalled("op0 is down").compensation_stalled("op0 is still down")
    assert stalled.compensation == Compensation(reason="payment_declined: card refused", pending="op0 is still down")
    assert stalled.reason == "payment_declined: card refused; compensation pending: op0 is still down"
    assert stalled.compensation_reason == "payment_declined: card refused"
    done = stalled.compensated(T0 + dt.timedelta(minutes=1))
    assert (done.state, done.reason, done.compensate_to, done.compensation) == (
        T.REJECTED, "payment_declined: card refused", None, None)


def test_a_second_compensation_does_not_replace_the_first():
    trip = booking(leg(0, L.CONFIRMED)).compensating(T.REJECTED, "first")
    assert trip.compensating(T.EXPIRED, "second") is trip


def test_the_reason_is_a_field_even_when_it_looks_like_a_stall():
    trip = booking(leg(0, L.CONFIRMED)).compensating(T.REJECTED, "operator said '; compensation pending' oddly")
    assert trip.compensation_stalled("down").compensation_reason == "operator said '; compensation pending' oddly"


def test_a_booking_stored_before_the_field_reads_its_reason_from_the_text():
    stored = booking(leg(0, L.CONFIRMED)).model_dump(mode="json", exclude={"compensation"})
    stored.update(compensate_to="EXPIRED", reason="an operator did not confirm in time; compensation pending: down")
    old = Booking.model_validate(stored)
    assert old.compensation is None and old.compensation_reason == "an operator did not confirm in time"
    assert old.compensated(T0).reason == "an operator did not confirm in time"


def test_compensated_refuses_a_step_the_life_cycle_forbids():
    trip = booking(leg(0, L.CONFIRMED), state=T.CONFIRMED).model_copy(update={"compensate_to": T.REJECTED})
    with pytest.raises(Conflict):
        trip.compensated(T0)


# -- the trip's state from its legs ----------------------------------------------------------------
@pytest.mark.parametrize(("legs", "before", "after"), [
    ((L.CONFIRMED, L.CONFIRMED), T.CONFIRMED, T.CONFIRMED),
    ((L.STARTED, L.CONFIRMED), T.CONFIRMED, T.STARTED),
    ((L.FINISHED, L.CONFIRMED), T.CONFIRMED, T.STARTED),  # the first leg ended; the trip is under way
    ((L.FINISHED, L.STARTED), T.STARTED, T.STARTED),
    ((L.FINISHED, L.FINISHED), T.STARTED, T.FINISHED),
    ((L.FINISHED, L.FINISHED), T.CONFIRMED, T.FINISHED),  # no event seen in between
    ((L.FINISHED, L.EXPIRED), T.STARTED, T.FINISHED),  # a reserved bike never taken: over, not ridden
    ((L.CANCELLED, L.RELEASED), T.STARTED, T.FINISHED),
    ((L.FINISHED, L.FINISHED), T.FINISHED, T.FINISHED),
])
def test_the_trip_state_follows_its_legs(legs, before, after):
    trip = booking(*(leg(i, s) for i, s in enumerate(legs)), state=before)
    assert trip.progressed() is after


@pytest.mark.parametrize("ended", [L.CANCELLED, L.REJECTED])
def test_an_operator_ending_a_leg_before_the_trip_drops_it(ended):
    trip = booking(leg(0, L.CONFIRMED), leg(1, ended, reason="bus broke down"), state=T.CONFIRMED)
    assert trip.dropped_by_operator() == "op1 cancelled leg 1 (bus broke down)"
    assert booking(leg(0, ended), state=T.CONFIRMED).dropped_by_operator() == "op0 cancelled leg 0"


def test_a_lapsed_leg_or_a_trip_under_way_is_not_dropped():
    assert booking(leg(0, L.CONFIRMED), leg(1, L.EXPIRED), state=T.CONFIRMED).dropped_by_operator() is None
    assert booking(leg(0, L.FINISHED), leg(1, L.CANCELLED), state=T.STARTED).dropped_by_operator() is None


def test_when_to_ask_operators_and_to_authorise():
    trip = booking(leg(0, L.CONFIRMED), leg(1, L.CONFIRMED), state=T.CONFIRMED)
    last_arrival = trip.legs[1].arrival
    assert not trip.should_be_over(last_arrival - dt.timedelta(seconds=1))
    assert trip.should_be_over(last_arrival)
    assert trip.model_copy(update={"state": T.FINISHED}).should_be_over(T0)
    later = trip.model_copy(update={"authorise_at": T0 + dt.timedelta(hours=1)})
    assert not later.authorisation_due(T0) and later.authorisation_due(T0 + dt.timedelta(hours=1))
    assert not later.model_copy(update={"payment": held(1000)}).authorisation_due(T0 + dt.timedelta(hours=2))
    assert not trip.authorisation_due(T0 + dt.timedelta(days=9))


# -- fees and amounts ------------------------------------------------------------------------------
def test_a_fee_is_due_for_a_leg_cancelled_after_its_free_period():
    late = leg(0, L.CANCELLED, fee=200, free_until=T0)
    assert late.fee_due(T0) is None  # at the end of the free period: still free
    assert late.fee_due(T0 + dt.timedelta(seconds=1)) == yen(200)
    assert leg(0, L.CANCELLED, fee=200).fee_due(T0) == yen(200)  # no free period at all


@pytest.mark.parametrize("unfeed", [
    leg(0, L.CANCELLED),  # the offer had no fee
    leg(0, L.CANCELLED, fee=0),
    leg(0, L.RELEASED, fee=200),  # released by the saga, never the rider's cancellation
    leg(0, L.FINISHED, fee=200),
    leg(0, None, fee=200),
])
def test_no_fee_without_a_late_cancellation_and_a_fee(unfeed):
    assert unfeed.fee_due(T0 + dt.timedelta(days=1)) is None


def test_fees_add_up_per_leg_and_can_be_waived():
    trip = booking(leg(0, L.CANCELLED, fee=200), leg(1, L.CANCELLED, fee=300, free_until=T0), leg(2, L.CANCELLED),
                   state=T.CONFIRMED)
    charged = trip.with_fees(T0 + dt.timedelta(minutes=1))
    assert [one.fee for one in charged.legs] == [yen(200), yen(300), None]
    assert charged.fees == yen(500)
    assert trip.with_fees(T0 - dt.timedelta(minutes=1)).fees == yen(200)
    assert trip.with_fees(T0 + dt.timedelta(minutes=1), waive=True).fees == yen(0)
    assert charged.cancellation_reason() == "cancelled; fees 500 JPY"
    assert trip.cancellation_reason("op1 cancelled leg 1") == "op1 cancelled leg 1; cancelled free of charge"


def test_the_final_amount_is_the_riders_share_of_each_ridden_leg_and_the_fees():
    trip = booking(leg(0, L.FINISHED, price=500, rider_price=300, covered=100),  # pays 200
                   leg(1, L.EXPIRED, price=700),  # never ridden
                   leg(2, L.FINISHED, price=400), state=T.FINISHED)
    assert trip.final_amount == yen(600)
    fee = trip.with_leg(trip.legs[1].model_copy(update={"fee": yen(150)}))
    assert fee.final_amount == yen(750)


# -- what the gateway is asked for -----------------------------------------------------------------
def test_settlement_captures_the_final_amount_or_voids_a_hold_owing_nothing():
    ridden = booking(leg(0, L.FINISHED, price=500), leg(1, L.FINISHED, price=300), state=T.FINISHED,
                     payment=held(800))
    action = ridden.settlement_payment()
    assert (action.step, action.amount) == (PaymentStep.CAPTURE, yen(800))
    nothing = booking(leg(0, L.EXPIRED, price=500), state=T.FINISHED, payment=held(500))
    assert nothing.settlement_payment().step is PaymentStep.VOID
    assert booking(leg(0, L.FINISHED), state=T.FINISHED).settlement_payment().step is PaymentStep.NONE
    taken = ridden.model_copy(update={"payment": held(800, PaymentState.CAPTURED, captured=800)})
    assert taken.settlement_payment().step is PaymentStep.NONE  # never taken twice


def test_a_late_hold_only_when_the_day_ahead_authorisation_failed_and_something_is_owed():
    due = booking(leg(0, L.FINISHED), state=T.FINISHED, authorise_at=T0)
    assert due.needs_late_hold()
    assert not booking(leg(0, L.EXPIRED), state=T.FINISHED, authorise_at=T0).needs_late_hold()
    assert not booking(leg(0, L.FINISHED), state=T.FINISHED).needs_late_hold()
    assert not due.model_copy(update={"payment": held(500)}).needs_late_hold()


def test_cancelling_takes_the_fees_from_the_hold_never_more_than_it():
    trip = booking(leg(0, L.CANCELLED, fee=200, price=500), state=T.CONFIRMED).with_fees(T0)
    action = trip.model_copy(update={"payment": held(500)}).cancellation_payment()
    assert (action.step, action.amount) == (PaymentStep.CAPTURE, yen(200))
    small = trip.model_copy(update={"payment": held(150)}).cancellation_payment()
    assert (small.step, small.amount) == (PaymentStep.CAPTURE, yen(150))
    free = booking(leg(0, L.CANCELLED, price=500), state=T.CONFIRMED, payment=held(500))
    assert free.cancellation_payment().step is PaymentStep.VOID


def test_cancelling_refunds_what_was_taken_beyond_the_fees():
    trip = booking(leg(0, L.CANCELLED, fee=200, price=500), state=T.CONFIRMED).with_fees(T0)
    paid = trip.model_copy(update={"payment": held(500, PaymentState.CAPTURED, captured=500)})
    action = paid.cancellation_payment()
    assert (action.step, action.amount) == (PaymentStep.REFUND, yen(300))
    partly = trip.model_copy(update={"payment": held(500, PaymentState.CAPTURED, captured=500, refunded=300)})
    assert partly.cancellation_payment().step is PaymentStep.NONE  # only the fee is left: keep it
    assert trip.cancellation_payment().step is PaymentStep.NONE  # nothing held
    gone = trip.model_copy(update={"payment": held(500, PaymentState.CANCELLED)})
    assert gone.cancellation_payment().step is PaymentStep.NONE


def test_each_operator_is_paid_out_what_the_rider_paid_for_its_legs():
    trip = booking(leg(0, L.FINISHED, price=500, rider_price=300), leg(1, L.FINISHED, price=400),
                   leg(2, L.CANCELLED, price=700, fee=100), state=T.FINISHED)
    trip = trip.with_leg(trip.legs[2].model_copy(update={"operator_id": "op0"}))
    entries = settlement_entries(trip.with_fees(T0), municipality="town", at=T0)
    assert rider_paid_by_operator(entries) == {"op0": yen(400), "op1": yen(400)}
    assert rider_paid_by_operator([]) == {}
