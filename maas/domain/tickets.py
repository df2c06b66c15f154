"""The ticket a rider shows: one signed token per booking, listing each leg's operator booking and
the window it may be used in, checked offline by a driver or a gate with the public key.

`ticket_for` builds it from a booking that can be travelled on; a `TicketSigner` adapter turns it
into a token (and a QR code) and back. The ticket names its holder only by an opaque reference,
never by the rider's personal data, because anyone who scans the QR code can read it.

One booking has one ticket at a time: its id comes from the booking's id and version, so every
request for it gets the same ticket until the booking changes. Each ticket handed out is recorded
(`TicketRegister`), so that once its booking is cancelled (or ends without a trip) the ticket can
be revoked: refused online at once, and listed for offline checks until its validity ends.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from maas.domain.bookings import Booking, TripState
from maas.domain.errors import Conflict, DomainError

BOARD_BEFORE = dt.timedelta(minutes=30)  # a rider may show it while waiting at the stop
USE_AFTER = dt.timedelta(minutes=60)  # a late vehicle must not strand the rider with an expired ticket
TICKETABLE = frozenset({TripState.CONDITIONAL_CONFIRMED, TripState.CONFIRMED, TripState.STARTED})
# A ticket of a booking in these states must not be used: no trip was (or will be) paid for.
REVOKED = frozenset({TripState.CANCELLED, TripState.EXPIRED, TripState.REJECTED})


class TicketInvalid(DomainError):
    """The token was tampered with, forged, malformed or signed by a key we do not know."""

    code = "ticket_invalid"


class TicketNotValidNow(DomainError):
    """A genuine ticket used outside its validity: expired or not yet valid."""

    code = "ticket_not_valid_now"


class NoTicket(Conflict):
    """The booking cannot be travelled on (cancelled, refused, over, not yet booked)."""

    code = "no_ticket"


class TicketRevoked(DomainError):
    """A genuine ticket whose booking was cancelled (or ended without a trip)."""

    code = "ticket_revoked"


def _whole_utc_seconds(value: dt.datetime) -> dt.datetime:
    # The token carries integer epoch seconds; normalising here makes verify(sign(t)) == t.
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("times need a UTC offset")
    return value.astimezone(dt.UTC).replace(microsecond=0)


class TicketLeg(BaseModel):
    model_config = ConfigDict(frozen=True)
    index: int = Field(ge=0)
    operator_id: str = Field(min_length=1, max_length=64)
    mode: str = Field(max_length=32)
    operator_booking_id: str = Field(default="", max_length=200)  # "" when the operator keeps none
    valid_from: dt.datetime
    valid_until: dt.datetime

    _utc = field_validator("valid_from", "valid_until")(_whole_utc_seconds)


class Ticket(BaseModel):
    model_config = ConfigDict(frozen=True)
    id: str = Field(min_length=1, max_length=64)
    booking_id: str = Field(min_length=1, max_length=64)
    # Opaque and short (no spaces or "@"), so a name, phone number or e-mail cannot slip in.
    holder_ref: str = Field(pattern=r"^[A-Za-z0-9_-]{1,32}$")
    issued_at: dt.datetime
    valid_from: dt.datetime
    valid_until: dt.datetime
    legs: tuple[TicketLeg, ...] = Field(min_length=1, max_length=8)
    key_id: str = ""  # set by the signer that signed it

    _utc = field_validator("issued_at", "valid_from", "valid_until")(_whole_utc_seconds)

    @model_validator(mode="after")
    def _ordered(self) -> Ticket:
        if self.valid_until <= self.valid_from:
            raise ValueError("a ticket must be valid for some time")
        return self

    def is_valid_at(self, at: dt.datetime) -> bool:
        return self.valid_from <= at < self.valid_until


class TicketRecord(BaseModel):
    """A ticket handed out: enough to revoke it until it would have expired anyway."""

    model_config = ConfigDict(frozen=True)
    ticket_id: str
    booking_id: str
    booking_version: int = Field(ge=0)
    issued_at: dt.datetime
    valid_until: dt.datetime


class TicketRegister(Protocol):
    async def record(self, record: TicketRecord) -> None:
        """Keep `record`; recording the same ticket again changes nothing."""
        ...

    async def of_bookings_in(self, states: Sequence[TripState], *, valid_after: dt.datetime) -> list[TicketRecord]:
        """Tickets still valid after `valid_after` whose booking is now in one of `states`."""
        ...


class TicketSigner(Protocol):
    @property
    def key_id(self) -> str: ...

    def sign(self, ticket: Ticket) -> str:
        """The compact token for `ticket`, signed with the current key."""
        ...

    def verify(self, token: str, *, at: dt.datetime | None) -> Ticket:
        """The ticket in `token`; TicketInvalid for anything not genuine, TicketNotValidNow when
        genuine but outside its validity at `at` (None: whenever it is valid)."""
        ...

    def public_key_pem(self) -> str: ...

    def sign_document(self, document: dict[str, object]) -> dict[str, object]:
        """`document` with `key_id` and a detached `signature` added (a revocation list)."""
        ...

    def public_keys(self) -> dict[str, str]:
        """Every key a ticket may be verified with (key id -> PEM): the current and retired ones."""
        ...

    def qr_svg(self, token: str) -> str: ...

    def qr_png(self, token: str) -> bytes: ...


def ticket_for(booking: Booking, *, issued_at: dt.datetime, holder_ref: str) -> Ticket:
    """The ticket for a booking that can be travelled on; Conflict for any other state."""
    if booking.state not in TICKETABLE:
        raise NoTicket(f"booking {booking.id} is {booking.state.value.lower()}: it has no ticket",
                       fields={"booking_state": booking.state.value})
    legs = tuple(
        TicketLeg(index=leg.index, operator_id=leg.operator_id, mode=leg.mode,
                  operator_booking_id=leg.booking.id if leg.booking else "",
                  valid_from=leg.departure - BOARD_BEFORE, valid_until=leg.arrival + USE_AFTER)
        for leg in sorted(booking.legs, key=lambda leg: leg.index))
    # Derived, not random: the booking as it stands has one ticket, whoever asks and whenever;
    # any change to the booking (a new version) makes a new one.
    seed = f"{booking.id}|v{booking.version}".encode()
    return Ticket(id="tkt_" + hashlib.sha256(seed).hexdigest()[:16], booking_id=booking.id,
                  holder_ref=holder_ref, issued_at=issued_at,
                  valid_from=min(leg.valid_from for leg in legs),
                  valid_until=max(leg.valid_until for leg in legs), legs=legs)
