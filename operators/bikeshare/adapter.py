"""A shared-vehicle operator behind the OperatorAdapter contract, over its live GBFS feed.

Searching sells trips found in the current feed (see search.py) as offers valid a short
while. Booking re-checks the trip against the current feed less the operator's holds and
reserves the vehicle(s): the booking is CONFIRMED at once and the reservation is held `hold_s`;
a reservation not started by then lapses (EXPIRED, derived when read) and frees the vehicle.
Unlocking, or a STARTED trip event, starts the ride; FINISHED ends it.

An operator that takes reservations ahead (`reservation_horizon_s`) also sells trips leaving
later, up to that far ahead: the current feed stands for the station then, and the reservation
holds its vehicle(s) from the time asked for `hold_s`, so it takes nothing from riders before
and counts against every trip asked for while it is held. Without it, a trip leaving later than
`hold_s` from now is refused with the reason (OperatorRejected), so a planner can say why.

Bookings and holds live in a `VehicleHolds` store shared by every process of the service (the
database; in memory when none is given), and every call reads them from there. The store's
`reserve` runs the availability check while the operator is locked against other processes, so
two concurrent bookings can never both take the last vehicle, even when telling the operator's
system of a reservation (`on_reserve`) awaits in between. An asyncio.Lock orders calls within
this process. Offers stay in the process that made them; a retried booking with the same
idempotency key is answered from the store, in any process.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import math
import uuid
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass

from maas.domain.accounts import GeoPoint
from maas.domain.errors import Conflict, OperatorRejected, TooEarlyToUnlock
from maas.domain.mobility import (EVENT_TARGET, AvailableAsset, BookingState, Conditions, LegBooking,
                                  Offer, OfferQuery, TripEvent, TripEventKind)
from maas.domain.planning import Money
from maas.domain.ports import Clock
from maas.domain.vehicle_holds import HeldBooking, VehicleHolds
from operators.offer_book import Answers, OfferBook
from operators.bikeshare.holds import Hold, Ledger
from operators.bikeshare.live import FeedView, LiveFeed
from operators.bikeshare.memory_holds import MemoryVehicleHolds
from operators.bikeshare.profile import BIKES_AND_SCOOTERS, FleetProfile, mode_of
from operators.bikeshare.search import Availability, Trip, TripFinder, still_free
from operators.gbfs import PricingPlan

log = logging.getLogger(__name__)
S = BookingState
DONE_WITHOUT_RIDE = frozenset({S.CANCELLED, S.RELEASED, S.EXPIRED, S.REJECTED})
# Holds of rides that ended longer ago are not read: every live feed is newer than that.
RECENT = dt.timedelta(days=1)
EARLY_UNLOCK = dt.timedelta(minutes=10)  # a reservation ahead can be unlocked this long before it starts


@dataclass(frozen=True, slots=True)
class _Quote:
    offer: Offer
    trip: Trip
    start: dt.datetime  # the time asked for (the reservation's start when ahead)


class SharedVehicleAdapter:
    """`walk_speed_mps` times the walk to the pickup; `max_walk_m` bounds it (straight line).
    `holds` keeps the bookings and what they take (in memory when not given: one process only).
    `reservation_horizon_s` (0: none) is how far ahead trips are sold and reserved."""

    def __init__(self, operator_id: str, feed: LiveFeed, clock: Clock, *,
                 profile: FleetProfile = BIKES_AND_SCOOTERS, max_walk_m: int = 500,
                 offer_validity_s: int = 120, hold_s: int = 900, walk_speed_mps: float = 1.0,
                 fallback_plan: PricingPlan | None = None,
                 on_reserve: Callable[[LegBooking], Awaitable[None]] | None = None,
                 holds: VehicleHolds | None = None, reservation_horizon_s: int = 0) -> None:
        if max_walk_m < 0 or offer_validity_s <= 0 or hold_s <= 0 or walk_speed_mps <= 0:
            raise ValueError("max_walk_m >= 0, offer_validity_s, hold_s and walk_speed_mps > 0 required")
        if not isinstance(reservation_horizon_s, int) or not 0 <= reservation_horizon_s <= 7 * 86_400:
            raise ValueError("reservation_horizon_s must be whole seconds between 0 and 7 days")
        self.horizon = dt.timedelta(seconds=reservation_horizon_s)
        self.operator_id, self.feed, self.clock, self.profile = operator_id, feed, clock, profile
        self.max_walk_m, self.walk_speed_mps = max_walk_m, walk_speed_mps
        self.offer_validity, self.hold = dt.timedelta(seconds=offer_validity_s), dt.timedelta(seconds=hold_s)
        self.fallback_plan = fallback_plan
        self._on_reserve = on_reserve
        self._lock = asyncio.Lock()
        self._offers: OfferBook[_Quote] = OfferBook(operator_id)
        self.holds: VehicleHolds = holds if holds is not None else MemoryVehicleHolds()
        self._answers = Answers()
        self.events: list[TripEvent] = []
        self.unlocks: list[tuple[str, dt.datetime]] = []  # recorded unlocks: booking id, when

    async def _availability(self, start: dt.datetime | None = None) -> Availability:
        view = await self.feed.current()  # OperatorUnavailable when stale or unreadable
        now = self.clock.now()
        live = await self.holds.live(self.operator_id, since=now - RECENT)
        return self._available(view, live, now, start or now)

    def _available(self, view: FeedView, live: Iterable[HeldBooking], now: dt.datetime,
                   start: dt.datetime) -> Availability:
        """What is free for a trip starting at `start` (held until start + hold_s)."""
        ledger = Ledger((h.at(now) for h in live), asked=(start, start + self.hold))
        return Availability(view, self.profile, ledger, self.fallback_plan)

    def _too_far_ahead(self, depart_at: dt.datetime, now: dt.datetime) -> str:
        if depart_at <= now + max(self.hold, self.horizon):
            return ""
        if not self.horizon:
            return (f"{self.operator_id} takes no reservations ahead: vehicles are offered for trips "
                    f"leaving within {int(self.hold.total_seconds() // 60)} min")
        return (f"{self.operator_id} reserves vehicles at most "
                f"{int(self.horizon.total_seconds() // 60)} min ahead")

    # -- searching ------------------------------------------------------------------------
    async def search_offers(self, query: OfferQuery) -> list[Offer]:
        async with self._lock:
            now = self.clock.now()
            self._offers.forget_old(now)
            if refusal := self._too_far_ahead(query.depart_at, now):
                log.info("%s: no offer for %s: %s", self.operator_id, query.depart_at.isoformat(), refusal)
                raise OperatorRejected(refusal)
            start = max(query.depart_at, now)
            finder = TripFinder(await self._availability(start), self.max_walk_m)
            trips = finder.find(query, now)
            if not trips or finder.reasons:
                log.info("%s: %d offer(s); not offered: %s", self.operator_id, len(trips),
                         "; ".join(finder.reasons) or "nothing found")
            offers = []
            for trip in sorted(trips, key=lambda t: (t.price_minor, t.walk_to_m)):
                offer = self._offer(trip, query, now)
                self._offers.add(_Quote(offer, trip, start))
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
        held = (f"The vehicle is reserved for {int(self.hold.total_seconds() // 60)} min after booking; "
                "an unused reservation lapses.")
        if self._ahead(start, now):
            held = (f"The vehicle is reserved from {start.isoformat(timespec='minutes')} for "
                    f"{int(self.hold.total_seconds() // 60)} min; an unused reservation lapses.")
        notes = (held,
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
                     description=f"{party}{trip.type_name} {where} {to}",
                     travel_model="straight_line")  # the ride is estimated on the crow-fly distance

    # -- booking --------------------------------------------------------------------------
    async def book(self, offer_id: str, *, idempotency_key: str) -> LegBooking:
        async with self._lock:
            if (answer := self._answers.replay("book", idempotency_key, offer_id)) is not None:
                return answer
            if (first := await self.holds.find_booked(self.operator_id, idempotency_key)) is not None:
                return self._replay_book(first, idempotency_key, offer_id)  # booked by another process
            now = self.clock.now()
            quote = self._offers.bookable(offer_id, now)
            view = await self.feed.current()  # OperatorUnavailable when stale or unreadable
            booking, trip = self._new_booking(quote.offer, now, quote.start), quote.trip
            hold = Hold(booking_id=booking.id, vehicle_id=trip.vehicle_id, vehicle_type_id=trip.vehicle_type_id,
                        station_id=trip.pickup_station.station_id if trip.pickup_station else None,
                        count=trip.count, from_at=quote.start if self._ahead(quote.start, now) else None)

            async def check(live: Sequence[HeldBooking]) -> str | None:
                """Run by the store with the operator locked against every other process."""
                refusal = still_free(self._available(view, live, now, max(quote.start, now)), trip)
                if refusal:
                    return refusal
                if self._on_reserve is not None:
                    await self._on_reserve(booking)  # an error here leaves nothing booked
                return None

            held = HeldBooking(booking=booking, hold=hold, book_key=idempotency_key, booked_as=booking)
            stored = await self.holds.reserve(self.operator_id, held, check, since=now - RECENT)
            if stored.id != booking.id:  # another process booked with this key meanwhile
                return self._replay_book(stored, idempotency_key, offer_id)
            self._offers.mark_booked(offer_id, booking.id)
            return self._answers.remember("book", idempotency_key, offer_id, booking)

    def _replay_book(self, first: HeldBooking, key: str, offer_id: str) -> LegBooking:
        if first.booking.offer_id != offer_id:
            raise Conflict(f"idempotency key {key!r} was used to book {first.booking.offer_id}")
        return self._answers.remember("book", key, offer_id, first.booked_as or first.booking)

    def _ahead(self, start: dt.datetime, now: dt.datetime) -> bool:
        """Whether a trip starting then is a reservation ahead (beyond what a booking holds)."""
        return start > now + self.hold

    def _new_booking(self, offer: Offer, now: dt.datetime, start: dt.datetime) -> LegBooking:
        new = LegBooking(id=f"{self.operator_id}-booking-{uuid.uuid4().hex[:16]}",
                         operator_id=self.operator_id, offer_id=offer.id, state=S.NEW,
                         price=offer.price, conditions=offer.conditions,
                         departure=offer.departure, arrival=offer.arrival)
        confirmed = new.moved_to(S.PENDING).moved_to(S.CONFIRMED)
        held_from = start if self._ahead(start, now) else now
        return confirmed.model_copy(update={"expires_at": max(held_from + self.hold, offer.departure)})

    async def confirm(self, booking_id: str, *, idempotency_key: str) -> LegBooking:
        """Bookings are confirmed when made; confirming again answers the booking as it is."""
        async with self._lock:
            if (answer := self._answers.replay("confirm", idempotency_key, booking_id)) is not None:
                return answer
            booking = (await self._get(booking_id)).booking.moved_to(S.CONFIRMED)
            return self._answers.remember("confirm", idempotency_key, booking_id, booking)

    async def cancel(self, booking_id: str, *, idempotency_key: str) -> LegBooking:
        async with self._lock:
            if (answer := self._answers.replay("cancel", idempotency_key, booking_id)) is not None:
                return answer
            held = await self._get(booking_id)
            booking = held.booking
            if booking.state not in DONE_WITHOUT_RIDE:  # a lapsed reservation is EXPIRED already
                booking = await self._move(held, S.CANCELLED, self.clock.now(),
                                           "cancelled free of charge; the vehicle is released")
            return self._answers.remember("cancel", idempotency_key, booking_id, booking)

    # -- status, events, unlock, availability ---------------------------------------------------
    async def get_booking(self, booking_id: str) -> LegBooking:
        async with self._lock:
            return (await self._get(booking_id)).booking

    async def receive_event(self, event: TripEvent) -> LegBooking:
        async with self._lock:
            held = await self._get(event.booking_id)
            booking, target = held.booking, EVENT_TARGET[event.kind]
            if target is not None:
                reason = "no-show" if event.kind is TripEventKind.NO_SHOW else ""
                booking = await self._move(held, target, event.at, reason)
            self.events.append(event)
            return booking

    async def unlock(self, booking_id: str) -> None:
        """Record the unlock of a reserved vehicle; the ride starts now."""
        async with self._lock:
            held = await self._get(booking_id)
            now = self.clock.now()
            if held.hold.from_at is not None and now < held.hold.from_at - EARLY_UNLOCK:
                reserved_from = held.hold.from_at.isoformat(timespec="minutes")
                raise TooEarlyToUnlock(f"booking {booking_id} is reserved from {reserved_from}; unlock it then",
                                       fields={"reserved_from": reserved_from})
            await self._move(held, S.STARTED, now, "")
            self.unlocks.append((booking_id, now))

    async def _move(self, held: HeldBooking, target: BookingState, at: dt.datetime, reason: str) -> LegBooking:
        """Move the booking (Conflict when its life cycle forbids it) and store the move, unless
        another process moved it first (Conflict too)."""
        booking, hold = held.booking, held.hold
        moved = booking.moved_to(target, reason=reason)
        if target is S.STARTED and hold.started_at is None:
            hold = hold.model_copy(update={"started_at": at})
        if target is S.FINISHED and booking.state is S.STARTED:
            hold = hold.model_copy(update={"finished_at": at})
        if moved != booking or hold != held.hold:
            await self.holds.save(self.operator_id, held.model_copy(update={"booking": moved, "hold": hold}),
                                  expected=booking.state)
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
    async def _get(self, booking_id: str) -> HeldBooking:
        """The booking as it stands now (a reservation unused by its expiry has lapsed); NotFound."""
        return (await self.holds.get(self.operator_id, booking_id)).at(self.clock.now())


class BikeShareAdapter(SharedVehicleAdapter):
    """Docked bikes and free-floating bikes and scooters (the BIKES_AND_SCOOTERS profile)."""

    def __init__(self, operator_id: str, feed: LiveFeed, clock: Clock, **options) -> None:
        super().__init__(operator_id, feed, clock, profile=BIKES_AND_SCOOTERS, **options)
