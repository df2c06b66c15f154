"""Webhook signing secrets kept encrypted (the SecretBox port), with Fernet (AES-128-CBC and
HMAC-SHA256, from `cryptography`) under a key derived from MAAS_SECRET_KEY.

Not hashed: the platform signs every delivery with the secret itself, so it must be able to read
it. Encrypted rather than plain: a copy of the database alone (a backup, a replica) cannot forge
signatures. Changing MAAS_SECRET_KEY makes the stored secrets unreadable: endpoints are then
registered again (issue 16 moves keys into the database with key ids and rotation)."""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet


class FernetSecretBox:
    def __init__(self, secret_key: str) -> None:
        digest = hashlib.sha256(b"maas webhook secrets\x00" + secret_key.encode("utf-8")).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(digest))

    def seal(self, secret: str) -> bytes:
        return self._fernet.encrypt(secret.encode("utf-8"))

    def open(self, sealed: bytes) -> str:
        return self._fernet.decrypt(sealed).decode("utf-8")
