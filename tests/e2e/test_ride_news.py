"""The van tells the rider of a ride booked on its own: approaching (from the driver's run), the
driver's arrival, the pickup and the drop-off, each once, on the rider's event stream."""

from __future__ import annotations

import asyncio
import datetime as dt
import json

import pytest

from tests.e2e.vans_app import HOME, HOSPITAL, vans_app

pytestmark = pytest.mark.sqlite_only
BASE = "/v1/on-demand/noriai"


async def next_events(stream, count: int) -> list[dict]:
    events, current = [], {}
    async with asyncio.timeout(5):
        while len(events) < count:
            line = (await stream.content.readline()).decode().rstrip("\n")
            if line.startswith(("id: ", "event: ", "data: ")):
                key, value = line.split(": ", 1)
                current[key] = value
            elif line == "" and current:
                events.append(current)
                current = {}
    return events


async def test_a_ride_booked_on_its_own_is_told_as_the_van_comes_and_goes(aiohttp_client, database_url, tmp_path,
                                                                         fast_hasher) -> None:
    app = await vans_app(aiohttp_client, database_url, tmp_path, fast_hasher, event_stream_heartbeat_s=0.3)
    client, news = app.client, app.container.ride_news
    rider_id, rider = await app.sign_up("hanako@example.jp")
    driver = await app.noriai_key()
    quote = await (await client.post(f"{BASE}/quotes", headers=rider, json={
        "origin": HOME, "destination": HOSPITAL, "depart_at": "2026-11-24T11:00:00+09:00"})).json()
    booked = await client.post(f"{BASE}/rides", json={"offer_id": quote["offer_id"]},
                               headers={**rider, "Idempotency-Key": "r1"})
    assert booked.status == 201, await booked.text()
    ride = await booked.json()
    stream = await client.get("/v1/me/events", headers=rider)
    assert await news.announce_approaching() == 0  # two hours early: nothing yet
    manifests = (await (await client.get(f"{BASE}/manifests?date=2026-11-24", headers=driver)).json())["items"]
    (pickup,) = [s for m in manifests for s in m["stops"] if s["ride_id"] == ride["id"] and s["kind"] == "pickup"]
    app.clock.at = dt.datetime.fromisoformat(pickup["planned_at"]) - dt.timedelta(minutes=6)
    assert await news.announce_approaching() == 1
    await news.announce_approaching()  # the next round: the same news, not told twice
    for kind in ("arrived", "picked_up", "dropped_off"):
        app.clock.advance(300)
        reported = await client.post(f"{BASE}/rides/{ride['id']}/reports", json={"kind": kind}, headers=driver)
        assert reported.status == 200, await reported.text()
    again = await client.post(f"{BASE}/rides/{ride['id']}/reports", json={"kind": "dropped_off"}, headers=driver)
    assert again.status == 200
    events = await next_events(stream, 4)
    assert [e["event"] for e in events] == ["ride.pickup_approaching", "ride.driver_arrived", "ride.picked_up",
                                            "ride.dropped_off"]
    approaching = json.loads(events[0]["data"])
    assert approaching["rider_id"] == rider_id and approaching["data"]["minutes"] == 6
    assert approaching["text"]["ja"] == "お迎えの車両があと約6分で到着します。"
    assert all(json.loads(e["data"])["data"]["ride_id"] == ride["id"] for e in events)
    async with app.container.uow() as uow:
        assert len(await uow.events.list_for(rider_id)) == 4  # nothing repeated
    # Riders do not report their own van's arrival.
    assert (await client.post(f"{BASE}/rides/{ride['id']}/reports", json={"kind": "arrived"},
                              headers=rider)).status == 403
    stream.close()
