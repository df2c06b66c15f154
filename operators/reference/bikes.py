"""The reference bike-share operator: dock-to-dock rides between the stations of a GBFS system.

An offer takes a bike of one type from the docking station nearest the start (within a walk)
to the station nearest the end with free docks; its price is the system's GBFS pricing plan for
the ride time (per started 30 minutes in the demo region), per rider. Booking holds the bikes
at the start station (PENDING for `hold_s`, then EXPIRED unless committed); cancelling puts them
back; FINISHED docks them at the end station. State lives in memory; no method awaits while it
changes state, so each call is atomic on the event loop.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from maas.domain.accounts import GeoPoint, great_circle_m
from maas.domain.errors import Conflict, NotFound, OfferExpired, OperatorRejected
from maas.domain.mobility import (EVENT_TARGET, BookingState, Conditions, LegBooking, Offer,
                                  OfferQuery, TripEvent, TripEventKind)
from maas.domain.planning import Money
from maas.domain.ports import Clock
from operators.gbfs import (PricingPlan, parse_pricing_plans, parse_station_information,
                            parse_station_status, trip_price_minor)

S = BookingState
RELEASING = frozenset({S.RELEASED, S.CANCELLED, S.EXPIRED})
SPEED_MPS = {"electric_assist": 5.0, "human": 4.0}
DETOUR = 1.3  # road distance over straight-line distance


haversine_m = great_circle_m


@dataclass
class Dock:
    station_id: str
    name: str
    point: GeoPoint
    bikes: dict[str, int]  # free bikes by vehicle type
    free_docks: int
    renting: bool = True
    returning: bool = True


@dataclass(frozen=True)
class BikeType:
    type_id: str
    name: str
    propulsion: str
    plan: PricingPlan


@dataclass
class _Ride:
    offer: Offer
    start: str
    end: str
    bike_type: str
    riders: int
    booking_id: str | None = None


@dataclass
class _Answers:
    by_key: dict[tuple[str, str], tuple[str, LegBooking]] = field(default_factory=dict)

    def replay(self, operation: str, key: str, target: str) -> LegBooking | None:
        if (operation, key) not in self.by_key:
            return None
        first, answer = self.by_key[(operation, key)]
        if first != target:
            raise Conflict(f"idempotency key {key!r} was used to {operation} {first}")
        return answer

    def remember(self, operation: str, key: str, target: str, answer: LegBooking) -> LegBooking:
        self.by_key[(operation, key)] = (target, answer)
        return answer


class BikeShareOperator:
    def __init__(self, operator_id: str, docks: list[Dock], types: dict[str, BikeType], clock: Clock, *,
                 offer_validity_s: int = 300, hold_s: int = 600, max_walk_m: int = 1000) -> None:
        self.operator_id, self.clock = operator_id, clock
        self.docks = {d.station_id: d for d in docks}
        self.types = types
        self.offer_validity = dt.timedelta(seconds=offer_validity_s)
        self.hold = dt.timedelta(seconds=hold_s)
        self.max_walk_m = max_walk_m
        self._rides: dict[str, _Ride] = {}
        self._bookings: dict[str, LegBooking] = {}
        self._ride_of_booking: dict[str, str] = {}
        self._answers = _Answers()
        self._extended: set[str] = set()
        self.events: list[TripEvent] = []

    # -- searching ------------------------------------------------------------------------
    def _nearest(self, point: GeoPoint, usable) -> Dock | None:
        near = [(haversine_m(point, d.point), d) for d in self.docks.values() if usable(d)]
        near = [(m, d) for m, d in near if m <= self.max_walk_m]
        return min(near, key=lambda pair: pair[0])[1] if near else None

    async def search_offers(self, query: OfferQuery) -> list[Offer]:
        if query.wheelchair:
            return []  # a bicycle carries no wheelchair
        self._expire_holds()
        now = self.clock.now()
        end = self._nearest(query.destination, lambda d: d.returning and d.free_docks >= query.travellers)
        offers = []
        for bike_type in self.types.values():
            start = self._nearest(query.origin, lambda d, t=bike_type.type_id:
                                  d.renting and d.bikes.get(t, 0) >= query.travellers)
            if start is None or end is None or start.station_id == end.station_id:
                continue
            offer = self._offer(query, start, end, bike_type, now)
            self._rides[offer.id] = _Ride(offer, start.station_id, end.station_id, bike_type.type_id,
                                          query.travellers)
            offers.append(offer)
        return offers

    def _offer(self, query: OfferQuery, start: Dock, end: Dock, bike_type: BikeType,
               now: dt.datetime) -> Offer:
        distance_m = round(haversine_m(start.point, end.point) * DETOUR)
        ride_s = math.ceil(distance_m / SPEED_MPS.get(bike_type.propulsion, 4.0))
        departure = max(query.depart_at, now)
        price = trip_price_minor(bike_type.plan, ride_s, distance_m) * query.travellers
        notes = (f"{bike_type.plan.name}: the price is for {math.ceil(ride_s / 60)} minutes; "
                 "a longer ride is charged by the pricing plan.",)
        return Offer(id=f"{self.operator_id}-offer-{uuid.uuid4().hex[:16]}", operator_id=self.operator_id,
                     mode="bike", price=Money(amount_minor=price, currency=bike_type.plan.currency),
                     valid_until=now + self.offer_validity, departure=departure,
                     arrival=departure + dt.timedelta(seconds=ride_s), origin=start.point,
                     destination=end.point, distance_m=distance_m,
                     conditions=Conditions(free_cancellation_until=departure, notes=notes),
                     vehicle_type=bike_type.type_id,
                     description=f"{bike_type.name}: {start.name} → {end.name}")

    def stations_of(self, offer_id: str) -> tuple[tuple[str, str], tuple[str, str]] | None:
        """(id, name) of the start and end stations of an offer, for the TOMP places."""
        ride = self._rides.get(offer_id)
        if ride is None:
            return None
        start, end = self.docks[ride.start], self.docks[ride.end]
        return (start.station_id, start.name), (end.station_id, end.name)

    # -- booking --------------------------------------------------------------------------
    async def book(self, offer_id: str, *, idempotency_key: str) -> LegBooking:
        if (answer := self._answers.replay("book", idempotency_key, offer_id)) is not None:
            return answer
        ride = self._rides.get(offer_id)
        if ride is None:
            raise NotFound(f"no offer {offer_id} from {self.operator_id}")
        now = self.clock.now()
        if not ride.offer.is_valid_at(now):
            raise OfferExpired(f"offer {offer_id} expired at {ride.offer.valid_until.isoformat()}")
        if ride.booking_id is not None:
            raise Conflict(f"offer {offer_id} is already booked as {ride.booking_id}")
        self._expire_holds()
        start = self.docks[ride.start]
        if start.bikes.get(ride.bike_type, 0) < ride.riders:
            raise OperatorRejected(f"no {ride.bike_type} left at {start.name} for {ride.riders}")
        start.bikes[ride.bike_type] -= ride.riders
        booking = LegBooking(id=f"{self.operator_id}-booking-{uuid.uuid4().hex[:16]}",
                             operator_id=self.operator_id, offer_id=offer_id, state=S.NEW,
                             price=ride.offer.price, conditions=ride.offer.conditions,
                             departure=ride.offer.departure, arrival=ride.offer.arrival)
        booking = booking.moved_to(S.PENDING).model_copy(update={"expires_at": now + self.hold})
        ride.booking_id = booking.id
        self._bookings[booking.id] = booking
        self._ride_of_booking[booking.id] = offer_id
        return self._answers.remember("book", idempotency_key, offer_id, booking)

    async def confirm(self, booking_id: str, *, idempotency_key: str) -> LegBooking:
        if (answer := self._answers.replay("confirm", idempotency_key, booking_id)) is not None:
            return answer
        booking = self._get(booking_id).moved_to(S.CONFIRMED).model_copy(update={"expires_at": None})
        self._bookings[booking_id] = booking
        return self._answers.remember("confirm", idempotency_key, booking_id, booking)

    async def extend_hold(self, booking_id: str, *, idempotency_key: str) -> LegBooking:
        """Hold the bikes another `hold_s`, once per booking (a second ask is refused)."""
        if (answer := self._answers.replay("extend", idempotency_key, booking_id)) is not None:
            return answer
        booking = self._get(booking_id)
        if booking.state is not S.PENDING or booking.expires_at is None:
            raise Conflict(f"booking {booking_id} is {booking.state.value}; only a held booking is extended")
        if booking_id in self._extended:
            raise Conflict(f"booking {booking_id} was extended once already")
        self._extended.add(booking_id)
        booking = booking.model_copy(update={"expires_at": booking.expires_at + self.hold})
        self._bookings[booking_id] = booking
        return self._answers.remember("extend", idempotency_key, booking_id, booking)

    async def cancel(self, booking_id: str, *, idempotency_key: str) -> LegBooking:
        if (answer := self._answers.replay("cancel", idempotency_key, booking_id)) is not None:
            return answer
        booking = self._get(booking_id)
        if booking.state not in RELEASING | {S.REJECTED}:
            target = S.RELEASED if booking.state is S.PENDING else S.CANCELLED
            booking = self._move(booking, target, "cancelled; the bikes are back in their docks")
        return self._answers.remember("cancel", idempotency_key, booking_id, booking)

    async def get_booking(self, booking_id: str) -> LegBooking:
        return self._get(booking_id)

    async def receive_event(self, event: TripEvent) -> LegBooking:
        booking = self._get(event.booking_id)
        target = EVENT_TARGET[event.kind]
        if target is not None and target is not booking.state:
            reason = "no-show; the bikes are back in their docks" if event.kind is TripEventKind.NO_SHOW else ""
            booking = self._move(booking, target, reason, no_show=event.kind is TripEventKind.NO_SHOW)
        self.events.append(event)
        return booking

    async def aclose(self) -> None:
        """Nothing to release: the operator holds no connections."""

    # -- bookkeeping ------------------------------------------------------------------------
    def _move(self, booking: LegBooking, target: BookingState, reason: str, *,
              no_show: bool = False) -> LegBooking:
        moved = booking.moved_to(target, reason=reason)  # Conflict before anything changes
        ride = self._rides[self._ride_of_booking[booking.id]]
        start, end = self.docks[ride.start], self.docks[ride.end]
        if target in RELEASING or (target is S.FINISHED and no_show):
            start.bikes[ride.bike_type] = start.bikes.get(ride.bike_type, 0) + ride.riders
        elif target is S.STARTED:
            start.free_docks += ride.riders
        elif target is S.FINISHED:
            end.bikes[ride.bike_type] = end.bikes.get(ride.bike_type, 0) + ride.riders
            end.free_docks = max(0, end.free_docks - ride.riders)
        self._bookings[booking.id] = moved
        return moved

    def _get(self, booking_id: str) -> LegBooking:
        if booking_id not in self._bookings:
            raise NotFound(f"no booking {booking_id} at {self.operator_id}")
        self._expire_holds()
        return self._bookings[booking_id]

    def _expire_holds(self) -> None:
        now = self.clock.now()
        for booking in list(self._bookings.values()):
            if booking.state is S.PENDING and booking.expires_at is not None and now >= booking.expires_at:
                self._move(booking, S.EXPIRED, "not committed in time; the bikes are back in their docks")


def _read(path: Path) -> dict:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValueError(f"{path}: {exc}") from exc
    if not isinstance(document, dict):
        raise ValueError(f"{path}: not a JSON object")
    return document


def from_demo_region(demo_dir: Path, clock: Clock, **options: object) -> BikeShareOperator:
    """The demo region's bike-share system from its GBFS snapshot (`gbfs/` of the region folder)."""
    gbfs = demo_dir / "gbfs"
    system = _read(gbfs / "system_information.json")["data"]
    stations, _ = parse_station_information(_read(gbfs / "station_information.json"))
    statuses, _ = parse_station_status(_read(gbfs / "station_status.json"))
    plans, _ = parse_pricing_plans(_read(gbfs / "system_pricing_plans.json"))
    plan_by_id = {p.plan_id: p for p in plans}
    types = {}
    for entry in _read(gbfs / "vehicle_types.json")["data"]["vehicle_types"]:
        plan = plan_by_id.get(entry.get("default_pricing_plan_id", ""))
        if plan is not None:
            types[entry["vehicle_type_id"]] = BikeType(entry["vehicle_type_id"], entry.get("name") or entry["vehicle_type_id"],
                                                       entry.get("propulsion_type", "human"), plan)
    status_of = {s.station_id: s for s in statuses}
    docks = []
    for station in stations:
        status = status_of.get(station.station_id)
        if status is None:
            continue
        docks.append(Dock(station.station_id, station.name, GeoPoint(lat=station.lat, lon=station.lon),
                          {c.vehicle_type_id: c.count for c in status.vehicle_types_available},
                          status.num_docks_available or 0,
                          renting=status.is_installed and status.is_renting,
                          returning=status.is_installed and status.is_returning))
    return BikeShareOperator(str(system["system_id"]), docks, types, clock, **options)  # type: ignore[arg-type]
