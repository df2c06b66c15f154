"""The remote operator adapter: an outside operator's TOMP-API 1.6 subset behind OperatorAdapter.

Every call is one HTTP exchange (two for trip events: the event, then the booking it moved) with
its own time limit; booking changes carry the caller's idempotency key and are retried when the
operator fails or does not answer, searches are not (they carry no key). Whatever the operator
answers is validated against the wire models; anything unusable is OperatorUnavailable naming
the operator and what was wrong.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
from collections.abc import Mapping
from typing import Any

import aiohttp

from maas.domain.errors import Conflict, OfferExpired, OperatorRejected, OperatorUnavailable
from maas.domain.mobility import BookingState, LegBooking, Offer, OfferQuery, TripEvent, TripEventKind
from operators.tomp import wire
from operators.tomp.client import Answer, ClientOptions, TompClient, path_of
from operators.tomp.mapping import MalformedMessage, customer_of, leg_booking_of, offer_of, planning_request



def _expires(answer: Answer) -> dt.datetime | None:
    value = answer.headers.get("Expires")
    if not value:
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


UNLOCKABLE_CLASSES = frozenset({"BICYCLE", "STEP", "MOPED", "MOTORCYCLE", "CAR", "SELFDRIVE"})


def event_key(event: TripEvent) -> str:
    """The idempotency key of a trip event: the same event sent twice is the same request."""
    text = f"{event.booking_id}|{event.kind.value}|{event.at.isoformat()}|{event.detail}"
    return "event-" + hashlib.sha256(text.encode()).hexdigest()[:32]


class RemoteTompAdapter:
    """Owns its ClientSession: `aclose` closes it."""

    def __init__(self, operator_id: str, base_url: str, session: aiohttp.ClientSession | None,
                 **options: Any) -> None:
        """`options` are ClientOptions' (timeout_s, retries, backoff_s, maas_id, api_key, OAuth2
        token_url with client_id and client_secret, accept_language, max_retry_after_s)."""
        self.operator_id = operator_id
        self.client = TompClient(operator_id, base_url, session, ClientOptions(**options))

    @property
    def base_url(self) -> str:
        return self.client.base_url

    # -- operator information ----------------------------------------------------------------
    async def ping(self) -> None:
        await self.client.request("GET", "/operator/ping", "ping")

    async def information(self) -> wire.SystemInformation:
        answer = await self.client.request("GET", "/operator/information", "operator information")
        return self.client.parse(answer, wire.SystemInformation, "GET /operator/information")

    # -- planning ------------------------------------------------------------------------------
    async def search_offers(self, query: OfferQuery) -> list[Offer]:
        what = "POST /planning/offers"
        answer = await self.client.request("POST", "/planning/offers", "the offer search",
                                           body=planning_request(query))
        planning: wire.Planning = self.client.parse(answer, wire.Planning, what)
        try:
            offers = [offer_of(option, planning.validUntil, self.operator_id)
                      for option in planning.options]
        except MalformedMessage as exc:
            raise OperatorUnavailable(f"{self.operator_id}: the answer to {what} is unusable: {exc}") from None
        if len({o.id for o in offers}) != len(offers):
            raise OperatorUnavailable(f"{self.operator_id}: the answer to {what} repeats option ids")
        return offers

    # -- booking -------------------------------------------------------------------------------
    async def book(self, offer_id: str, *, idempotency_key: str) -> LegBooking:
        return await self._book(wire.BookingRequest(id=offer_id), idempotency_key)

    async def book_with_data(self, offer_id: str, *, idempotency_key: str, data: Mapping[str, str]) -> LegBooking:
        """The operator's conditionRequireBookingData answered: the rider as the request's `customer`."""
        return await self._book(wire.BookingRequest(id=offer_id, customer=customer_of(data)), idempotency_key)

    async def _book(self, request: wire.BookingRequest, idempotency_key: str) -> LegBooking:
        offer_id = request.id
        answer = await self.client.request("POST", "/bookings", f"booking offer {offer_id}", body=request,
                                           idempotency_key=idempotency_key, expired_is=OfferExpired)
        booking = self._booking(answer, "POST /bookings")
        if booking.id != offer_id:
            raise OperatorUnavailable(f"{self.operator_id}: booked offer {offer_id} as {booking.id}; "
                                      "a TOMP booking keeps the id of the option it books")
        if booking.state is BookingState.REJECTED:
            raise OperatorRejected(f"{self.operator_id} refused offer {offer_id}"
                                   + (f": {booking.reason}" if booking.reason else ""))
        return booking

    async def confirm(self, booking_id: str, *, idempotency_key: str) -> LegBooking:
        return await self._operate(booking_id, "COMMIT", idempotency_key)

    async def cancel(self, booking_id: str, *, idempotency_key: str) -> LegBooking:
        return await self._operate(booking_id, "CANCEL", idempotency_key)

    async def extend_hold(self, booking_id: str, *, idempotency_key: str) -> LegBooking:
        """EXTEND_EXPIRY_TIME while the payment is taken; the answer's Expires is the new limit
        (410, the spec's refusal, is Conflict)."""
        return await self._operate(booking_id, "EXTEND_EXPIRY_TIME", idempotency_key)

    async def _operate(self, booking_id: str, operation: str, key: str) -> LegBooking:
        answer = await self.client.request(
            "POST", path_of("bookings", booking_id, "events"), f"{operation} of booking {booking_id}",
            body=wire.BookingOperation(operation=operation,
                                       extendReason="PAYMENT_PENDING" if operation == "EXTEND_EXPIRY_TIME" else None),
            idempotency_key=key,
            forbidden_is_conflict=True)
        return self._booking(answer, "POST /bookings/{id}/events")

    async def get_booking(self, booking_id: str) -> LegBooking:
        answer = await self.client.request("GET", path_of("bookings", booking_id), f"booking {booking_id}")
        return self._booking(answer, "GET /bookings/{id}")

    # -- trip execution ------------------------------------------------------------------------
    async def receive_event(self, event: TripEvent) -> LegBooking:
        """Passes the event on (leg events; a no-show as the spec's USER_NO_SHOW notification; an
        issue as a support request), then reads the booking. An event the operator reported
        itself (through the platform's TOMP endpoints) is not sent back: the booking is read."""
        if event.source == "operator":
            return await self.get_booking(event.booking_id)
        key = event_key(event)
        if event.kind is TripEventKind.ISSUE:
            request = wire.SupportRequest(id=event.booking_id, supportType="OTHER", time=event.at,
                                          priority="ERROR_CAN_CONTINUE", comment=event.detail or None)
            await self.client.request("POST", "/support/", f"issue report on booking {event.booking_id}",
                                      body=request, idempotency_key=key)
        elif event.kind is TripEventKind.NO_SHOW:
            notice = wire.Notification(type="USER_NO_SHOW", comment=event.detail or None)
            await self.client.request("POST", path_of("bookings", event.booking_id, "notifications"),
                                      f"no-show on booking {event.booking_id}", body=notice,
                                      idempotency_key=key, forbidden_is_conflict=True)
        else:
            name = "SET_IN_USE" if event.kind is TripEventKind.STARTED else "FINISH"
            await self.client.request(
                "POST", path_of("legs", event.booking_id, "events"),
                f"{name} of leg {event.booking_id}",
                body=wire.LegEvent(time=event.at, event=name, comment=event.detail or None),
                idempotency_key=key, forbidden_is_conflict=True)
        return await self.get_booking(event.booking_id)

    async def unlock(self, booking_id: str) -> None:
        """Open the vehicle of a booked bike, scooter, moped or car: TOMP's `SET_IN_USE`, which
        activates the asset. A leg whose asset has no lock (a taxi, a bus) is Conflict."""
        answer = await self.client.request("GET", path_of("bookings", booking_id), f"booking {booking_id}")
        booking: wire.Booking = self.client.parse(answer, wire.Booking, "GET /bookings/{id}")
        leg = booking.legs[0] if booking.legs else None
        asset = booking.mainAssetType or (leg.assetType if leg else None)
        asset_class = asset.assetClass if asset else None
        if asset_class not in UNLOCKABLE_CLASSES:
            raise Conflict(f"{self.operator_id}: a {asset_class or 'vehicle of unknown class'} has no lock to open")
        started = TripEvent(booking_id=booking_id, kind=TripEventKind.STARTED, at=dt.datetime.now(dt.UTC),
                            detail="unlocked by the rider")
        await self.receive_event(started)

    async def aclose(self) -> None:
        await self.client.aclose()

    def _booking(self, answer: Answer, what: str) -> LegBooking:
        booking: wire.Booking = self.client.parse(answer, wire.Booking, what)
        try:
            return leg_booking_of(booking, self.operator_id, expires_at=_expires(answer))
        except MalformedMessage as exc:
            raise OperatorUnavailable(f"{self.operator_id}: the answer to {what} is unusable: {exc}") from None
