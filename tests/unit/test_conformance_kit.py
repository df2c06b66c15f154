"""The conformance kit passes a conforming adapter and names what a sloppy one gets wrong."""

from __future__ import annotations

import datetime as dt
import itertools

from maas.domain.accounts import GeoPoint
from maas.domain.errors import Conflict, NotFound, OfferExpired, OperatorRejected
from maas.domain.mobility import (EVENT_TARGET, BookingState, LegBooking, Offer, OfferQuery,
                                  TripEvent)
from maas.domain.planning import Money
from maas.domain.ports import OperatorAdapter
from operators.conformance import ConformanceScenario, run_conformance

T0 = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)
QUERY = OfferQuery(origin=GeoPoint(lat=36.40, lon=138.90), destination=GeoPoint(lat=36.41, lon=138.91),
                   depart_at=T0 + dt.timedelta(hours=1))
TOO_MANY = QUERY.model_copy(update={"travellers": 9})


class Clock:
    def __init__(self) -> None:
        self.at = T0

    def now(self) -> dt.datetime:
        return self.at

    async def wait_until(self, when: dt.datetime) -> None:
        self.at = max(self.at, when)


class MemoryOperator:
    """A conforming operator in a few lines: offers valid 60 s, one booking per key."""

    operator_id = "memory"

    def __init__(self, clock: Clock) -> None:
        self.clock, self.offers, self.bookings, self.keys = clock, {}, {}, {}
        self.ids = itertools.count(1)

    async def search_offers(self, query: OfferQuery) -> list[Offer]:
        offer = Offer(id=f"o{next(self.ids)}", operator_id=self.operator_id, mode="taxi",
                      price=Money(amount_minor=1500, currency="JPY"),
                      valid_until=self.clock.now() + dt.timedelta(seconds=60),
                      departure=query.depart_at, arrival=query.depart_at + dt.timedelta(minutes=9),
                      origin=query.origin, destination=query.destination, distance_m=2000)
        self.offers[offer.id] = (offer, query.travellers <= 4)
        return [offer]

    def _remembered(self, key: str, what: str) -> LegBooking | None:
        if key in self.keys:
            if self.keys[key][0] != what:
                raise Conflict("idempotency key reused for another request")
            return self.bookings[self.keys[key][1]]
        return None

    async def book(self, offer_id: str, *, idempotency_key: str) -> LegBooking:
        if (done := self._remembered(idempotency_key, f"book:{offer_id}")) is not None:
            return done
        if offer_id not in self.offers:
            raise NotFound("no such offer")
        offer, possible = self.offers[offer_id]
        if not offer.is_valid_at(self.clock.now()):
            raise OfferExpired("offer expired")
        if not possible:
            raise OperatorRejected("no car for that many")
        booking = LegBooking(id=f"b{next(self.ids)}", operator_id=self.operator_id, offer_id=offer.id,
                             state=BookingState.PENDING, price=offer.price, departure=offer.departure,
                             arrival=offer.arrival)
        self.bookings[booking.id] = booking
        self.keys[idempotency_key] = (f"book:{offer_id}", booking.id)
        return booking

    async def _move(self, booking_id: str, key: str, op: str, state: BookingState) -> LegBooking:
        if (done := self._remembered(key, f"{op}:{booking_id}")) is not None:
            return done
        if booking_id not in self.bookings:
            raise NotFound("no such booking")
        self.bookings[booking_id] = self.bookings[booking_id].moved_to(state)
        self.keys[key] = (f"{op}:{booking_id}", booking_id)
        return self.bookings[booking_id]

    async def confirm(self, booking_id: str, *, idempotency_key: str) -> LegBooking:
        return await self._move(booking_id, idempotency_key, "confirm", BookingState.CONFIRMED)

    async def cancel(self, booking_id: str, *, idempotency_key: str) -> LegBooking:
        return await self._move(booking_id, idempotency_key, "cancel", BookingState.CANCELLED)

    async def get_booking(self, booking_id: str) -> LegBooking:
        if booking_id not in self.bookings:
            raise NotFound("no such booking")
        return self.bookings[booking_id]

    async def receive_event(self, event: TripEvent) -> LegBooking:
        booking = await self.get_booking(event.booking_id)
        target = EVENT_TARGET[event.kind]
        if target is not None:
            self.bookings[booking.id] = booking.moved_to(target)
        return self.bookings[booking.id]

    async def aclose(self) -> None:
        pass


class Sloppy(MemoryOperator):
    """Books twice for a repeated key and lets an expired offer through."""

    operator_id = "sloppy"

    async def book(self, offer_id: str, *, idempotency_key: str) -> LegBooking:
        self.keys.pop(idempotency_key, None)
        offer, _ = self.offers.get(offer_id, (None, True))
        if offer is not None:
            self.offers[offer_id] = (offer.model_copy(update={"valid_until": T0 + dt.timedelta(days=9)}), True)
        return await super().book(offer_id, idempotency_key=idempotency_key)


async def test_a_conforming_adapter_passes() -> None:
    clock = Clock()
    adapter = MemoryOperator(clock)
    assert isinstance(adapter, OperatorAdapter)
    report = await run_conformance(adapter, ConformanceScenario(QUERY, rejected_query=TOO_MANY),
                                   now=clock.now, wait_until=clock.wait_until)
    assert report.ok, report.summary()
    status = {r.name: r.status for r in report.results}
    assert status["expiry"] == status["rejection"] == status["book_confirm_cancel"] == "passed"
    assert status["timeout"] == "skipped"  # no slow operator given


async def test_a_sloppy_adapter_is_caught() -> None:
    clock = Clock()
    report = await run_conformance(Sloppy(clock), ConformanceScenario(QUERY), now=clock.now,
                                   wait_until=clock.wait_until)
    assert not report.ok
    failed = {r.name for r in report.failed()}
    assert {"book_confirm_cancel", "expiry"} <= failed
    assert "DOES NOT CONFORM" in report.summary()
