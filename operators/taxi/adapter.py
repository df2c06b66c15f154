"""The in-process dispatcher of a small taxi company, behind the OperatorAdapter contract.

It quotes rides from the meter tariff over an estimated road distance, sells them as offers
valid a few minutes, and books a car when one of the right kind is free for the whole job
(from leaving the depot to getting back). State lives in memory and one asyncio.Lock guards
every change, so two concurrent bookings can never both take the last car, even when handing
the job to a driver's terminal (`on_assign`) awaits in between.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import math
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from maas.domain.errors import Conflict, NotFound, OperatorRejected
from maas.domain.mobility import (EVENT_TARGET, BookingState, LegBooking, Offer, OfferQuery,
                                  TripEvent, TripEventKind)
from maas.domain.ports import Clock
from operators.offer_book import Answers, OfferBook
from operators.taxi.fleet import CarKind, CarWindow, Fleet, busiest
from operators.taxi.hours import DailyWindow
from operators.taxi.tariff import Tariff, quote_fare
from operators.taxi.terms import CancellationPolicy, cancellation_fee_due, tariff_notes
from operators.taxi.travel import TravelModel

log = logging.getLogger(__name__)
S = BookingState
ACTIVE = frozenset({S.PENDING, S.CONDITIONAL_CONFIRMED, S.CONFIRMED, S.STARTED})
DONE_WITHOUT_RIDE = frozenset({S.CANCELLED, S.RELEASED, S.EXPIRED, S.REJECTED})


@dataclass(frozen=True, slots=True)
class _Quote:
    offer: Offer
    window: CarWindow
    travellers: int


class TaxiAdapter:
    """`confirmation_required` models a company whose dispatcher accepts each job by hand:
    bookings are CONDITIONAL_CONFIRMED, hold the car `hold_s`, and lapse unless confirmed."""

    def __init__(self, operator_id: str, tariff: Tariff, fleet: Fleet, service_hours: DailyWindow,
                 clock: Clock, travel: TravelModel, *, offer_validity_s: int = 300,
                 cancellation: CancellationPolicy | None = None,
                 confirmation_required: bool = False, hold_s: int = 600,
                 on_assign: Callable[[LegBooking], Awaitable[None]] | None = None) -> None:
        self.operator_id, self.tariff, self.fleet, self.clock = operator_id, tariff, fleet, clock
        self.service_hours, self.travel = service_hours, travel
        self.cancellation = cancellation or CancellationPolicy()
        self.offer_validity = dt.timedelta(seconds=offer_validity_s)
        self.confirmation_required, self.hold = confirmation_required, dt.timedelta(seconds=hold_s)
        self._on_assign = on_assign
        self._lock = asyncio.Lock()
        self._offers: OfferBook[_Quote] = OfferBook(operator_id)
        self._bookings: dict[str, LegBooking] = {}
        self._windows: dict[str, CarWindow] = {}
        self._answers = Answers()
        self.events: list[TripEvent] = []

    def set_service_hours(self, service_hours: DailyWindow) -> None:
        """The dispatcher changes today's hours; offers already sold outside them are refused."""
        self.service_hours = service_hours

    # -- searching ------------------------------------------------------------------------
    async def search_offers(self, query: OfferQuery) -> list[Offer]:
        async with self._lock:
            now = self.clock.now()
            self._offers.forget_old(now)
            offers = []
            for kind in self._kinds_for(query):
                quote = self._quote(query, kind, now)
                refusal = self._refusal(quote) or self._no_car(quote.window)
                if refusal:
                    log.debug("%s: no %s offer: %s", self.operator_id, kind.value, refusal)
                    continue
                self._offers.add(quote)
                offers.append(quote.offer)
            return offers

    @staticmethod
    def _kinds_for(query: OfferQuery) -> list[CarKind]:
        # A wheelchair user stays in the chair, so only a wheelchair taxi will do; a walking
        # aid fits a standard car, but the ramp of a wheelchair taxi is offered as well.
        if query.wheelchair:
            return [CarKind.WHEELCHAIR]
        if "walking_aid" in query.needs:
            return [CarKind.STANDARD, CarKind.WHEELCHAIR]
        return [CarKind.STANDARD]

    def _quote(self, query: OfferQuery, kind: CarKind, now: dt.datetime) -> _Quote:
        approach_s = self.travel.approach_s(query.origin)
        pickup = max(query.depart_at, now + dt.timedelta(seconds=approach_s))
        distance_m = self.travel.road_distance_m(query.origin, query.destination)
        ride_s = self.travel.drive_s(distance_m)
        arrival = pickup + dt.timedelta(seconds=ride_s)
        back_s = self.travel.drive_s(self.travel.road_distance_m(query.destination, self.travel.depot))
        window = CarWindow(kind, pickup - dt.timedelta(seconds=approach_s),
                           arrival + dt.timedelta(seconds=back_s))
        wheelchair = kind is CarKind.WHEELCHAIR
        # Concessions the tariff grants are priced in; the driver checks the proof on board.
        granted = [d.id for d in self.tariff.discounts if d.id in query.concessions]
        price = quote_fare(self.tariff, distance_m, ride_s,
                           pickup.astimezone(self.tariff.zone).time(), wheelchair, discount_ids=granted)
        conditions = self.cancellation.conditions(
            self.tariff, pickup, confirmation_required=self.confirmation_required,
            notes=tariff_notes(self.tariff, wheelchair=wheelchair))
        if self.confirmation_required:  # the dispatcher answers within its hold of the latest booking
            respond_by = min(now + self.offer_validity + self.hold, pickup)
            conditions = conditions.model_copy(update={"respond_by": respond_by})
        offer = Offer(id=f"{self.operator_id}-offer-{uuid.uuid4().hex[:16]}",
                      operator_id=self.operator_id, mode="taxi", price=price,
                      valid_until=now + self.offer_validity, departure=pickup, arrival=arrival,
                      origin=query.origin, destination=query.destination, distance_m=distance_m,
                      conditions=conditions, vehicle_type=kind.value,
                      description="Wheelchair taxi" if wheelchair else "Taxi", latest_arrival=query.arrive_by)
        return _Quote(offer, window, query.travellers)

    def _refusal(self, quote: _Quote) -> str:
        kind = quote.window.kind
        pickup_local = quote.offer.departure.astimezone(self.tariff.zone)
        if not self.service_hours.contains(pickup_local.time()):
            return f"pickup at {pickup_local:%H:%M} is outside service hours {self.service_hours}"
        if quote.travellers > self.fleet.seats_of(kind):
            return f"a party of {quote.travellers} does not fit a {kind.value} ({self.fleet.seats_of(kind)} seats)"
        latest = quote.offer.latest_arrival  # the car's approach and the drive must end by arrive_by
        if latest is not None and quote.offer.arrival > latest:
            zone = self.tariff.zone
            return (f"cannot arrive in time: the car reaches the destination at "
                    f"{quote.offer.arrival.astimezone(zone):%H:%M}, after {latest.astimezone(zone):%H:%M}")
        return ""

    def _no_car(self, window: CarWindow) -> str:
        self._expire_holds(self.clock.now())
        active = [self._windows[b] for b, booking in self._bookings.items() if booking.state in ACTIVE]
        if busiest(active, window) >= self.fleet.count(window.kind):
            return f"no car: no {window.kind.value} free at that time"
        return ""

    # -- booking --------------------------------------------------------------------------
    async def book(self, offer_id: str, *, idempotency_key: str) -> LegBooking:
        async with self._lock:
            if (answer := self._answers.replay("book", idempotency_key, offer_id)) is not None:
                return answer
            now = self.clock.now()
            quote = self._offers.bookable(offer_id, now)
            refusal = self._refusal(quote) or self._no_car(quote.window)
            if refusal:
                raise OperatorRejected(refusal)
            booking = self._new_booking(quote.offer, now)
            if self._on_assign is not None:
                await self._on_assign(booking)  # an error here leaves nothing booked
            self._bookings[booking.id] = booking
            self._windows[booking.id] = quote.window
            self._offers.mark_booked(offer_id, booking.id)
            return self._answers.remember("book", idempotency_key, offer_id, booking)

    def _new_booking(self, offer: Offer, now: dt.datetime) -> LegBooking:
        new = LegBooking(id=f"{self.operator_id}-booking-{uuid.uuid4().hex[:16]}",
                         operator_id=self.operator_id, offer_id=offer.id, state=S.NEW,
                         price=offer.price, conditions=offer.conditions,
                         departure=offer.departure, arrival=offer.arrival)
        if self.confirmation_required:
            held = new.moved_to(S.CONDITIONAL_CONFIRMED)
            return held.model_copy(update={"expires_at": min(now + self.hold, offer.departure)})
        return new.moved_to(S.PENDING).moved_to(S.CONFIRMED)

    async def confirm(self, booking_id: str, *, idempotency_key: str) -> LegBooking:
        async with self._lock:
            if (answer := self._answers.replay("confirm", idempotency_key, booking_id)) is not None:
                return answer
            booking = self._get(booking_id).moved_to(S.CONFIRMED)
            self._bookings[booking_id] = booking.model_copy(update={"expires_at": None})
            return self._answers.remember("confirm", idempotency_key, booking_id, self._bookings[booking_id])

    async def cancel(self, booking_id: str, *, idempotency_key: str) -> LegBooking:
        async with self._lock:
            if (answer := self._answers.replay("cancel", idempotency_key, booking_id)) is not None:
                return answer
            booking = self._get(booking_id)
            if booking.state not in DONE_WITHOUT_RIDE:
                booking = self._cancelled(booking)
                self._bookings[booking_id] = booking
            return self._answers.remember("cancel", idempotency_key, booking_id, booking)

    def _cancelled(self, booking: LegBooking) -> LegBooking:
        if booking.state in {S.PENDING, S.CONDITIONAL_CONFIRMED}:
            return booking.moved_to(S.RELEASED, reason="released before confirmation; no fee")
        fee = cancellation_fee_due(booking.conditions, self.clock.now())
        reason = ("cancelled free of charge" if fee is None
                  else f"cancelled after the free period; cancellation fee {fee.amount_minor} {fee.currency}")
        return booking.moved_to(S.CANCELLED, reason=reason)

    # -- status, events, ETA ----------------------------------------------------------------
    async def get_booking(self, booking_id: str) -> LegBooking:
        async with self._lock:
            return self._get(booking_id)

    async def receive_event(self, event: TripEvent) -> LegBooking:
        async with self._lock:
            booking = self._get(event.booking_id)
            target = EVENT_TARGET[event.kind]
            if target is not None:
                reason = "no-show" if event.kind is TripEventKind.NO_SHOW else ""
                booking = booking.moved_to(target, reason=reason)
                self._bookings[booking.id] = booking
            self.events.append(event)
            return booking

    async def eta_s(self, booking_id: str) -> int:
        """Seconds until the car reaches the pickup: 0 once the ride has started."""
        async with self._lock:
            booking = self._get(booking_id)
        if booking.state is S.STARTED:
            return 0
        if booking.state not in ACTIVE:
            raise Conflict(f"booking {booking_id} is {booking.state.value}; no car is coming")
        return max(0, math.ceil((booking.departure - self.clock.now()).total_seconds()))

    async def aclose(self) -> None:
        """Nothing to release: the dispatcher holds no connections."""

    # -- bookkeeping ------------------------------------------------------------------------
    def _get(self, booking_id: str) -> LegBooking:
        if booking_id not in self._bookings:
            raise NotFound(f"no booking {booking_id} at {self.operator_id}")
        self._expire_holds(self.clock.now())
        return self._bookings[booking_id]

    def _expire_holds(self, now: dt.datetime) -> None:
        for booking_id, booking in self._bookings.items():
            if booking.state is S.CONDITIONAL_CONFIRMED and booking.expires_at and now >= booking.expires_at:
                self._bookings[booking_id] = booking.moved_to(S.EXPIRED, reason="not confirmed in time")

