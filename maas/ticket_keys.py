"""Ticket signing keys kept in the database, so every API process signs with the same key, with
key ids and rotation. Private keys are stored encrypted (Fernet: AES-128-CBC with HMAC-SHA256)
under a key derived from MAAS_SECRET_KEY by HKDF-SHA256, so a copy of the database alone cannot
sign tickets; changing MAAS_SECRET_KEY makes the stored keys unreadable (rotate before).

The first start stores a first key: the key file of earlier releases (data_dir/keys) when there
is one, so tickets already out still verify, else a new key. `rotate()` adds a key that signs
from `activate_in` later: every process, refreshing more often than that, already trusts (and
publishes) it before anyone signs with it. A superseded key is still trusted and published at
GET /v1/tickets/keys until the last ticket issued before its successor took over has expired.
"""

from __future__ import annotations

import base64
import datetime as dt
import logging
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import (Encoding, NoEncryption, PrivateFormat, PublicFormat,
                                                          load_pem_private_key)

from maas.domain.ports import Clock
from maas.storage.signing_keys import SqlSigningKeys, StoredKey
from maas.ticketing import Ed25519TicketSigner, key_id_of

log = logging.getLogger(__name__)
ACTIVATE_IN = dt.timedelta(minutes=2)  # longer than REFRESH_EVERY: all processes know a key before it signs
REFRESH_EVERY_S = 30.0
GRACE = dt.timedelta(hours=1)  # a superseded key stays published at least this long


class KeyRingError(RuntimeError):
    """The stored keys cannot be used (MAAS_SECRET_KEY is not the one they were stored with)."""


def _fernet(secret_key: str) -> Fernet:
    derived = HKDF(algorithm=SHA256(), length=32, salt=b"maas:signing-keys", info=b"fernet:v1").derive(
        secret_key.encode("utf-8"))
    return Fernet(base64.urlsafe_b64encode(derived))


class TicketKeyRing:
    def __init__(self, keys: SqlSigningKeys, signer: Ed25519TicketSigner, secret_key: str, clock: Clock, *,
                 legacy_pem: Path | None = None) -> None:
        self._keys, self._signer, self._clock, self._legacy = keys, signer, clock, legacy_pem
        self._fernet = _fernet(secret_key)

    async def refresh(self) -> str:
        """Loads the keys and has the signer sign with the current one; returns its id."""
        stored = await self._keys.all()
        if not stored:
            await self._keys.add(self._seal(self._first_key(), self._clock.now()), only_if_none=True)
            stored = await self._keys.all()
        now = self._clock.now()
        started = [k for k in stored if k.active_from <= now] or stored[:1]
        current = started[-1]
        trusted: dict[str, str] = {}
        for index, key in enumerate(stored):
            if key is current:
                continue
            if key.active_from > now or await self._still_published(stored, index, now):
                trusted[key.key_id] = key.public_pem
        self._signer.use_keys(self._open(current), trusted=trusted)
        return current.key_id

    async def rotate(self, activate_in: dt.timedelta = ACTIVATE_IN) -> str:
        """Adds a new key signing from `activate_in` on; returns its id."""
        key = Ed25519PrivateKey.generate()
        await self._keys.add(self._seal(key, self._clock.now() + activate_in))
        await self.refresh()
        return key_id_of(key.public_key())

    async def _still_published(self, stored: list[StoredKey], index: int, now: dt.datetime) -> bool:
        successor = next((k for k in stored[index + 1:] if k.active_from <= now), None)
        if successor is None:
            return True
        if now < successor.active_from + GRACE:
            return True
        last_valid = await self._keys.tickets_valid_until(successor.active_from)
        return last_valid is not None and now < last_valid

    def _first_key(self) -> Ed25519PrivateKey:
        if self._legacy is not None and self._legacy.exists():
            loaded = load_pem_private_key(self._legacy.read_bytes(), password=None)
            if isinstance(loaded, Ed25519PrivateKey):
                log.info("ticket keys: storing the key of %s in the database", self._legacy)
                return loaded
        return Ed25519PrivateKey.generate()

    def _seal(self, key: Ed25519PrivateKey, active_from: dt.datetime) -> StoredKey:
        pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
        public = key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode("ascii")
        return StoredKey(key_id=key_id_of(key.public_key()), private_key=self._fernet.encrypt(pem).decode("ascii"),
                         public_pem=public, created_at=self._clock.now(), active_from=active_from)

    def _open(self, stored: StoredKey) -> Ed25519PrivateKey:
        try:
            pem = self._fernet.decrypt(stored.private_key.encode("ascii"))
        except InvalidToken:
            raise KeyRingError(f"signing key {stored.key_id} cannot be decrypted: MAAS_SECRET_KEY is not the one "
                               "it was stored with") from None
        key = load_pem_private_key(pem, password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise KeyRingError(f"signing key {stored.key_id} is not an Ed25519 key")
        return key
