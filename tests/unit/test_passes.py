"""Passes: what a pass covers of a leg (mode, operator, area, validity, cap), the best of several,
who may buy one, refunds over its life, and bad catalogue data."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from maas.domain.accounts import GeoPoint
from maas.domain.errors import Conflict
from maas.domain.fare_rules import FareRules, LegFacts, PassProduct, Rider
from maas.domain.passes import PassState, RiderPass, best_cover
from maas.domain.planning import Money

JST = dt.timezone(dt.timedelta(hours=9))
START = dt.datetime(2026, 12, 1, tzinfo=JST)
TOWN = {"min_lon": 138.85, "min_lat": 36.37, "max_lon": 138.95, "max_lat": 36.43}
IN_TOWN, OUTSIDE = GeoPoint(lat=36.40, lon=138.90), GeoPoint(lat=36.50, lon=139.10)
SILVER = PassProduct.model_validate({"id": "silver-30", "name": "シルバーパス", "price": 1000, "days": 30,
                                     "modes": ["bus", "on_demand"], "within": TOWN,
                                     "eligibility": {"min_age": 70, "resident": True}})
DAY = PassProduct.model_validate({"id": "day-1", "name": "1日券", "price": 800, "days": 1,
                                  "modes": ["rail", "bus", "bike"], "cap_per_leg": 200})


def yen(amount: int) -> Money:
    return Money(amount_minor=amount, currency="JPY")


def held(product: PassProduct, *, start: dt.datetime = START, state: PassState = PassState.ACTIVE,
         pass_id: str = "pass_1") -> RiderPass:
    return RiderPass(id=pass_id, account_id="acc", product=product, state=state, valid_from=start,
                     valid_until=start + dt.timedelta(days=product.days), price=yen(product.price),
                     idempotency_key="k", request_digest="d", created_at=start, updated_at=start)


def leg(mode: str = "bus", price: int = 200, origin: GeoPoint = IN_TOWN, operator: str = "yamabuki-bus") -> LegFacts:
    return LegFacts(operator_id=operator, mode=mode, price=yen(price), origin=origin, destination=IN_TOWN,
                    day=START.date())


AT = START + dt.timedelta(days=3, hours=9)


@pytest.mark.parametrize("passes, facts, share, at, covered", [
    ([held(SILVER)], leg(), 100, AT, 100),  # the rider's share after the town's half fare
    ([held(SILVER)], leg(mode="on_demand"), 100, AT, 100),
    ([held(SILVER)], leg(mode="taxi"), 1500, AT, None),  # not a covered mode
    ([held(SILVER)], leg(origin=OUTSIDE), 200, AT, None),  # leaves the town
    ([held(SILVER)], leg(), 100, START - dt.timedelta(seconds=1), None),  # before its first day
    ([held(SILVER)], leg(), 100, START + dt.timedelta(days=30), None),  # valid_until is exclusive
    ([held(SILVER, state=PassState.CANCELLED)], leg(), 100, AT, None),
    ([held(SILVER, state=PassState.PENDING)], leg(), 100, AT, None),  # not paid for yet
    ([held(DAY, start=START + dt.timedelta(days=3))], leg(mode="bike", price=350), 350, AT, 200),  # capped
    ([held(DAY, start=START + dt.timedelta(days=3))], leg(mode="rail", price=150), 150, AT, 150),
    ([held(SILVER)], leg(), 0, AT, None),  # nothing left to cover
    # Of two passes the one covering more wins.
    ([held(DAY, start=START + dt.timedelta(days=3), pass_id="day"), held(SILVER, pass_id="silver")],
     leg(price=300), 300, AT, 300),
])
def test_what_a_pass_covers(passes, facts, share, at, covered) -> None:
    cover = best_cover(passes, facts, yen(share), at)
    assert (cover.amount.amount_minor if cover else None) == covered


def test_the_better_pass_is_named() -> None:
    day, silver = held(DAY, start=START + dt.timedelta(days=3), pass_id="day"), held(SILVER, pass_id="silver")
    cover = best_cover([day, silver], leg(price=300), yen(300), AT)
    assert cover is not None and (cover.pass_id, cover.product_id) == ("silver", "silver-30")


def test_who_may_buy() -> None:
    assert SILVER.may_buy(Rider(age=72, resident=True))
    assert not SILVER.may_buy(Rider(age=69, resident=True))
    assert not SILVER.may_buy(Rider(age=80, resident=False))
    assert not SILVER.may_buy(Rider())
    assert DAY.may_buy(Rider())


def test_refunds_over_a_pass_life() -> None:
    silver = held(SILVER)
    assert silver.refund_due(START - dt.timedelta(days=2)) == yen(1000)  # before it starts: in full
    assert silver.refund_due(START + dt.timedelta(hours=1)) == yen(966)  # 29 whole days unused of 30
    assert silver.refund_due(START + dt.timedelta(days=29, hours=23)) == yen(0)
    with pytest.raises(Conflict):
        silver.refund_due(START + dt.timedelta(days=30))  # over
    with pytest.raises(Conflict):
        held(SILVER, state=PassState.CANCELLED).refund_due(START)


@pytest.mark.parametrize("bad", [
    {"id": "x", "name": "x", "price": 0, "days": 1},  # free passes are not sold
    {"id": "x", "name": "x", "price": 100, "days": 0},
    {"id": "x", "name": "x", "price": 100, "days": 400},
    {"id": "x y", "name": "x", "price": 100, "days": 1},  # an id that cannot be a path segment
    {"id": "x", "name": "x", "price": 100, "days": 1, "cap_per_leg": 0},
    {"id": "x", "name": "x", "price": 100, "days": 1, "colour": "gold"},  # a typo is an error
    {"id": "x", "name": "x", "price": 100, "days": 1, "eligibility": {"needs_any": ["jetpack"]}},
])
def test_bad_products_are_refused(bad) -> None:
    with pytest.raises(ValidationError):
        PassProduct.model_validate(bad)


def test_pass_ids_are_unique_in_the_fare_data() -> None:
    with pytest.raises(ValidationError):
        FareRules.model_validate({"passes": [SILVER.model_dump(), SILVER.model_dump()]})
    data = FareRules.model_validate({"passes": [SILVER.model_dump(), DAY.model_dump()]})
    assert data.pass_product("day-1") == DAY and data.pass_product("nope") is None
