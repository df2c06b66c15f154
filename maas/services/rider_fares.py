"""What a rider pays for an operator's ride under the town's fare rules, before booking it: the
same rules, from the same account facts, that the booking applies (maas.services.booking_terms),
less what a pass the rider holds covers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from maas.domain.accounts import GeoPoint
from maas.domain.fare_rules import FareRules, LegFacts
from maas.domain.passes import RiderPass, best_cover
from maas.domain.planning import Money
from maas.domain.riders import RiderContext


class RiderFares:
    def __init__(self, rules: FareRules, timezone: str = "Asia/Tokyo") -> None:
        self._rules, self._zone = rules, ZoneInfo(timezone)

    def rider_price(self, *, operator_id: str, mode: str, price: Money, origin: GeoPoint, destination: GeoPoint,
                    departure: dt.datetime, rider: RiderContext | None,
                    passes: Sequence[RiderPass] = ()) -> Money:
        """The operator's price without a rider (nobody's concessions are known)."""
        if rider is None:
            return price
        day = departure.astimezone(self._zone).date()
        facts = LegFacts(operator_id=operator_id, mode=mode, price=price, origin=origin, destination=destination,
                         day=day)
        share = self._rules.apply(facts, rider.fare_rider(day)).rider_price
        cover = best_cover(passes, facts, share, departure)
        if cover is None:
            return share
        return Money(amount_minor=share.amount_minor - cover.amount.amount_minor, currency=share.currency)
