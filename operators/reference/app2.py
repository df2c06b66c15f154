"""The operator's side of TOMP-API 2.0 (docs/tomp.md, TOMP 2.0) over HTTP, in front of the same
in-process operator as the 1.6 service (operators/reference/app.py).

`make_app2(operator)` serves the landing page and `/health`, the offer search, packages
(`GET /collections/packages/items?packageId=`), purchase, confirm-purchase, rollback-purchase,
cancel-package, extend-expiry-time, start-leg and end-leg, request-support and unlock-asset. A
package keeps the id of the offer it was purchased from. Changing processes need the subset's
Idempotency-Key; callers authenticate with a bearer token (`api_keys`, or OAuth2 client
credentials as in 1.6). Errors are 2.0's errorResponse `{"errors": [error]}`. A separate program
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

from maas.domain.errors import Conflict, DomainError, NotFound, OperatorRejected
from maas.domain.mobility import BookingState, LegBooking, TripEvent, TripEventKind
from maas.domain.ports import HoldExtension
from operators.reference.app import OPERATOR, Problem, oauth_token, problem_of
from operators.reference.idempotency import StoredAnswer, fingerprint
from operators.reference.operator import ReferenceOperator
from operators.tomp.mapping import MalformedMessage
from operators.tomp2 import mapping

log = logging.getLogger(__name__)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
OPERATOR2 = web.AppKey("operator2", ReferenceOperator)
API_KEYS = web.AppKey("api_keys", frozenset)
GEOJSON = "application/geo+json"
OPEN_PATHS = ("/", "/health", "/oauth/token")
UNLOCKABLE = frozenset({"BICYCLE", "STEP", "MOPED", "MOTORCYCLE", "CAR", "SELFDRIVE"})


def _error_response(problem: Problem) -> web.Response:
    error: dict[str, Any] = {"errorcode": problem.errorcode, "title": problem.title[:75], "status": problem.status}
    if problem.detail:
        error["detail"] = problem.detail[:1000]
    return web.json_response({"errors": [error]}, status=problem.status)


@web.middleware
async def errors2(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except Problem as problem:
        return _error_response(problem)
    except DomainError as exc:
        return _error_response(problem_of(exc))
    except web.HTTPException as exc:
        if exc.status >= 400:
            return _error_response(Problem(exc.status, exc.reason))
        raise
    except Exception:
        log.exception("reference operator (2.0): unexpected error on %s %s", request.method, request.path)
        return _error_response(Problem(500, "Internal error", "the operator failed; see its log"))


@web.middleware
async def authorised(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.path not in OPEN_PATHS:
        operator, keys = request.app[OPERATOR2], request.app[API_KEYS]
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        bearer = token if scheme.lower() == "bearer" else ""
        expires = operator.tokens.get(bearer)
        if (keys or operator.clients) and bearer not in keys and (expires is None or expires <= operator.clock.now()):
            raise Problem(401, "Unauthorized", "send a bearer token (the issued key, or one from POST /oauth/token)")
        if not request.headers.get("Accept-Language"):
            raise Problem(400, "Missing headers", "Accept-Language is required")
        if operator.delay_s:
            await asyncio.sleep(operator.delay_s)
    return await handler(request)


def idempotent2(handler: Handler) -> Handler:
    """Requires Idempotency-Key and answers a repeated key with the first answer (409 for another body)."""

    async def wrapper(request: web.Request) -> web.StreamResponse:
        key = request.headers.get("Idempotency-Key", "")
        if not key or len(key) > 200:
            raise Problem(400, "Idempotency-Key required", "a changing process needs an Idempotency-Key (1-200 chars)")
        store, raw = request.app[OPERATOR2].idempotency, await request.read()
        scope = (request.headers.get("maas-id") or request.headers.get("Authorization") or "", request.path, key)
        async with store.lock(scope):
            if (stored := store.find(scope)) is not None:
                if stored.fingerprint != fingerprint(raw):
                    raise Problem(409, "Idempotency-Key reused", f"key {key!r} was used for another request")
                return web.json_response(stored.body, status=stored.status, headers=stored.headers,
                                         content_type=GEOJSON if stored.status == 200 else "application/json")
            try:
                response = await handler(request)
            except Problem as problem:
                response = _error_response(problem)
            except DomainError as exc:
                response = _error_response(problem_of(exc, conflict_status=403))
            if isinstance(response, web.Response) and isinstance(response.body, bytes):
                headers = {k: v for k, v in response.headers.items() if k == "Expires"}
                store.keep(scope, StoredAnswer(fingerprint(raw), response.status, json.loads(response.body), headers))
            return response

    return wrapper


async def _inputs(request: web.Request, *required: str) -> dict[str, Any]:
    try:
        document = await request.json()
    except ValueError:
        raise Problem(400, "Bad request", "the body is not JSON") from None
    inputs = document.get("inputs") if isinstance(document, dict) else None
    if not isinstance(inputs, dict):
        raise Problem(400, "Bad request", "the body has no inputs object")
    missing = [name for name in required if not isinstance(inputs.get(name), str) or not inputs[name]]
    if missing:
        raise Problem(400, "Bad request", f"inputs lacks {', '.join(missing)}")
    return inputs


def _expires(when: dt.datetime) -> str:
    return email.utils.format_datetime(when.astimezone(dt.UTC), usegmt=True)


def _package_response(operator: ReferenceOperator, package_id: str, booking: LegBooking) -> web.Response:
    offer = operator.offers[package_id]
    shown = offer.model_copy(update={"origin": operator.placed(offer.origin),
                                     "destination": operator.placed(offer.destination)})
    headers = {}
    if booking.expires_at is not None and booking.state in (BookingState.PENDING, BookingState.CONDITIONAL_CONFIRMED):
        headers["Expires"] = _expires(booking.expires_at)
    return web.json_response(mapping.package_of(booking, shown, package_id=package_id), headers=headers,
                             content_type=GEOJSON)


# -- handlers -------------------------------------------------------------------------------------
async def landing(request: web.Request) -> web.Response:
    operator = request.app[OPERATOR2]
    base = str(request.url.origin())
    return web.json_response({"title": operator.information.name,
                              "description": f"{operator.information.name}: TOMP-API 2.0 (reference subset)",
                              "links": [{"href": base + "/", "rel": "self"},
                                        {"href": base + "/processes/search-offers/execution",
                                         "rel": "search-offers", "method": "POST"}]})


async def health(request: web.Request) -> web.Response:
    return web.json_response({"status": "up"})


async def search_offers(request: web.Request) -> web.Response:
    operator = request.app[OPERATOR2]
    try:
        document = await request.json()
        now = operator.clock.now()
        query = mapping.query_of(document, now)
    except (ValueError, MalformedMessage) as exc:
        raise Problem(400, "Bad request", f"not a searchOfferRequest: {exc}") from None
    operator.forget_old_offers(now)
    offers = await operator.adapter.search_offers(operator.asked(query))
    operator.offers.update({o.id: o for o in offers})
    shown = [o.model_copy(update={"origin": operator.placed(o.origin), "destination": operator.placed(o.destination)})
             for o in offers]
    valid_until = min((o.valid_until for o in offers), default=now)
    return web.json_response(mapping.offer_collection(shown), headers={"Expires": _expires(valid_until)},
                             content_type=GEOJSON)


async def get_package(request: web.Request) -> web.Response:
    operator = request.app[OPERATOR2]
    package_id = request.query.get("packageId", "")
    if not package_id:
        raise Problem(400, "Bad request", "the query parameter packageId is required")
    return _package_response(operator, package_id, await operator.current(package_id))


@idempotent2
async def purchase(request: web.Request) -> web.Response:
    operator = request.app[OPERATOR2]
    offer_id = (await _inputs(request, "offer"))["offer"]
    if offer_id in operator.booking_ids:
        raise Problem(409, "Already purchased", f"offer {offer_id} was purchased already")
    if offer_id not in operator.offers:
        raise NotFound(f"no offer {offer_id}")
    try:
        booking = await operator.adapter.book(offer_id, idempotency_key=request.headers["Idempotency-Key"])
    except OperatorRejected as exc:
        # 2.0 has no REJECTED package: a refused purchase is an error (the 1.6 spec's 428 for it).
        raise Problem(428, "Purchase refused", exc.message) from None
    operator.booking_ids[offer_id] = booking.id
    return _package_response(operator, offer_id, booking)


def _process(action: str) -> Handler:
    @idempotent2
    async def handle(request: web.Request) -> web.Response:
        operator = request.app[OPERATOR2]
        package_id = (await _inputs(request, "package"))["package"]
        current = await operator.current(package_id)
        booking_id, key = current.id, request.headers["Idempotency-Key"]
        try:
            if action == "confirm":
                booking = await operator.adapter.confirm(booking_id, idempotency_key=key)
            elif action == "rollback":
                if current.state not in (BookingState.PENDING, BookingState.CONDITIONAL_CONFIRMED,
                                         BookingState.RELEASED):
                    raise Problem(403, "Not possible in the current state",
                                  f"package {package_id} is {current.state.value}: cancel it, it cannot be rolled back")
                booking = await operator.adapter.cancel(booking_id, idempotency_key=key)
            elif action == "cancel":
                booking = await operator.adapter.cancel(booking_id, idempotency_key=key)
            elif isinstance(operator.adapter, HoldExtension):
                booking = await operator.adapter.extend_hold(booking_id, idempotency_key=key)
            else:
                raise Problem(400, "Unsupported process", "this operator holds offers for a fixed time")
        except Conflict as exc:
            raise problem_of(exc, conflict_status=403) from None
        return _package_response(operator, package_id, booking)

    return handle


@idempotent2
async def leg_operation(request: web.Request) -> web.Response:
    operator = request.app[OPERATOR2]
    operation = request.match_info["operation"]
    kinds = {"start": TripEventKind.STARTED, "end": TripEventKind.FINISHED}
    if operation not in kinds:
        raise Problem(400, "Unsupported operation", f"{operation}-leg is not in this operator's subset")
    inputs = await _inputs(request, "leg")
    try:
        at = mapping.time_of(inputs["timestamp"], "timestamp") if "timestamp" in inputs else operator.clock.now()
    except MalformedMessage as exc:
        raise Problem(400, "Bad request", str(exc)) from None
    booking = await operator.current(inputs["leg"])
    try:
        booking = await operator.adapter.receive_event(TripEvent(booking_id=booking.id, kind=kinds[operation], at=at,
                                                                 detail=str(inputs.get("comment", ""))[:2000]))
    except Conflict as exc:
        raise problem_of(exc, conflict_status=403) from None
    return _package_response(operator, inputs["leg"], booking)


@idempotent2
async def request_support(request: web.Request) -> web.Response:
    operator = request.app[OPERATOR2]
    ticket = await _inputs(request, "supportType", "location", "timestamp")
    package_id = (ticket.get("context") or {}).get("package")
    if not isinstance(package_id, str):
        raise Problem(400, "Bad request", "this operator needs the ticket's context.package")
    booking = await operator.current(package_id)
    no_show = str(ticket.get("comment", "")).startswith("USER_NO_SHOW")
    kind = TripEventKind.NO_SHOW if no_show else TripEventKind.ISSUE
    try:
        await operator.adapter.receive_event(TripEvent(booking_id=booking.id, kind=kind, at=operator.clock.now(),
                                                       detail=str(ticket.get("comment") or ticket["supportType"])))
    except Conflict as exc:
        raise problem_of(exc, conflict_status=403) from None
    return web.json_response({**ticket, "id": str(uuid.uuid4()),
                              "status": "ISSUE_OPEN"})


@idempotent2
async def unlock_asset(request: web.Request) -> web.Response:
    operator = request.app[OPERATOR2]
    inputs = await _inputs(request, "asset", "package")
    offer = operator.offers.get(inputs["package"])
    booking = await operator.current(inputs["package"])
    if offer is None or mapping.MODE_CLASSES.get(offer.mode) not in UNLOCKABLE:
        raise Problem(403, "Not possible in the current state", "this package has no asset with a lock")
    try:
        booking = await operator.adapter.receive_event(TripEvent(booking_id=booking.id, kind=TripEventKind.STARTED,
                                                                 at=operator.clock.now(), detail="unlocked"))
    except Conflict as exc:
        raise problem_of(exc, conflict_status=403) from None
    return _package_response(operator, inputs["package"], booking)


def make_app2(operator: ReferenceOperator, *, api_keys: Iterable[str] = (),
              middlewares: Iterable[Any] = ()) -> web.Application:
    """The operator's TOMP 2.0 service; `middlewares` run outside its own (tests inject checks)."""
    app = web.Application(middlewares=[*middlewares, errors2, authorised])
    app[OPERATOR2] = operator
    app[OPERATOR] = operator  # the 1.6 service's token endpoint finds it there
    app[API_KEYS] = frozenset(api_keys)
    app.router.add_get("/", landing)
    app.router.add_get("/health", health)
    app.router.add_post("/oauth/token", oauth_token)
    app.router.add_post("/processes/search-offers/execution", search_offers)
    app.router.add_get("/collections/packages/items", get_package)
    app.router.add_post("/processes/purchase-offers/execution", purchase)
    for action, process in (("confirm", "confirm-purchase"), ("rollback", "rollback-purchase"),
                            ("cancel", "cancel-package"), ("extend", "extend-expiry-time")):
        app.router.add_post(f"/processes/{process}/execution", _process(action))
    app.router.add_post("/processes/request-support/execution", request_support)
    app.router.add_post("/processes/unlock-asset/execution", unlock_asset)
    app.router.add_post("/processes/{operation}-leg/execution", leg_operation)

    async def close_adapter(app: web.Application) -> None:
        await app[OPERATOR2].adapter.aclose()

    app.on_cleanup.append(close_adapter)
    return app
