"""Trip bookings: one booking for every leg of a planned trip, paid once, cancelled as a whole."""

from __future__ import annotations

from maas.api.booking_schemas import (BookingList, BookingListQuery, BookingOut, BookingRequest, ForRiderQuery,
                                      JournalOut, LegEventOut, LegEventRequest, OperatorLegOut, SagaStepOut)
from maas.api.endpoints import Call, EndpointTable, Failed, Replayed
from maas.api.riders import rider_of
from maas.domain.accounts import Principal, Role
from maas.domain.bookings import Booking, TripState
from maas.domain.errors import NotFound
from maas.domain.mobility import TripEventKind

routes = EndpointTable()
RIDERS = (Role.RIDER, Role.AGENT, Role.ADMIN)
TAGS = ("bookings",)
# A booking that ended without a trip is no success: 409 with the envelope and the booking.
FAILED = {TripState.REJECTED: "booking_rejected", TripState.EXPIRED: "booking_expired"}


def _principal(call: Call) -> Principal:
    assert call.principal is not None
    return call.principal


@routes.route("POST", "/v1/bookings", summary="Book a planned trip as one booking", tags=TAGS, roles=RIDERS,
              body=BookingRequest, response=BookingOut, status=201, errors=(403, 404, 409, 422, 503))
async def create_booking(call: Call) -> BookingOut | Replayed | Failed:
    """Reserves every leg, holds the payment, commits every leg: 201 with the booking
    (CONFIRMED, or CONDITIONAL_CONFIRMED while an operator has yet to confirm). Needs an
    `Idempotency-Key`: the same key and body again returns the same booking (200) and does
    nothing twice; the same key with another body is 409 `conflict`.

    A refused leg or payment ends the booking REJECTED, a lapsed offer EXPIRED, with everything
    already held released and nothing charged: the answer is then 409 with the error envelope,
    code `booking_rejected` or `booking_expired`, `fields` {`booking_id`, `state`, `reason`}, and
    the booking itself under `booking` (it can be read again at /v1/bookings/{booking_id}). A
    retry with the same key gets the same 409 and body.

    The booking is the rider's: call-centre staff book for one with `for_rider` (their fares,
    passes and needs apply, never the agent's; the agent is recorded as `booked_by`). 403
    `offer_not_yours` for an offer planned or quoted for another rider; 404 for no such rider;
    422 `not_a_rider` for a staff account, 422 when a rider names someone else.

    An operator that requires the rider's personal data (TOMP `conditionRequireBookingData`, named
    in the offer's notes) gets it from `booking_data` or the account (email, birth date, phone);
    422 `booking_data_required` with `fields` `booking_data.<FIELD>` when some is missing, before
    anything is booked. A field no request can give (a licence, a bank card) ends the booking
    REJECTED with the reason."""
    body: BookingRequest = call.body
    rider = await rider_of(call, body.for_rider)
    booking, created = await call.container.bookings.book(
        _principal(call), body.ids(), idempotency_key=call.idempotency_key(), payment_method=body.payment_method,
        rider=rider, booking_data=body.booking_data)
    if booking.state in FAILED:
        return _failed(booking)
    return BookingOut.of(booking) if created else Replayed(BookingOut.of(booking))


def _failed(booking: Booking) -> Failed:
    state = booking.state.value
    return Failed(409, FAILED[booking.state], f"booking {booking.id} is {state}: {booking.reason or 'no reason given'}",
                  {"booking_id": booking.id, "state": state, "reason": booking.reason}, "booking",
                  BookingOut.of(booking))


@routes.route("GET", "/v1/bookings", summary="My bookings", tags=TAGS, roles=RIDERS, query=BookingListQuery,
              response=BookingList, errors=(422,))
async def list_bookings(call: Call) -> BookingList:
    """The caller's bookings, newest first; staff give `rider` for one rider's (422 for a rider naming another)."""
    query: BookingListQuery = call.query
    found = await call.container.bookings.list_mine(_principal(call), rider=query.rider, limit=query.limit)
    return BookingList(items=[BookingOut.of(b) for b in found])


@routes.route("GET", "/v1/bookings/{booking_id}", summary="One booking", tags=TAGS, roles=RIDERS,
              response=BookingOut, errors=(404,))
async def get_booking(call: Call) -> BookingOut:
    return BookingOut.of(await call.container.bookings.get(_principal(call), call.path("booking_id")))


@routes.route("GET", "/v1/bookings/{booking_id}/journal", summary="The booking saga's journal", tags=TAGS,
              roles=RIDERS, response=JournalOut, errors=(404,))
async def booking_journal(call: Call) -> JournalOut:
    """Every step the saga took, written before it was taken and when it ended."""
    booking_id = call.path("booking_id")
    steps = await call.container.bookings.journal(_principal(call), booking_id)
    return JournalOut(booking_id=booking_id, steps=[SagaStepOut.of(s) for s in steps])


@routes.route("POST", "/v1/bookings/{booking_id}/cancel", summary="Cancel a booking", tags=TAGS, roles=RIDERS,
              query=ForRiderQuery, response=BookingOut, errors=(404, 409, 422))
async def cancel_booking(call: Call) -> BookingOut:
    """Cancels every leg under its offer's terms; the hold is released, or only fees due are taken.
    Staff may name the rider (`for_rider`): 404 if the booking is not theirs. `cancelled_by` records who."""
    query: ForRiderQuery = call.query
    rider = await rider_of(call, query.for_rider) if query.for_rider else None
    return BookingOut.of(await call.container.bookings.cancel(
        _principal(call), call.path("booking_id"), for_rider=rider.account_id if rider else None))


@routes.route("POST", "/v1/bookings/{booking_id}/legs/{leg_index}/unlock", summary="Unlock a booked bike or car",
              tags=TAGS, roles=RIDERS, response=BookingOut, errors=(404, 409, 503))
async def unlock_leg(call: Call) -> BookingOut:
    """Opens the vehicle reserved for this leg; the leg (and the trip) starts now."""
    raw = call.path("leg_index")
    if not raw.isdigit():
        raise NotFound(f"booking {call.path('booking_id')} has no leg {raw!r}")
    return BookingOut.of(await call.container.trip_events.unlock(_principal(call), call.path("booking_id"), int(raw)))


@routes.route("POST", "/v1/operators/{operator_id}/legs/{leg_id}/events", summary="Report a leg's trip event",
              tags=TAGS, roles=(Role.OPERATOR, Role.ADMIN), body=LegEventRequest, response=LegEventOut,
              errors=(403, 404, 409, 422))
async def leg_event(call: Call) -> LegEventOut:
    """TOMP leg events from an operator's system: STARTED, FINISHED, NO_SHOW or ISSUE for one of
    its bookings (`leg_id` is the operator's booking id). The booking holding the leg moves along
    and is settled once every leg is over. 409 for an impossible step (FINISHED of a cancelled leg).
    CANCELLED says the operator cancelled the leg itself: before the trip began, the whole booking
    is then cancelled free of any fee and the hold released (409 if the operator's booking is not
    cancelled)."""
    body: LegEventRequest = call.body
    if body.kind == "CANCELLED":
        leg, booking = await call.container.trip_events.operator_cancelled(
            _principal(call), call.path("operator_id"), call.path("leg_id"))
    else:
        leg, booking = await call.container.trip_events.report(
            _principal(call), call.path("operator_id"), call.path("leg_id"), TripEventKind(body.kind), at=body.at,
            detail=body.detail)
    return LegEventOut(leg=OperatorLegOut.of(leg), booking_id=booking.id if booking else None,
                       booking_state=booking.state.value if booking else None)
