"""Request ids, the rider's language, and the one error middleware: every failure leaves as the JSON
error envelope."""

from __future__ import annotations

import logging
import re
import uuid

from aiohttp import web
from aiohttp.typedefs import Handler

from maas.api.errors import ApiError, envelope, from_domain, from_http
from maas.api.keys import SETTINGS
from maas.api.language import language_var, negotiate
from maas.domain.errors import DomainError
from maas.logconfig import request_id_var

log = logging.getLogger(__name__)
_CLIENT_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


@web.middleware
async def request_id_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    # Call-centre tools pass their own id so a rider's phone call can be traced through the logs.
    offered = request.headers.get("X-Request-Id", "")
    request_id = offered if _CLIENT_ID.match(offered) else uuid.uuid4().hex
    token = request_id_var.set(request_id)
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        exc.headers["X-Request-Id"] = request_id
        raise
    finally:
        request_id_var.reset(token)
    response.headers["X-Request-Id"] = request_id
    return response


@web.middleware
async def language_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Negotiates Japanese or English from `Accept-Language` for everything the request answers."""
    language = negotiate(request.headers.get("Accept-Language"), request.app[SETTINGS].default_language)
    token = language_var.set(language)
    try:
        response = await handler(request)
    except web.HTTPException as exc:  # redirects; errors were turned into envelopes inside
        _label(exc, language)
        raise
    finally:
        language_var.reset(token)
    if not response.prepared:
        _label(response, language)
    return response


def _label(response: web.StreamResponse, language: str) -> None:
    # A page that exists in one language only (the analysis report, the API docs) says so itself.
    response.headers.setdefault("Content-Language", language)
    response.headers.add("Vary", "Accept-Language")


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except DomainError as exc:
        return from_domain(exc)
    except ApiError as exc:
        return envelope(exc.status, exc.code, exc.message, exc.fields, exc.headers)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        return from_http(exc)
    except Exception:
        log.exception("unhandled error in %s %s", request.method, request.path)
        return envelope(500, "internal_error", "internal server error")
