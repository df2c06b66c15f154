"""On-demand rides: what a rider asked for, the pickup window promised, the van's progress, one
service day's plan, and the ports that keep them (`RideStore`) and show them to drivers.

A day's plan is versioned: whoever changes it reads the version with the rides and writes back
only if nobody wrote in between (`StalePlan` otherwise), which is what keeps two concurrent
bookings, in one process or several, from both being promised the last seat.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from enum import Enum
from typing import Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from maas.domain.accounts import NEEDS, GeoPoint
from maas.domain.errors import Conflict, InvalidRequest
from maas.domain.mobility import BookingState, LegBooking, Offer, OfferQuery
from maas.domain.planning import Money

S = BookingState
IN_PLAN_STATES = frozenset({S.CONDITIONAL_CONFIRMED, S.CONFIRMED, S.STARTED})


class RefusalCode(str, Enum):
    OUTSIDE_AREA = "outside_area"
    OUTSIDE_HOURS = "outside_hours"
    NOTICE_TOO_SHORT = "notice_too_short"
    TOO_EARLY = "too_early"  # booking not open yet
    PARTY_TOO_LARGE = "party_too_large"
    NO_CAPACITY = "no_capacity"
    CANNOT_ARRIVE_IN_TIME = "cannot_arrive_in_time"  # the rider's arrive_by cannot be promised


class RideRefused(InvalidRequest):
    """The operator cannot carry this ride; `refusal` says why in a word a client can act on."""

    code = "ride_refused"

    def __init__(self, refusal: RefusalCode, message: str) -> None:
        super().__init__(message, fields={"refusal": refusal.value})
        self.refusal = refusal


class StalePlan(Conflict):
    """The day's plan changed since it was read; read it again and retry."""

    code = "stale_plan"


class StopKind(str, Enum):
    PICKUP = "pickup"
    DROP_OFF = "drop_off"
    BREAK = "break"  # the driver's rest; its id is `break-<k>`, the van's k-th break of the shift
    BREAK_TAKEN = "break_taken"  # kept in the route so the break is not planned again


def break_id(k: int) -> str:
    return f"break-{k}"


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is not None and (value.tzinfo is None or value.utcoffset() is None):
        raise ValueError("times need a UTC offset")
    return value


class Ride(BaseModel):
    """One booked on-demand ride as the operator keeps it."""

    model_config = ConfigDict(frozen=True)
    booking: LegBooking
    service_date: dt.date
    origin: GeoPoint
    destination: GeoPoint
    travellers: int = Field(ge=1, le=9)
    wheelchairs: int = Field(default=0, ge=0, le=4)  # travellers who stay in their wheelchair
    needs: frozenset[str] = frozenset()
    requested_pickup: dt.datetime
    pickup_from: dt.datetime  # the promised pickup window
    pickup_until: dt.datetime
    latest_dropoff: dt.datetime  # the longest ride promised (and no later than arrive_by)
    arrive_by: dt.datetime | None = None  # the latest arrival the rider asked for and was promised
    vehicle_id: str
    rider_ref: str = ""  # the rider's account (whoever booked it: the rider, staff, a trip booking)
    rider_name: str = Field(default="", max_length=200)  # for the driver's manifest
    booked_by: str = ""  # the account that booked it (the rider, or staff for them); empty in a trip booking
    picked_up_at: dt.datetime | None = None
    dropped_off_at: dt.datetime | None = None
    no_show_at: dt.datetime | None = None
    book_key: str = ""  # idempotency key of the booking call
    # The direct (unshared) ride time from pickup to drop-off in the operator's travel model when
    # booked, seconds; None for rides booked before it was kept.
    direct_s: int | None = Field(default=None, ge=0)
    # What the rider pays after the town's fare rules, and the town's share: filled when read by
    # the platform (the same rules whichever way the ride was booked), never by the operator.
    rider_price: Money | None = None
    subsidy: Money | None = None

    _times_aware = field_validator("requested_pickup", "pickup_from", "pickup_until", "latest_dropoff",
                                   "arrive_by", "picked_up_at", "dropped_off_at",
                                   "no_show_at")(_aware)

    @field_validator("needs")
    @classmethod
    def _known_needs(cls, value: frozenset[str]) -> frozenset[str]:
        if value - NEEDS:
            raise ValueError(f"unknown needs: {', '.join(sorted(value - NEEDS))}")
        return value

    @model_validator(mode="after")
    def _window(self) -> Ride:
        if self.pickup_until < self.pickup_from:
            raise ValueError("the promised pickup window ends before it starts")
        if self.wheelchairs > self.travellers:
            raise ValueError("more wheelchairs than travellers")
        return self

    @property
    def id(self) -> str:
        return self.booking.id

    @property
    def operator_id(self) -> str:
        return self.booking.operator_id

    @property
    def in_plan(self) -> bool:
        """Holds a place in the day's plan (booked and not yet dropped off or ended)."""
        return self.booking.state in IN_PLAN_STATES and self.dropped_off_at is None


class DayPlan(BaseModel):
    """The order in which each vehicle serves the day's rides, and the version it was read at."""

    model_config = ConfigDict(frozen=True)
    operator_id: str
    service_date: dt.date
    version: int = Field(default=0, ge=0)  # 0: never written
    routes: dict[str, tuple[tuple[str, StopKind], ...]] = Field(default_factory=dict)

    def vehicle_of(self, ride_id: str) -> str | None:
        for vehicle_id, stops in self.routes.items():
            if any(r == ride_id for r, _ in stops):
                return vehicle_id
        return None


class RideStore(Protocol):
    """Durable rides and day plans of on-demand operators."""

    async def load_day(self, operator_id: str, service_date: dt.date) -> tuple[DayPlan, list[Ride]]:
        """The day's plan (version 0 and no routes if never written) and every ride of the day."""
        ...

    async def save_day(self, plan: DayPlan, rides: Sequence[Ride]) -> DayPlan:
        """In one transaction: store `rides` (new or changed, matched by id) and the plan, if
        the stored version is still `plan.version`; return the plan with its new version.
        Raises StalePlan, storing nothing, if another writer got there first."""
        ...

    async def get_ride(self, operator_id: str, ride_id: str) -> Ride:
        """NotFound if the operator has no such ride."""
        ...

    async def find_by_offer(self, operator_id: str, offer_id: str) -> Ride | None: ...

    async def list_rides(self, operator_id: str, *, service_date: dt.date | None = None,
                         rider_ref: str | None = None, limit: int = 200) -> list[Ride]:
        """Rides by pickup time, filtered by day and by who booked them."""
        ...


class ManifestStop(BaseModel):
    """One stop of a driver's run: what to do where, when, for whom."""

    model_config = ConfigDict(frozen=True)
    ride_id: str
    kind: StopKind
    place: GeoPoint
    planned_at: dt.datetime  # scheduled start of boarding or alighting
    window_from: dt.datetime  # the promise to keep (pickup window, or latest drop-off)
    window_until: dt.datetime
    travellers: int
    wheelchairs: int
    needs: frozenset[str] = frozenset()
    rider_name: str = ""
    done_at: dt.datetime | None = None  # when the driver reported it
    outcome: str = ""  # of a done stop: picked_up, dropped_off or no_show


class Manifest(BaseModel):
    """A vehicle's run for one shift, in the order the driver serves it."""

    model_config = ConfigDict(frozen=True)
    operator_id: str
    vehicle_id: str
    service_date: dt.date
    shift_start: dt.datetime
    shift_end: dt.datetime
    seats: int
    wheelchair_places: int
    plan_version: int
    stops: tuple[ManifestStop, ...]


@runtime_checkable
class OnDemandDispatch(Protocol):
    """Optional operator capability: the on-demand service's riders' and drivers' side.

    `quote` is `search_offers` with the reason when there is no offer (RideRefused);
    `book_ride` is `book` recording who booked, for the rider's list and the driver's manifest.
    """

    async def quote(self, query: OfferQuery) -> Offer: ...

    async def book_ride(self, offer_id: str, *, idempotency_key: str, rider_ref: str = "",
                        rider_name: str = "", booked_by: str = "") -> Ride: ...

    async def get_ride(self, ride_id: str) -> Ride: ...

    async def list_rides(self, *, service_date: dt.date | None = None, rider_ref: str | None = None,
                         limit: int = 200) -> list[Ride]: ...

    async def manifests(self, service_date: dt.date) -> list[Manifest]: ...

    async def reoptimise(self, service_date: dt.date, time_limit_s: float | None = None) -> int:
        """Improve the day's plan, keeping every promise; the metres saved."""
        ...
