"""What operators sell, in TOMP-API terms: offers for a trip, leg bookings with their life cycle,
and the trip events that move a booked leg along.

The states and their allowed transitions follow TOMP-API 1.6 (`bookingState`): a booking is
made PENDING (or straight CONDITIONAL_CONFIRMED when the operator decides later, like an
on-demand van), then committed to CONFIRMED, or ends REJECTED, RELEASED, EXPIRED or CANCELLED;
a confirmed leg is STARTED then FINISHED. Every adapter and the booking saga change states
only through `LegBooking.moved_to`, so an impossible step is a `Conflict`, never silent.
"""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from maas.domain.accounts import NEEDS, GeoPoint
from maas.domain.errors import Conflict
from maas.domain.planning import CONCESSIONS, Money


class BookingState(str, Enum):
    NEW = "NEW"
    PENDING = "PENDING"
    CONDITIONAL_CONFIRMED = "CONDITIONAL_CONFIRMED"
    CONFIRMED = "CONFIRMED"
    STARTED = "STARTED"
    FINISHED = "FINISHED"
    REJECTED = "REJECTED"
    RELEASED = "RELEASED"
    EXPIRED = "EXPIRED"
    CANCELLED = "CANCELLED"


S = BookingState
ALLOWED_TRANSITIONS: dict[BookingState, frozenset[BookingState]] = {
    S.NEW: frozenset({S.PENDING, S.CONDITIONAL_CONFIRMED, S.REJECTED}),
    S.PENDING: frozenset({S.CONDITIONAL_CONFIRMED, S.CONFIRMED, S.REJECTED, S.RELEASED,
                          S.EXPIRED, S.CANCELLED}),
    S.CONDITIONAL_CONFIRMED: frozenset({S.CONFIRMED, S.REJECTED, S.RELEASED, S.EXPIRED,
                                        S.CANCELLED}),
    # FINISHED: a no-show ends it; EXPIRED: a reservation (a held bike) not used in time
    S.CONFIRMED: frozenset({S.STARTED, S.CANCELLED, S.FINISHED, S.EXPIRED}),
    S.STARTED: frozenset({S.FINISHED}),
    S.FINISHED: frozenset(),
    S.REJECTED: frozenset(),
    S.RELEASED: frozenset(),
    S.EXPIRED: frozenset(),
    S.CANCELLED: frozenset(),
}
FINAL_STATES = frozenset(s for s, nxt in ALLOWED_TRANSITIONS.items() if not nxt)
HELD_STATES = frozenset({S.PENDING, S.CONDITIONAL_CONFIRMED})


def _aware(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("times need a UTC offset")
    return value


class OfferQuery(BaseModel):
    """A trip one operator is asked to price: door to door, for a party, with their needs and
    the concessions the rider is eligible for (the operator prices them if it grants them)."""

    model_config = ConfigDict(frozen=True)
    origin: GeoPoint
    destination: GeoPoint
    depart_at: dt.datetime
    travellers: int = Field(default=1, ge=1, le=9)
    needs: frozenset[str] = frozenset()
    concessions: frozenset[str] = frozenset()
    rider_ref: str = Field(default="", max_length=100)  # the account the trip is for, kept on the booking
    rider_name: str = Field(default="", max_length=200)  # for the driver's manifest
    # The latest the rider may arrive (door to door with arrive_by): an operator that cannot
    # promise to set them down by then offers nothing.
    arrive_by: dt.datetime | None = None

    _depart_aware = field_validator("depart_at")(_aware)

    @field_validator("arrive_by")
    @classmethod
    def _arrive_aware(cls, value: dt.datetime | None) -> dt.datetime | None:
        return None if value is None else _aware(value)

    @field_validator("concessions")
    @classmethod
    def _known_concessions(cls, value: frozenset[str]) -> frozenset[str]:
        if value - CONCESSIONS:
            raise ValueError(f"unknown concessions: {', '.join(sorted(value - CONCESSIONS))}")
        return value

    @field_validator("needs")
    @classmethod
    def _known_needs(cls, value: frozenset[str]) -> frozenset[str]:
        unknown = value - NEEDS
        if unknown:
            raise ValueError(f"unknown needs: {', '.join(sorted(unknown))}")
        return value

    @property
    def wheelchair(self) -> bool:
        return "wheelchair" in self.needs


# The personal data an operator may require (TOMP requiredFields) that the platform can pass on.
BOOKING_DATA_FIELDS = ("EMAIL", "FIRST_NAME", "LAST_NAME", "BIRTHDATE", "PHONE_NUMBERS")


class Conditions(BaseModel):
    """The terms an offer is sold on; the booking keeps them so refunds follow what was sold."""

    model_config = ConfigDict(frozen=True)
    confirmation_required: bool = False  # the operator confirms later (CONDITIONAL_CONFIRMED)
    # The operator's own deadline for that answer (TOMP's ultimateResponseTime); the booking
    # waits no longer than this, nor than the platform's own limit.
    respond_by: dt.datetime | None = None
    # Personal data the operator requires with the booking (TOMP's conditionRequireBookingData
    # `requiredFields`, e.g. EMAIL, BIRTHDATE): asked of the rider, passed with that booking only
    # (never stored); a field outside BOOKING_DATA_FIELDS cannot be given and the leg is refused.
    required_data: tuple[str, ...] = ()
    free_cancellation_until: dt.datetime | None = None
    cancellation_fee: Money | None = None  # charged when cancelled after the free period
    notes: tuple[str, ...] = ()


class Offer(BaseModel):
    """One priced option from one operator, valid until `valid_until`."""

    model_config = ConfigDict(frozen=True)
    id: str = Field(min_length=1, max_length=200)
    operator_id: str
    mode: str  # taxi, bike, scooter, car, on_demand, bus, rail
    price: Money
    valid_until: dt.datetime
    departure: dt.datetime
    arrival: dt.datetime
    origin: GeoPoint
    destination: GeoPoint
    distance_m: int = Field(ge=0)
    conditions: Conditions = Conditions()
    vehicle_type: str = ""
    description: str = ""
    route_id: str | None = None  # the GTFS route of a scheduled transit leg (route performance counts it)
    issued_for: str | None = None  # the rider's account it was quoted for; None: anyone may book it
    latest_arrival: dt.datetime | None = None  # promised: the rider is set down by then; None: no promise

    _times_aware = field_validator("valid_until", "departure", "arrival")(_aware)

    @field_validator("latest_arrival")
    @classmethod
    def _latest_aware(cls, value: dt.datetime | None) -> dt.datetime | None:
        return None if value is None else _aware(value)

    @model_validator(mode="after")
    def _ordered(self) -> Offer:
        if self.arrival < self.departure:
            raise ValueError("an offer cannot arrive before it departs")
        return self

    def is_valid_at(self, now: dt.datetime) -> bool:
        return now < self.valid_until


class LegBooking(BaseModel):
    """One operator's booking of one offer, as the operator reports it."""

    model_config = ConfigDict(frozen=True)
    id: str = Field(min_length=1, max_length=200)
    operator_id: str
    offer_id: str
    state: BookingState
    price: Money
    conditions: Conditions = Conditions()
    departure: dt.datetime
    arrival: dt.datetime
    expires_at: dt.datetime | None = None  # a held (pending) booking lapses then
    reason: str = ""  # why it was rejected, expired or cancelled

    def moved_to(self, state: BookingState, *, reason: str = "") -> LegBooking:
        """This booking in `state`; raises Conflict when TOMP's life cycle forbids the step.
        Moving to the state it is already in is allowed (a repeated request, not a step)."""
        if state == self.state:
            return self
        if state not in ALLOWED_TRANSITIONS[self.state]:
            raise Conflict(f"booking {self.id} is {self.state.value} and cannot become {state.value}")
        return self.model_copy(update={"state": state, "reason": reason or self.reason})


class TripEventKind(str, Enum):
    STARTED = "STARTED"
    FINISHED = "FINISHED"
    NO_SHOW = "NO_SHOW"
    ISSUE = "ISSUE"


EVENT_TARGET = {
    TripEventKind.STARTED: BookingState.STARTED,
    TripEventKind.FINISHED: BookingState.FINISHED,
    TripEventKind.NO_SHOW: BookingState.FINISHED,
    TripEventKind.ISSUE: None,  # recorded; the state stays
}


class TripEvent(BaseModel):
    model_config = ConfigDict(frozen=True)
    booking_id: str
    kind: TripEventKind
    at: dt.datetime
    detail: str = Field(default="", max_length=2000)
    # "operator": the operator reported it from its own system, so its adapter must not pass it back.
    source: Literal["maas", "operator"] = "maas"

    _at_aware = field_validator("at")(_aware)


class AvailableAsset(BaseModel):
    """A vehicle or a station with vehicles, free to use now (the GBFS view of an operator)."""

    model_config = ConfigDict(frozen=True)
    id: str
    operator_id: str
    kind: str  # station or vehicle
    position: GeoPoint
    vehicle_type: str = ""
    available: int = Field(default=1, ge=0)  # vehicles at a station
    free_docks: int | None = None
    range_m: int | None = None
    distance_m: int = 0  # from the point asked about
