"""Errors of the TOMP endpoints (`/tomp/v1`) as the spec's `error` object instead of the envelope.

TOMP lists 400, 401, 403, 404 and 503 for the MaaS provider's endpoints, so an unusable body
(the envelope's 415 and 422) is 400 and a step the leg cannot take (the envelope's 409) is 403,
as operators already answer it. The OAuth2 token endpoint answers RFC 6749's
`{"error", "error_description"}` instead.
"""

from __future__ import annotations

from aiohttp import web
from aiohttp.typedefs import Handler

from maas.api.errors import STATUS_BY_CODE, ApiError, json_response
from maas.api.tomp_schemas import TompError
from maas.domain.errors import DomainError

TOMP_PREFIX = "/tomp/"
TOKEN_PATH = "/tomp/v1/oauth/token"
_STATUS = {409: 403, 415: 400, 422: 400}
_TITLES = {400: "Bad request", 401: "Unauthorized", 403: "Forbidden", 404: "Not found", 413: "Body too large",
           405: "Method not allowed", 500: "Internal error", 503: "Service unavailable"}
# What TOMP calls its errors (wiki "Error handling in TOMP"): 4xxx for requests it cannot take.
_ERRORCODES = {400: 4000, 401: 4001, 403: 4003, 404: 4004}


def _status_of(exc: Exception) -> tuple[int, str]:
    if isinstance(exc, DomainError):
        return STATUS_BY_CODE.get(exc.code, 400), exc.message
    if isinstance(exc, ApiError):
        return exc.status, exc.message + "".join(f"; {k}: {v}" for k, v in exc.fields.items())
    assert isinstance(exc, web.HTTPException)
    return exc.status, exc.reason


def tomp_error(status: int, detail: str, *, path: str) -> web.Response:
    status = _STATUS.get(status, status)
    if path == TOKEN_PATH:
        error = "invalid_client" if status in (401, 403) else "invalid_request"
        headers = {"WWW-Authenticate": 'Basic realm="maas"'} if status == 401 else None
        return json_response({"error": error, "error_description": detail}, status=status, headers=headers)
    body = TompError(errorcode=_ERRORCODES.get(status, status), title=_TITLES.get(status, "Error"), status=status,
                     detail=detail or None, instance=path)
    headers = {"WWW-Authenticate": 'Bearer realm="maas"'} if status == 401 else None
    return json_response(body.model_dump(mode="json", exclude_none=True), status=status, headers=headers)


@web.middleware
async def tomp_error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    if not request.path.startswith(TOMP_PREFIX):
        return await handler(request)
    try:
        return await handler(request)
    except (DomainError, ApiError) as exc:
        status, detail = _status_of(exc)
        return tomp_error(status, detail, path=request.path)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        status, detail = _status_of(exc)
        return tomp_error(status, detail, path=request.path)
