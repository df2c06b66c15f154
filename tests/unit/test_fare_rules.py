"""The municipality's fare rules: who they are for, where and when, and what the rider is left to pay."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from maas.domain.accounts import GeoPoint
from maas.domain.fare_rules import FareRules, LegFacts, Rider
from maas.domain.planning import Money

TOWN = {"min_lon": 138.85, "min_lat": 36.37, "max_lon": 138.95, "max_lat": 36.43}
IN_TOWN, OUTSIDE = GeoPoint(lat=36.40, lon=138.90), GeoPoint(lat=36.50, lon=139.10)
DAY = dt.date(2026, 11, 24)
RULES = FareRules.model_validate({"municipality": "yamabuki", "rules": [
    {"id": "bus-senior-half", "name": "町民高齢者半額", "kind": "concession", "modes": ["bus"],
     "eligibility": {"min_age": 70, "resident": True}, "percent_off": 50},
    {"id": "van-senior-copay", "name": "のりあい号 自己負担100円", "kind": "subsidy", "modes": ["on_demand"],
     "eligibility": {"min_age": 70, "resident": True}, "within": TOWN, "co_payment": 100},
    {"id": "van-disability", "name": "障害者 半額", "kind": "concession", "modes": ["on_demand"],
     "eligibility": {"needs_any": ["wheelchair", "visual"]}, "percent_off": 50,
     "valid_from": "2026-04-01", "valid_until": "2027-03-31"},
    {"id": "taxi-voucher", "name": "タクシー助成券", "kind": "subsidy", "modes": ["taxi"],
     "eligibility": {"min_age": 75, "resident": True}, "amount_off": 500},
]})
SENIOR = Rider(age=85, resident=True)


def leg(mode: str = "on_demand", price: int = 300, origin: GeoPoint = IN_TOWN, day: dt.date = DAY) -> LegFacts:
    return LegFacts(operator_id="noriai", mode=mode, price=Money(amount_minor=price, currency="JPY"),
                    origin=origin, destination=IN_TOWN, day=day)


@pytest.mark.parametrize("facts, rider, pays, rules", [
    (leg(), SENIOR, 100, ("van-senior-copay",)),
    (leg(), Rider(age=69, resident=True), 300, ()),  # too young
    (leg(), Rider(age=85, resident=False), 300, ()),  # not a resident
    (leg(), Rider(), 300, ()),  # age unknown: no age rule applies
    (leg(origin=OUTSIDE), SENIOR, 300, ()),  # leaves the town
    (leg(mode="bus", price=250), SENIOR, 125, ("bus-senior-half",)),
    (leg(mode="bus", price=251), SENIOR, 126, ("bus-senior-half",)),  # the rider pays the odd yen
    (leg(), Rider(age=40, needs=frozenset({"wheelchair"})), 150, ("van-disability",)),
    (leg(day=dt.date(2027, 4, 1)), Rider(age=40, needs=frozenset({"wheelchair"})), 300, ()),  # rule lapsed
    (leg(), Rider(age=85, resident=True, needs=frozenset({"wheelchair"})), 100, ("van-senior-copay",)),  # best one
    (leg(price=80), SENIOR, 80, ("van-senior-copay",)),  # a co-payment never exceeds the price
    (leg(mode="taxi", price=1800), SENIOR, 1300, ("taxi-voucher",)),
    (leg(mode="taxi", price=400), SENIOR, 0, ("taxi-voucher",)),  # the voucher covers a short ride
])
def test_rules_leave_the_rider_the_right_share(facts, rider, pays, rules) -> None:
    applied = RULES.apply(facts, rider)
    assert applied.rider_price.amount_minor == pays and applied.rule_ids == rules
    assert applied.rider_price.amount_minor + applied.subsidy.amount_minor == facts.price.amount_minor


@pytest.mark.parametrize("bad", [
    {"rules": [{"id": "x", "name": "x", "kind": "subsidy"}]},  # no effect
    {"rules": [{"id": "x", "name": "x", "kind": "subsidy", "co_payment": 100, "percent_off": 50}]},
    {"rules": [{"id": "x", "name": "x", "kind": "subsidy", "amount_off": 0}]},
    {"rules": [{"id": "x", "name": "x", "kind": "gift", "co_payment": 100}]},
    {"rules": [{"id": "x", "name": "x", "kind": "subsidy", "co_payment": -1}]},
    {"rules": [{"id": "x", "name": "x", "kind": "subsidy", "co_payment": 1, "eligibility": {"needs_any": ["x"]}}]},
    {"rules": [{"id": "x", "name": "x", "kind": "subsidy", "co_payment": 1},
               {"id": "x", "name": "y", "kind": "subsidy", "co_payment": 2}]},
])
def test_bad_rules_are_refused(bad) -> None:
    with pytest.raises(ValidationError):
        FareRules.model_validate(bad)
