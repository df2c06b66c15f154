"""What the planner answers: itineraries of walk and ride segments, and departure lists.

Times are service-day seconds of the planner's timetable (see routing.plan.service_time);
distances whole metres; prices integer minor units with an ISO 4217 currency.
"""

from __future__ import annotations

from dataclasses import dataclass

from routing.fares import LegFare

# Why a plan has no (or only a trivial) itinerary.
ORIGIN_IS_DESTINATION = "origin_is_destination"
NO_CONNECTION = "no_connection"


@dataclass(frozen=True)
class Place:
    name: str
    lat: float
    lon: float
    stop_id: str | None = None  # global "feed_key:stop_id" when the place is a stop


@dataclass(frozen=True)
class Walk:
    origin: Place
    destination: Place
    departure_s: int
    arrival_s: int
    distance_m: int
    # how distance and time were found: "streets" (routing.streets) or "straight_line" (x 1.3)
    model: str = "straight_line"
    geometry: tuple[tuple[float, float], ...] = ()  # (lat, lon) from origin to destination

    @property
    def duration_s(self) -> int:
        return self.arrival_s - self.departure_s


@dataclass(frozen=True)
class Ride:
    origin: Place  # where the rider boards
    destination: Place  # where the rider alights
    departure_s: int
    arrival_s: int
    trip_id: str
    route_id: str
    route_short_name: str
    route_long_name: str
    route_type: int  # GTFS route_type: 2 rail, 3 bus, 1501 communal taxi; -1 unknown
    route_color: str  # "RRGGBB" or ""
    agency_name: str
    office_name: str  # GTFS-JP office_jp operator office, "" when none
    headsign: str
    wheelchair_accessible: int  # GTFS: 0 unknown, 1 yes, 2 no
    stay_seated: bool  # continued on board from the previous ride's vehicle
    fare: LegFare | None  # None when the feed has no fare for this ride

    @property
    def duration_s(self) -> int:
        return self.arrival_s - self.departure_s


Segment = Walk | Ride


@dataclass(frozen=True)
class Itinerary:
    legs: tuple[Segment, ...]
    departure_s: int  # leaving the origin
    arrival_s: int  # reaching the destination

    @property
    def duration_s(self) -> int:
        return self.arrival_s - self.departure_s

    @property
    def rides(self) -> tuple[Ride, ...]:
        return tuple(leg for leg in self.legs if isinstance(leg, Ride))

    @property
    def transfers(self) -> int:
        """Changes of vehicle: rides minus one, not counting stay-seated continuations."""
        boardings = sum(1 for ride in self.rides if not ride.stay_seated)
        return max(boardings - 1, 0)

    @property
    def walk_distance_m(self) -> int:
        return sum(leg.distance_m for leg in self.legs if isinstance(leg, Walk))

    @property
    def fare_total(self) -> tuple[int, str] | None:
        """(price_minor, currency) when every ride is priced in one currency; None otherwise
        (also for an itinerary without rides: walking is free but has no currency)."""
        rides = self.rides
        if not rides or any(r.fare is None for r in rides):
            return None
        currencies = {r.fare.currency for r in rides if r.fare is not None}
        if len(currencies) != 1:
            return None
        return sum(r.fare.price_minor for r in rides if r.fare is not None), currencies.pop()


@dataclass(frozen=True)
class PlanResult:
    itineraries: tuple[Itinerary, ...]
    reason: str | None = None  # ORIGIN_IS_DESTINATION, NO_CONNECTION or None


@dataclass(frozen=True)
class Departure:
    stop: Place
    departure_s: int
    trip_id: str
    route_id: str
    route_short_name: str
    route_long_name: str
    route_type: int
    route_color: str
    agency_name: str
    headsign: str
    wheelchair_accessible: int
