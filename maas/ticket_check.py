"""Offline ticket check for operators: copy this one file to a driver's tablet or a gate; it needs
only the standard library and `cryptography`, and the service's public keys (key id -> PEM).

A token is `MT1.<payload>.<signature>`: `MT1` is the format version, `payload` is base64url
(unpadded) compact JSON, and `signature` is the base64url Ed25519 signature of the ASCII text
`MT1.<payload>`. The payload's short keys are: k key id, t ticket id, b booking id, h holder
reference, i issued at, f valid from, u valid until (integer UTC epoch seconds), and l the legs,
each `[index, operator id, mode, operator booking id, valid from, valid until]`.

    claims = verify_ticket(scanned, {"Ab12Cd34": pem}, at=datetime.now(UTC), operator_id="kumagaya-bus")
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import re
from collections.abc import Mapping
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key

VERSION = "MT1"
MAX_TOKEN_CHARS = 4096  # far above a real ticket; refuses to parse junk of any size
_B64URL = re.compile(r"^[A-Za-z0-9_-]+$")


class TicketRejected(ValueError):
    """Why a ticket is refused: `reason` is malformed, unknown_key, bad_signature,
    not_yet_valid, expired or no_leg_for_operator."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_decode(text: str) -> bytes:
    if not _B64URL.match(text):
        raise TicketRejected("malformed", "not base64url")
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise TicketRejected("malformed", "not base64url") from exc
    if b64url_encode(data) != text:  # one encoding per token, so a gate can count re-use
        raise TicketRejected("malformed", "not canonical base64url")
    return data


def _instant(value: Any) -> dt.datetime:
    if type(value) is not int:
        raise TicketRejected("malformed", "times must be integer seconds")
    try:
        return dt.datetime.fromtimestamp(value, dt.UTC)
    except (OverflowError, OSError, ValueError) as exc:
        raise TicketRejected("malformed", "time out of range") from exc


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise TicketRejected("malformed", "expected a string")
    return value


def _claims(payload: Mapping[str, Any]) -> dict[str, Any]:
    try:
        legs = [{"index": leg[0], "operator_id": _text(leg[1]), "mode": _text(leg[2]),
                 "operator_booking_id": _text(leg[3]), "valid_from": _instant(leg[4]),
                 "valid_until": _instant(leg[5])} for leg in payload["l"]]
        if not legs or any(type(leg["index"]) is not int for leg in legs):
            raise TicketRejected("malformed", "bad legs")
        return {"key_id": _text(payload["k"]), "id": _text(payload["t"]),
                "booking_id": _text(payload["b"]), "holder_ref": _text(payload["h"]),
                "issued_at": _instant(payload["i"]), "valid_from": _instant(payload["f"]),
                "valid_until": _instant(payload["u"]), "legs": legs}
    except (KeyError, IndexError, TypeError) as exc:
        raise TicketRejected("malformed", "missing or mistyped claims") from exc


def decode(token: str, public_keys: Mapping[str, str]) -> dict[str, Any]:
    """The claims of a genuine token, whatever the time; TicketRejected otherwise."""
    if not isinstance(token, str) or not 0 < len(token) <= MAX_TOKEN_CHARS or not token.isascii():
        raise TicketRejected("malformed", "not a ticket")
    parts = token.split(".")
    if len(parts) != 3:
        raise TicketRejected("malformed", "not a ticket")
    if parts[0] != VERSION:
        raise TicketRejected("malformed", f"unsupported ticket version {parts[0][:8]!r}")
    raw_payload, signature = _b64url_decode(parts[1]), _b64url_decode(parts[2])
    try:
        payload = json.loads(raw_payload)
    except (UnicodeDecodeError, ValueError) as exc:
        raise TicketRejected("malformed", "payload is not JSON") from exc
    if not isinstance(payload, dict) or not isinstance(payload.get("k"), str):
        raise TicketRejected("malformed", "payload names no key")
    pem = public_keys.get(payload["k"])
    if pem is None:
        raise TicketRejected("unknown_key", f"unknown signing key {payload['k'][:16]!r}")
    key = load_pem_public_key(pem.encode("ascii"))
    if not isinstance(key, Ed25519PublicKey):
        raise TicketRejected("unknown_key", "the key for this ticket is not an Ed25519 key")
    try:
        key.verify(signature, f"{parts[0]}.{parts[1]}".encode("ascii"))
    except InvalidSignature as exc:
        raise TicketRejected("bad_signature", "the signature does not match") from exc
    return _claims(payload)


def verify_ticket(token: str, public_keys: Mapping[str, str], *, at: dt.datetime,
                  operator_id: str | None = None) -> dict[str, Any]:
    """The claims of a genuine ticket valid at `at` (and, with `operator_id`, holding a leg of
    that operator valid at `at`); TicketRejected with a `reason` otherwise."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("`at` needs a UTC offset")
    claims = decode(token, public_keys)
    if at < claims["valid_from"]:
        raise TicketRejected("not_yet_valid", f"valid from {claims['valid_from'].isoformat()}")
    if at >= claims["valid_until"]:
        raise TicketRejected("expired", f"expired at {claims['valid_until'].isoformat()}")
    if operator_id is not None and not any(
            leg["operator_id"] == operator_id and leg["valid_from"] <= at < leg["valid_until"]
            for leg in claims["legs"]):
        raise TicketRejected("no_leg_for_operator", f"no leg with {operator_id} valid now")
    return claims
