"""The municipality's fare rules, configured as data: concessions (half fare for residents over
70) and subsidies (the town pays all but a fixed co-payment of an elderly resident's on-demand
ride; a taxi voucher worth a fixed amount per ride), applied per leg on top of the operator's price.

The operator is always owed its price; a rule only moves part of it from the rider to the
municipality, which is invoiced for it. When several rules fit a leg, the one leaving the rider
the least to pay wins (rules do not stack), and the choice is recorded on the leg.
"""

from __future__ import annotations

import datetime as dt
import math
from enum import Enum

from pydantic import BaseModel, ConfigDict, Field, model_validator

from maas.domain.accounts import NEEDS, GeoPoint
from maas.domain.planning import Money


class RuleKind(str, Enum):
    CONCESSION = "concession"  # a reduced fare for a group of riders
    SUBSIDY = "subsidy"  # the town pays the fare beyond a co-payment


class Eligibility(BaseModel):
    """Who a rule is for; every condition given must hold (an empty one is everybody)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    min_age: int | None = Field(default=None, ge=0, le=130)
    resident: bool | None = None  # registered residents of the municipality only
    needs_any: frozenset[str] = frozenset()  # e.g. a registered disability shown as a need

    @model_validator(mode="after")
    def _known(self) -> Eligibility:
        if self.needs_any - NEEDS:
            raise ValueError(f"unknown needs: {sorted(self.needs_any - NEEDS)}")
        return self


class Area(BaseModel):
    """A bounding box both ends of the leg must lie in (the municipality, a zone)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float

    def contains(self, point: GeoPoint) -> bool:
        return self.min_lat <= point.lat <= self.max_lat and self.min_lon <= point.lon <= self.max_lon


class FareRule(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    id: str = Field(min_length=1, max_length=100)
    name: str
    kind: RuleKind
    modes: frozenset[str] = frozenset()  # empty: every mode
    operators: frozenset[str] = frozenset()  # empty: every operator
    eligibility: Eligibility = Eligibility()
    within: Area | None = None
    percent_off: int | None = Field(default=None, gt=0, le=100)
    co_payment: int | None = Field(default=None, ge=0)  # per traveller, minor units
    amount_off: int | None = Field(default=None, gt=0)  # a voucher's value per ride, minor units
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None

    @model_validator(mode="after")
    def _one_effect(self) -> FareRule:
        if sum(v is not None for v in (self.percent_off, self.co_payment, self.amount_off)) != 1:
            raise ValueError(f"rule {self.id}: give exactly one of percent_off, co_payment and amount_off")
        return self

    def rider_pays(self, price: Money, travellers: int) -> int:
        """What the rider pays of `price` under this rule (never more than the price)."""
        if self.percent_off is not None:
            return price.amount_minor - math.floor(price.amount_minor * self.percent_off / 100)
        if self.amount_off is not None:
            return max(0, price.amount_minor - self.amount_off)
        assert self.co_payment is not None
        return min(price.amount_minor, self.co_payment * travellers)


class Rider(BaseModel):
    """What the rules may ask about the rider, taken from the account on the day of travel."""

    model_config = ConfigDict(frozen=True)
    age: int | None = None
    resident: bool = False
    needs: frozenset[str] = frozenset()


class LegFacts(BaseModel):
    model_config = ConfigDict(frozen=True)
    operator_id: str
    mode: str
    price: Money
    origin: GeoPoint | None = None
    destination: GeoPoint | None = None
    day: dt.date
    travellers: int = 1


class Applied(BaseModel):
    model_config = ConfigDict(frozen=True)
    rider_price: Money
    subsidy: Money  # paid by the municipality to the operator
    rule_ids: tuple[str, ...] = ()


class PassProduct(BaseModel):
    """A pass on sale, configured as data beside the town's fare rules."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    id: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.-]+$")
    name: str = Field(min_length=1, max_length=200)
    name_en: str = Field(default="", max_length=200)  # shown to riders who read English
    price: int = Field(gt=0)  # minor units
    currency: str = Field(default="JPY", min_length=3, max_length=3)
    days: int = Field(ge=1, le=366)  # valid for this many days from its first day
    modes: frozenset[str] = frozenset()  # empty: every mode
    operators: frozenset[str] = frozenset()  # empty: every operator
    within: Area | None = None  # both ends of a covered leg lie in it
    eligibility: Eligibility = Eligibility()  # who may buy it
    cap_per_leg: int | None = Field(default=None, gt=0)  # covers at most this much of a leg
    on_sale_from: dt.date | None = None
    on_sale_until: dt.date | None = None

    def covers(self, leg: LegFacts) -> bool:
        if self.modes and leg.mode not in self.modes:
            return False
        if self.operators and leg.operator_id not in self.operators:
            return False
        return self.within is None or (leg.origin is not None and leg.destination is not None
                                       and self.within.contains(leg.origin) and self.within.contains(leg.destination))

    def on_sale(self, day: dt.date) -> bool:
        return ((self.on_sale_from is None or day >= self.on_sale_from)
                and (self.on_sale_until is None or day <= self.on_sale_until))

    def may_buy(self, rider: Rider) -> bool:
        return eligible(self.eligibility, rider)


class FareRules(BaseModel):
    """The municipality's fare data: its rules, and the passes on sale (see maas.domain.passes)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    municipality: str = ""
    rules: tuple[FareRule, ...] = ()
    passes: tuple[PassProduct, ...] = ()

    @model_validator(mode="after")
    def _unique(self) -> FareRules:
        for what, ids in (("fare rule", [r.id for r in self.rules]), ("pass", [p.id for p in self.passes])):
            if len(set(ids)) != len(ids):
                raise ValueError(f"{what} ids must be unique")
        return self

    def pass_product(self, product_id: str) -> PassProduct | None:
        return next((p for p in self.passes if p.id == product_id), None)

    def apply(self, leg: LegFacts, rider: Rider) -> Applied:
        best: tuple[int, FareRule] | None = None
        for rule in self.rules:
            if _fits(rule, leg, rider):
                pays = rule.rider_pays(leg.price, leg.travellers)
                if best is None or pays < best[0]:
                    best = (pays, rule)
        if best is None:
            return Applied(rider_price=leg.price, subsidy=Money(amount_minor=0, currency=leg.price.currency))
        pays, rule = best
        return Applied(rider_price=Money(amount_minor=pays, currency=leg.price.currency),
                       subsidy=Money(amount_minor=leg.price.amount_minor - pays, currency=leg.price.currency),
                       rule_ids=(rule.id,))


def _fits(rule: FareRule, leg: LegFacts, rider: Rider) -> bool:
    if rule.modes and leg.mode not in rule.modes:
        return False
    if rule.operators and leg.operator_id not in rule.operators:
        return False
    if rule.valid_from is not None and leg.day < rule.valid_from:
        return False
    if rule.valid_until is not None and leg.day > rule.valid_until:
        return False
    if rule.within is not None and not (leg.origin is not None and leg.destination is not None
                                        and rule.within.contains(leg.origin) and rule.within.contains(leg.destination)):
        return False
    return eligible(rule.eligibility, rider)


def eligible(who: Eligibility, rider: Rider) -> bool:
    if who.min_age is not None and (rider.age is None or rider.age < who.min_age):
        return False
    if who.resident is not None and rider.resident != who.resident:
        return False
    return not who.needs_any or bool(who.needs_any & rider.needs)
