"""API shapes of door-to-door planning: the request (a plan request with accepted modes) and
options whose legs are walks, transit rides or operators' rides with what it takes to book them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Literal

from pydantic import BaseModel, Field

from maas.api.schemas import LegPlaceOut, LineStringOut, MoneyOut, PlanRequest, TransitLegOut, WalkLegOut
from maas.api.texts import text, texts
from maas.domain.door_to_door import (OPERATOR_MODES, DoorToDoorOption, DoorToDoorPlan,
                                      DoorToDoorRequest, OperatorLeg)
from maas.domain.planning import Money, TransitLeg, WalkLeg

Mode = Literal["transit", "taxi", "on_demand", "bike", "scooter", "car"]


class TripOptionsRequest(PlanRequest):
    """`from` and `to` as coordinates and `depart_at` or `arrive_by`; `modes` limits what may be offered."""

    modes: list[Mode] = Field(default_factory=lambda: sorted(OPERATOR_MODES | {"transit"}),
                              min_length=1, max_length=6)
    max_options: int = Field(default=6, ge=1, le=20)
    for_rider: str | None = Field(default=None, max_length=100,
                                  description="Call-centre staff: the account id of the rider planned for.")

    def to_request(self) -> DoorToDoorRequest:
        return DoorToDoorRequest(trip=self.to_domain(), modes=frozenset(self.modes),
                                 max_options=self.max_options)


class ConditionsOut(BaseModel):
    confirmation_required: bool
    free_cancellation_until: dt.datetime | None
    cancellation_fee: MoneyOut | None
    notes: list[str]


def read_as(instant: dt.datetime, like: dt.datetime) -> dt.datetime:
    """`instant` in the zone of `like` (the ride's own times, the feed's zone), to the second:
    an offer's deadline is read by the rider beside its times."""
    return instant.astimezone(like.tzinfo).replace(microsecond=0)


class OperatorLegOut(BaseModel):
    mode: str = Field(description="taxi, on_demand, bike, scooter or car.")
    operator_id: str
    offer_id: str = Field(description="Book this offer with the operator before `valid_until`.")
    origin: LegPlaceOut
    destination: LegPlaceOut
    departure: dt.datetime
    arrival: dt.datetime
    duration_s: int
    distance_m: int
    price: MoneyOut
    rider_price: MoneyOut = Field(description="What the rider planned for pays after the town's fare rules "
                                              "(the price when planned without signing in).")
    valid_until: dt.datetime
    conditions: ConditionsOut
    description: str
    travel_model: str = Field(description='How the operator estimated the ride: "streets" (the OSM street '
                                          'network), "straight_line" (a road factor) or "" (not said).')
    geometry: LineStringOut = Field(description="The ride's route from origin to destination when the operator "
                                                "gave it; else a straight segment.")

    @classmethod
    def of(cls, leg: OperatorLeg, rider_price: Money | None = None) -> OperatorLegOut:
        c = leg.conditions
        path = leg.path or ((leg.origin.lat, leg.origin.lon), (leg.destination.lat, leg.destination.lon))
        return cls(mode=leg.mode, operator_id=leg.operator_id, offer_id=leg.offer_id,
                   travel_model=leg.travel_model, geometry=LineStringOut.of_path(path),
                   origin=LegPlaceOut.of(leg.origin), destination=LegPlaceOut.of(leg.destination),
                   departure=leg.departure, arrival=leg.arrival, duration_s=leg.duration_s,
                   distance_m=leg.distance_m, price=MoneyOut.of(leg.price),
                   rider_price=MoneyOut.of(rider_price or leg.price),
                   valid_until=read_as(leg.valid_until, leg.departure), description=text(leg.description),
                   conditions=ConditionsOut(confirmation_required=c.confirmation_required,
                                            free_cancellation_until=c.free_cancellation_until,
                                            cancellation_fee=MoneyOut.of(c.cancellation_fee),
                                            notes=texts(c.notes)))


class TripOptionOut(BaseModel):
    kind: Literal["transit", "direct", "first_mile", "last_mile"]
    departure: dt.datetime
    arrival: dt.datetime
    duration_s: int
    transfers: int
    walk_distance_m: int
    price: MoneyOut | None = Field(description="All rides together; None when one has no price.")
    rider_price: MoneyOut | None = Field(
        default=None, description="What the rider planned for pays for all the rides, after the town's fare rules "
                                  "and passes (the price when planned without signing in); None when one has no price.")
    legs: list[WalkLegOut | TransitLegOut | OperatorLegOut]
    waits_s: list[int] = Field(description="The wait before each leg after the first (on a platform, "
                               "for a pickup), in seconds.")
    wait_s: int = Field(description="All the waits together, in seconds.")

    @classmethod
    def of(cls, option: DoorToDoorOption, rider_prices: Mapping[str, Money] | None = None) -> TripOptionOut:
        legs: list[WalkLegOut | TransitLegOut | OperatorLegOut] = []
        for leg in option.legs:
            if isinstance(leg, WalkLeg):
                legs.append(WalkLegOut.of(leg))
            elif isinstance(leg, TransitLeg):
                legs.append(TransitLegOut.of(leg))
            else:
                legs.append(OperatorLegOut.of(leg, (rider_prices or {}).get(leg.offer_id)))
        return cls(kind=option.kind, departure=option.departure, arrival=option.arrival,
                   duration_s=option.duration_s, transfers=option.transfers,
                   walk_distance_m=option.walk_distance_m, price=MoneyOut.of(option.price),
                   rider_price=MoneyOut.of(_rider_total(option, rider_prices or {})), legs=legs,
                   waits_s=list(option.waits_s), wait_s=option.wait_s)


def _rider_total(option: DoorToDoorOption, rider_prices: Mapping[str, Money]) -> Money | None:
    """The option's price with each ride's rider share where one is known."""
    if option.price is None:
        return None
    total = 0
    for leg in option.legs:
        if isinstance(leg, OperatorLeg):
            total += rider_prices.get(leg.offer_id, leg.price).amount_minor
        elif isinstance(leg, TransitLeg) and leg.fare is not None:
            total += (rider_prices.get(leg.offer_id, leg.fare) if leg.offer_id else leg.fare).amount_minor
    return Money(amount_minor=total, currency=option.price.currency)


class UnavailableOperatorOut(BaseModel):
    operator_id: str
    reason: str = Field(description="timeout, unavailable, invalid_response, error, or operator_rejected "
                        "(the operator does not take this trip, e.g. bikes reserved that far ahead).")
    message: str


class TripOptionsResponse(BaseModel):
    options: list[TripOptionOut]
    unavailable_operators: list[UnavailableOperatorOut] = Field(
        description="Operators that did not answer in time or failed; their options are missing.")
    transit_reason: str | None

    @classmethod
    def of(cls, plan: DoorToDoorPlan, rider_prices: Mapping[str, Money] | None = None) -> TripOptionsResponse:
        """`rider_prices`: what the rider pays for each operator leg, by offer id."""
        return cls(options=[TripOptionOut.of(o, rider_prices) for o in plan.options],
                   unavailable_operators=[UnavailableOperatorOut(**u.model_dump())
                                          for u in plan.unavailable_operators],
                   transit_reason=plan.transit_reason)
