"""Error envelope and the mapping of domain errors and HTTP exceptions onto it."""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping

from aiohttp import web
from pydantic import ValidationError

from maas.api import language, messages, texts
from maas.domain.errors import DomainError

# Japanese names and messages are sent as UTF-8 text, not as \u escapes.
dumps = functools.partial(json.dumps, ensure_ascii=False)

STATUS_BY_CODE = {
    "not_found": 404,
    "conflict": 409,
    "invalid_request": 422,
    "unauthenticated": 401,
    "forbidden": 403,
    "offer_not_yours": 403,
    "not_a_rider": 422,
    "feed_rejected": 422,
    "unknown_stop": 422,
    "no_stop_nearby": 422,
    "no_service": 422,
    "outside_region": 422,
    "offer_expired": 409,
    "booking_data_required": 422,
    "operator_rejected": 409,
    "operator_unavailable": 503,
    "ride_refused": 422,
    "implausible_event_time": 422,
    "ticket_invalid": 422,
    "ticket_not_valid_now": 422,
    "ticket_revoked": 422,
    "no_ticket": 409,
    "too_early_to_unlock": 409,
    "stale_plan": 409,
    "webhook_rejected": 400,
    "payment_declined": 402,
    "payment_unavailable": 503,
    "own_claim": 403,
    "claim_not_pending": 409,
    "account_erased": 410,
    "erasure_refused": 409,
    "reason_required": 422,
}

CODE_BY_STATUS = {
    400: "bad_request",
    401: "unauthenticated",
    402: "payment_required",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid_request",
    429: "too_many_requests",
    503: "service_unavailable",
}


class ApiError(Exception):
    """An error raised by the HTTP layer itself (bad JSON, wrong content type)."""

    def __init__(self, status: int, code: str, message: str, fields: Mapping[str, str] | None = None, *,
                 headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.fields = status, code, message, dict(fields or {})
        self.headers = dict(headers or {})


def json_response(data: object, *, status: int = 200, headers: Mapping[str, str] | None = None) -> web.Response:
    """JSON as `application/json; charset=utf-8`, non-ASCII text unescaped."""
    return web.json_response(data, status=status, headers=headers, dumps=dumps)


def envelope(status: int, code: str, message: str | None, fields: Mapping[str, str] | None = None,
             headers: Mapping[str, str] | None = None) -> web.Response:
    """The error envelope, its message in the request's language (`message` is the English detail)."""
    text = messages.message(code, language.current(), message, reason=(fields or {}).get("refusal") or (fields or {}).get("reason"))
    body = {"error": {"code": code, "message": text, "fields": dict(fields or {})}}
    return json_response(body, status=status, headers=headers)


def from_domain(exc: DomainError) -> web.Response:
    status = STATUS_BY_CODE.get(exc.code, 400)
    headers = {"WWW-Authenticate": 'Bearer realm="maas"'} if status == 401 else None
    return envelope(status, exc.code, exc.message, exc.fields, headers)


def from_http(exc: web.HTTPException) -> web.Response:
    headers = {k: v for k, v in exc.headers.items() if k.lower() in {"allow", "www-authenticate", "retry-after"}}
    code = CODE_BY_STATUS.get(exc.status, "http_error")
    return envelope(exc.status, code, None, {}, headers)  # the catalogue's words, not aiohttp's reason


def validation_fields(exc: ValidationError, location: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    for err in exc.errors(include_url=False):
        path = ".".join(str(p) for p in (location, *err["loc"]))
        fields.setdefault(path, texts.validation_message(err["type"], err["msg"], err.get("ctx")))
    return fields
