"""Declared endpoints: one decorator gives a handler its auth, body and query validation and its OpenAPI entry."""

from __future__ import annotations

import hashlib
import json
import re
import urllib.parse
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from pydantic import BaseModel, ValidationError

from maas.api import language, messages
from maas.api.errors import ApiError, json_response, validation_fields
from maas.api.keys import CONTAINER, SETTINGS
from maas.bootstrap import Container
from maas.domain.accounts import Principal, Role
from maas.domain.errors import InvalidRequest

ANY_ROLE: tuple[Role, ...] = tuple(Role)


@dataclass(frozen=True)
class Call:
    """What a handler receives: validated inputs and the caller."""

    request: web.Request
    container: Container
    principal: Principal | None
    body: Any
    query: Any

    def path(self, name: str) -> str:
        return self.request.match_info[name]  # checked for NUL and broken UTF-8 before the handler

    def idempotency_key(self, default: str | None = None) -> str:
        """The `Idempotency-Key` header, what makes a retried booking safe; without a default
        it is required."""
        key = self.request.headers.get("Idempotency-Key", "").strip()
        if not _storable(key):
            raise InvalidRequest("the Idempotency-Key must be printable UTF-8",
                                 fields={"Idempotency-Key": "not printable UTF-8"})
        if len(key) > 200:
            raise InvalidRequest("the Idempotency-Key is too long", fields={"Idempotency-Key": "at most 200 characters"})
        if key:
            return key
        if default is None:
            raise InvalidRequest("send an Idempotency-Key header so a retry cannot book twice",
                                 fields={"Idempotency-Key": "required"})
        return default


@dataclass(frozen=True)
class Replayed:
    """A handler's answer to a request repeated with its Idempotency-Key: the first result, 200."""

    model: BaseModel


@dataclass(frozen=True)
class Failed:
    """A handler's answer that is an error although something was made (a booking that ended
    REJECTED): the error envelope with the resource beside it, `{"error": {...}, name: model}`."""

    status: int
    code: str
    message: str
    fields: dict[str, str]
    name: str
    model: BaseModel


@dataclass(frozen=True)
class Binary:
    """A handler's answer that is not JSON (an image)."""

    body: bytes
    content_type: str
    headers: dict[str, str] | None = None  # extra response headers (a Location, a Content-Disposition)


# A handler may also answer with a response it has prepared and written itself (a stream).
Handler = Callable[[Call], Awaitable[BaseModel | Replayed | Failed | Binary | web.StreamResponse | None]]


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    handler: Handler
    summary: str
    tags: tuple[str, ...]
    roles: tuple[Role, ...] | None  # None: no authentication
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    status: int = 200
    errors: tuple[int, ...] = ()
    # The media type of a body handed to the handler as raw bytes, unparsed (a signature is
    # checked over the exact bytes sent); None: the body, if any, is parsed into `body`.
    raw_body: str | None = None
    # A TOMP-API endpoint for operators' systems: errors are TOMP `error` objects and the
    # operator authenticates in the handler (X-API-Key or a bearer token).
    tomp: bool = False
    limit: str | None = None  # the rate limit (maas.ratelimit.RULES) counted per address and account

    @property
    def operation_id(self) -> str:
        return self.handler.__name__


@dataclass
class EndpointTable:
    endpoints: list[Endpoint] = field(default_factory=list)

    def route(
        self, method: str, path: str, *, summary: str, tags: tuple[str, ...], roles: tuple[Role, ...] | None,
        body: type[BaseModel] | None = None, query: type[BaseModel] | None = None,
        response: type[BaseModel] | None = None, status: int = 200, errors: tuple[int, ...] = (),
        raw_body: str | None = None, tomp: bool = False, limit: str | None = None,
    ) -> Callable[[Handler], Handler]:
        if limit is not None and 429 not in errors:
            errors = (*errors, 429)

        def register(handler: Handler) -> Handler:
            self.endpoints.append(Endpoint(method, path, handler, summary, tags, roles, body, query, response,
                                           status, errors, raw_body, tomp, limit))
            return handler

        return register

    def install(self, app: web.Application) -> None:
        for endpoint in self.endpoints:
            app.router.add_route(endpoint.method, endpoint.path, _aiohttp_handler(endpoint))


def _aiohttp_handler(endpoint: Endpoint) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def handle(request: web.Request) -> web.StreamResponse:
        container = request.app[CONTAINER]
        if not all(_storable(value) for value in request.match_info.values()):
            raise ApiError(404, "not_found", "no such resource")  # no id holds NUL or broken UTF-8
        principal = None
        if endpoint.limit is not None:
            await _count(request, endpoint.limit, "address:" + client_address(request))
        if endpoint.roles is not None:
            principal = await container.auth.authenticate(request.headers.get("Authorization"))
            principal.require(*endpoint.roles)
        body: Any = None
        if endpoint.raw_body is not None:
            body = await request.read()  # raises 413 past client_max_size
        elif endpoint.body is not None:
            body = await _parse_body(request, endpoint.body)
        if endpoint.limit is not None:
            await _count_account(request, endpoint.limit, principal, body)
        query = _parse_query(request, endpoint.query) if endpoint.query is not None else None
        result = await endpoint.handler(Call(request, container, principal, body, query))
        if result is None:
            return web.Response(status=204)
        if isinstance(result, web.StreamResponse):
            return result
        if isinstance(result, Replayed):
            return json_response(result.model.model_dump(mode="json"), status=200)
        if isinstance(result, Failed):
            text = messages.message(result.code, language.current(), result.message)
            error = {"code": result.code, "message": text, "fields": result.fields}
            return json_response({"error": error, result.name: result.model.model_dump(mode="json")},
                                 status=result.status)
        if isinstance(result, Binary):
            text = result.content_type.startswith("text/") or result.content_type.endswith("json")
            return web.Response(body=result.body, content_type=result.content_type, status=endpoint.status,
                                headers=result.headers, charset="utf-8" if text else None)
        return json_response(result.model_dump(mode="json"), status=endpoint.status)

    handle.__name__ = endpoint.operation_id
    return handle


def client_address(request: web.Request) -> str:
    """The caller's address: the peer's, or behind a load balancer (MAAS_FORWARDED_FOR) the
    last address of X-Forwarded-For, the one the balancer appended (earlier ones the client wrote)."""
    if request.app[SETTINGS].forwarded_for:
        forwarded = request.headers.get("X-Forwarded-For", "").rsplit(",", 1)[-1].strip()
        if forwarded:
            return forwarded
    return request.remote or "unknown"


async def _count_account(request: web.Request, rule: str, principal: Principal | None, body: Any) -> None:
    """Counts the request against the caller's account: the principal; at sign-in and registration
    the e-mail named (one address cannot try many passwords on it); on open endpoints called
    signed in (plans), the session token, without a database read to resolve it."""
    if principal is not None:
        who = "account:" + principal.subject_id
    elif isinstance(email := getattr(body, "email", None), str) and email.strip():
        who = "account:" + email.strip().lower()
    elif credential := request.headers.get("Authorization", "").partition(" ")[2].strip():
        who = "token:" + hashlib.sha256(credential.encode("utf-8", "surrogateescape")).hexdigest()[:32]
    else:
        return
    await _count(request, rule, who)


async def _count(request: web.Request, rule: str, who: str) -> None:
    limits = request.app[CONTAINER].rate_limits
    if limits is None:
        return
    wait_s = await limits.hit(rule, who)
    if wait_s is not None:
        raise ApiError(429, "too_many_requests", f"too many requests; retry in {wait_s} s",
                       headers={"Retry-After": str(wait_s)})


async def _parse_body(request: web.Request, model: type[BaseModel]) -> BaseModel:
    if request.content_type != "application/json":
        raise ApiError(415, "unsupported_media_type", "send the body as application/json")
    raw = await request.read()  # raises 413 past client_max_size
    try:
        data = json.loads(raw)
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError, an integer past 4,300 digits
        raise ApiError(400, "malformed_json", f"the body is not valid JSON: {exc}") from None
    except RecursionError:
        raise ApiError(400, "malformed_json", "the body is nested too deeply") from None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ApiError(422, "invalid_request", "the body does not match the schema",
                       validation_fields(exc, "body")) from None


def _storable(text: str) -> bool:
    """Text a database can store: no NUL (PostgreSQL refuses it) and no undecodable bytes (aiohttp
    keeps those as lone surrogates, which no driver can encode)."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")


def _check_query_encoding(raw: str) -> None:
    """aiohttp decodes a broken query to U+FFFD and passes it on; refuse it instead of searching for it."""
    try:
        urllib.parse.unquote_to_bytes(raw.replace("+", " ")).decode("utf-8")
    except UnicodeDecodeError:
        raise ApiError(400, "malformed_query", "the query string is not percent-encoded UTF-8") from None
    if _BAD_PERCENT.search(raw):
        raise ApiError(400, "malformed_query", "a % in the query string is not followed by two hex digits")


def _parse_query(request: web.Request, model: type[BaseModel]) -> BaseModel:
    _check_query_encoding(request.rel_url.raw_query_string)
    if "%00" in request.rel_url.raw_query_string:
        raise ApiError(422, "invalid_request", "the query may not contain NUL characters", {"query": "NUL character"})
    repeated = [k for k in request.query if len(request.query.getall(k)) > 1]
    if repeated:
        raise ApiError(422, "invalid_request", "query parameters may appear once",
                       {f"query.{k}": "repeated" for k in repeated})
    try:
        return model.model_validate(dict(request.query))
    except ValidationError as exc:
        raise ApiError(422, "invalid_request", "the query does not match the schema",
                       validation_fields(exc, "query")) from None
