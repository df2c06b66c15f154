"""The rider's event stream: `GET /v1/me/events` as server-sent events.

Each event is `id: <event id>`, `event: <type>`, `data: <the webhook body>`; a reconnecting client
sends `Last-Event-ID` and gets every event after that one from the outbox. Comment lines
(`: heartbeat`) keep idle connections open through proxies; the stream ends cleanly when the
server shuts down. New events arrive at once from this process and within a poll from others.
"""

from __future__ import annotations

import asyncio
import json

from aiohttp import web

from maas.api.endpoints import Call, EndpointTable
from maas.api.event_schemas import EventStreamQuery
from maas.api.keys import SHUTDOWN
from maas.api.riders import rider_of
from maas.domain.accounts import Role
from maas.domain.errors import InvalidRequest

routes = EndpointTable()
POLL_S = 1.0  # events committed by other processes are seen within this


@routes.route("GET", "/v1/me/events", summary="My trip events (server-sent events)", tags=("events",),
              roles=(Role.RIDER, Role.AGENT, Role.ADMIN), query=EventStreamQuery, errors=(404, 422))
async def event_stream(call: Call) -> web.StreamResponse:
    """text/event-stream of the caller's trip events (staff: `for_rider`'s); resume with
    `Last-Event-ID` (404 for an id that is not one of the rider's events)."""
    query: EventStreamQuery = call.query
    rider = await rider_of(call, query.for_rider)
    if rider is None:
        raise InvalidRequest("name the rider to follow (for_rider)", fields={"for_rider": "required"})
    events = call.container.events
    last = call.request.headers.get("Last-Event-ID", "").strip() or None
    position = await events.start_position(rider.account_id, last)
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream; charset=utf-8",
                                           "Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
    await response.prepare(call.request)
    try:
        await _send(call, response, rider.account_id, position)
    except ConnectionResetError:  # the app closed the stream (left the screen, lost signal): nothing to tell
        pass
    return response


async def _send(call: Call, response: web.StreamResponse, account_id: str, position: int) -> None:
    events = call.container.events
    shutdown = call.request.app[SHUTDOWN]
    heartbeat = call.container.settings.event_stream_heartbeat_s
    loop = asyncio.get_running_loop()
    quiet_since = loop.time()
    await response.write(b"retry: 2000\n\n")
    while not shutdown.is_set():
        found = await events.after(account_id, position)
        for seq, event in found:
            position = seq
            data = json.dumps(event.payload(), ensure_ascii=False, separators=(",", ":"))
            await response.write(f"id: {event.id}\nevent: {event.type.value}\ndata: {data}\n\n".encode())
        if found:
            quiet_since = loop.time()
            continue
        if loop.time() - quiet_since >= heartbeat:
            await response.write(b": heartbeat\n\n")
            quiet_since = loop.time()
        waiter = asyncio.ensure_future(events.wait(min(POLL_S, heartbeat)))
        stopper = asyncio.ensure_future(shutdown.wait())
        await asyncio.wait([waiter, stopper], return_when=asyncio.FIRST_COMPLETED)
        waiter.cancel()
        stopper.cancel()
    await response.write_eof()
