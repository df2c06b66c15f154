"""Passes and bundles, like Whim's monthly plans or a town's elderly pass: bought once, a pass
covers the legs it names (modes, operators, an area) while it is valid, so a booking with a
covered leg costs the rider less or nothing.

The operator is still owed its price for a covered leg: the rider's share after the town's fare
rules is taken from the pass instead (up to a cap per leg, when the pass has one), and the ledger
records it as paid from pass revenue. A pass is paid in full when bought; cancelled before it
starts it is refunded in full, later by its unused whole days.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from enum import Enum
from typing import Protocol

from pydantic import BaseModel, ConfigDict, model_validator

from maas.domain.errors import Conflict
from maas.domain.fare_rules import LegFacts, PassProduct
from maas.domain.payments import Payment
from maas.domain.planning import Money


class PassState(str, Enum):
    PENDING = "PENDING"  # stored before it is paid for: a purchase cut short is finished by recovery
    ACTIVE = "ACTIVE"  # paid; covers legs between valid_from and valid_until
    FAILED = "FAILED"  # the payment was declined; nothing was taken
    CANCELLED = "CANCELLED"  # refunded (in full or for its unused days)


class RiderPass(BaseModel):
    model_config = ConfigDict(frozen=True)
    id: str
    account_id: str  # the rider the pass is for
    bought_by: str | None = None  # the rider, or call-centre staff buying it for them
    cancelled_by: str | None = None
    product: PassProduct  # as sold: later edits of the catalogue do not change it
    state: PassState
    valid_from: dt.datetime  # local midnight of its first day
    valid_until: dt.datetime  # exclusive: local midnight after its last day
    price: Money
    payment: Payment | None = None
    payment_method: str | None = None  # as given at purchase, for finishing it after a crash
    refunded: Money | None = None
    idempotency_key: str
    request_digest: str
    created_at: dt.datetime
    updated_at: dt.datetime

    @model_validator(mode="after")
    def _ordered(self) -> RiderPass:
        if self.valid_until <= self.valid_from:
            raise ValueError("a pass must end after it starts")
        return self

    def valid_at(self, at: dt.datetime) -> bool:
        return self.state is PassState.ACTIVE and self.valid_from <= at < self.valid_until

    def refund_due(self, at: dt.datetime) -> Money:
        """In full before the first day; then the unused whole days' share of the price."""
        if self.state is not PassState.ACTIVE:
            raise Conflict(f"pass {self.id} is {self.state.value}")
        if at >= self.valid_until:
            raise Conflict(f"pass {self.id} has ended; nothing is left to refund")
        if at < self.valid_from:
            return self.price
        unused_days = math.floor((self.valid_until - at) / dt.timedelta(days=1))
        return Money(amount_minor=self.price.amount_minor * unused_days // self.product.days,
                     currency=self.price.currency)


class Cover(BaseModel):
    model_config = ConfigDict(frozen=True)
    pass_id: str
    product_id: str
    amount: Money


def best_cover(passes: Sequence[RiderPass], leg: LegFacts, share: Money, at: dt.datetime) -> Cover | None:
    """The pass covering the most of the rider's `share` of a leg departing `at`; None if none does."""
    best: Cover | None = None
    for held in passes:
        product = held.product
        if not held.valid_at(at) or not product.covers(leg) or product.currency != share.currency:
            continue
        amount = share.amount_minor if product.cap_per_leg is None else min(share.amount_minor, product.cap_per_leg)
        if amount > 0 and (best is None or amount > best.amount.amount_minor):
            best = Cover(pass_id=held.id, product_id=product.id,
                         amount=Money(amount_minor=amount, currency=share.currency))
    return best


class PassBook(Protocol):
    async def add(self, rider_pass: RiderPass) -> None:
        """Store a new pass; Conflict if the account already used its idempotency key."""
        ...

    async def get(self, pass_id: str) -> RiderPass:
        """NotFound for an unknown id."""
        ...

    async def find_by_key(self, account_id: str, idempotency_key: str) -> RiderPass | None: ...

    async def list_for(self, account_id: str) -> list[RiderPass]:
        """Newest first."""
        ...

    async def pending(self) -> list[RiderPass]:
        """Purchases not finished, oldest first."""
        ...

    async def save(self, rider_pass: RiderPass) -> None: ...
