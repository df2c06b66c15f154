"""Kill and restart: webhooks left in the outbox when the server dies (one in flight, its answer
never recorded; others not yet tried) are each acknowledged exactly once per endpoint after a new
server starts on the same database, and an event acknowledged before the crash is not sent again."""

from __future__ import annotations

import asyncio
import json
from collections import Counter


from maas.domain.accounts import NewAccount, Role
from maas.domain.rider_events import EventType
from maas.storage import migrate
from tests.e2e.demo_bookings import PASSWORD, SYSTEM, Shuttle
from tests.e2e.events_world import (START, Receiver, events_container, events_settings, rider_principal,
                                    shuttle_booking, wait_for)
from tests.fakes import SteppedClock


async def test_undelivered_events_are_each_delivered_once_per_endpoint_after_a_restart(
        aiohttp_server, database_url, tmp_path, fast_hasher) -> None:
    receiver, spare = Receiver(), Receiver()  # two endpoints: each gets every event once
    urls = [str((await aiohttp_server(r.app())).make_url("/hooks")) for r in (receiver, spare)]
    settings = events_settings(database_url, tmp_path)
    clock = SteppedClock(START)
    shuttle = Shuttle(clock)
    first = events_container(settings, clock, fast_hasher, shuttle)
    await migrate.upgrade(first.engine)
    haru = await first.auth.register(NewAccount(email="haru@example.jp", display_name="Haru", role=Role.RIDER,
                                                password=PASSWORD), by=SYSTEM)
    rider = rider_principal(haru.id)
    for url in urls:
        await first.webhooks.register(rider, url, [], None)
    stop = asyncio.Event()
    worker = asyncio.create_task(first.delivery_worker.run(stop))
    booking_id = await shuttle_booking(first, rider, "trip-1")
    await wait_for(lambda: len(receiver.acknowledged) == 2 and len(spare.acknowledged) == 2)  # confirmed, assigned
    before_crash = set(receiver.acknowledged)

    receiver.hang = asyncio.Event()  # the next delivery to it stays in flight until the crash
    await first.bookings.cancel(rider, booking_id)
    await wait_for(lambda: len(receiver.received) == 3)
    for n in range(3):
        await first.events.publish(EventType.DELAY, account_id=haru.id, booking_id=booking_id, key=f"rt-{n}",
                                   data={"minutes": n + 1, "delay_s": 60 * (n + 1)})
    # The crash: the worker dies mid-delivery, nothing after it runs, no answer is recorded.
    worker.cancel()
    await asyncio.gather(worker, return_exceptions=True)
    await first.webhook_sender.aclose()  # type: ignore[attr-defined]
    assert first.engine is not None
    await first.engine.dispose()
    receiver.hang.set()  # the receiver saw the cancellation but never answered it
    receiver.hang = None

    clock.advance(120)  # the dead worker's lease (60 s) has run out
    second = events_container(settings, clock, fast_hasher, shuttle)
    stop_second = asyncio.Event()
    worker = asyncio.create_task(second.delivery_worker.run(stop_second))
    try:
        await wait_for(lambda: len(set(receiver.acknowledged)) == 6 and len(set(spare.acknowledged)) == 6)
        await asyncio.sleep(0.5)  # a few more rounds: nothing is sent again
    finally:
        stop_second.set()
        await worker
        await second.aclose()
    for got in (receiver, spare):
        counts = Counter(got.acknowledged)
        assert set(counts.values()) == {1}, counts  # every event acknowledged exactly once
        types = Counter(json.loads(body)["type"] for _, body in got.received)
        assert types["booking.confirmed"] == 1  # acknowledged before the crash: never sent again
        assert types["trip.delay"] == 3
    assert before_crash <= set(receiver.acknowledged)
    ids = [json.loads(body)["id"] for _, body in receiver.received]
    assert Counter(ids)[json.loads(receiver.received[2][1])["id"]] == 2  # the one in flight, sent again
