"""The operator's side of TOMP-API 1.6.1 (docs/tomp.md) over HTTP, in front of an in-process operator.

`make_app(operator)` serves any OperatorAdapter (the taxi dispatcher, the bike-share system) the
way an outside operator would: planning options whose ids are booked, bookings that keep their
option's id, booking operations (COMMIT, CANCEL, EXTEND_EXPIRY_TIME), leg events, notifications,
support requests and operator information, with the spec's headers checked, Idempotency-Key
honoured and errors as TOMP error objects; optionally OAuth2 client credentials, and a staff
console (not TOMP) whose events are reported to the MaaS provider. It is a separate program
standing in for an operator, not part of the MaaS service.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import email.utils
import json
import logging
import uuid
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from aiohttp import web
from pydantic import ValidationError

from maas.domain.errors import (Conflict, DomainError, InvalidRequest, NotFound, OfferExpired,
                                OperatorRejected)
from maas.domain.mobility import BookingState, LegBooking, TripEvent, TripEventKind
from maas.domain.ports import HoldExtension
from operators.reference.idempotency import StoredAnswer, fingerprint
from operators.reference.maas_client import MaasRefused
from operators.reference.operator import ReferenceOperator
from operators.tomp import wire
from operators.tomp.mapping import data_of, leg_state_of, query_of

log = logging.getLogger(__name__)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
AVAILABILITY_EXPIRED = 3003  # TOMP error code "Availability expired"


class Problem(Exception):
    """An answer with a TOMP error object."""

    def __init__(self, status: int, title: str, detail: str = "", errorcode: int | None = None) -> None:
        super().__init__(detail or title)
        self.status, self.title, self.detail = status, title, detail
        self.errorcode = errorcode if errorcode is not None else status


def problem_of(exc: DomainError, *, conflict_status: int = 409) -> Problem:
    if isinstance(exc, NotFound):
        return Problem(404, "Not found", exc.message)
    if isinstance(exc, OfferExpired):
        return Problem(410, "Availability expired.", exc.message, AVAILABILITY_EXPIRED)
    if isinstance(exc, Conflict):
        return Problem(conflict_status, "Not possible in the current state", exc.message)
    if isinstance(exc, InvalidRequest):
        return Problem(400, "Bad request", exc.message)
    return Problem(500, "Operator error", exc.message)


def _problem_response(problem: Problem) -> web.Response:
    body = wire.dump(wire.TompError(errorcode=problem.errorcode, title=problem.title,
                                    status=problem.status, detail=problem.detail or None))
    return web.json_response(body, status=problem.status)


OPERATOR = web.AppKey("operator", ReferenceOperator)


# -- middlewares --------------------------------------------------------------------------------
@web.middleware
async def tomp_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except Problem as problem:
        return _problem_response(problem)
    except DomainError as exc:
        return _problem_response(problem_of(exc))
    except web.HTTPException as exc:
        if exc.status >= 400:
            return _problem_response(Problem(exc.status, exc.reason))
        raise
    except Exception:
        log.exception("reference operator: unexpected error on %s %s", request.method, request.path)
        return _problem_response(Problem(500, "Internal error", "the operator failed; see its log"))


@web.middleware
async def tomp_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.path != "/operator/ping" and not request.path.startswith(("/_operator/", "/oauth/")):
        operator = request.app[OPERATOR]
        if operator.clients:
            scheme, _, token = request.headers.get("Authorization", "").partition(" ")
            expires = operator.tokens.get(token) if scheme.lower() == "bearer" else None
            if expires is None or expires <= operator.clock.now():
                raise Problem(401, "Unauthorized", "send a bearer token from POST /oauth/token")
        if operator.delay_s:
            await asyncio.sleep(operator.delay_s)
        missing = [h for h in ("Accept-Language", "Api", "Api-Version", "maas-id") if not request.headers.get(h)]
        if missing:
            raise Problem(400, "Missing headers", f"required headers missing: {', '.join(missing)}")
        if request.headers["Api"] != wire.API or not request.headers["Api-Version"].startswith(wire.API_VERSION):
            raise Problem(400, "Unsupported API", f"this operator speaks {wire.API} {wire.API_VERSION}, not "
                                                  f"{request.headers['Api']} {request.headers['Api-Version']}")
    return await handler(request)


def idempotent(handler: Handler) -> Handler:
    """Requires Idempotency-Key and answers a repeated key with the first answer."""

    async def wrapper(request: web.Request) -> web.StreamResponse:
        key = request.headers.get("Idempotency-Key", "")
        if not key or len(key) > 200:
            raise Problem(400, "Idempotency-Key required", "every POST that changes something needs an "
                                                           "Idempotency-Key header (1 to 200 characters)")
        store = request.app[OPERATOR].idempotency
        raw = await request.read()
        scope = (request.headers["maas-id"], request.path, key)
        async with store.lock(scope):
            if (stored := store.find(scope)) is not None:
                if stored.fingerprint != fingerprint(raw):
                    raise Problem(409, "Idempotency-Key reused",
                                  f"key {key!r} was used for a different {request.method} {request.path}")
                if stored.body is None:
                    return web.Response(status=stored.status, headers=stored.headers)
                return web.json_response(stored.body, status=stored.status, headers=stored.headers)
            try:
                response = await handler(request)
            except Problem as problem:
                response = _problem_response(problem)
            except DomainError as exc:
                response = _problem_response(problem_of(exc))
            if isinstance(response, web.Response):
                headers = {k: v for k, v in response.headers.items() if k in ("Expires",)}
                body = _json_of(response) if response.body is not None else None
                store.keep(scope, StoredAnswer(fingerprint(raw), response.status, body, headers))
            return response

    return wrapper


def _json_of(response: web.Response) -> Any:
    assert isinstance(response.body, bytes)
    return json.loads(response.body)


async def _parsed(request: web.Request, model: type[wire.Wire]) -> Any:
    try:
        document = await request.json()
    except ValueError:
        raise Problem(400, "Bad request", "the body is not JSON") from None
    try:
        return model.model_validate(document)
    except ValidationError as exc:
        details = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}"
                            for e in exc.errors()[:5])
        raise Problem(400, "Bad request", f"not a TOMP {model.__name__}: {details}") from None


def _booking_response(operator: ReferenceOperator, option_id: str, booking: LegBooking,
                      status: int = 200) -> web.Response:
    headers = {}
    if booking.expires_at is not None and booking.state in (BookingState.PENDING,
                                                            BookingState.CONDITIONAL_CONFIRMED):
        headers["Expires"] = email.utils.format_datetime(booking.expires_at.astimezone(dt.UTC), usegmt=True)
    return web.json_response(wire.dump(operator.booking(option_id, booking)), status=status, headers=headers)


# -- handlers -----------------------------------------------------------------------------------
async def ping(request: web.Request) -> web.Response:
    return web.Response(status=200)  # the spec's ping answers with no body


async def information(request: web.Request) -> web.Response:
    return web.json_response(wire.dump(request.app[OPERATOR].information))


async def planning_offers(request: web.Request) -> web.Response:
    operator = request.app[OPERATOR]
    planning_request: wire.PlanningRequest = await _parsed(request, wire.PlanningRequest)
    now = operator.clock.now()
    operator.forget_old_offers(now)
    offers = await operator.adapter.search_offers(operator.asked(query_of(planning_request, now)))
    operator.offers.update({o.id: o for o in offers})
    valid_until = min((o.valid_until for o in offers), default=now)
    planning = wire.Planning(validUntil=valid_until, options=[operator.option(o) for o in offers])
    return web.json_response(wire.dump(planning), status=201)


@idempotent
async def create_booking(request: web.Request) -> web.Response:
    operator = request.app[OPERATOR]
    booking_request: wire.BookingRequest = await _parsed(request, wire.BookingRequest)
    option_id = booking_request.id
    required = [f for c in operator.conditions if c.get("conditionType") == "conditionRequireBookingData"
                for f in c.get("requiredFields", [])]
    missing = [f for f in required if f not in data_of(booking_request.customer)]
    if missing:
        raise Problem(400, "Booking data required", f"this operator needs the customer's {', '.join(missing)}")
    if required:
        operator.customers[option_id] = {f: v for f, v in data_of(booking_request.customer).items() if f in required}
    if option_id in operator.rejected:
        raise Problem(409, "Already refused", f"option {option_id} was refused")
    try:
        booking = await operator.adapter.book(option_id, idempotency_key=request.headers["Idempotency-Key"])
    except OperatorRejected as exc:
        offer = operator.offers[option_id]
        refused = operator.option(offer).model_copy(update={"state": "REJECTED", "memo": exc.message})
        operator.rejected[option_id] = refused
        return web.json_response(wire.dump(refused), status=201)
    operator.booking_ids[option_id] = booking.id
    return _booking_response(operator, option_id, booking, status=201)


@idempotent
async def booking_event(request: web.Request) -> web.Response:
    operator = request.app[OPERATOR]
    option_id = request.match_info["id"]
    operation: wire.BookingOperation = await _parsed(request, wire.BookingOperation)
    if option_id in operator.rejected:
        raise Problem(403, "Not possible in the current state", f"booking {option_id} was refused")
    if option_id not in operator.booking_ids:
        raise NotFound(f"no booking {option_id}")
    key, booking_id = request.headers["Idempotency-Key"], operator.booking_ids[option_id]
    try:
        current = await operator.adapter.get_booking(booking_id)
        if (operation.operation == "COMMIT" and operator.commits_by_hand
                and current.state is BookingState.CONDITIONAL_CONFIRMED):
            booking = current  # postponed: the dispatcher answers later
        elif operation.operation == "COMMIT":
            booking = await operator.adapter.confirm(booking_id, idempotency_key=key)
        elif operation.operation == "CANCEL":
            booking = await operator.adapter.cancel(booking_id, idempotency_key=key)
        elif operation.operation == "EXTEND_EXPIRY_TIME" and isinstance(operator.adapter, HoldExtension):
            try:
                booking = await operator.adapter.extend_hold(booking_id, idempotency_key=key)
            except Conflict as exc:
                raise Problem(410, "Not extended", exc.message) from None
        else:
            raise Problem(400, "Unsupported operation", f"{operation.operation} is not in this operator's subset")
    except Conflict as exc:
        raise problem_of(exc, conflict_status=403) from None
    return _booking_response(operator, option_id, booking)


async def list_bookings(request: web.Request) -> web.Response:
    """The spec's optional `GET /bookings`: every booking made here (a check can see it made none)."""
    operator = request.app[OPERATOR]
    listed = [operator.booking(option_id, await operator.current(option_id)) for option_id in operator.booking_ids]
    return web.json_response([wire.dump(b) for b in [*listed, *operator.rejected.values()]])


async def get_booking(request: web.Request) -> web.Response:
    operator = request.app[OPERATOR]
    option_id = request.match_info["id"]
    if option_id in operator.rejected:
        return web.json_response(wire.dump(operator.rejected[option_id]))
    return _booking_response(operator, option_id, await operator.current(option_id))


@idempotent
async def leg_event(request: web.Request) -> web.Response:
    operator = request.app[OPERATOR]
    option_id = request.match_info["id"]
    event: wire.LegEvent = await _parsed(request, wire.LegEvent)
    if event.event == "SET_IN_USE":
        kind = TripEventKind.STARTED
    elif event.event == "FINISH":
        kind = TripEventKind.FINISHED
    else:
        raise Problem(400, "Unsupported event", f"{event.event} is not in this operator's subset")
    booking = await operator.current(option_id)
    try:
        booking = await operator.adapter.receive_event(
            TripEvent(booking_id=booking.id, kind=kind, at=event.time, detail=event.comment or ""))
    except Conflict as exc:
        raise problem_of(exc, conflict_status=403) from None
    leg = operator.booking(option_id, booking).legs[0].model_copy(update={"state": leg_state_of(booking.state)})
    return web.json_response(wire.dump(leg))


@idempotent
async def notification(request: web.Request) -> web.Response:
    """The MaaS provider's notice on a booking: a no-show ends it; other notices are recorded."""
    operator = request.app[OPERATOR]
    notice: wire.Notification = await _parsed(request, wire.Notification)
    booking = await operator.current(request.match_info["id"])
    kind = TripEventKind.NO_SHOW if notice.type == "USER_NO_SHOW" else TripEventKind.ISSUE
    try:
        await operator.adapter.receive_event(TripEvent(booking_id=booking.id, kind=kind, at=operator.clock.now(),
                                                       detail=notice.comment or notice.type))
    except Conflict as exc:
        raise problem_of(exc, conflict_status=403) from None
    return web.Response(status=204)


@idempotent
async def support(request: web.Request) -> web.Response:
    operator = request.app[OPERATOR]
    report: wire.SupportRequest = await _parsed(request, wire.SupportRequest)
    booking = await operator.current(report.id)
    await operator.adapter.receive_event(TripEvent(booking_id=booking.id, kind=TripEventKind.ISSUE,
                                                   at=report.time or operator.clock.now(),
                                                   detail=report.comment or report.supportType))
    return web.json_response({**wire.dump(report), "status": "PROCESSING"})


async def oauth_token(request: web.Request) -> web.Response:
    """OAuth2 client credentials (RFC 6749 4.4): a bearer token for the TOMP endpoints."""
    operator = request.app[OPERATOR]
    form = await request.post()
    client_id, secret = str(form.get("client_id", "")), str(form.get("client_secret", ""))
    if form.get("grant_type") != "client_credentials":
        return web.json_response({"error": "unsupported_grant_type"}, status=400)
    if not operator.clients or operator.clients.get(client_id) != secret:
        return web.json_response({"error": "invalid_client"}, status=401)
    token = uuid.uuid4().hex
    operator.tokens[token] = operator.clock.now() + dt.timedelta(seconds=operator.token_ttl_s)
    return web.json_response({"access_token": token, "token_type": "Bearer", "expires_in": operator.token_ttl_s})


async def console(request: web.Request) -> web.Response:
    """Not TOMP: the operator's staff say what happened to a booking (`STARTED`, `FINISHED`,
    `NO_SHOW`, `ISSUE` or `CANCELLED`); the service records it and reports it to the MaaS provider."""
    operator = request.app[OPERATOR]
    option_id, what = request.match_info["id"], request.match_info["what"]
    try:
        if what == "CANCELLED":
            booking = await operator.cancel_own(option_id)
        elif what == "CONFIRMED":
            booking = await operator.accept(option_id)
        elif what in TripEventKind.__members__:
            booking = await operator.report(option_id, TripEventKind(what))
        else:
            raise Problem(404, "Not found", f"nothing called {what} happens to a booking here")
    except MaasRefused as exc:
        raise Problem(502, "The MaaS provider refused the report", str(exc)) from None
    return _booking_response(operator, option_id, booking)


def make_app(operator: ReferenceOperator, *, middlewares: Iterable[Any] = ()) -> web.Application:
    """The operator's TOMP service; `middlewares` run outside the TOMP ones (tests inject faults)."""
    app = web.Application(middlewares=[*middlewares, tomp_errors, tomp_headers])
    app[OPERATOR] = operator
    app.router.add_get("/operator/ping", ping)
    app.router.add_get("/operator/information", information)
    app.router.add_post("/planning/offers", planning_offers)
    app.router.add_post("/bookings", create_booking)
    app.router.add_get("/bookings", list_bookings)
    app.router.add_get("/bookings/{id}", get_booking)
    app.router.add_post("/bookings/{id}/events", booking_event)
    app.router.add_post("/legs/{id}/events", leg_event)
    app.router.add_post("/bookings/{id}/notifications", notification)
    app.router.add_post("/support/", support)
    app.router.add_post("/_operator/bookings/{id}/{what}", console)
    app.router.add_post("/oauth/token", oauth_token)

    async def close_adapter(app: web.Application) -> None:
        await app[OPERATOR].adapter.aclose()

    app.on_cleanup.append(close_adapter)
    return app
