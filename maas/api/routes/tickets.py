"""Tickets: a booking's signed ticket with its QR code; verification for drivers and gates; the
public keys that let anyone verify offline."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from maas.api.endpoints import Binary, Call, EndpointTable
from maas.api.schemas import Request
from maas.domain.accounts import Principal, Role
from maas.domain.tickets import Ticket

routes = EndpointTable()
RIDERS = (Role.RIDER, Role.AGENT, Role.ADMIN)
CHECKERS = (Role.OPERATOR, Role.AGENT, Role.ADMIN)
TAGS = ("tickets",)


class TicketLegOut(BaseModel):
    index: int
    operator_id: str
    mode: str
    operator_booking_id: str
    valid_from: dt.datetime
    valid_until: dt.datetime


class TicketOut(BaseModel):
    id: str
    booking_id: str
    holder_ref: str
    issued_at: dt.datetime
    valid_from: dt.datetime
    valid_until: dt.datetime
    key_id: str
    legs: list[TicketLegOut]

    @classmethod
    def of(cls, t: Ticket) -> TicketOut:
        return cls(id=t.id, booking_id=t.booking_id, holder_ref=t.holder_ref, issued_at=t.issued_at,
                   valid_from=t.valid_from, valid_until=t.valid_until, key_id=t.key_id,
                   legs=[TicketLegOut(**leg.model_dump()) for leg in t.legs])


class IssuedTicketOut(BaseModel):
    ticket: TicketOut
    token: str = Field(description="The signed ticket; the QR code encodes exactly this text.")
    qr_svg: str = Field(description="The QR code as an SVG document.")


class VerifyRequest(Request):
    token: str = Field(min_length=1, max_length=4096)
    operator_id: str | None = Field(default=None, max_length=100,
                                    description="Staff: check for a leg of this operator (an operator key checks its own).")


class PublicKeysOut(BaseModel):
    algorithm: str = "Ed25519"
    keys: dict[str, str] = Field(description="Key id → public key (PEM).")


def _principal(call: Call) -> Principal:
    assert call.principal is not None
    return call.principal


@routes.route("GET", "/v1/bookings/{booking_id}/ticket", summary="The booking's ticket", tags=TAGS, roles=RIDERS,
              response=IssuedTicketOut, errors=(404, 409))
async def get_ticket(call: Call) -> IssuedTicketOut:
    """A signed token listing the legs and their validity, and its QR code. 409 for a booking
    that is not (or no longer) booked."""
    service = call.container.tickets
    ticket, token = await service.issue(_principal(call), call.path("booking_id"))
    return IssuedTicketOut(ticket=TicketOut.of(ticket), token=token, qr_svg=service.qr_svg(token))


@routes.route("GET", "/v1/bookings/{booking_id}/ticket.png", summary="The booking's ticket as a QR image",
              tags=TAGS, roles=RIDERS, errors=(404, 409))
async def get_ticket_png(call: Call) -> Binary:
    service = call.container.tickets
    _, token = await service.issue(_principal(call), call.path("booking_id"))
    return Binary(service.qr_png(token), "image/png")


@routes.route("POST", "/v1/tickets/verify", summary="Verify a ticket", tags=TAGS, roles=CHECKERS,
              body=VerifyRequest, response=TicketOut, errors=(422,))
async def verify_ticket(call: Call) -> TicketOut:
    """422 `ticket_invalid` (forged, tampered, unknown key, malformed) or `ticket_not_valid_now`
    (expired, not yet valid, no leg of the operator), with `fields.reason`."""
    body: VerifyRequest = call.body
    return TicketOut.of(call.container.tickets.verify(_principal(call), body.token, operator_id=body.operator_id))


@routes.route("GET", "/v1/tickets/keys", summary="Public keys for verifying tickets offline", tags=TAGS,
              roles=None, response=PublicKeysOut)
async def ticket_keys(call: Call) -> PublicKeysOut:
    """Drivers' tablets and gates fetch these once and verify tickets without a connection
    (see maas/ticket_check.py)."""
    return PublicKeysOut(keys=call.container.tickets.public_keys())
