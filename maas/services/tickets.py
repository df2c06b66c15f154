"""Tickets: one signed ticket per booking, shown as a QR code and verified offline by drivers and
gates with the public key; the service verifies too, for operators without their own check."""

from __future__ import annotations

import hashlib

from maas.domain.accounts import Principal, Role
from maas.domain.ports import Clock
from maas.domain.tickets import Ticket, TicketNotValidNow, TicketSigner, ticket_for
from maas.services.bookings import BookingService


def holder_ref(account_id: str) -> str:
    """An opaque reference to the rider: the ticket never carries who they are."""
    return hashlib.sha256(f"ticket-holder:{account_id}".encode()).hexdigest()[:16]


class TicketService:
    def __init__(self, bookings: BookingService, signer: TicketSigner, clock: Clock) -> None:
        self._bookings, self._signer, self.clock = bookings, signer, clock

    async def issue(self, caller: Principal, booking_id: str) -> tuple[Ticket, str]:
        """The booking's ticket and its token; Conflict unless the booking is booked and not over."""
        booking = await self._bookings.get(caller, booking_id)
        ticket = ticket_for(booking, issued_at=self.clock.now(), holder_ref=holder_ref(booking.account_id))
        return ticket, self._signer.sign(ticket)

    def qr_svg(self, token: str) -> str:
        return self._signer.qr_svg(token)

    def qr_png(self, token: str) -> bytes:
        return self._signer.qr_png(token)

    def verify(self, caller: Principal, token: str, *, operator_id: str | None = None) -> Ticket:
        """The ticket if genuine and valid now (TicketInvalid, TicketNotValidNow otherwise); an
        operator's key checks that the ticket has a leg of that operator valid now."""
        if caller.role is Role.OPERATOR:
            operator_id = caller.operator_id
        ticket = self._signer.verify(token, at=self.clock.now())
        if operator_id is not None:
            now = self.clock.now()
            if not any(leg.operator_id == operator_id and leg.valid_from <= now <= leg.valid_until
                       for leg in ticket.legs):
                raise TicketNotValidNow(f"the ticket has no leg of {operator_id} valid now",
                                        fields={"reason": "no_leg_for_operator"})
        return ticket

    def public_keys(self) -> dict[str, str]:
        return self._signer.public_keys()
