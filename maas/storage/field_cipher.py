"""Sensitive account fields (home, needs, phone) encrypted at rest with AES-256-GCM.

A stored value reads `enc1:<key id>:<base64 nonce + ciphertext>`; the key id is authenticated with
it, so a value cannot be moved to a key it was not made with. The key file (JSON, mode 0600,
created on first start under the data folder) holds every key by id and which one encrypts:
rotating adds a new key and makes it current; values under older keys still decrypt and are
re-encrypted with the current key when next written. A phone number is searched by a keyed hash
of each of its digit runs of four or more (`phone_index`), never by its digits.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import os
import secrets
from collections.abc import Mapping
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

log = logging.getLogger(__name__)
PREFIX = "enc1"
MIN_RUN = 4  # as the call centre's search: four or more digits of a phone number


class FieldCipher:
    def __init__(self, keys: Mapping[str, bytes], current: str, index_key: bytes) -> None:
        if current not in keys or any(len(k) != 32 for k in keys.values()) or len(index_key) < 32:
            raise ValueError("the data key file needs 32-byte keys, a current key id among them and an index key")
        # The search index has a key of its own that rotation leaves alone, so old entries still match.
        self._keys, self.current, self._index_key = dict(keys), current, index_key

    def encrypt(self, text: str) -> str:
        nonce = os.urandom(12)
        sealed = AESGCM(self._keys[self.current]).encrypt(nonce, text.encode(), self.current.encode())
        return f"{PREFIX}:{self.current}:{base64.urlsafe_b64encode(nonce + sealed).decode()}"

    def decrypt(self, stored: str) -> str:
        """The plain text; a value written before encryption (no prefix) is returned as it is."""
        if not stored.startswith(PREFIX + ":"):
            return stored
        _, key_id, body = stored.split(":", 2)
        raw = base64.urlsafe_b64decode(body)
        return AESGCM(self._keys[key_id]).decrypt(raw[:12], raw[12:], key_id.encode()).decode()

    def index_term(self, digits: str) -> str:
        return hmac.new(self._index_key, digits.encode(), hashlib.sha256).hexdigest()[:20]

    def phone_index(self, digits: str | None) -> str | None:
        """Space-separated keyed hashes of every run of MIN_RUN or more digits, padded for LIKE '% h %'."""
        if not digits:
            return None
        runs = {digits[i:j] for i in range(len(digits)) for j in range(i + MIN_RUN, len(digits) + 1)}
        return " " + " ".join(sorted(self.index_term(r) for r in runs)) + " "

    @classmethod
    def load_or_create(cls, path: Path) -> FieldCipher:
        """The keys in `path` (JSON: {"current": id, "keys": {id: base64}, "index_key": base64}),
        created mode 0600 on first use."""
        if not path.exists():
            _create(path)
        if path.stat().st_mode & 0o077:
            log.warning("data key file %s is readable by others; chmod 600 it", path)
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls({k: base64.b64decode(v) for k, v in data["keys"].items()}, data["current"],
                   base64.b64decode(data["index_key"]))


def _create(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    key_id = "k" + secrets.token_hex(4)
    body = json.dumps({"current": key_id, "keys": {key_id: base64.b64encode(AESGCM.generate_key(256)).decode()},
                       "index_key": base64.b64encode(secrets.token_bytes(32)).decode()})
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.fchmod(fd, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as file:
        file.write(body)
        file.flush()
        os.fsync(file.fileno())
    try:
        os.link(tmp, path)  # a concurrent starter either wins the link or reads the winner's whole file
    except FileExistsError:
        pass
    finally:
        tmp.unlink(missing_ok=True)
