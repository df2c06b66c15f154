"""Door-to-door options: transit itineraries combined with operators' offers (taxi, van, bike,
car) for the first or last mile, and operators' direct rides, compared on arrival, price,
walking and changes."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from maas.domain.mobility import Conditions
from maas.domain.planning import LegPlace, Money, TransitLeg, TripRequest, WalkLeg

OPERATOR_MODES = frozenset({"taxi", "on_demand", "bike", "scooter", "car"})
DOOR_MODES = frozenset({"taxi", "on_demand"})  # pick the rider up at the door


class OperatorLeg(BaseModel):
    """A ride sold by an operator: what to book (operator and offer), its price and terms."""

    model_config = ConfigDict(frozen=True)
    mode: str
    operator_id: str
    offer_id: str
    origin: LegPlace
    destination: LegPlace
    departure: dt.datetime
    arrival: dt.datetime
    duration_s: int
    distance_m: int
    price: Money
    valid_until: dt.datetime
    conditions: Conditions
    description: str = ""
    travel_model: str = ""  # the offer's: "streets", "straight_line" or "" (the operator does not say)
    path: tuple[tuple[float, float], ...] = ()  # (lat, lon) of the ride's route when the operator gave it


AnyLeg = WalkLeg | TransitLeg | OperatorLeg


class DoorToDoorOption(BaseModel):
    model_config = ConfigDict(frozen=True)
    kind: Literal["transit", "direct", "first_mile", "last_mile"]
    departure: dt.datetime
    arrival: dt.datetime
    duration_s: int
    transfers: int  # changes between vehicles
    walk_distance_m: int
    price: Money | None  # None when some ride has no known price
    legs: tuple[AnyLeg, ...]
    waits_s: tuple[int, ...] = ()  # before each leg after the first: at a stop, on a platform
    wait_s: int = 0  # all of them


class UnavailableOperator(BaseModel):
    model_config = ConfigDict(frozen=True)
    operator_id: str
    reason: str
    message: str


class DoorToDoorRequest(BaseModel):
    """A trip request with the modes the rider accepts besides walking and transit."""

    model_config = ConfigDict(frozen=True)
    trip: TripRequest
    modes: frozenset[str] = OPERATOR_MODES | {"transit"}
    max_options: int = Field(default=6, ge=1, le=20)


class DoorToDoorPlan(BaseModel):
    model_config = ConfigDict(frozen=True)
    options: tuple[DoorToDoorOption, ...]
    unavailable_operators: tuple[UnavailableOperator, ...]
    transit_reason: str | None = None  # why transit alone gave nothing, when it did not
