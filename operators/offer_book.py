"""Bookkeeping every in-process operator needs: the offers it sold and the answers it gave.

`OfferBook` keeps each offer with the operator's own details (the trip, the car window) until
an hour after it lapsed, so a late booking is told OfferExpired rather than NotFound, and
refuses to book one offer twice; it lives in the process. `SharedOfferBook` does the same over a
QuoteStore (the service's database), so a quote sold by one API process can be booked through
another and survives a restart; the adapter gives it the JSON codec of its details. `Answers`
replays the first answer to an idempotency key and refuses the key for anything else, which is
what makes a retried book, confirm or cancel safe.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any, Generic, Protocol, TypeVar

from maas.domain.errors import Conflict, NotFound, OfferExpired
from maas.domain.mobility import LegBooking, Offer
from maas.domain.quotes import QuoteStore, StoredQuote

RETENTION = dt.timedelta(hours=1)  # expired offers still answer OfferExpired this long
SWEEP_EVERY = dt.timedelta(minutes=1)  # a shared book deletes lapsed quotes at most this often


class _Quoted(Protocol):
    @property
    def offer(self) -> Offer: ...


Q = TypeVar("Q", bound=_Quoted)


def _check_bookable(operator_id: str, offer_id: str, offer: Offer | None, booked_as: str | None,
                    now: dt.datetime) -> None:
    if offer is None:
        raise NotFound(f"no offer {offer_id} from {operator_id}")
    if not offer.is_valid_at(now):
        raise OfferExpired(f"offer {offer_id} expired at {offer.valid_until.isoformat()}")
    if booked_as is not None:
        raise Conflict(f"offer {offer_id} is already booked as {booked_as}")


class OfferBook(Generic[Q]):
    def __init__(self, operator_id: str) -> None:
        self.operator_id = operator_id
        self._quotes: dict[str, Q] = {}
        self._booked: dict[str, str] = {}  # offer id -> booking id

    def add(self, quote: Q) -> None:
        self._quotes[quote.offer.id] = quote

    def forget_old(self, now: dt.datetime) -> None:
        for offer_id in [i for i, q in self._quotes.items() if q.offer.valid_until + RETENTION < now]:
            del self._quotes[offer_id]

    def bookable(self, offer_id: str, now: dt.datetime) -> Q:
        """The quote behind an offer that may be booked now; NotFound, OfferExpired or Conflict."""
        quote = self._quotes.get(offer_id)
        _check_bookable(self.operator_id, offer_id, None if quote is None else quote.offer,
                        self._booked.get(offer_id), now)
        assert quote is not None
        return quote

    def mark_booked(self, offer_id: str, booking_id: str) -> None:
        self._booked[offer_id] = booking_id


class SharedOfferBook(Generic[Q]):
    """OfferBook over a QuoteStore: `encode` gives a quote's details as JSON, `decode` rebuilds
    the quote from its offer and those details."""

    def __init__(self, operator_id: str, store: QuoteStore, encode: Callable[[Q], Mapping[str, Any]],
                 decode: Callable[[Offer, Mapping[str, Any]], Q]) -> None:
        self.operator_id, self.store, self._encode, self._decode = operator_id, store, encode, decode
        self._swept: dt.datetime | None = None

    async def add(self, quote: Q, now: dt.datetime) -> None:
        await self.store.add(self.operator_id, quote.offer, self._encode(quote))
        if self._swept is None or now - self._swept >= SWEEP_EVERY:
            self._swept = now
            await self.store.forget_before(self.operator_id, now - RETENTION)

    async def bookable(self, offer_id: str, now: dt.datetime) -> Q:
        """The quote behind an offer that may be booked now; NotFound, OfferExpired or Conflict."""
        found = await self.store.find(self.operator_id, offer_id)
        _check_bookable(self.operator_id, offer_id, None if found is None else found.offer,
                        None if found is None else found.booked_as, now)
        assert found is not None
        return self._decode(found.offer, found.details)

    async def mark_booked(self, offer_id: str, booking_id: str) -> None:
        await self.store.mark_booked(self.operator_id, offer_id, booking_id)


class MemoryQuoteStore:
    """A QuoteStore in this process only: for an adapter run without the service's database."""

    def __init__(self) -> None:
        self._quotes: dict[tuple[str, str], StoredQuote] = {}

    async def add(self, operator_id: str, offer: Offer, details: Mapping[str, Any]) -> None:
        self._quotes[(operator_id, offer.id)] = StoredQuote(offer=offer, details=dict(details))

    async def find(self, operator_id: str, offer_id: str) -> StoredQuote | None:
        return self._quotes.get((operator_id, offer_id))

    async def mark_booked(self, operator_id: str, offer_id: str, booking_id: str) -> None:
        found = self._quotes.get((operator_id, offer_id))
        if found is None:
            raise NotFound(f"no offer {offer_id} from {operator_id}")
        if found.booked_as not in (None, booking_id):
            raise Conflict(f"offer {offer_id} is already booked as {found.booked_as}")
        self._quotes[(operator_id, offer_id)] = found.model_copy(update={"booked_as": booking_id})

    async def forget_before(self, operator_id: str, before: dt.datetime) -> None:
        for key in [k for k, q in self._quotes.items() if k[0] == operator_id and q.offer.valid_until < before]:
            del self._quotes[key]


class Answers:
    def __init__(self) -> None:
        self._answers: dict[tuple[str, str], tuple[str, LegBooking]] = {}

    def replay(self, operation: str, key: str, target: str) -> LegBooking | None:
        """The first answer to this key, or None; Conflict when the key was used for another target."""
        if (operation, key) not in self._answers:
            return None
        first_target, answer = self._answers[(operation, key)]
        if first_target != target:
            raise Conflict(f"idempotency key {key!r} was used to {operation} {first_target}")
        return answer

    def remember(self, operation: str, key: str, target: str, answer: LegBooking) -> LegBooking:
        self._answers[(operation, key)] = (target, answer)
        return answer
