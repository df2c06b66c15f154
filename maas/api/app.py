"""Application factory: middlewares, routes, the OpenAPI document, and the container's lifetime."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable

from aiohttp import web

from maas.api import docs_page, metrics, security_headers
from maas.api.endpoints import Endpoint
from maas.api.keys import CONTAINER, OPENAPI_DOCUMENT, SETTINGS, SHUTDOWN
from maas.api.metrics import metrics_middleware
from maas.api.middleware import error_middleware, language_middleware, request_id_middleware
from maas.api.openapi import build_document
from maas.api.tomp_errors import tomp_error_middleware
from maas.api.routes import ALL
from maas.bootstrap import Container, build_container
from maas.settings import Settings
from maas.ticket_keys import REFRESH_EVERY_S, KeyRingError

ContainerFactory = Callable[[Settings], Container]


def endpoints() -> list[Endpoint]:
    return [endpoint for table in ALL for endpoint in table.endpoints]


def create_app(settings: Settings, *, container_factory: ContainerFactory = build_container) -> web.Application:
    app = web.Application(
        middlewares=[metrics_middleware, request_id_middleware, language_middleware, error_middleware,
                     tomp_error_middleware],
        client_max_size=settings.max_body_bytes,
    )
    app[SETTINGS] = settings
    app.on_response_prepare.append(security_headers.add)
    app[OPENAPI_DOCUMENT] = build_document(endpoints())
    app[SHUTDOWN] = asyncio.Event()

    async def end_streams(app: web.Application) -> None:
        app[SHUTDOWN].set()

    app.on_shutdown.append(end_streams)
    for table in ALL:
        table.install(app)
    docs_page.install(app)
    metrics.install(app)

    async def container_ctx(app: web.Application) -> AsyncIterator[None]:
        container = container_factory(settings)
        app[CONTAINER] = container
        # The planner's network loads in a worker thread while the app already serves.
        # So do the operators' engines (the vans' dispatch kernels compile on first use).
        warm_up = (asyncio.gather(container.planning.warm_up(), container.offers.warm_up())
                   if settings.planner_warmup else None)
        # Every process signs tickets with the database's current key; a key that cannot be
        # decrypted (another MAAS_SECRET_KEY) stops the start rather than sign with a stray key.
        if container.ticket_keys is not None:
            try:
                await container.ticket_keys.refresh()
            except KeyRingError:
                raise
            except Exception:
                logging.getLogger(__name__).exception("ticket keys could not be loaded; signing with this "
                                                      "process's key until the next refresh")
        # Bookings a crash left half made are finished or compensated before the server takes new
        # requests; conditional ones are then asked about until their operators answer.
        try:
            await container.bookings.recover()
            await container.passes.recover()
            await container.analyses.recover()  # a crash's RUNNING analyses fail, QUEUED ones run again
        except Exception:  # a failed recovery must not keep the service down; the next start retries
            logging.getLogger(__name__).exception("booking or pass recovery failed")
        stop = asyncio.Event()
        recovery = asyncio.create_task(container.bookings.watch(stop))
        retention = asyncio.create_task(container.retention.watch(stop, settings.retention_interval_s))
        keys = asyncio.create_task(_refresh_keys(container, stop))
        # GTFS-Realtime sources are polled for as long as the app serves; a failing source only degrades /health.
        polling = asyncio.create_task(container.realtime.run(stop)) if container.realtime is not None else None
        # Webhooks left in the outbox by the last run (a crash, a stop) go out now.
        deliveries = asyncio.create_task(container.delivery_worker.run(stop))
        approaching = asyncio.create_task(container.ride_news.watch(stop))
        yield
        stop.set()
        await asyncio.gather(recovery, retention, keys, deliveries, approaching,
                             *([polling] if polling is not None else []), return_exceptions=True)
        if warm_up is not None:
            await warm_up  # a worker thread cannot be cancelled; let it finish
        await container.aclose()

    app.cleanup_ctx.append(container_ctx)
    return app


async def _refresh_keys(container: Container, stop: asyncio.Event) -> None:
    """Picks up keys rotated by another process (they sign only after ACTIVATE_IN, longer than this)."""
    if container.ticket_keys is None:
        return
    while not stop.is_set():
        try:
            await asyncio.wait_for(stop.wait(), REFRESH_EVERY_S)
        except TimeoutError:
            try:
                await container.ticket_keys.refresh()
            except Exception:
                logging.getLogger(__name__).exception("ticket keys: refresh failed; keeping the keys loaded")


def run_app(settings: Settings, *, host: str, port: int) -> None:
    """Serve until interrupted; the access log carries each request's id."""
    from maas.api.server import serve

    asyncio.run(serve(create_app(settings), host=host, port=port))
