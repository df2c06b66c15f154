"""`GET /metrics` in the Prometheus text format, and the middleware timing every request by its
route template (`/v1/bookings/{booking_id}`, never the id itself, so the label set stays small)."""

from __future__ import annotations

import datetime as dt
import hmac
import logging
import time

from aiohttp import web
from aiohttp.typedefs import Handler

from maas.api.keys import CONTAINER, SETTINGS
from maas.metrics import CONTENT_TYPE

log = logging.getLogger(__name__)


@web.middleware
async def metrics_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    started = time.perf_counter()
    status = 500
    try:
        response = await handler(request)
        status = response.status
        return response
    except web.HTTPException as exc:
        status = exc.status
        raise
    finally:
        container = request.app.get(CONTAINER)
        if container is not None and container.metrics is not None:
            resource = request.match_info.route.resource
            route = resource.canonical if resource is not None else "unmatched"
            container.metrics.observe_request(request.method, route, status, time.perf_counter() - started)


async def scrape(request: web.Request) -> web.Response:
    container = request.app[CONTAINER]
    if container.metrics is None:
        raise web.HTTPNotFound()
    token = request.app[SETTINGS].metrics_token
    if token is not None:
        offered = request.headers.get("Authorization", "").partition(" ")[2].strip()
        if not hmac.compare_digest(offered.encode("utf-8", "surrogateescape"), token.get_secret_value().encode()):
            raise web.HTTPUnauthorized(headers={"WWW-Authenticate": 'Bearer realm="metrics"'})
    status = None
    if container.status is not None:
        try:
            status = await container.status.read()
        except Exception:  # the request figures are still worth scraping when the database is down
            log.exception("metrics: the database's figures could not be read")
    body = container.metrics.render(status, dt.datetime.now(dt.UTC))
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE})


def install(app: web.Application) -> None:
    app.router.add_get("/metrics", scrape)
