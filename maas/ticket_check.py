"""Offline ticket check for operators: copy this one file to a driver's tablet or a gate; it needs
only the standard library and `cryptography`, and the service's public keys (key id -> PEM).

A token is `MT1.<payload>.<signature>`: `MT1` is the format version, `payload` is base64url
(unpadded) compact JSON, and `signature` is the base64url Ed25519 signature of the ASCII text
`MT1.<payload>`. The payload's short keys are: k key id (the token's header: which key signed it),
t ticket id, b booking id, h holder reference, i issued at, f valid from, u valid until (integer
UTC epoch seconds), and l the legs, each `[index, operator id, mode, operator booking id, valid
from, valid until]`.

A cancelled booking's ticket stays genuine, so the service publishes a signed revocation list
(`GET /v1/tickets/revocations`): `{"format": "MT1-revocations", "key_id", "generated_at",
"revoked": [{"booking_id", "until"}], "signature"}`, where `signature` is the base64url Ed25519
signature of the list's canonical JSON without it (keys sorted, no spaces, ASCII). A ticket whose
booking is listed is refused as `revoked`; an entry is dropped once `until` (the ticket's end of
validity) has passed.

    revoked = verify_revocations(fetched_list, keys)
    claims = verify_ticket(scanned, keys, at=datetime.now(UTC), operator_id="kumagaya-bus", revoked=revoked)

Run as `python ticket_check.py TOKEN --keys URL|FILE [--revocations URL|FILE] [--operator ID]
[--at TIME]` (or `maas tickets check ...`): exit 0 for a valid ticket, 1 for a refused one, 2 when
the keys or the list cannot be read.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import datetime as dt
import json
import re
import sys
import urllib.request
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key

VERSION = "MT1"
REVOCATIONS_FORMAT = "MT1-revocations"
STALE_LIST = dt.timedelta(hours=24)  # a list older than this may miss a cancellation: say so
MAX_TOKEN_CHARS = 4096  # far above a real ticket; refuses to parse junk of any size
# What drivers read: Japan's time (no daylight saving), as the tickets the service shows.
READ_IN = dt.timezone(dt.timedelta(hours=9))
_B64URL = re.compile(r"^[A-Za-z0-9_-]+$")


class TicketRejected(ValueError):
    """Why a ticket is refused: `reason` is malformed, unknown_key, bad_signature,
    not_yet_valid, expired, no_leg_for_operator or revoked (bad_revocation_list for a list that
    is not genuine)."""

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


def _public_key(public_keys: Mapping[str, str], key_id: str) -> Ed25519PublicKey:
    pem = public_keys.get(key_id)
    if pem is None:
        raise TicketRejected("unknown_key", f"unknown signing key {key_id[:16]!r}")
    key = load_pem_public_key(pem.encode("ascii"))
    if not isinstance(key, Ed25519PublicKey):
        raise TicketRejected("unknown_key", "the key for this ticket is not an Ed25519 key")
    return key


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
    key = _public_key(public_keys, payload["k"])
    try:
        key.verify(signature, f"{parts[0]}.{parts[1]}".encode("ascii"))
    except InvalidSignature as exc:
        raise TicketRejected("bad_signature", "the signature does not match") from exc
    return _claims(payload)


def verify_ticket(token: str, public_keys: Mapping[str, str], *, at: dt.datetime,
                  operator_id: str | None = None, revoked: Collection[str] = ()) -> dict[str, Any]:
    """The claims of a genuine ticket valid at `at` (and, with `operator_id`, holding a leg of
    that operator valid at `at`) whose booking is not in `revoked` (from `verify_revocations`);
    TicketRejected with a `reason` otherwise."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("`at` needs a UTC offset")
    claims = decode(token, public_keys)
    if claims["booking_id"] in revoked:
        raise TicketRejected("revoked", f"booking {claims['booking_id']} was cancelled: the ticket is revoked")
    if at < claims["valid_from"]:
        raise TicketRejected("not_yet_valid", f"valid from {claims['valid_from'].astimezone(READ_IN).isoformat()}")
    if at >= claims["valid_until"]:
        raise TicketRejected("expired", f"expired at {claims['valid_until'].astimezone(READ_IN).isoformat()}")
    if operator_id is not None and not any(
            leg["operator_id"] == operator_id and leg["valid_from"] <= at < leg["valid_until"]
            for leg in claims["legs"]):
        raise TicketRejected("no_leg_for_operator", f"no leg with {operator_id} valid now")
    return claims


# -- revocation lists ------------------------------------------------------------------------------
def revocations_signed_text(document: Mapping[str, Any]) -> bytes:
    """What a revocation list's signature covers: its canonical JSON without the signature."""
    unsigned = {k: v for k, v in document.items() if k != "signature"}
    return json.dumps(unsigned, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")


def verify_revocations(document: Any, public_keys: Mapping[str, str]) -> frozenset[str]:
    """The booking ids a genuine revocation list revokes; TicketRejected(bad_revocation_list)
    for a list that is malformed, unsigned or signed by a key not in `public_keys`."""
    if not isinstance(document, dict) or document.get("format") != REVOCATIONS_FORMAT:
        raise TicketRejected("bad_revocation_list", "not a ticket revocation list")
    try:
        key = _public_key(public_keys, _text(document["key_id"]))
        key.verify(_b64url_decode(_text(document["signature"])), revocations_signed_text(document))
        revoked = frozenset(_text(entry["booking_id"]) for entry in document["revoked"])
        generated_at(document)
    except (TicketRejected, InvalidSignature, KeyError, TypeError) as exc:
        why = str(exc) or "bad signature"
        raise TicketRejected("bad_revocation_list", f"the revocation list is not genuine: {why}") from exc
    return revoked


def generated_at(document: Mapping[str, Any]) -> dt.datetime:
    """When the list was made (it revokes nothing cancelled after that)."""
    try:
        when = dt.datetime.fromisoformat(document["generated_at"])
    except (KeyError, TypeError, ValueError):
        when = None
    if when is None or when.tzinfo is None:
        raise TicketRejected("bad_revocation_list", "the list has no generation time with an offset")
    return when


# -- the command line --------------------------------------------------------------------------------
def _load_json(source: str) -> Any:
    """JSON from an http(s) URL or a file."""
    if source.startswith(("http://", "https://")):
        with urllib.request.urlopen(source, timeout=10) as response:  # noqa: S310 - the operator's own URL
            return json.loads(response.read())
    return json.loads(Path(source).read_text(encoding="utf-8"))


def add_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument("token", help="the scanned ticket (MT1.…); '-' reads it from standard input")
    parser.add_argument("--keys", required=True, metavar="URL|FILE",
                        help="the public keys: GET /v1/tickets/keys, or a file saved from it")
    parser.add_argument("--revocations", metavar="URL|FILE",
                        help="the revocation list: GET /v1/tickets/revocations, or a file saved from it")
    parser.add_argument("--operator", metavar="ID", help="refuse a ticket without a leg of this operator valid now")
    parser.add_argument("--at", metavar="TIME", help="check at this ISO time with an offset (default: now)")
    return parser


def run(args: argparse.Namespace) -> int:
    """0: valid (printed); 1: refused, with the reason on stderr; 2: keys, list or time unusable."""
    token = sys.stdin.read().strip() if args.token == "-" else args.token.strip()
    try:
        at = dt.datetime.fromisoformat(args.at) if args.at else dt.datetime.now(dt.UTC)
        if at.tzinfo is None:
            raise ValueError("give --at with an offset, e.g. 2026-12-08T09:30+09:00")
        body = _load_json(args.keys)
        keys = body.get("keys", body) if isinstance(body, dict) else None
        if not isinstance(keys, dict) or not all(isinstance(v, str) for v in keys.values()):
            raise ValueError(f"{args.keys} holds no public keys")
        revoked: frozenset[str] = frozenset()
        if args.revocations:
            document = _load_json(args.revocations)
            revoked = verify_revocations(document, keys)
            if at - generated_at(document) > STALE_LIST:
                print(f"warning: the revocation list was made {generated_at(document).isoformat()}; "
                      "fetch a new one", file=sys.stderr)
    except TicketRejected as exc:
        print(f"cannot check: {exc}", file=sys.stderr)
        return 2
    except (OSError, ValueError) as exc:
        print(f"cannot check: {exc}", file=sys.stderr)
        return 2
    try:
        claims = verify_ticket(token, keys, at=at, operator_id=args.operator, revoked=revoked)
    except TicketRejected as exc:
        print(f"REFUSED ({exc.reason}): {exc}", file=sys.stderr)
        return 1
    zone = READ_IN
    legs = ", ".join(f"{leg['operator_id']} {leg['mode']} {leg['valid_from'].astimezone(zone):%H:%M}-"
                     f"{leg['valid_until'].astimezone(zone):%H:%M}" for leg in claims["legs"])
    print(f"VALID ticket {claims['id']} for booking {claims['booking_id']} (key {claims['key_id']}): {legs}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ticket_check", description="Check a MaaS ticket offline.")
    return run(add_arguments(parser).parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
