"""Offers an in-process operator adapter sold, each with the adapter's own details of it (the
`QuoteStore` port), kept where every API process sees them: a quote made by one process is
booked through another, and a restart loses none. The details are the adapter's JSON, opaque
to the service; a quote is kept about an hour past its validity, then forgotten."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict

from maas.domain.mobility import Offer


class StoredQuote(BaseModel):
    model_config = ConfigDict(frozen=True)
    offer: Offer
    details: dict[str, Any]
    booked_as: str | None = None  # the booking the offer was sold as, once booked


class QuoteStore(Protocol):
    async def add(self, operator_id: str, offer: Offer, details: Mapping[str, Any]) -> None:
        """Keeps the quote; the offer id is unique per operator."""
        ...

    async def find(self, operator_id: str, offer_id: str) -> StoredQuote | None: ...

    async def mark_booked(self, operator_id: str, offer_id: str, booking_id: str) -> None:
        """Records the sale once: Conflict when the offer was already booked as another booking,
        NotFound when there is no such quote."""
        ...

    async def forget_before(self, operator_id: str, before: dt.datetime) -> None:
        """Drops the operator's quotes that lapsed before `before`."""
        ...
