"""The compiled FareTable (GTFS fares v1 as flat arrays) and its per-leg and per-journey lookups.

Matching follows fare_rules.txt: a rule applies to a leg when each of its non-empty fields
matches — route_id the leg's route, origin_id the board stop's zone, destination_id the alight
stop's zone. contains_id is simplified: the spec wants the zones a ride passes through to equal a
fare's set of contains_id zones (rows sharing fare, route, origin and destination), but a leg
only tells its board and alight zones, so those must lie within the set and intermediate zones
are not checked. Among matching fares the cheapest wins (ties by fare id). Rules never match
across feeds: zones are stored as "feed_key:zone_id" and route wildcards are scoped to a feed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from typing import Protocol, runtime_checkable

import numpy as np

# Bumped whenever the arrays or their meaning change, for callers that key caches on it.
FORMAT_VERSION = 1

_RuleKey = tuple[int, str, str, str]  # feed, route ("" any), origin zone, destination zone


@dataclass(frozen=True)
class LegFare:
    fare_id: str  # "feed_key:fare_id"
    price_minor: int
    currency: str


@dataclass(frozen=True)
class JourneyFare:
    """Each transit leg priced on its own; totals per currency, sorted by currency code."""

    legs: tuple[LegFare, ...]
    totals: tuple[tuple[str, int], ...]  # (currency, price_minor)


@runtime_checkable
class PricedLeg(Protocol):
    """What journey_fare reads of a transit leg (routing.raptor's TransitLeg has it)."""

    route_id: str
    board_stop_id: str
    alight_stop_id: str


@dataclass(frozen=True, eq=False)
class FareTable:
    feed_keys: np.ndarray  # str, index = feed number
    fare_ids: np.ndarray  # str, "feed_key:fare_id"
    fare_price_minor: np.ndarray  # int64
    fare_currency: np.ndarray  # str, ISO 4217
    route_ids: np.ndarray  # str, "feed_key:route_id" of every route of a feed with fares
    route_feed: np.ndarray  # int32 feed number
    stop_ids: np.ndarray  # str, "feed_key:stop_id" of stops that have a zone
    stop_zone_ids: np.ndarray  # str, "feed_key:zone_id"
    rule_fare: np.ndarray  # int32 index into fare_ids
    rule_feed: np.ndarray  # int32
    rule_route_ids: np.ndarray  # str, "" = any route of the feed
    rule_origin_ids: np.ndarray  # str zone, "" = any
    rule_destination_ids: np.ndarray  # str zone, "" = any
    rule_contains_ids: np.ndarray  # str zone, "" = no contains condition

    def arrays(self) -> dict[str, np.ndarray]:
        """Every field by name: unicode and integer arrays that np.savez stores without pickling."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> FareTable:
        values = {}
        for f in fields(cls):
            value = np.asarray(arrays[f.name])
            values[f.name] = value.astype(str) if value.dtype.kind in "US" else value
        return cls(**values)

    @property
    def n_fares(self) -> int:
        return len(self.fare_ids)

    @property
    def n_rules(self) -> int:
        return len(self.rule_fare)

    def leg_fare(self, route_id: str, board_stop_id: str, alight_stop_id: str) -> LegFare | None:
        """The cheapest fare for riding route_id between two stops (global ids), or None."""
        routes, zones, rules = self._index()
        feed = routes.get(route_id)
        if feed is None:
            return None
        origin, destination = zones.get(board_stop_id, ""), zones.get(alight_stop_id, "")
        visited = {z for z in (origin, destination) if z}
        best: int | None = None
        for route in (route_id, ""):
            for o in {origin, ""}:
                for d in {destination, ""}:
                    for contains, fare in rules.get((feed, route, o, d), ()):
                        if contains and not (visited and visited <= contains):
                            continue
                        if best is None or self._cheaper(fare, best):
                            best = fare
        if best is None:
            return None
        return LegFare(str(self.fare_ids[best]), int(self.fare_price_minor[best]),
                       str(self.fare_currency[best]))

    def journey_fare(self, legs: Iterable[object]) -> JourneyFare | None:
        """Sum of the legs' fares, None when a transit leg has none (the total would be unknown).

        Legs that are not PricedLeg (walking) cost nothing. Transfer allowances (fare_attributes
        transfers and transfer_duration) are ignored, so a journey may be priced too high.
        """
        priced: list[LegFare] = []
        for leg in legs:
            if not isinstance(leg, PricedLeg):
                continue
            fare = self.leg_fare(leg.route_id, leg.board_stop_id, leg.alight_stop_id)
            if fare is None:
                return None
            priced.append(fare)
        totals: dict[str, int] = {}
        for fare in priced:
            totals[fare.currency] = totals.get(fare.currency, 0) + fare.price_minor
        return JourneyFare(tuple(priced), tuple(sorted(totals.items())))

    def _cheaper(self, a: int, b: int) -> bool:
        # Minor units are compared as numbers even across currencies; feeds rarely mix them.
        key_a = (int(self.fare_price_minor[a]), str(self.fare_ids[a]))
        return key_a < (int(self.fare_price_minor[b]), str(self.fare_ids[b]))

    def _index(self) -> tuple[dict[str, int], dict[str, str],
                              dict[_RuleKey, list[tuple[frozenset[str], int]]]]:
        # Built lazily: a table loaded from the cache pays for the dicts only when first asked.
        cached = self.__dict__.get("_lookup")
        if cached is None:
            cached = (dict(zip(self.route_ids.tolist(), self.route_feed.tolist())),
                      dict(zip(self.stop_ids.tolist(), self.stop_zone_ids.tolist())),
                      self._rule_index())
            object.__setattr__(self, "_lookup", cached)
        return cached

    def _rule_index(self) -> dict[_RuleKey, list[tuple[frozenset[str], int]]]:
        plain: dict[_RuleKey, set[int]] = {}
        contains: dict[tuple[_RuleKey, int], set[str]] = {}
        columns = (self.rule_fare.tolist(), self.rule_feed.tolist(), self.rule_route_ids.tolist(),
                   self.rule_origin_ids.tolist(), self.rule_destination_ids.tolist(),
                   self.rule_contains_ids.tolist())
        for fare, feed, route, origin, destination, zone in zip(*columns):
            key = (feed, route, origin, destination)
            if zone:
                contains.setdefault((key, fare), set()).add(zone)
            else:
                plain.setdefault(key, set()).add(fare)
        index: dict[_RuleKey, list[tuple[frozenset[str], int]]] = {}
        for key, fares in plain.items():
            index.setdefault(key, []).extend((frozenset(), fare) for fare in sorted(fares))
        for (key, fare), zones in contains.items():
            index.setdefault(key, []).append((frozenset(zones), fare))
        return index

