"""The reference operator itself, apart from its HTTP layer: the in-process operator it stands in
front of, what it shows (options with its stations, its conditions, placed elsewhere), what it
keeps (offers, bookings, refusals, idempotent answers, tokens, the booking data it asked for),
and what happens in its own system that it reports to the MaaS provider (a ride started or
finished, a no-show, its own cancellation, a dispatcher accepting a postponed commit).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from maas.domain.accounts import GeoPoint
from maas.domain.errors import NotFound
from maas.domain.mobility import LegBooking, Offer, OfferQuery, TripEvent, TripEventKind
from maas.domain.ports import Clock, OperatorAdapter
from operators.reference.idempotency import IdempotencyStore
from operators.reference.maas_client import MaasReporter
from operators.tomp import wire
from operators.tomp.mapping import booking_of, option_of

OFFER_RETENTION = dt.timedelta(hours=1)


@dataclass
class ReferenceOperator:
    """An in-process operator and what the TOMP layer needs to show it."""

    adapter: OperatorAdapter
    information: wire.SystemInformation
    clock: Clock
    delay_s: float = 0.0  # an artificial pause before every answer but ping (for timeout tests)
    offers: dict[str, Offer] = field(default_factory=dict)
    booking_ids: dict[str, str] = field(default_factory=dict)  # option id -> the adapter's booking id
    rejected: dict[str, wire.Booking] = field(default_factory=dict)
    idempotency: IdempotencyStore = field(default_factory=IdempotencyStore)
    reporter: MaasReporter | None = None  # tells the MaaS provider what happens in the operator's system
    # OAuth2 client credentials (client id -> secret): when set, every TOMP call needs a bearer
    # token from POST /oauth/token; tokens live `token_ttl_s`.
    clients: dict[str, str] = field(default_factory=dict)
    token_ttl_s: int = 300
    tokens: dict[str, dt.datetime] = field(default_factory=dict)
    # A postponed commit: COMMIT leaves a CONDITIONAL_CONFIRMED booking so until the dispatcher
    # accepts it by hand (`accept`) and tells the MaaS provider with its own COMMIT.
    commits_by_hand: bool = False
    # The service placed elsewhere (`--place-at`): (dlat, dlon) added to every place it shows and
    # taken off every place it is asked about, so its demo-town fleet serves another area.
    shift: tuple[float, float] = (0.0, 0.0)
    # Booking conditions every option carries besides the adapter's own terms (a return area, a
    # deposit, personal data the operator requires), as TOMP condition objects.
    conditions: list[dict[str, Any]] = field(default_factory=list)
    customers: dict[str, dict[str, str]] = field(default_factory=dict)  # option id -> the data it was booked with

    def placed(self, point: GeoPoint, sign: int = 1) -> GeoPoint:
        return GeoPoint(lat=point.lat + sign * self.shift[0], lon=point.lon + sign * self.shift[1])

    def _shown(self, offer: Offer) -> Offer:
        if self.shift == (0.0, 0.0):
            return offer
        return offer.model_copy(update={"origin": self.placed(offer.origin),
                                        "destination": self.placed(offer.destination)})

    def asked(self, query: OfferQuery) -> OfferQuery:
        return query.model_copy(update={"origin": self.placed(query.origin, -1),
                                         "destination": self.placed(query.destination, -1)})

    def option(self, offer: Offer) -> wire.Booking:
        stations = getattr(self.adapter, "stations_of", lambda _id: None)(offer.id)
        start, end = stations if stations else (None, None)
        option = option_of(self._shown(offer), station_from=start, station_to=end)
        if not self.conditions:
            return option
        extra = [wire.Condition.model_validate(c) for c in self.conditions]
        return option.model_copy(update={"legs": [leg.model_copy(update={"conditions": [*leg.conditions, *extra]})
                                                  for leg in option.legs]})

    def booking(self, option_id: str, booking: LegBooking) -> wire.Booking:
        option = self.option(self.offers[option_id])  # with the stations' names, where there are any
        return booking_of(booking, self._shown(self.offers[option_id]), booking_id=option_id).model_copy(
            update={"from_": option.from_, "to": option.to})

    async def current(self, option_id: str) -> LegBooking:
        if option_id not in self.booking_ids:
            raise NotFound(f"no booking {option_id}")
        return await self.adapter.get_booking(self.booking_ids[option_id])

    async def report(self, option_id: str, kind: TripEventKind, *, detail: str = "") -> LegBooking:
        """Something happened in the operator's own system (the taxi picked the rider up, the bike
        was docked, the rider never came): record it, then tell the MaaS provider through its
        TOMP endpoints (a leg event, or the USER_NO_SHOW notification)."""
        booking = await self.current(option_id)
        at = self.clock.now()
        booking = await self.adapter.receive_event(TripEvent(booking_id=booking.id, kind=kind, at=at,
                                                             detail=detail))
        if self.reporter is not None:
            if kind is TripEventKind.NO_SHOW:
                await self.reporter.notification(option_id, "USER_NO_SHOW", detail or None)
            elif kind is TripEventKind.ISSUE:
                await self.reporter.notification(option_id, "OTHER", detail or None)
            else:
                event = "SET_IN_USE" if kind is TripEventKind.STARTED else "FINISH"
                await self.reporter.leg_event(option_id, event, at, detail or None)
        return booking

    async def accept(self, option_id: str) -> LegBooking:
        """The dispatcher accepts a job held CONDITIONAL_CONFIRMED and tells the MaaS provider."""
        booking = await self.current(option_id)
        booking = await self.adapter.confirm(booking.id, idempotency_key=f"operator-accept-{option_id}")
        if self.reporter is not None:
            await self.reporter.booking_operation(option_id, "COMMIT")
        return booking

    async def cancel_own(self, option_id: str) -> LegBooking:
        """The operator cancels a booking itself (a broken-down car), then tells the MaaS provider."""
        booking = await self.current(option_id)
        booking = await self.adapter.cancel(booking.id, idempotency_key=f"operator-cancel-{option_id}")
        if self.reporter is not None:
            await self.reporter.booking_operation(option_id, "CANCEL")
        return booking

    def forget_old_offers(self, now: dt.datetime) -> None:
        old = [i for i, o in self.offers.items()
               if o.valid_until + OFFER_RETENTION < now and i not in self.booking_ids and i not in self.rejected]
        for option_id in old:
            del self.offers[option_id]
