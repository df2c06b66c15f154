"""Tickets: one signed ticket per booking, shown as a QR code and verified offline by drivers and
gates with the public keys and the signed revocation list; the service verifies too, against the
booking as it stands now, for operators without their own check.

A booking has the same ticket (id, times and token) on every request until it changes; each one
handed out is recorded, and once its booking is cancelled, expired or rejected the ticket is
revoked: refused online at once and listed in the revocation list until it would have expired.
"""

from __future__ import annotations

import hashlib
from typing import Any
from zoneinfo import ZoneInfo

from maas.domain.accounts import Principal, Role
from maas.domain.bookings import TripState
from maas.domain.errors import NotFound
from maas.domain.ports import Clock, UnitOfWorkFactory
from maas.domain.tickets import (REVOKED, TICKETABLE, Ticket, TicketInvalid, TicketNotValidNow, TicketRecord,
                                 TicketRevoked, TicketSigner, ticket_for)
from maas.services.bookings import BookingService

REVOCATIONS_FORMAT = "MT1-revocations"  # maas.ticket_check reads it


def holder_ref(account_id: str) -> str:
    """An opaque reference to the rider: the ticket never carries who they are."""
    return hashlib.sha256(f"ticket-holder:{account_id}".encode()).hexdigest()[:16]


class TicketService:
    def __init__(self, bookings: BookingService, signer: TicketSigner, clock: Clock,
                 uow: UnitOfWorkFactory | None = None, timezone: str = "Asia/Tokyo") -> None:
        self._bookings, self._signer, self.clock, self._uow = bookings, signer, clock, uow
        self.zone = ZoneInfo(timezone)  # what a person reads: the feed's time zone

    async def issue(self, caller: Principal, booking_id: str) -> tuple[Ticket, str]:
        """The booking's ticket and its token; Conflict unless the booking is booked and not over."""
        booking = await self._bookings.get(caller, booking_id)
        # Issued when the booking took its present form, so asking again gives the same ticket.
        ticket = ticket_for(booking, issued_at=booking.updated_at, holder_ref=holder_ref(booking.account_id))
        ticket = ticket.model_copy(update={"key_id": self._signer.key_id})
        if self._uow is not None:
            async with self._uow() as uow:
                await uow.tickets_issued.record(TicketRecord(
                    ticket_id=ticket.id, booking_id=booking.id, booking_version=booking.version,
                    issued_at=ticket.issued_at, valid_until=ticket.valid_until))
                await uow.commit()
        return ticket, self._signer.sign(ticket)

    def qr_svg(self, token: str) -> str:
        return self._signer.qr_svg(token)

    def qr_png(self, token: str) -> bytes:
        return self._signer.qr_png(token)

    async def verify(self, caller: Principal, token: str, *, operator_id: str | None = None) -> Ticket:
        """The ticket if genuine, valid now and its booking still travelled on (TicketInvalid,
        TicketNotValidNow, TicketRevoked otherwise); an operator's key checks that the ticket has
        a leg of that operator valid now."""
        if caller.role is Role.OPERATOR:
            operator_id = caller.operator_id
        now = self.clock.now()
        ticket = self._signer.verify(token, at=None)
        # The booking first: a cancelled booking's ticket is revoked, not "not yet valid".
        await self._check_booking(ticket)
        ticket = self._signer.verify(token, at=now)
        if operator_id is not None:
            if not any(leg.operator_id == operator_id and leg.valid_from <= now <= leg.valid_until
                       for leg in ticket.legs):
                raise TicketNotValidNow(f"the ticket has no leg of {operator_id} valid now",
                                        fields={"reason": "no_leg_for_operator"})
        return ticket

    async def _check_booking(self, ticket: Ticket) -> None:
        if self._uow is None:
            return
        try:
            async with self._uow() as uow:
                booking = await uow.bookings.get(ticket.booking_id)
        except NotFound:
            raise TicketInvalid("the ticket's booking does not exist", fields={"reason": "unknown_booking"}) from None
        if booking.state in REVOKED:
            raise TicketRevoked(f"booking {booking.id} is {booking.state.value}: the ticket is revoked",
                                fields={"reason": "revoked", "booking_state": booking.state.value})
        if booking.state not in TICKETABLE:  # FINISHED, SETTLED: the trip is over; PENDING: never ticketed
            over = booking.state in (TripState.FINISHED, TripState.SETTLED)
            raise TicketNotValidNow(f"booking {booking.id} is {booking.state.value}",
                                    fields={"reason": "trip_over" if over else "not_booked",
                                            "booking_state": booking.state.value})

    async def revocations(self) -> dict[str, Any]:
        """The signed list of bookings whose tickets are revoked and not yet expired (see
        maas.ticket_check for the format), with when it was made."""
        now = self.clock.now()
        until: dict[str, Any] = {}
        if self._uow is not None:
            async with self._uow() as uow:
                for record in await uow.tickets_issued.of_bookings_in(sorted(REVOKED), valid_after=now):
                    until[record.booking_id] = max(until.get(record.booking_id, record.valid_until),
                                                   record.valid_until)
        revoked = [{"booking_id": b, "until": t.astimezone(self.zone).isoformat()} for b, t in sorted(until.items())]
        document: dict[str, object] = {"format": REVOCATIONS_FORMAT,
                    "generated_at": now.astimezone(self.zone).replace(microsecond=0).isoformat(), "revoked": revoked}
        return self._signer.sign_document(document)

    def public_keys(self) -> dict[str, str]:
        return self._signer.public_keys()

    @property
    def key_id(self) -> str:
        return self._signer.key_id
