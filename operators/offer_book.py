"""Bookkeeping every in-process operator needs: the offers it sold and the answers it gave.

`OfferBook` keeps each offer with the operator's own details (the trip, the car window) until
an hour after it lapsed, so a late booking is told OfferExpired rather than NotFound, and
refuses to book one offer twice. `Answers` replays the first answer to an idempotency key and
refuses the key for anything else, which is what makes a retried book, confirm or cancel safe.
"""

from __future__ import annotations

import datetime as dt
from typing import Generic, Protocol, TypeVar

from maas.domain.errors import Conflict, NotFound, OfferExpired
from maas.domain.mobility import LegBooking, Offer

RETENTION = dt.timedelta(hours=1)  # expired offers still answer OfferExpired this long


class _Quoted(Protocol):
    @property
    def offer(self) -> Offer: ...


Q = TypeVar("Q", bound=_Quoted)


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
        if quote is None:
            raise NotFound(f"no offer {offer_id} from {self.operator_id}")
        if not quote.offer.is_valid_at(now):
            raise OfferExpired(f"offer {offer_id} expired at {quote.offer.valid_until.isoformat()}")
        if offer_id in self._booked:
            raise Conflict(f"offer {offer_id} is already booked as {self._booked[offer_id]}")
        return quote

    def mark_booked(self, offer_id: str, booking_id: str) -> None:
        self._booked[offer_id] = booking_id


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
