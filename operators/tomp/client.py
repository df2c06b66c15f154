"""HTTP to one TOMP operator: the subset's headers, a time limit per call, retries only where
they are safe, and every failure turned into a domain error.

A request is retried (after a growing pause) only when repeating it cannot do anything twice: a
GET, or a POST carrying an `Idempotency-Key` (the operator answers a repeated key with its first
answer). A POST without a key is sent exactly once, whatever happens to it. Retried failures are
timeouts, connection errors, 429 and 5xx answers; a 429 or 503 with `Retry-After` is tried again
no sooner than it asks (and not at all when it asks for more than `max_retry_after_s`).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import email.utils
import json
import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import aiohttp
from multidict import CIMultiDictProxy
from pydantic import BaseModel, ValidationError
from yarl import URL

from maas.domain.errors import (Conflict, DomainError, InvalidRequest, NotFound, OperatorRejected,
                                OperatorUnavailable)
from operators.tomp import wire
from operators.tomp.recording import Exchange, Recording

log = logging.getLogger(__name__)
RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})
MAX_BODY_BYTES = 2 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    headers: CIMultiDictProxy[str]
    body: bytes


@dataclass(frozen=True, slots=True)
class ClientOptions:
    timeout_s: float = 5.0  # each attempt
    retries: int = 2  # further attempts of a safe request
    backoff_s: float = 0.2  # pause before the first retry, doubled each time
    maas_id: str = "maas"
    api_key: str | None = None  # sent as X-API-Key (the spec's ApiKeyAuth)
    accept_language: str = "ja, en;q=0.8"
    max_retry_after_s: float = 10.0  # a longer Retry-After on 429/503 is not waited for
    # OAuth2 client credentials toward the operator (instead of, or beside, the API key).
    token_url: str | None = None
    client_id: str | None = None
    client_secret: str | None = None

    def __post_init__(self) -> None:
        if self.token_url is not None and not (self.client_id and self.client_secret):
            raise ValueError("token_url needs client_id and client_secret")
        if not 0 < self.timeout_s <= 120:
            raise ValueError("timeout_s must be above 0 and at most 120")
        if not 0 <= self.retries <= 10:
            raise ValueError("retries must be between 0 and 10")
        if not 0 <= self.backoff_s <= 10:
            raise ValueError("backoff_s must be between 0 and 10")
        if not self.maas_id:
            raise ValueError("maas_id must not be empty")


def retry_after_s(value: str | None) -> float | None:
    """Retry-After as seconds from now: delta-seconds or an HTTP date (RFC 9110 10.2.3)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds())


def path_of(*parts: str) -> str:
    """A URL path from segments, each quoted entirely (an id with a slash stays one segment)."""
    return "/" + "/".join(quote(p, safe="") for p in parts)


class TompClient:
    def __init__(self, operator_id: str, base_url: str, session: aiohttp.ClientSession | None,
                 options: ClientOptions) -> None:
        url = URL(base_url)
        if url.scheme not in ("http", "https") or not url.host:
            raise ValueError(f"base_url {base_url!r} is not an http(s) URL")
        self.operator_id, self.options = operator_id, options
        self.base_url = str(url).rstrip("/")
        self._session = session
        self._token: tuple[str, float] | None = None  # an OAuth2 bearer token and when to renew it
        self.recording: Recording | None = None  # set to keep every exchange (the conformance check)

    def open_session(self) -> aiohttp.ClientSession:
        """The client's one session, made now if it has none (call it inside the event loop)."""
        if self._session is None:
            self._session = aiohttp.ClientSession()
        return self._session

    @property
    def session(self) -> aiohttp.ClientSession:
        return self.open_session()

    async def aclose(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    def _headers(self, idempotency_key: str | None) -> dict[str, str]:
        headers = {"Accept": "application/json", "Accept-Language": self.options.accept_language,
                   "Api": wire.API, "Api-Version": wire.API_VERSION, "maas-id": self.options.maas_id}
        if idempotency_key is not None:
            headers["Idempotency-Key"] = idempotency_key
        if self.options.api_key:
            headers["X-API-Key"] = self.options.api_key
        if self._token is not None:
            headers["Authorization"] = f"Bearer {self._token[0]}"
        return headers

    async def _authorise(self, *, renew: bool = False) -> None:
        """Fetch an OAuth2 client-credentials token when configured and the last one is (nearly) spent."""
        if self.options.token_url is None:
            return
        loop = asyncio.get_running_loop()
        if self._token is not None and not renew and loop.time() < self._token[1]:
            return
        form = {"grant_type": "client_credentials", "client_id": self.options.client_id or "",
                "client_secret": self.options.client_secret or ""}
        timeout = aiohttp.ClientTimeout(total=self.options.timeout_s)
        try:
            async with self.session.post(self.options.token_url, data=form, timeout=timeout) as response:
                document = await response.json(content_type=None)
                status = response.status
        except (TimeoutError, aiohttp.ClientError, ValueError) as exc:
            raise OperatorUnavailable(f"{self.operator_id}: no token from {self.options.token_url} "
                                      f"({type(exc).__name__}: {exc})") from exc
        if status != 200 or not isinstance(document, dict) or not isinstance(document.get("access_token"), str):
            raise OperatorUnavailable(f"{self.operator_id}: the token endpoint refuses our client credentials "
                                      f"(HTTP {status})")
        lifetime = document.get("expires_in")
        lifetime = float(lifetime) if isinstance(lifetime, int | float) and lifetime > 0 else 300.0
        self._token = (document["access_token"], loop.time() + max(lifetime - 30.0, lifetime / 2))

    async def request(self, method: str, path: str, what: str, *, body: BaseModel | dict[str, Any] | None = None,
                      idempotency_key: str | None = None, expired_is: type[Conflict] = Conflict,
                      forbidden_is_conflict: bool = False) -> Answer:
        """A 2xx answer, or the domain error the failure maps to (docs/tomp.md)."""
        safe = method == "GET" or idempotency_key is not None
        attempts = 1 + (self.options.retries if safe else 0)
        url = URL(self.base_url + path, encoded=True)
        payload = body if isinstance(body, dict) or body is None else wire.dump(body)
        failure: DomainError | None = None
        asked_pause: float | None = None  # the operator's Retry-After on its last 429 or 503
        for attempt in range(attempts):
            if attempt:
                pause = min(self.options.backoff_s * 2 ** (attempt - 1), 5.0)
                if asked_pause is not None:
                    pause = max(pause, asked_pause)
                log.info("%s: %s failed (%s); retry %d of %d in %.1f s", self.operator_id, what,
                         failure, attempt, attempts - 1, pause)
                await asyncio.sleep(pause)
            try:
                await self._authorise()
                answer = await self._send(method, url, payload, idempotency_key)
                if answer.status == 401 and self._token is not None:  # revoked or expired early: once more
                    await self._authorise(renew=True)
                    answer = await self._send(method, url, payload, idempotency_key)
            except OperatorUnavailable as exc:
                failure, asked_pause = exc, None
                continue
            if answer.status in RETRYABLE_STATUS:
                failure = self.error_of(answer, what, expired_is, forbidden_is_conflict)
                asked_pause = retry_after_s(answer.headers.get("Retry-After")) if answer.status in (429, 503) else None
                if asked_pause is not None and asked_pause > self.options.max_retry_after_s:
                    # Waiting that long would hold the rider up; say when the operator expects to be back.
                    raise OperatorUnavailable(f"{failure.message} (asks to retry after {asked_pause:g} s)")
                continue
            if answer.status >= 400:
                raise self.error_of(answer, what, expired_is, forbidden_is_conflict)
            return answer
        assert failure is not None
        if attempts > 1:
            failure = OperatorUnavailable(f"{failure.message} (after {attempts} attempts)")
        raise failure

    async def _send(self, method: str, url: URL, payload: dict[str, Any] | None,
                    idempotency_key: str | None) -> Answer:
        timeout = aiohttp.ClientTimeout(total=self.options.timeout_s)
        headers = self._headers(idempotency_key)
        below = url.path[len(URL(self.base_url).path.rstrip("/")):] or "/"
        try:
            async with self.session.request(method, url, json=payload, timeout=timeout, headers=headers,
                                            allow_redirects=False) as response:
                body = await response.content.read(MAX_BODY_BYTES + 1)
                if self.recording is not None:
                    self.recording.add(Exchange(method, below, headers, payload, response.status,
                                                body[:MAX_BODY_BYTES]))
                if len(body) > MAX_BODY_BYTES:
                    raise OperatorUnavailable(f"{self.operator_id}: the answer to {method} {url.path} "
                                              f"is larger than {MAX_BODY_BYTES} bytes")
                return Answer(response.status, response.headers, body)
        except (TimeoutError, aiohttp.ClientError) as exc:
            if self.recording is not None:
                self.recording.add(Exchange(method, below, headers, payload, None, b""))
            if isinstance(exc, TimeoutError):
                raise OperatorUnavailable(f"{self.operator_id}: no answer to {method} {url.path} within "
                                          f"{self.options.timeout_s:g} s") from exc
            raise OperatorUnavailable(f"{self.operator_id}: cannot reach {url.origin()} "
                                      f"({type(exc).__name__}: {exc})") from exc

    def error_of(self, answer: Answer, what: str, expired_is: type[Conflict],
                 forbidden_is_conflict: bool) -> DomainError:
        error = _tomp_error(answer.body)
        said = ": ".join(s for s in (error.title, error.detail) if s) if error else _snippet(answer.body)
        message = f"{self.operator_id}: {what} failed with HTTP {answer.status}" + (f": {said}" if said else "")
        status = answer.status
        if status in (400, 422):
            return InvalidRequest(message)
        if status == 404:
            return NotFound(message)
        if status == 409:
            return Conflict(message)
        if status == 410:
            return expired_is(message)
        if status == 403 and forbidden_is_conflict:
            return Conflict(message)
        if status == 428:
            return OperatorRejected(message)
        if status in (401, 403):
            return OperatorUnavailable(f"{message} (the operator refuses our credentials)")
        return OperatorUnavailable(message)

    def parse(self, answer: Answer, model: type[wire.Wire], what: str) -> Any:
        """The answer's JSON body as `model`, or OperatorUnavailable saying what is wrong with it."""
        kind = answer.headers.get("Content-Type", "no content type")
        try:
            document = json.loads(answer.body)
        except ValueError:
            raise OperatorUnavailable(
                f"{self.operator_id}: the answer to {what} is not JSON ({kind}): "
                f"{_snippet(answer.body)!r}") from None
        try:
            return model.model_validate(document)
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}"
                                 for e in exc.errors()[:3])
            raise OperatorUnavailable(f"{self.operator_id}: the answer to {what} is not a TOMP "
                                      f"{model.__name__} ({problems})") from None


def _tomp_error(body: bytes) -> wire.TompError | None:
    try:
        document = json.loads(body)
        if isinstance(document, dict) and isinstance(document.get("errors"), list) and document["errors"]:
            document = document["errors"][0]  # the spec's errorResponse wraps a list
        return wire.TompError.model_validate(document)
    except (ValueError, ValidationError):
        return None


def _snippet(body: bytes, limit: int = 120) -> str:
    text = body.decode("utf-8", errors="replace").strip().replace("\n", " ")
    return text if len(text) <= limit else text[:limit] + "…"
