"""The remote operator adapter for TOMP-API 2.0 (OGC API - Processes style) behind OperatorAdapter.

Each platform call is one process execution, or a package read (docs/tomp.md, TOMP 2.0):
search-offers, purchase-offers (book), confirm-purchase (confirm), rollback-purchase or
cancel-package (cancel, chosen by the package's status), extend-expiry-time, start-leg and end-leg,
request-support, unlock-asset; `GET /collections/packages/items?packageId=` reads a package.
Answers are read as the subset says; anything unusable is OperatorUnavailable naming the
operator and what was wrong.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import aiohttp

from maas.domain.errors import Conflict, OfferExpired, OperatorUnavailable
from maas.domain.mobility import BookingState, LegBooking, Offer, OfferQuery, TripEvent, TripEventKind
from operators.tomp.adapter import UNLOCKABLE_CLASSES, event_key
from operators.tomp.client import Answer, ClientOptions
from operators.tomp.mapping import MalformedMessage
from operators.tomp2 import mapping
from operators.tomp2.client import Tomp2Client

SEARCH = "/processes/search-offers/execution"
PURCHASE = "/processes/purchase-offers/execution"
CONFIRM = "/processes/confirm-purchase/execution"
ROLLBACK = "/processes/rollback-purchase/execution"
CANCEL = "/processes/cancel-package/execution"
EXTEND = "/processes/extend-expiry-time/execution"
SUPPORT = "/processes/request-support/execution"
UNLOCK = "/processes/unlock-asset/execution"
# A package not purchased is rolled back (a repeated cancel finds it RELEASED and repeats the
# rollback, so the operator replays its first answer); a purchased one is cancelled.
ROLLED_BACK = frozenset({BookingState.PENDING, BookingState.CONDITIONAL_CONFIRMED, BookingState.RELEASED})


@dataclass(frozen=True)
class Landing:
    """What the operator's landing page (`GET /`) says of it, for the conformance report."""

    name: str
    systemId: str  # noqa: N815 - the 1.6 name the conformance check prints
    description: str = ""


def _http_date(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def package_path(package_id: str) -> str:
    return "/collections/packages/items?packageId=" + quote(package_id, safe="")


class RemoteTomp2Adapter:
    """Owns its ClientSession: `aclose` closes it."""

    def __init__(self, operator_id: str, base_url: str, session: aiohttp.ClientSession | None,
                 **options: Any) -> None:
        self.operator_id = operator_id
        self.client = Tomp2Client(operator_id, base_url, session, ClientOptions(**options))

    @property
    def base_url(self) -> str:
        return self.client.base_url

    def _document(self, answer: Answer, what: str) -> Any:
        try:
            return json.loads(answer.body)
        except ValueError:
            kind = answer.headers.get("Content-Type", "no content type")
            raise OperatorUnavailable(f"{self.operator_id}: the answer to {what} is not JSON ({kind})") from None

    def _unusable(self, what: str, exc: MalformedMessage) -> OperatorUnavailable:
        return OperatorUnavailable(f"{self.operator_id}: the answer to {what} is unusable: {exc}")

    # -- discovery -------------------------------------------------------------------------------
    async def ping(self) -> None:
        await self.client.request("GET", "/health", "health")

    async def information(self) -> Landing:
        answer = await self.client.request("GET", "/", "the landing page")
        page = self._document(answer, "GET /")
        if not isinstance(page, dict) or not isinstance(page.get("title"), str):
            raise OperatorUnavailable(f"{self.operator_id}: the landing page (GET /) has no title")
        return Landing(name=page["title"], systemId=self.operator_id, description=str(page.get("description", "")))

    # -- offers ----------------------------------------------------------------------------------
    async def search_offers(self, query: OfferQuery) -> list[Offer]:
        what = f"POST {SEARCH}"
        answer = await self.client.request("POST", SEARCH, "the offer search", body=mapping.search_request(query))
        collection = self._document(answer, what)
        valid_until = _http_date(answer.headers.get("Expires"))
        if valid_until is None:
            raise OperatorUnavailable(f"{self.operator_id}: the answer to {what} has no Expires header "
                                      "(the spec requires it: the offers' validity)")
        features = collection.get("features") if isinstance(collection, dict) else None
        if not isinstance(features, list):
            raise OperatorUnavailable(f"{self.operator_id}: the answer to {what} is not an offer collection")
        try:
            offers = [mapping.offer_of(f, valid_until, self.operator_id) for f in features]
        except MalformedMessage as exc:
            raise self._unusable(what, exc) from None
        if len({o.id for o in offers}) != len(offers):
            raise OperatorUnavailable(f"{self.operator_id}: the answer to {what} repeats offer ids")
        return offers

    # -- purchase --------------------------------------------------------------------------------
    async def book(self, offer_id: str, *, idempotency_key: str) -> LegBooking:
        return await self._purchase({"offer": offer_id}, offer_id, idempotency_key)

    async def book_with_data(self, offer_id: str, *, idempotency_key: str, data: Mapping[str, str]) -> LegBooking:
        """Personal data the operator requires, as the purchase's `customer`; its required `id` is
        a pseudonym derived from the purchase (the platform gives operators no account ids)."""
        fields = (("firstName", "FIRST_NAME"), ("lastName", "LAST_NAME"), ("email", "EMAIL"),
                  ("phoneNumber", "PHONE_NUMBERS"), ("dateOfBirth", "BIRTHDATE"))
        customer = {"id": "rider-" + hashlib.sha256(idempotency_key.encode()).hexdigest()[:16],
                    **{name: data[field] for name, field in fields if data.get(field)}}
        return await self._purchase({"offer": offer_id, "customer": customer}, offer_id, idempotency_key)

    async def _purchase(self, inputs: dict[str, Any], offer_id: str, key: str) -> LegBooking:
        answer = await self.client.request("POST", PURCHASE, f"purchase of offer {offer_id}",
                                           body={"inputs": inputs}, idempotency_key=key, expired_is=OfferExpired)
        return self._package(answer, f"POST {PURCHASE}", offer_id=offer_id)

    async def confirm(self, booking_id: str, *, idempotency_key: str) -> LegBooking:
        return await self._process(CONFIRM, booking_id, "confirmation", idempotency_key)

    async def cancel(self, booking_id: str, *, idempotency_key: str) -> LegBooking:
        current = await self.get_booking(booking_id)
        path = ROLLBACK if current.state in ROLLED_BACK else CANCEL
        return await self._process(path, booking_id, "cancellation", idempotency_key)

    async def extend_hold(self, booking_id: str, *, idempotency_key: str) -> LegBooking:
        return await self._process(EXTEND, booking_id, "extension", idempotency_key, reason="PAYMENT_PENDING")

    async def _process(self, path: str, package_id: str, what: str, key: str, **inputs: Any) -> LegBooking:
        answer = await self.client.request("POST", path, f"{what} of package {package_id}",
                                           body=mapping.package_request(package_id, **inputs),
                                           idempotency_key=key, forbidden_is_conflict=True)
        return self._package(answer, f"POST {path}")

    async def get_booking(self, booking_id: str) -> LegBooking:
        answer = await self.client.request("GET", package_path(booking_id), f"package {booking_id}")
        return self._package(answer, "GET /collections/packages/items")

    def _package(self, answer: Answer, what: str, *, offer_id: str | None = None) -> LegBooking:
        try:
            return mapping.leg_booking_of(self._document(answer, what), self.operator_id, offer_id=offer_id,
                                          expires_at=_http_date(answer.headers.get("Expires")))
        except MalformedMessage as exc:
            raise self._unusable(what, exc) from None

    # -- execution -------------------------------------------------------------------------------
    async def receive_event(self, event: TripEvent) -> LegBooking:
        """Started and finished as start-leg and end-leg; an issue, and a no-show (2.0 has no
        notification from the MaaS provider), as a support ticket; then the package is read."""
        if event.source == "operator":
            return await self.get_booking(event.booking_id)
        key, package = event_key(event), event.booking_id
        if event.kind in (TripEventKind.ISSUE, TripEventKind.NO_SHOW):
            current = await self.client.request("GET", package_path(package), f"package {package}")
            props = (self._document(current, "GET /collections/packages/items") or {}).get("properties") or {}
            location = ((props.get("summary") or {}).get("specification") or {}).get("from")
            no_show = event.kind is TripEventKind.NO_SHOW
            ticket = {"type": "supportTicket", "supportType": "NOT_AT_LOCATION" if no_show else "OTHER",
                      "location": location if isinstance(location, str) else "gps:0_0",
                      "timestamp": mapping.time_text(event.at), "context": {"package": package, "leg": package},
                      "priority": "ERROR_CANNOT_CONTINUE" if no_show else "ERROR_CAN_CONTINUE",
                      "comment": ("USER_NO_SHOW " if no_show else "") + (event.detail or "")}
            await self.client.request("POST", SUPPORT, f"support request on package {package}",
                                      body={"inputs": ticket}, idempotency_key=key)
        else:
            operation = "start" if event.kind is TripEventKind.STARTED else "end"
            body = {"inputs": {"timestamp": mapping.time_text(event.at), "package": package, "leg": package,
                               **({"comment": event.detail} if event.detail else {})}}
            await self.client.request("POST", f"/processes/{operation}-leg/execution",
                                      f"{operation}-leg of package {package}", body=body,
                                      idempotency_key=key, forbidden_is_conflict=True)
        return await self.get_booking(package)

    async def unlock(self, booking_id: str) -> None:
        """unlock-asset for the package's asset; a leg whose mode has no lock (a taxi) is Conflict."""
        answer = await self.client.request("GET", package_path(booking_id), f"package {booking_id}")
        props = (self._document(answer, "GET /collections/packages/items") or {}).get("properties") or {}
        legs = props.get("legs") or [{}]
        mode = legs[0].get("mode") if isinstance(legs[0], dict) else None
        if mode not in UNLOCKABLE_CLASSES:
            raise Conflict(f"{self.operator_id}: a {mode or 'vehicle of unknown mode'} has no lock to open")
        assets = legs[0].get("assets") or []
        body = {"inputs": {"timestamp": mapping.time_text(dt.datetime.now(dt.UTC)), "package": booking_id,
                           "leg": booking_id, "asset": assets[0] if assets else booking_id}}
        await self.client.request("POST", UNLOCK, f"unlock of package {booking_id}", body=body,
                                  idempotency_key=f"unlock-{booking_id}", forbidden_is_conflict=True)

    async def aclose(self) -> None:
        await self.client.aclose()
