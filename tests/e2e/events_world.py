"""The events tests' world: the Shuttle alone on a SteppedClock, http webhooks to loopback allowed,
and a real HTTP receiver on 127.0.0.1 that records what it is sent, answers as told (a status per
request, or hangs), and acknowledges each event id once as a receiver that deduplicates would."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from aiohttp import web

from maas.bootstrap import Container, build_container
from maas.domain.accounts import GeoPoint, Principal, Role
from maas.domain.mobility import OfferQuery
from maas.settings import Settings, load_settings
from tests.e2e.demo_bookings import HOME, HOSPITAL, NOW, TOKYO, Shuttle
from tests.fakes import SteppedClock


@dataclass
class Receiver:
    """Status codes to answer, in turn (the last one repeats); `hang` holds every request open."""

    statuses: list[int] = field(default_factory=lambda: [200])
    hang: asyncio.Event | None = None
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    acknowledged: list[str] = field(default_factory=list)  # event ids answered 2xx, in order

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.received.append((dict(request.headers), body))
        if self.hang is not None:
            await self.hang.wait()
        status = self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]
        if 200 <= status < 300:
            self.acknowledged.append(request.headers["Maas-Event-Id"])
        return web.Response(status=status)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/hooks", self.handle)
        return app

    def types(self) -> list[str]:
        import json

        return [json.loads(body)["type"] for _, body in self.received]


def events_settings(database_url: str, data_dir, **extra: object) -> Settings:
    # A long webhook timeout: a booking that waited for a hanging receiver would show it.
    values: dict[str, object] = dict(webhooks_allow_loopback_http=True, webhook_timeout_s=30.0, webhook_poll_s=0.2,
                                     event_stream_heartbeat_s=0.3)
    return load_settings({}, database_url=database_url, data_dir=data_dir, planner_warmup=False,
                         **(values | extra))


def events_container(settings: Settings, clock: SteppedClock, hasher, shuttle: Shuttle | None = None) -> Container:
    return build_container(settings, hasher=hasher, clock=clock,
                           operator_adapters={"shuttle": shuttle or Shuttle(clock)})


async def shuttle_booking(container: Container, rider: Principal, key: str) -> str:
    """Haru books the shuttle home at 12:00; the booking's id."""
    query = OfferQuery(origin=GeoPoint(**HOSPITAL), destination=GeoPoint(**HOME),
                       depart_at=dt.datetime(2026, 11, 24, 12, 0, tzinfo=TOKYO))
    offer = (await container.offers.search(query, operator_ids=["shuttle"])).offers[0].id
    booking, _ = await container.bookings.book(rider, [offer], idempotency_key=key)
    return booking.id


async def wait_for(condition: Callable[[], bool | Awaitable[bool]], timeout_s: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while True:
        result = condition()
        if not isinstance(result, bool):
            result = await result
        if result:
            return
        if loop.time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


def rider_principal(account_id: str) -> Principal:
    return Principal(subject_id=account_id, role=Role.RIDER)


START = NOW
