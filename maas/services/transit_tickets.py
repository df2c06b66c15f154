"""The platform's own ticket office for scheduled transit: offers for the priced legs of a plan,
and the TOMP phases (book, confirm, cancel, trip events) over durable tickets.

It answers to the same OperatorAdapter contract as outside operators, so a transit leg is booked,
compensated, refunded and settled by the booking saga like a taxi or a van. Every state change is
one transaction; a repeated book call with the same idempotency key returns the first ticket.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from maas.domain.accounts import GeoPoint, great_circle_m
from maas.domain.errors import Conflict, NotFound, OfferExpired
from maas.domain.ids import new_id
from maas.domain.mobility import (EVENT_TARGET, BookingState, Conditions, LegBooking, Offer, OfferQuery,
                                  TripEvent)
from maas.domain.planning import Itinerary, TransitLeg, TripPlan
from maas.domain.ports import Clock, UnitOfWorkFactory
from maas.domain.transit_tickets import TRANSIT_OPERATOR, ride_mode

S = BookingState
OFFER_TTL = dt.timedelta(minutes=30)


class TransitTicketOffice:
    """Sells tickets for the transit legs the journey planner found, as operator `operator_id`."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, *, operator_id: str = TRANSIT_OPERATOR,
                 offer_ttl: dt.timedelta = OFFER_TTL) -> None:
        self.operator_id = operator_id
        self._uow, self._clock, self._ttl = uow, clock, offer_ttl

    # -- offers -------------------------------------------------------------------------------
    def offer_for(self, leg: TransitLeg, now: dt.datetime) -> Offer | None:
        """An offer for one leg; None when it has no fare or has already left."""
        if leg.fare is None or leg.departure <= now:
            return None
        origin = GeoPoint(lat=leg.origin.lat, lon=leg.origin.lon)
        destination = GeoPoint(lat=leg.destination.lat, lon=leg.destination.lon)
        line = leg.route_short_name or leg.route_long_name or leg.route_id
        return Offer(
            id=new_id("trn"), operator_id=self.operator_id, mode=ride_mode(leg.route_type), price=leg.fare,
            valid_until=min(leg.departure, now + self._ttl), departure=leg.departure, arrival=leg.arrival,
            origin=origin, destination=destination, distance_m=round(great_circle_m(origin, destination)),
            # Refunded in full until the departure; after it, cancelling costs the whole fare.
            conditions=Conditions(free_cancellation_until=leg.departure, cancellation_fee=leg.fare,
                                  notes=(f"valid on trip {leg.trip_id} only",)),
            description=f"{leg.agency_name} {line} {leg.origin.name} → {leg.destination.name}".strip(),
            route_id=leg.route_id)

    def offers_for(self, plan: TripPlan) -> tuple[TripPlan, list[Offer]]:
        """The plan with an offer id on every priced transit leg still to leave (and not cancelled by
        real time), and those offers."""
        now = self._clock.now()
        offers: list[Offer] = []

        def priced(it: Itinerary) -> Itinerary:
            legs = []
            for leg in it.legs:
                offer = self.offer_for(leg, now) if isinstance(leg, TransitLeg) and not leg.cancelled else None
                if offer is not None:
                    offers.append(offer)
                    leg = leg.model_copy(update={"offer_id": offer.id})
                legs.append(leg)
            return it.model_copy(update={"legs": tuple(legs)})

        return plan.model_copy(update={"itineraries": tuple(priced(it) for it in plan.itineraries)}), offers

    async def search_offers(self, query: OfferQuery) -> list[Offer]:
        return []  # transit is offered leg by leg from plans, never for a bare origin and destination

    # -- the TOMP phases ----------------------------------------------------------------------------
    async def book(self, offer_id: str, *, idempotency_key: str) -> LegBooking:
        now = self._clock.now()
        async with self._uow() as uow:
            first = await uow.transit_tickets.find_by_key(idempotency_key)
            if first is not None:
                return _same_offer(first, offer_id)
            offer = await uow.offers.get(offer_id)
            if offer is None or offer.operator_id != self.operator_id:
                raise NotFound(f"no transit offer {offer_id}")
            if not offer.is_valid_at(now):
                raise OfferExpired(f"offer {offer_id} expired at {offer.valid_until.isoformat()}")
            ticket = LegBooking(id=new_id("tkt"), operator_id=self.operator_id, offer_id=offer.id, state=S.PENDING,
                                price=offer.price, conditions=offer.conditions, departure=offer.departure,
                                arrival=offer.arrival, expires_at=offer.valid_until)
            try:
                await uow.transit_tickets.add(ticket, idempotency_key=idempotency_key, now=now)
            except Conflict:  # the same key from another process got in first: its ticket is the answer
                winner = await uow.transit_tickets.find_by_key(idempotency_key)
                if winner is None:
                    raise
                return _same_offer(winner, offer_id)
            await uow.commit()
        return ticket

    async def confirm(self, booking_id: str, *, idempotency_key: str) -> LegBooking:
        return await self._change(booking_id, self._confirmed)

    async def cancel(self, booking_id: str, *, idempotency_key: str) -> LegBooking:
        return await self._change(booking_id, _cancelled)

    async def get_booking(self, booking_id: str) -> LegBooking:
        return await self._change(booking_id, lambda ticket, now: ticket)

    async def receive_event(self, event: TripEvent) -> LegBooking:
        def moved(ticket: LegBooking, now: dt.datetime) -> LegBooking:
            target = EVENT_TARGET[event.kind]
            if target is None or ticket.state is S.FINISHED:
                return ticket
            return ticket.moved_to(target, reason=event.detail)
        return await self._change(event.booking_id, moved)

    async def aclose(self) -> None:
        return None

    # -- one ticket, one transaction ----------------------------------------------------------------
    async def _change(self, ticket_id: str,
                      change: Callable[[LegBooking, dt.datetime], LegBooking]) -> LegBooking:
        now = self._clock.now()
        async with self._uow() as uow:
            before = await uow.transit_tickets.get(ticket_id)
            after = change(_aged(before, now), now)
            if after != before:
                await uow.transit_tickets.save(after, now=now)
                await uow.commit()
        return after

    @staticmethod
    def _confirmed(ticket: LegBooking, now: dt.datetime) -> LegBooking:
        if ticket.state is S.PENDING and now >= ticket.departure:
            return ticket.moved_to(S.REJECTED, reason="the trip has left")
        # Any other state is the answer as it stands: confirmed already, or lapsed (the saga then compensates).
        return ticket.moved_to(S.CONFIRMED) if ticket.state is S.PENDING else ticket


def _aged(ticket: LegBooking, now: dt.datetime) -> LegBooking:
    """What time alone does to a ticket: an unconfirmed one lapses, a used one is over."""
    if ticket.state is S.PENDING and ticket.expires_at is not None and now > ticket.expires_at:
        return ticket.moved_to(S.EXPIRED, reason="not confirmed in time")
    if ticket.state in (S.CONFIRMED, S.STARTED) and now >= ticket.arrival:
        return ticket.moved_to(S.FINISHED)
    return ticket


def _cancelled(ticket: LegBooking, now: dt.datetime) -> LegBooking:
    if ticket.state is S.PENDING:
        return ticket.moved_to(S.RELEASED, reason="released")
    if ticket.state in (S.RELEASED, S.CANCELLED, S.EXPIRED, S.REJECTED):
        return ticket
    return ticket.moved_to(S.CANCELLED, reason="cancelled by the rider")


def _same_offer(ticket: LegBooking, offer_id: str) -> LegBooking:
    if ticket.offer_id != offer_id:
        raise Conflict(f"this idempotency key booked offer {ticket.offer_id}, not {offer_id}")
    return ticket
