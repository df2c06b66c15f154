"""API shapes of passes: the catalogue, a purchase, and a rider's pass with its payment and refund."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from maas.api.language import pick
from maas.api.schemas import MoneyOut, Request
from maas.domain.fare_rules import PassProduct
from maas.domain.passes import RiderPass


class PassProductOut(BaseModel):
    id: str
    name: str
    price: MoneyOut
    days: int = Field(description="Valid for this many days from its first day.")
    modes: list[str] = Field(description="Modes it covers; empty: every mode.")
    operators: list[str] = Field(description="Operators it covers; empty: every operator.")
    area: list[float] | None = Field(description="[min_lon, min_lat, max_lon, max_lat] both ends of a leg lie in.")
    cap_per_leg: int | None = Field(description="Covers at most this much of a leg (minor units); null: all of it.")
    min_age: int | None
    residents_only: bool

    @classmethod
    def of(cls, p: PassProduct) -> PassProductOut:
        area = None if p.within is None else [p.within.min_lon, p.within.min_lat, p.within.max_lon, p.within.max_lat]
        return cls(id=p.id, name=pick(p.name, p.name_en), price=MoneyOut(amount_minor=p.price, currency=p.currency),
                   days=p.days,
                   modes=sorted(p.modes), operators=sorted(p.operators), area=area, cap_per_leg=p.cap_per_leg,
                   min_age=p.eligibility.min_age, residents_only=bool(p.eligibility.resident))


class PassCatalogue(BaseModel):
    items: list[PassProductOut]


class PassPurchase(Request):
    product_id: str = Field(min_length=1, max_length=100)
    first_day: dt.date | None = Field(default=None, description="Local date it starts; today if left out.")
    payment_method: str | None = Field(default=None, max_length=200,
                                       description="A payment method (Stripe); none is invoiced or paid at the office.")
    for_rider: str | None = Field(default=None, max_length=100,
                                  description="Call-centre staff: the account id of the rider the pass is for.")


class PassListQuery(Request):
    rider: str | None = Field(default=None, max_length=100, description="Staff only: one rider's passes.")


class PassCancelQuery(Request):
    for_rider: str | None = Field(default=None, max_length=100,
                                  description="Call-centre staff: the rider acted for (the pass must be theirs).")


class PassOut(BaseModel):
    id: str
    account_id: str = Field(description="The rider the pass is for.")
    bought_by: str | None = Field(description="The rider, or call-centre staff who bought it for them.")
    cancelled_by: str | None
    product: PassProductOut
    state: str
    valid_from: dt.datetime
    valid_until: dt.datetime = Field(description="Exclusive.")
    price: MoneyOut
    paid_minor: int
    refunded: MoneyOut | None
    created_at: dt.datetime

    @classmethod
    def of(cls, p: RiderPass) -> PassOut:
        refunded = MoneyOut.of(p.refunded) if p.refunded else None
        return cls(id=p.id, account_id=p.account_id, bought_by=p.bought_by, cancelled_by=p.cancelled_by,
                   product=PassProductOut.of(p.product), state=p.state.value, valid_from=p.valid_from,
                   valid_until=p.valid_until, price=MoneyOut.of(p.price),
                   paid_minor=p.payment.captured_minor if p.payment else 0, refunded=refunded, created_at=p.created_at)


class PassList(BaseModel):
    items: list[PassOut]
