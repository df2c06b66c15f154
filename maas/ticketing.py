"""Ed25519-signed tickets (`cryptography`) shown as QR codes (`segno`): the TicketSigner adapter.

Token format, version 1: `MT1.<payload>.<signature>`, where `payload` is unpadded base64url of
compact JSON with short keys (k key id, t ticket id, b booking id, h holder reference, i issued
at, f valid from, u valid until as integer UTC epoch seconds, l legs as `[index, operator id,
mode, operator booking id, valid from, valid until]`) and `signature` is unpadded base64url of
the 64-byte Ed25519 signature over the ASCII text `MT1.<payload>`. The key id is the first 8
characters of base64url(SHA-256(raw public key)); because every token names its key, keys can
rotate: a signer also verifies tokens of the older keys it is given. Operators decode tokens with
`maas.ticket_check`, which is the one decoder of this format.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import logging
import os
from collections.abc import Mapping
from pathlib import Path

import segno
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding, NoEncryption, PrivateFormat, PublicFormat, load_pem_private_key)

from maas import ticket_check
from maas.domain.tickets import Ticket, TicketInvalid, TicketNotValidNow

logger = logging.getLogger(__name__)
QR_ERROR = "m"  # survives a scratched or glare-washed phone screen without growing the code much


def key_id_of(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return ticket_check.b64url_encode(hashlib.sha256(raw).digest())[:8]


def _public_pem(public_key: Ed25519PublicKey) -> str:
    return public_key.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode("ascii")


def _epoch(value: dt.datetime) -> int:
    return int(value.timestamp())


def qr_code(token: str) -> segno.QRCode:
    # boost_error=False keeps level M, so the code is no denser than the scanners were tested with.
    return segno.make(token, error=QR_ERROR, boost_error=False, micro=False)


class Ed25519TicketSigner:
    def __init__(self, private_key: Ed25519PrivateKey, *, trusted: Mapping[str, str] | None = None) -> None:
        """`trusted` maps older key ids to their public PEM, so tickets issued before a key
        rotation still verify."""
        self.use_keys(private_key, trusted=trusted)

    def use_keys(self, private_key: Ed25519PrivateKey, *, trusted: Mapping[str, str] | None = None) -> None:
        """Signs with `private_key` from now on, trusting `trusted` besides (the key ring's refresh)."""
        key_id = key_id_of(private_key.public_key())
        known = {kid: pem for kid, pem in (trusted or {}).items()}
        known[key_id] = _public_pem(private_key.public_key())
        # Swapped in one assignment each, between awaits: a request sees the old set or the new one.
        self._private_key, self._key_id, self._known = private_key, key_id, known

    @classmethod
    def generate(cls, *, trusted: Mapping[str, str] | None = None) -> Ed25519TicketSigner:
        return cls(Ed25519PrivateKey.generate(), trusted=trusted)

    @classmethod
    def from_pem(cls, private_pem: str | bytes, *, trusted: Mapping[str, str] | None = None) -> Ed25519TicketSigner:
        data = private_pem.encode("ascii") if isinstance(private_pem, str) else private_pem
        key = load_pem_private_key(data, password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError("the ticket signing key must be an Ed25519 private key")
        return cls(key, trusted=trusted)

    @classmethod
    def load_or_create(cls, path: Path, *, trusted: Mapping[str, str] | None = None) -> Ed25519TicketSigner:
        """The key in `path`, created (mode 0600) on first use."""
        if not path.exists():
            _create_key_file(path)
        if path.stat().st_mode & 0o077:
            logger.warning("ticket signing key %s is readable by others; chmod 600 it", path)
        return cls.from_pem(path.read_bytes(), trusted=trusted)

    @property
    def key_id(self) -> str:
        return self._key_id

    def private_key_pem(self) -> str:
        return self._private_key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()).decode("ascii")

    def public_key_pem(self) -> str:
        return self._known[self._key_id]

    def public_keys(self) -> dict[str, str]:
        """Every key id this signer accepts and its public PEM: what operators' devices need."""
        return dict(self._known)

    def sign(self, ticket: Ticket) -> str:
        payload = {
            "k": self._key_id, "t": ticket.id, "b": ticket.booking_id, "h": ticket.holder_ref,
            "i": _epoch(ticket.issued_at), "f": _epoch(ticket.valid_from), "u": _epoch(ticket.valid_until),
            "l": [[leg.index, leg.operator_id, leg.mode, leg.operator_booking_id,
                   _epoch(leg.valid_from), _epoch(leg.valid_until)] for leg in ticket.legs],
        }
        body = ticket_check.b64url_encode(json.dumps(payload, separators=(",", ":")).encode())
        signed = f"{ticket_check.VERSION}.{body}"
        return f"{signed}.{ticket_check.b64url_encode(self._private_key.sign(signed.encode('ascii')))}"

    def sign_document(self, document: dict[str, object]) -> dict[str, object]:
        """`document` with this key's id and the signature `ticket_check.verify_revocations` checks."""
        signed = {**document, "key_id": self._key_id}
        signature = self._private_key.sign(ticket_check.revocations_signed_text(signed))
        return {**signed, "signature": ticket_check.b64url_encode(signature)}

    def verify(self, token: str, *, at: dt.datetime | None) -> Ticket:
        try:
            claims = (ticket_check.decode(token, self._known) if at is None
                      else ticket_check.verify_ticket(token, self._known, at=at))
        except ticket_check.TicketRejected as exc:
            error = TicketNotValidNow if exc.reason in {"expired", "not_yet_valid"} else TicketInvalid
            raise error(str(exc), fields={"reason": exc.reason}) from exc
        try:
            return Ticket.model_validate(claims)
        except ValueError as exc:  # signed by us but not a ticket we would issue
            raise TicketInvalid("the ticket's claims are not valid", fields={"reason": "malformed"}) from exc

    def qr_svg(self, token: str) -> str:
        return qr_code(token).svg_inline(scale=4, border=4)

    def qr_png(self, token: str) -> bytes:
        buffer = io.BytesIO()
        qr_code(token).save(buffer, kind="png", scale=6, border=4)  # 4 modules: the quiet zone scanners need
        return buffer.getvalue()


def _create_key_file(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    pem = Ed25519PrivateKey.generate().private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    # Written whole under a private temporary name, then linked in: a concurrent starter either
    # wins the link or reads the complete file the winner linked, never a half-written one.
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)  # left by a crash of an earlier process with this pid
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.fchmod(fd, 0o600)  # whatever the umask
    with os.fdopen(fd, "wb") as file:
        file.write(pem)
        file.flush()
        os.fsync(file.fileno())
    try:
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        tmp.unlink()
