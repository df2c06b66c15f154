"""Serving the app so that even requests aiohttp refuses before any middleware runs (a broken request
line, raw non-ASCII in the URL, oversized headers, a non-HTTP client) get the JSON error envelope and
one log line instead of `text/plain` and a traceback.

aiohttp answers those from `RequestHandler.handle_error` with no application hook (aio-libs/aiohttp
#3287), so the runner gives its server a request handler that overrides it."""

from __future__ import annotations

import asyncio
import logging
import signal
from typing import Any

from aiohttp import web
from aiohttp.http_exceptions import InvalidURLError

from maas.api.errors import CODE_BY_STATUS, envelope
from maas.api.keys import SETTINGS
from maas.api.language import language_var

log = logging.getLogger(__name__)
ACCESS_LOG_FORMAT = '%a "%r" %s %b %Tfs [%{X-Request-Id}o]'


class _EnvelopeRequestHandler(web.RequestHandler):
    language = "ja"  # set per server: the requests it answers here have no readable headers

    def handle_error(self, request: web.BaseRequest, status: int = 500, exc: BaseException | None = None,
                     message: str | None = None) -> web.StreamResponse:
        if status >= 500:  # not the client's doing: keep the traceback for whoever fixes it
            log.error("error handling a request from %s", request.remote, exc_info=exc)
        else:
            # Scanners and TLS clients send such requests all day: one line each, at INFO.
            log.info("refused a malformed request from %s: %s %s", request.remote, status, _first_line(message))
        if request.writer.output_size > 0:  # the answer has begun; the connection is all we can end
            raise ConnectionError("response already started; cannot send the error envelope")
        token = language_var.set(self.language)
        try:
            response = _envelope_for(status, exc, message)
        finally:
            language_var.reset(token)
        response.headers["Content-Language"] = self.language
        response.force_close()
        return response


def _envelope_for(status: int, exc: BaseException | None, message: str | None) -> web.Response:
    if status >= 500:
        return envelope(500, "internal_error", "internal server error")
    if isinstance(exc, InvalidURLError):
        return envelope(status, "malformed_url", "the URL has characters that must be percent-encoded as UTF-8 "
                        "(for curl: -G --data-urlencode 'q=...')")
    return envelope(status, CODE_BY_STATUS.get(status, "bad_request"), _first_line(message) or "bad request")


def _first_line(message: str | None) -> str:
    # aiohttp's messages go on to quote the raw bytes received; the first line names the problem.
    text = (message or "").strip()
    return text.splitlines()[0].split(": b'")[0].rstrip(":")[:200] if text else ""


class _EnvelopeServer(web.Server):
    language = "ja"

    def __call__(self) -> web.RequestHandler:
        handler = _EnvelopeRequestHandler(self, loop=self._loop, **self._kwargs)
        handler.language = self.language
        return handler


class ApiRunner(web.AppRunner):
    """`web.AppRunner` whose server answers aiohttp's own refusals with the error envelope."""

    async def _make_server(self) -> web.Server:
        server = await super()._make_server()
        server.__class__ = _EnvelopeServer  # same object and state, one overridden factory method
        server.language = self.app[SETTINGS].default_language  # type: ignore[attr-defined]
        return server


async def serve(app: web.Application, *, host: str, port: int, stop: asyncio.Event | None = None,
                **runner_args: Any) -> None:
    """Serve until `stop` is set (or SIGINT/SIGTERM when none is given), then clean up."""
    runner = ApiRunner(app, access_log_format=ACCESS_LOG_FORMAT, **runner_args)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
        if stop is None:
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, stop.set)
        await stop.wait()
    finally:
        await runner.cleanup()
