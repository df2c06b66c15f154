"""GTFS fares v1 (fare_attributes.txt and fare_rules.txt, GTFS-JP distance fares included).

`compile_fares(feeds, keys)` builds a `FareTable` of numpy arrays (saved next to a compiled
timetable with `arrays()` / `from_arrays()`); `leg_fare` prices one ride by global route and stop
ids and `journey_fare` adds up the legs of a journey; a `FareSet` holds one table per separately
compiled feed, loaded on first use.
"""

from routing.fares.compile import compile_fares
from routing.fares.fare_set import FareSet
from routing.fares.model import FORMAT_VERSION, FareTable, JourneyFare, LegFare, PricedLeg
from routing.fares.money import currency_decimals, to_minor

__all__ = ["FORMAT_VERSION", "FareSet", "FareTable", "JourneyFare", "LegFare", "PricedLeg",
           "compile_fares", "currency_decimals", "to_minor"]
