"""Idempotency-Key handling of the reference services: the same key again gets the first answer.

Answers are kept per (maas-id, path, key) with a fingerprint of the request body; the same key
with another body is refused (409). Requests with one key are served one at a time, so a retry
that overtakes a slow first attempt waits for it and replays its answer. 5xx answers are not
kept: the request did not complete and may be tried again.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

Scope = tuple[str, str, str]


@dataclass(frozen=True, slots=True)
class StoredAnswer:
    fingerprint: str
    status: int
    body: Any
    headers: dict[str, str]


def fingerprint(raw: bytes) -> str:
    """The same JSON document, however spaced or ordered, has the same fingerprint."""
    try:
        canonical = json.dumps(json.loads(raw), sort_keys=True, separators=(",", ":")).encode()
    except ValueError:
        canonical = raw
    return hashlib.sha256(canonical).hexdigest()


class IdempotencyStore:
    def __init__(self, max_entries: int = 10_000) -> None:
        self.max_entries = max_entries
        self._answers: OrderedDict[Scope, StoredAnswer] = OrderedDict()
        self._locks: dict[Scope, asyncio.Lock] = {}

    def lock(self, scope: Scope) -> asyncio.Lock:
        return self._locks.setdefault(scope, asyncio.Lock())

    def find(self, scope: Scope) -> StoredAnswer | None:
        return self._answers.get(scope)

    def keep(self, scope: Scope, answer: StoredAnswer) -> None:
        if answer.status >= 500:
            return
        self._answers[scope] = answer
        while len(self._answers) > self.max_entries:
            old, _ = self._answers.popitem(last=False)
            self._locks.pop(old, None)
