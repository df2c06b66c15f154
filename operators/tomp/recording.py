"""A record of what the remote adapter sent an operator and what it answered, exactly, for the
conformance report: each failed check shows its requests and answers, and the whole record can
be checked against the TOMP OpenAPI document (operators/tomp/spec.py)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from operators.tomp.spec import TompSpec

SHOWN_HEADERS = ("Api", "Api-Version", "maas-id", "Idempotency-Key", "Accept-Language")
MAX_SHOWN_CHARS = 1500


@dataclass(frozen=True)
class Exchange:
    method: str
    path: str  # below the operator's base URL
    headers: dict[str, str]
    body: Any  # the JSON sent, or None
    status: int | None  # None: no answer (a timeout, a refused connection)
    answer: bytes

    def text(self) -> str:
        sent = "\n".join(f"{k}: {v}" for k, v in self.headers.items() if k in SHOWN_HEADERS)
        request = f"> {self.method} {self.path}\n" + (f"{sent}\n" if sent else "") + (
            json.dumps(self.body, ensure_ascii=False) if self.body is not None else "")
        got = self.answer.decode("utf-8", errors="replace")
        got = got if len(got) <= MAX_SHOWN_CHARS else got[:MAX_SHOWN_CHARS] + "…"
        answer = "< no answer" if self.status is None else f"< HTTP {self.status}\n{got}"
        return f"{request.rstrip()}\n{answer}".rstrip()

    def json_answer(self) -> Any:
        try:
            return json.loads(self.answer) if self.answer else None
        except ValueError:
            return self.answer.decode("utf-8", errors="replace")


@dataclass
class Recording:
    spec: TompSpec | None = None
    exchanges: list[Exchange] = field(default_factory=list)

    def add(self, exchange: Exchange) -> None:
        self.exchanges.append(exchange)

    def count(self) -> int:
        return len(self.exchanges)

    def since(self, start: int) -> list[str]:
        return [e.text() for e in self.exchanges[start:]]

    def problems(self) -> list[tuple[str, list[str]]]:
        if self.spec is None:
            return []
        found = []
        for e in self.exchanges:
            problems = self.spec.check_request(e.method, e.path, e.headers, e.body)
            if e.status is not None:
                problems += self.spec.check_response(e.method, e.path, e.status, e.json_answer())
            if problems:
                found.append((e.text(), problems))
        return found
