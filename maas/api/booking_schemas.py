"""API shapes of trip bookings: the request (offers from a plan, in any order) and the booking
with its legs, payment and the saga's journal."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, Field

from maas.api.schemas import MoneyOut, Request
from maas.api.texts import text
from maas.domain.bookings import BookedLeg, Booking, SagaStep
from maas.domain.mobility import LegBooking
from maas.domain.planning import Money


class BookingRequest(Request):
    offer_ids: list[str] = Field(min_length=1, max_length=8, description="Offer ids from a plan's legs.")
    payment_method: str | None = Field(default=None, max_length=200,
                                       description="A saved payment method (Stripe); none pays on board.")
    for_rider: str | None = Field(default=None, max_length=100,
                                  description="Call-centre staff: the account id of the rider booked for.")
    booking_data: dict[Literal["EMAIL", "FIRST_NAME", "LAST_NAME", "BIRTHDATE", "PHONE_NUMBERS"],
                       Annotated[str, Field(min_length=1, max_length=200)]] = Field(
        default_factory=dict, description="Personal data an operator requires to book (TOMP requiredFields; an "
                                          "offer's notes name them), beside the account's email, birth date and "
                                          "phone; passed to that operator only and not stored.")

    def ids(self) -> list[str]:
        return [offer_id.strip() for offer_id in self.offer_ids]


class BookedLegOut(BaseModel):
    index: int
    operator_id: str
    mode: str
    offer_id: str
    description: str
    price: MoneyOut = Field(description="The operator's price for the leg.")
    rider_price: MoneyOut = Field(description="What the rider pays after the municipality's fare rules and any pass.")
    subsidy: MoneyOut = Field(description="What the municipality pays the operator for the leg.")
    rules: list[str] = Field(description="The fare rules applied.")
    covered: MoneyOut | None = Field(description="What the rider's pass pays of their share; null when none does.")
    pass_id: str | None
    departure: dt.datetime
    arrival: dt.datetime
    state: str | None = Field(description="The operator's booking state; null before it answered.")
    operator_booking_id: str | None
    reason: str

    @classmethod
    def of(cls, leg: BookedLeg) -> BookedLegOut:
        b = leg.booking
        return cls(index=leg.index, operator_id=leg.operator_id, mode=leg.mode, offer_id=leg.offer_id,
                   description=text(leg.description), price=MoneyOut.of(leg.price),
                   rider_price=MoneyOut.of(leg.rider_share),
                   subsidy=MoneyOut.of(leg.subsidy or Money(amount_minor=0, currency=leg.price.currency)),
                   rules=list(leg.rules), covered=MoneyOut.of(leg.covered), pass_id=leg.pass_id,
                   departure=leg.departure, arrival=leg.arrival, state=b.state.value if b else None,
                   operator_booking_id=b.id if b else None, reason=text(b.reason) if b else "")


class PaymentOut(BaseModel):
    gateway: str
    state: str
    authorised: MoneyOut
    captured_minor: int
    refunded_minor: int


class BookingOut(BaseModel):
    id: str
    account_id: str = Field(description="The rider the trip is for.")
    booked_by: str | None = Field(description="Who booked it: the rider, or call-centre staff acting for them.")
    cancelled_by: str | None
    state: str
    reason: str
    total: MoneyOut
    legs: list[BookedLegOut]
    payment: PaymentOut | None
    created_at: dt.datetime
    updated_at: dt.datetime
    confirm_by: dt.datetime | None
    authorise_at: dt.datetime | None = Field(description="A trip beyond a card hold's life is authorised with the "
                                                         "rider's saved method then; null: at booking.")

    @classmethod
    def of(cls, booking: Booking) -> BookingOut:
        p = booking.payment
        payment = None if p is None else PaymentOut(
            gateway=p.gateway, state=p.state.value, authorised=MoneyOut.of(p.authorised),
            captured_minor=p.captured_minor, refunded_minor=p.refunded_minor)
        return cls(id=booking.id, account_id=booking.account_id, booked_by=booking.booked_by,
                   cancelled_by=booking.cancelled_by, state=booking.state.value, reason=text(booking.reason),
                   total=MoneyOut.of(booking.total), legs=[BookedLegOut.of(leg) for leg in booking.legs],
                   payment=payment, created_at=booking.created_at, updated_at=booking.updated_at,
                   confirm_by=booking.confirm_by, authorise_at=booking.authorise_at)


class BookingList(BaseModel):
    items: list[BookingOut]


class BookingListQuery(Request):
    rider: str | None = Field(default=None, max_length=100, description="Staff only: one rider's bookings.")
    limit: int = Field(default=50, ge=1, le=200)


class ForRiderQuery(Request):
    for_rider: str | None = Field(default=None, max_length=100,
                                  description="Call-centre staff: the rider acted for (the booking must be theirs).")


class SagaStepOut(BaseModel):
    seq: int
    name: str
    status: str
    at: dt.datetime
    detail: str

    @classmethod
    def of(cls, step: SagaStep) -> SagaStepOut:
        return cls(seq=step.seq, name=step.name, status=step.status.value, at=step.at, detail=step.detail)


class JournalOut(BaseModel):
    booking_id: str
    steps: list[SagaStepOut]


class LegEventRequest(Request):
    """A TOMP leg event from the operator's system."""

    kind: Literal["STARTED", "FINISHED", "NO_SHOW", "ISSUE", "CANCELLED"] = Field(description=(
        "CANCELLED: the operator cancelled the leg in its own system (its booking must say so)."))
    at: AwareDatetime | None = Field(default=None, description="When it happened; now if left out.")
    detail: str = Field(default="", max_length=2000)


class OperatorLegOut(BaseModel):
    id: str
    operator_id: str
    state: str
    reason: str

    @classmethod
    def of(cls, leg: LegBooking) -> OperatorLegOut:
        return cls(id=leg.id, operator_id=leg.operator_id, state=leg.state.value, reason=text(leg.reason))


class LegEventOut(BaseModel):
    leg: OperatorLegOut
    booking_id: str | None = Field(description="The booking holding this leg; null when none does.")
    booking_state: str | None
