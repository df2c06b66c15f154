"""Tickets: a booking's signed ticket with its QR code; verification for drivers and gates; the
public keys and the signed revocation list that let anyone verify offline."""

from __future__ import annotations

import datetime as dt
from typing import Literal

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
    def of(cls, t: Ticket, zone: dt.tzinfo) -> TicketOut:
        """In the feed's time zone (+09:00): what the rider and the driver read."""
        return cls(id=t.id, booking_id=t.booking_id, holder_ref=t.holder_ref, issued_at=t.issued_at.astimezone(zone),
                   valid_from=t.valid_from.astimezone(zone), valid_until=t.valid_until.astimezone(zone),
                   key_id=t.key_id,
                   legs=[TicketLegOut(**{**leg.model_dump(), "valid_from": leg.valid_from.astimezone(zone),
                                         "valid_until": leg.valid_until.astimezone(zone)}) for leg in t.legs])


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
    current_key_id: str = Field(description="The key new tickets are signed with.")
    keys: dict[str, str] = Field(description="Key id → public key (PEM).")


class RevokedOut(BaseModel):
    booking_id: str
    # Strings, not datetimes: the signature covers the text exactly as the service wrote it.
    until: str = Field(description="When the booking's last ticket would have expired (ISO 8601, +09:00); "
                                   "the entry goes then.")


class RevocationsOut(BaseModel):
    format: Literal["MT1-revocations"]
    key_id: str = Field(description="The key (of GET /v1/tickets/keys) that signed the list.")
    generated_at: str = Field(description="When the list was made (ISO 8601, +09:00); it misses cancellations "
                                          "after that.")
    revoked: list[RevokedOut]
    signature: str = Field(description="Base64url Ed25519 signature of the list's canonical JSON without it "
                                       "(keys sorted, no spaces, ASCII); see maas/ticket_check.py.")


def _principal(call: Call) -> Principal:
    assert call.principal is not None
    return call.principal


@routes.route("GET", "/v1/bookings/{booking_id}/ticket", summary="The booking's ticket", tags=TAGS, roles=RIDERS,
              response=IssuedTicketOut, errors=(404, 409))
async def get_ticket(call: Call) -> IssuedTicketOut:
    """A signed token listing the legs and their validity (times in the feed's time zone), and
    its QR code. The same ticket on every request until the booking changes; `key_id` names the
    signing key (also in the token's `k`). 409 `no_ticket` (with `fields.booking_state`) for a booking
    that is not (or no longer) booked."""
    service = call.container.tickets
    ticket, token = await service.issue(_principal(call), call.path("booking_id"))
    return IssuedTicketOut(ticket=TicketOut.of(ticket, service.zone), token=token, qr_svg=service.qr_svg(token))


@routes.route("GET", "/v1/bookings/{booking_id}/ticket.png", summary="The booking's ticket as a QR image",
              tags=TAGS, roles=RIDERS, errors=(404, 409))
async def get_ticket_png(call: Call) -> Binary:
    service = call.container.tickets
    _, token = await service.issue(_principal(call), call.path("booking_id"))
    return Binary(service.qr_png(token), "image/png")


@routes.route("POST", "/v1/tickets/verify", summary="Verify a ticket", tags=TAGS, roles=CHECKERS,
              body=VerifyRequest, response=TicketOut, errors=(422,))
async def verify_ticket(call: Call) -> TicketOut:
    """Checks the token and the booking as it stands now. 422 `ticket_invalid` (forged,
    tampered, unknown key, malformed, unknown booking), `ticket_not_valid_now` (expired, not yet
    valid, no leg of the operator, trip over) or `ticket_revoked` (the booking was cancelled,
    expired or rejected), with `fields.reason`."""
    body: VerifyRequest = call.body
    service = call.container.tickets
    return TicketOut.of(await service.verify(_principal(call), body.token, operator_id=body.operator_id), service.zone)


@routes.route("GET", "/v1/tickets/keys", summary="Public keys for verifying tickets offline", tags=TAGS,
              roles=None, response=PublicKeysOut)
async def ticket_keys(call: Call) -> PublicKeysOut:
    """Drivers' tablets and gates fetch these once and verify tickets without a connection
    (see maas/ticket_check.py)."""
    return PublicKeysOut(current_key_id=call.container.tickets.key_id, keys=call.container.tickets.public_keys())


@routes.route("GET", "/v1/tickets/revocations", summary="Revoked tickets, for offline checks", tags=TAGS,
              roles=None, response=RevocationsOut)
async def ticket_revocations(call: Call) -> RevocationsOut:
    """The bookings whose tickets must be refused (cancelled, expired or rejected) until those
    tickets would have expired, signed with a key of /v1/tickets/keys. Devices fetch it whenever
    they have a connection (at least daily) and check with
    `maas tickets check TOKEN --keys … --revocations …` or maas/ticket_check.py."""
    return RevocationsOut.model_validate(await call.container.tickets.revocations())
