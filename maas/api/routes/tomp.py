"""The platform's side of TOMP-API 1.6.1 under `/tomp/v1`: the MaaS-provider endpoints an
operator's system calls (leg events, booking notifications and operations, confirmation
requests, support progress) and the OAuth2 token endpoint for operators.

The operator authenticates with its API key (`X-API-Key`, the spec's ApiKeyAuth, or
`Authorization: Bearer mk_…`) or a token from `POST /tomp/v1/oauth/token`. Every error is the
spec's `error` object (maas/api/tomp_errors.py), never the platform's envelope.
"""

from __future__ import annotations

import base64
import binascii
import json
import urllib.parse

from pydantic import ValidationError

from maas.api.endpoints import Call, EndpointTable
from maas.api.tomp_schemas import (OAuthToken, OAuthTokenRequest, TompBookingOperation, TompBookingState,
                                   TompConfirmation, TompConfirmationRequest, TompLegEvent, TompNotification,
                                   TompSupportStatus)
from maas.domain.accounts import Principal
from maas.domain.errors import AuthenticationFailed, InvalidRequest

routes = EndpointTable()
PREFIX = "/tomp/v1"
TAGS = ("tomp",)
API_VERSION = "1.6"


async def _operator(call: Call) -> Principal:
    headers = call.request.headers
    if headers.get("Api", "TOMP") != "TOMP" or not headers.get("Api-Version", API_VERSION).startswith(API_VERSION):
        raise InvalidRequest(f"this is TOMP {API_VERSION}, not {headers.get('Api')} {headers.get('Api-Version')}")
    key = headers.get("X-API-Key", "").strip()
    return await call.container.auth.authenticate(f"Bearer {key}" if key else headers.get("Authorization"))


@routes.route("POST", PREFIX + "/legs/{id}/events", summary="TOMP: an operator reports a leg event", tags=TAGS,
              roles=None, body=TompLegEvent, status=204, errors=(400, 401, 403, 404, 503), tomp=True)
async def tomp_leg_event(call: Call) -> None:
    """`SET_IN_USE` starts and `FINISH` ends the leg (`id` is the operator's booking id) and the
    trip holding it moves along, settled once every leg is over; `CANCEL` is the operator
    cancelling the leg (before the trip began the whole booking is cancelled free of any fee);
    `PREPARE`, `ASSIGN_ASSET`, `PAUSE` and the others are acknowledged and journaled. The
    operator's own booking must already stand where the event puts it. 401 bad key, 403 another
    operator's leg or a step the leg cannot take, 404 unknown leg, 400 not a `legEvent`."""
    body: TompLegEvent = call.body
    await call.container.operator_callbacks.leg_event(await _operator(call), call.path("id"), body.event,
                                                      at=body.time, comment=body.comment or "")


@routes.route("POST", PREFIX + "/bookings/{id}/notifications", summary="TOMP: an operator's notification",
              tags=TAGS, roles=None, body=TompNotification, status=204, errors=(400, 401, 403, 404, 503),
              tomp=True)
async def tomp_notification(call: Call) -> None:
    """`USER_NO_SHOW` ends the leg unridden (the rider pays under the offer's terms); any other
    notification (`VEHICLE_NOT_AVAILABLE`, `ETA`, messages) is journaled on the booking, which
    then re-reads the operator's state: a booking the operator let expire or cancelled is
    compensated."""
    body: TompNotification = call.body
    await call.container.operator_callbacks.notification(await _operator(call), call.path("id"), body.type,
                                                         comment=body.comment or "", minutes=body.minutes)


@routes.route("POST", PREFIX + "/bookings/{id}/events", summary="TOMP: an operator's booking operation",
              tags=TAGS, roles=None, body=TompBookingOperation, response=TompBookingState,
              errors=(400, 401, 403, 404, 503), tomp=True)
async def tomp_booking_event(call: Call) -> TompBookingState:
    """`CANCEL`: the operator cancelled its booking; `COMMIT` / `DENY`: its answer to a postponed
    commit (the conditional trip is confirmed, or compensated). Its booking (read with
    `GET /bookings/{id}` at the operator) must already say so; 403 otherwise."""
    body: TompBookingOperation = call.body
    leg = await call.container.operator_callbacks.booking_operation(await _operator(call), call.path("id"),
                                                                    body.operation)
    return TompBookingState(id=leg.id, state=leg.state.value)


@routes.route("POST", PREFIX + "/legs/{id}/confirmation", summary="TOMP: may the operator start the leg",
              tags=TAGS, roles=None, body=TompConfirmationRequest, response=TompConfirmation,
              errors=(400, 401, 403, 404, 503), tomp=True)
async def tomp_confirmation(call: Call) -> TompConfirmation:
    """`true` while the trip holding the leg is booked and the leg confirmed or under way."""
    body: TompConfirmationRequest = call.body
    allowed = await call.container.operator_callbacks.confirmation(await _operator(call), call.path("id"), body.type)
    return TompConfirmation(allowed)


@routes.route("POST", PREFIX + "/support/{id}/status", summary="TOMP: progress of a support request",
              tags=TAGS, roles=None, body=TompSupportStatus, status=204, errors=(400, 401, 403, 404, 503),
              tomp=True)
async def tomp_support_status(call: Call) -> None:
    """The operator's `supportStatus` for the support request on booking `id`, journaled on the
    trip. (A convention: 1.6.1 lets the MaaS provider only read it with GET at the operator.)"""
    body: TompSupportStatus = call.body
    await call.container.operator_callbacks.support_status(
        await _operator(call), call.path("id"), body.status, comment=body.comment or "",
        minutes_to_resolution=body.timeToResolution)


@routes.route("POST", PREFIX + "/oauth/token", summary="OAuth2 client credentials for operators", tags=TAGS,
              roles=None, raw_body="application/x-www-form-urlencoded", response=OAuthToken,
              errors=(400, 401), tomp=True)
async def tomp_oauth_token(call: Call) -> OAuthToken:
    """`grant_type=client_credentials`, `client_id` (the operator's id) and `client_secret` (its
    API key), as a form (or HTTP Basic credentials): a bearer token for the TOMP endpoints here,
    valid `expires_in` seconds."""
    fields = _form(call)
    basic = call.request.headers.get("Authorization", "")
    if basic.lower().startswith("basic "):
        try:
            client_id, _, secret = base64.b64decode(basic[6:].strip()).decode().partition(":")
        except (ValueError, binascii.Error):
            raise AuthenticationFailed("unreadable Basic credentials") from None
        fields.setdefault("client_id", urllib.parse.unquote(client_id))
        fields.setdefault("client_secret", urllib.parse.unquote(secret))
    try:
        request = OAuthTokenRequest.model_validate(fields)
    except ValidationError as exc:
        raise InvalidRequest("grant_type=client_credentials with client_id and client_secret, please",
                             fields={".".join(map(str, e["loc"])): e["msg"] for e in exc.errors()}) from None
    issued = await call.container.auth.operator_token(request.client_id, request.client_secret)
    return OAuthToken(access_token=issued.token, expires_in=issued.expires_in_s)


def _form(call: Call) -> dict[str, str]:
    raw: bytes = call.body
    try:
        text = raw.decode()
        if call.request.content_type == "application/json":
            document = json.loads(text or "{}")
            if not isinstance(document, dict):
                raise ValueError("not an object")
            return {str(k): str(v) for k, v in document.items()}
        return dict(urllib.parse.parse_qsl(text, keep_blank_values=True))
    except ValueError:
        raise InvalidRequest("the body is neither a form nor a JSON object") from None
