"""A shared-vehicle operator behind the OperatorAdapter contract, over its live GBFS feed.

Searching sells trips found in the current feed (see search.py) as offers valid a short
while. Booking re-checks the trip against the current feed less this adapter's own holds and
reserves the vehicle(s): the booking is CONFIRMED at once and the reservation is held `hold_s`;
a reservation not started by then lapses (EXPIRED) and frees the vehicle. Unlocking, or a
STARTED trip event, starts the ride; FINISHED ends it. One asyncio.Lock guards every change, so
two concurrent bookings can never both take the last vehicle, even when telling the operator's
system of a reservation (`on_reserve`) awaits in between.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import math
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from maas.domain.accounts import GeoPoint
from maas.domain.errors import NotFound, OperatorRejected
from maas.domain.mobility import (EVENT_TARGET, AvailableAsset, BookingState, Conditions, LegBooking,
                                  Offer, OfferQuery, TripEvent, TripEventKind)
from maas.domain.planning import Money
from maas.domain.ports import Clock
from operators.offer_book import Answers, OfferBook
from operators.bikeshare.holds import Hold, Ledger
from operators.bikeshare.live import LiveFeed
from operators.bikeshare.profile import BIKES_AND_SCOOTERS, FleetProfile, mode_of
from operators.bikeshare.search import Availability, Trip, TripFinder, still_free
from operators.gbfs import PricingPlan

log = logging.getLogger(__name__)
S = BookingState
DONE_WITHOUT_RIDE = frozenset({S.CANCELLED, S.RELEASED, S.EXPIRED, S.REJECTED})
LAPSED = "the reservation was not used in time"


@dataclass(frozen=True, slots=True)
class _Quote:
    offer: Offer
    trip: Trip


class SharedVehicleAdapter:
    """`walk_speed_mps` times the walk to the pickup; `max_walk_m` bounds it (straight line)."""

    def __init__(self, operator_id: str, feed: LiveFeed, clock: Clock, *,
                 profile: FleetProfile = BIKES_AND_SCOOTERS, max_walk_m: int = 500,
                 offer_validity_s: int = 120, hold_s: int = 900, walk_speed_mps: float = 1.0,
                 fallback_plan: PricingPlan | None = None,
                 on_reserve: Callable[[LegBooking], Awaitable[None]] | None = None) -> None:
        if max_walk_m < 0 or offer_validity_s <= 0 or hold_s <= 0 or walk_speed_mps <= 0:
            raise ValueError("max_walk_m >= 0, offer_validity_s, hold_s and walk_speed_mps > 0 required")
        self.operator_id, self.feed, self.clock, self.profile = operator_id, feed, clock, profile
        self.max_walk_m, self.walk_speed_mps = max_walk_m, walk_speed_mps
        self.offer_validity, self.hold = dt.timedelta(seconds=offer_validity_s), dt.timedelta(seconds=hold_s)
        self.fallback_plan = fallback_plan
        self._on_reserve = on_reserve
        self._lock = asyncio.Lock()
        self._offers: OfferBook[_Quote] = OfferBook(operator_id)
        self._bookings: dict[str, LegBooking] = {}
        self._ledger = Ledger()
        self._answers = Answers()
        self.events: list[TripEvent] = []
        self.unlocks: list[tuple[str, dt.datetime]] = []  # recorded unlocks: booking id, when

    async def _availability(self) -> Availability:
        view = await self.feed.current()  # OperatorUnavailable when stale or unreadable
        self._expire_holds(self.clock.now())
        return Availability(view, self.profile, self._ledger, self._bookings, self.fallback_plan)

    # -- searching ------------------------------------------------------------------------
    async def search_offers(self, query: OfferQuery) -> list[Offer]:
        async with self._lock:
            now = self.clock.now()
            self._offers.forget_old(now)
            if query.depart_at > now + self.hold:
                log.info("%s: no offer: departure %s is further ahead than a reservation is held (%s)",
                         self.operator_id, query.depart_at.isoformat(), self.hold)
                return []
            finder = TripFinder(await self._availability(), self.max_walk_m)
            trips = finder.find(query, now)
            if not trips or finder.reasons:
                log.info("%s: %d offer(s); not offered: %s", self.operator_id, len(trips),
                         "; ".join(finder.reasons) or "nothing found")
            offers = []
            for trip in sorted(trips, key=lambda t: (t.price_minor, t.walk_to_m)):
                offer = self._offer(trip, query, now)
                self._offers.add(_Quote(offer, trip))
                offers.append(offer)
            return offers

    def _offer(self, trip: Trip, query: OfferQuery, now: dt.datetime) -> Offer:
        start = max(query.depart_at, now)
        departure = start + dt.timedelta(seconds=math.ceil(trip.walk_to_m / self.walk_speed_mps))
        arrival = departure + dt.timedelta(seconds=trip.ride_s)
        where = (f"from {trip.pickup_station.name}" if trip.pickup_station
                 else f"{trip.vehicle_id} parked") + f" {trip.walk_to_m} m away"
        to = f"to {trip.return_station.name}" if trip.return_station else "to the destination"
        party = f"{trip.count} x " if trip.count > 1 else ""
        minutes = math.ceil(trip.ride_s / 60)
        notes = (f"The vehicle is reserved for {int(self.hold.total_seconds() // 60)} min after booking; "
                 "an unused reservation lapses.",
                 f"Price estimated with plan {trip.plan.name!r} for a {minutes}-min ride; "
                 "the operator charges for the actual ride.",
                 f"Walk {trip.walk_to_m} m to the vehicle" +
                 (f" and {trip.walk_from_m} m from the return station." if trip.return_station else "."))
        return Offer(id=f"{self.operator_id}-offer-{uuid.uuid4().hex[:16]}", operator_id=self.operator_id,
                     mode=mode_of(trip.form_factor),
                     price=Money(amount_minor=trip.price_minor, currency=trip.plan.currency),
                     valid_until=now + self.offer_validity, departure=departure, arrival=arrival,
                     origin=trip.pickup, destination=trip.dropoff, distance_m=trip.distance_m,
                     conditions=Conditions(notes=notes), vehicle_type=trip.vehicle_type_id or "",
                     description=f"{party}{trip.type_name} {where} {to}")

    # -- booking --------------------------------------------------------------------------
    async def book(self, offer_id: str, *, idempotency_key: str) -> LegBooking:
        async with self._lock:
            if (answer := self._answers.replay("book", idempotency_key, offer_id)) is not None:
                return answer
            now = self.clock.now()
            quote = self._offers.bookable(offer_id, now)
            refusal = still_free(await self._availability(), quote.trip)
            if refusal:
                raise OperatorRejected(refusal)
            booking = self._new_booking(quote.offer, now)
            if self._on_reserve is not None:
                await self._on_reserve(booking)  # an error here leaves nothing booked
            trip = quote.trip
            self._ledger.add(Hold(booking.id, trip.pickup_station.station_id if trip.pickup_station else None,
                                  trip.vehicle_id, trip.vehicle_type_id, trip.count))
            self._bookings[booking.id] = booking
            self._offers.mark_booked(offer_id, booking.id)
            return self._answers.remember("book", idempotency_key, offer_id, booking)

    def _new_booking(self, offer: Offer, now: dt.datetime) -> LegBooking:
        new = LegBooking(id=f"{self.operator_id}-booking-{uuid.uuid4().hex[:16]}",
                         operator_id=self.operator_id, offer_id=offer.id, state=S.NEW,
                         price=offer.price, conditions=offer.conditions,
                         departure=offer.departure, arrival=offer.arrival)
        confirmed = new.moved_to(S.PENDING).moved_to(S.CONFIRMED)
        return confirmed.model_copy(update={"expires_at": max(now + self.hold, offer.departure)})

    async def confirm(self, booking_id: str, *, idempotency_key: str) -> LegBooking:
        """Bookings are confirmed when made; confirming again answers the booking as it is."""
        async with self._lock:
            if (answer := self._answers.replay("confirm", idempotency_key, booking_id)) is not None:
                return answer
            booking = self._get(booking_id).moved_to(S.CONFIRMED)
            return self._answers.remember("confirm", idempotency_key, booking_id, booking)

    async def cancel(self, booking_id: str, *, idempotency_key: str) -> LegBooking:
        async with self._lock:
            if (answer := self._answers.replay("cancel", idempotency_key, booking_id)) is not None:
                return answer
            booking = self._get(booking_id)
            if booking.state not in DONE_WITHOUT_RIDE and not self._lapsed(booking):
                booking = booking.moved_to(S.CANCELLED, reason="cancelled free of charge; the vehicle is released")
                self._bookings[booking_id] = booking
            return self._answers.remember("cancel", idempotency_key, booking_id, booking)

    def _lapsed(self, booking: LegBooking) -> bool:
        return booking.state is S.EXPIRED

    # -- status, events, unlock, availability ---------------------------------------------------
    async def get_booking(self, booking_id: str) -> LegBooking:
        async with self._lock:
            return self._get(booking_id)

    async def receive_event(self, event: TripEvent) -> LegBooking:
        async with self._lock:
            booking = self._get(event.booking_id)
            target = EVENT_TARGET[event.kind]
            if target is not None:
                reason = "no-show" if event.kind is TripEventKind.NO_SHOW else ""
                booking = self._move(booking, target, event.at, reason)
            self.events.append(event)
            return booking

    async def unlock(self, booking_id: str) -> None:
        """Record the unlock of a reserved vehicle; the ride starts now."""
        async with self._lock:
            booking = self._get(booking_id)
            now = self.clock.now()
            self._move(booking, S.STARTED, now, "")
            self.unlocks.append((booking_id, now))

    def _move(self, booking: LegBooking, target: BookingState, at: dt.datetime, reason: str) -> LegBooking:
        moved = booking.moved_to(target, reason=reason)
        hold = self._ledger.get(booking.id)
        if target is S.STARTED and hold.started_at is None:
            hold.started_at = at
        if target is S.FINISHED and booking.state is S.STARTED:
            hold.finished_at = at
        self._bookings[booking.id] = moved
        return moved

    async def list_available_assets(self, near: GeoPoint, radius_m: int) -> list[AvailableAsset]:
        """Stations with vehicles to rent (less this adapter's holds) and free vehicles, nearest first."""
        async with self._lock:
            a = await self._availability()
            now = self.clock.now()
            assets = []
            for hit in a.view.index.list_stations_near(near.lat, near.lon, radius_m, now=now):
                free = a.free_at_station(hit.station.station_id)
                if free:
                    types = sorted(t or "" for t in free)
                    assets.append(AvailableAsset(
                        id=hit.station.station_id, operator_id=self.operator_id, kind="station",
                        position=GeoPoint(lat=hit.station.lat, lon=hit.station.lon),
                        vehicle_type=",".join(types), available=sum(free.values()),
                        free_docks=hit.status.num_docks_available, distance_m=round(hit.distance_m)))
            for hit in a.view.index.list_vehicles_near(near.lat, near.lon, radius_m, now=now):
                v = hit.vehicle
                if v.station_id is None and a.form_factor(v.vehicle_type_id) and a.vehicle_free(v):
                    assets.append(AvailableAsset(
                        id=v.vehicle_id, operator_id=self.operator_id, kind="vehicle",
                        position=GeoPoint(lat=v.lat, lon=v.lon), vehicle_type=v.vehicle_type_id or "",
                        range_m=None if v.current_range_meters is None else round(v.current_range_meters),
                        distance_m=round(hit.distance_m)))
            return sorted(assets, key=lambda asset: asset.distance_m)

    async def aclose(self) -> None:
        await self.feed.aclose()

    # -- bookkeeping ------------------------------------------------------------------------
    def _get(self, booking_id: str) -> LegBooking:
        if booking_id not in self._bookings:
            raise NotFound(f"no booking {booking_id} at {self.operator_id}")
        self._expire_holds(self.clock.now())
        return self._bookings[booking_id]

    def _expire_holds(self, now: dt.datetime) -> None:
        for booking_id, booking in self._bookings.items():
            if booking.state is S.CONFIRMED and booking.expires_at and now >= booking.expires_at:
                self._bookings[booking_id] = booking.moved_to(S.EXPIRED, reason=LAPSED)
                log.info("%s: booking %s lapsed unused at %s", self.operator_id, booking_id,
                         booking.expires_at.isoformat())



class BikeShareAdapter(SharedVehicleAdapter):
    """Docked bikes and free-floating bikes and scooters (the BIKES_AND_SCOOTERS profile)."""

    def __init__(self, operator_id: str, feed: LiveFeed, clock: Clock, **options) -> None:
        super().__init__(operator_id, feed, clock, profile=BIKES_AND_SCOOTERS, **options)
