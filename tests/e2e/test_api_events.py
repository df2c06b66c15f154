"""Telling the app: signed webhooks to a real receiver on loopback, retries with the same event id,
a receiver that is down or hangs never slowing a booking, the rider's server-sent event stream with
Last-Event-ID resume, and bad input refused with the envelope."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import hmac
import json
import socket
import time

import pytest

from maas.api.app import create_app
from maas.api.keys import SHUTDOWN
from maas.domain.accounts import NewAccount, Role
from maas.domain.rider_events import EventType
from maas.domain.webhooks import verify
from maas.storage import migrate
from tests.e2e.demo_bookings import PASSWORD, SYSTEM
from tests.e2e.events_world import (START, Receiver, events_container, events_settings, rider_principal,
                                    shuttle_booking, wait_for)
from tests.fakes import SteppedClock

pytestmark = pytest.mark.sqlite_only  # the outbox's SQL runs on both in tests/integration/test_event_outbox.py


@pytest.fixture
async def town(aiohttp_client, aiohttp_server, database_url, tmp_path, fast_hasher):
    clock = SteppedClock(START)
    settings = events_settings(database_url, tmp_path)
    container = events_container(settings, clock, fast_hasher)
    await migrate.upgrade(container.engine)
    client = await aiohttp_client(create_app(settings, container_factory=lambda _s: container))
    receiver = Receiver()
    server = await aiohttp_server(receiver.app())

    async def account(email: str, role: Role) -> tuple[str, dict[str, str]]:
        made = await container.auth.register(NewAccount(email=email, display_name=email.split("@")[0], role=role,
                                                        password=PASSWORD), by=SYSTEM)
        token = (await (await client.post("/v1/auth/token", json={"email": email, "password": PASSWORD})).json())
        return made.id, {"Authorization": f"Bearer {token['token']}"}

    haru_id, haru = await account("haru@example.jp", Role.RIDER)
    aki_id, aki = await account("aki@example.jp", Role.RIDER)
    _, agent = await account("agent@example.jp", Role.AGENT)
    return {"client": client, "clock": clock, "container": container, "receiver": receiver,
            "url": str(server.make_url("/hooks")), "haru_id": haru_id, "haru": haru, "aki_id": aki_id, "aki": aki,
            "agent": agent}


async def register(town, headers=None, **body) -> dict:
    response = await town["client"].post("/v1/webhooks", json={"url": town["url"], **body},
                                         headers=headers or town["haru"])
    assert response.status == 201, await response.text()
    return await response.json()


def readme_verify(secret: str, header: str, body: bytes, now: int) -> bool:
    """The README's receiver snippet, as a receiver would write it."""
    parts = dict(item.split("=", 1) for item in header.split(","))
    expected = hmac.new(secret.encode(), f"{parts['t']}.".encode() + body, hashlib.sha256).hexdigest()
    return abs(now - int(parts["t"])) <= 300 and hmac.compare_digest(expected, parts["v1"])


async def test_a_receiver_gets_signed_webhooks_when_a_booking_is_confirmed_and_cancelled(town) -> None:
    hook = await register(town)
    assert hook["secret"].startswith("whsec_") and hook["rider_id"] == town["haru_id"]
    akis = await register(town, headers=town["aki"])  # the same receiver: Haru's events must not reach it as Aki's
    booking_id = await shuttle_booking(town["container"], rider_principal(town["haru_id"]), "trip-1")
    cancelled = await town["client"].post(f"/v1/bookings/{booking_id}/cancel", headers=town["haru"])
    assert cancelled.status == 200, await cancelled.text()
    receiver = town["receiver"]
    await wait_for(lambda: "booking.cancelled" in receiver.types())
    await asyncio.sleep(0.3)
    assert receiver.types() == ["booking.confirmed", "ride.van_assigned", "booking.cancelled"]  # the shuttle is driven
    assert (await (await town["client"].get(f"/v1/webhooks/{akis['id']}/deliveries",
                                            headers=town["aki"])).json())["items"] == []
    now = int(town["clock"].now().timestamp())
    for headers, body in receiver.received:
        assert verify(hook["secret"], headers["Maas-Signature"], body, now=now)
        assert readme_verify(hook["secret"], headers["Maas-Signature"], body, now)
        assert not verify("whsec_wrong", headers["Maas-Signature"], body, now=now)
        assert not verify(hook["secret"], headers["Maas-Signature"], body + b" ", now=now)  # tampered body
        event = json.loads(body)
        assert event["id"] == headers["Maas-Event-Id"] and event["booking_id"] == booking_id
        assert event["rider_id"] == town["haru_id"] and dt.datetime.fromisoformat(event["created"]).utcoffset() is not None
        assert event["text"]["ja"] and event["text"]["en"]
    confirmed, assigned, cancel = (json.loads(body) for _, body in receiver.received)
    assert assigned["data"]["operator_id"] == "shuttle" and "12:00" in assigned["text"]["ja"]
    assert confirmed["text"]["ja"] == "12:00出発の旅程の予約が確定しました。"
    assert cancel["data"]["cancelled_by"] == "rider" and "ご本人" in cancel["text"]["ja"]
    # The secret is shown once; the deliveries show what happened.
    listed = await (await town["client"].get("/v1/webhooks", headers=town["haru"])).json()
    assert [h["id"] for h in listed["items"]] == [hook["id"]] and "secret" not in listed["items"][0]
    await wait_for(lambda: len(receiver.acknowledged) == 3)

    async def all_delivered() -> bool:
        got = await (await town["client"].get(f"/v1/webhooks/{hook['id']}/deliveries", headers=town["haru"])).json()
        return all(d["delivered_at"] and d["last_status"] == 200 and d["next_attempt_at"] is None
                   for d in got["items"]) and len(got["items"]) == 3

    await wait_for(all_delivered)
    # Another rider cannot see, list or delete it; its owner can.
    for method, path in (("GET", f"/v1/webhooks/{hook['id']}/deliveries"), ("DELETE", f"/v1/webhooks/{hook['id']}")):
        other = await town["client"].request(method, path, headers=town["aki"])
        assert other.status == 404 and (await other.json())["error"]["code"] == "not_found"
    assert [h["id"] for h in (await (await town["client"].get("/v1/webhooks", headers=town["aki"])).json())["items"]] \
        == [akis["id"]]
    assert (await town["client"].delete(f"/v1/webhooks/{hook['id']}", headers=town["haru"])).status == 204
    assert (await (await town["client"].get("/v1/webhooks", headers=town["haru"])).json())["items"] == []


async def test_a_receiver_answering_500_then_200_gets_the_same_event_id_twice(town) -> None:
    receiver = town["receiver"]
    receiver.statuses = [500, 200]
    hook = await register(town, event_types=["booking.confirmed"])
    await shuttle_booking(town["container"], rider_principal(town["haru_id"]), "trip-retry")
    await wait_for(lambda: len(receiver.received) == 1)

    async def deliveries() -> list[dict]:
        got = await town["client"].get(f"/v1/webhooks/{hook['id']}/deliveries", headers=town["haru"])
        return (await got.json())["items"]

    await wait_for(lambda: _first(deliveries, lambda d: d["attempts"] == 1))
    (failed,) = await deliveries()
    assert failed["last_status"] == 500 and failed["delivered_at"] is None
    retry_at = dt.datetime.fromisoformat(failed["next_attempt_at"])
    assert START + dt.timedelta(seconds=15) <= retry_at <= START + dt.timedelta(seconds=30)  # 30 s, jittered
    town["clock"].advance(31)
    await wait_for(lambda: len(receiver.received) == 2)
    first, second = (json.loads(body) for _, body in receiver.received)
    assert first == second and first["type"] == "booking.confirmed"
    assert receiver.acknowledged == [first["id"]]
    await wait_for(lambda: _first(deliveries, lambda d: d["attempts"] == 2 and d["last_status"] == 200))
    town["clock"].advance(3600)
    await asyncio.sleep(0.5)  # rounds of the worker: nothing more is sent
    assert len(receiver.received) == 2


async def _first(fetch, test) -> bool:
    return any(test(d) for d in await fetch())


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_a_receiver_that_is_down_or_hangs_never_slows_a_booking(town) -> None:
    receiver = town["receiver"]
    receiver.hang = asyncio.Event()
    await register(town)  # hangs
    down = await register(town, url=f"http://127.0.0.1:{_closed_port()}/hooks")  # connection refused
    for key in ("trip-down-1", "trip-down-2"):  # the second while the first's webhooks still hang
        started = time.perf_counter()
        booking_id = await shuttle_booking(town["container"], rider_principal(town["haru_id"]), key)
        took = time.perf_counter() - started
        assert took < 5, f"booking took {took:.2f} s"  # a booking waiting on the receiver would take 30 s
    booking = await town["client"].get(f"/v1/bookings/{booking_id}", headers=town["haru"])
    assert (await booking.json())["state"] == "CONFIRMED"
    await wait_for(lambda: len(receiver.received) >= 1)

    async def refused() -> bool:
        got = await town["client"].get(f"/v1/webhooks/{down['id']}/deliveries", headers=town["haru"])
        tried = [d for d in (await got.json())["items"] if d["attempts"] >= 1]
        return bool(tried) and all(d["last_status"] is None and d["last_error"] and d["delivered_at"] is None
                                   for d in tried)

    await wait_for(refused)
    receiver.hang.set()


@pytest.mark.parametrize(("body", "field"), [
    ({"url": "ftp://127.0.0.1/hooks"}, "url"),
    ({"url": "not a url"}, "url"),
    ({"url": "http://example.jp/hooks"}, "url"),  # http beyond loopback, even in development
    ({"url": "https://user:pw@example.jp/hooks"}, "url"),
    ({"url": "https://example.jp/hooks", "event_types": ["booking.confirmed", "booking.exploded"]}, "event_types"),
    ({"url": "https://example.jp/hooks", "colour": "red"}, "body.colour"),
])
async def test_bad_webhook_registrations_are_422_with_the_field(town, body, field) -> None:
    response = await town["client"].post("/v1/webhooks", json=body, headers=town["haru"])
    error = (await response.json())["error"]
    assert response.status == 422 and error["code"] == "invalid_request" and field in error["fields"], error
    assert (await (await town["client"].get("/v1/webhooks", headers=town["haru"])).json())["items"] == []


async def test_webhooks_need_a_signed_in_rider_and_staff_name_the_rider(town) -> None:
    assert (await town["client"].post("/v1/webhooks", json={"url": town["url"]})).status == 401
    agent = await town["client"].post("/v1/webhooks", json={"url": town["url"]}, headers=town["agent"])
    assert agent.status == 422 and "for_rider" in (await agent.json())["error"]["fields"]
    hook = await register(town, headers=town["agent"], for_rider=town["haru_id"])
    assert hook["rider_id"] == town["haru_id"]
    meddling = await town["client"].post("/v1/webhooks", json={"url": town["url"], "for_rider": town["haru_id"]},
                                         headers=town["aki"])
    assert meddling.status == 422


async def read_events(response, count: int, timeout_s: float = 5.0) -> tuple[list[dict], int]:
    """`count` events from an SSE response, and how many heartbeats came meanwhile."""
    events: list[dict] = []
    heartbeats = 0
    current: dict = {}
    async with asyncio.timeout(timeout_s):
        while len(events) < count:
            line = (await response.content.readline()).decode().rstrip("\n")
            if line == ": heartbeat":
                heartbeats += 1
            elif line.startswith(("id: ", "event: ", "data: ")):
                key, value = line.split(": ", 1)
                current[key] = value
            elif line == "" and current:
                events.append(current)
                current = {}
    return events, heartbeats


async def test_the_event_stream_sends_the_riders_events_and_resumes_after_last_event_id(town) -> None:
    client = town["client"]
    stream = await client.get("/v1/me/events", headers=town["haru"])
    assert stream.status == 200 and stream.headers["Content-Type"].startswith("text/event-stream")
    others = await client.get("/v1/me/events", headers=town["aki"])
    booking_id = await shuttle_booking(town["container"], rider_principal(town["haru_id"]), "trip-sse")
    (confirmed, assigned), _ = await read_events(stream, 2)
    assert (confirmed["event"], assigned["event"]) == ("booking.confirmed", "ride.van_assigned")
    assert json.loads(confirmed["data"])["id"] == confirmed["id"]
    stream.close()
    cancel = await client.post(f"/v1/bookings/{booking_id}/cancel", headers=town["haru"])
    assert cancel.status == 200
    await town["container"].events.publish(EventType.DELAY, account_id=town["aki_id"], booking_id=None, key="aki-1",
                                           data={"minutes": 5, "delay_s": 300})
    resumed = await client.get("/v1/me/events", headers={**town["haru"], "Last-Event-ID": assigned["id"]})
    (again,), _ = await read_events(resumed, 1)
    assert again["event"] == "booking.cancelled" and json.loads(again["data"])["booking_id"] == booking_id
    # Idle, the stream sends heartbeats; Aki's stream has only Aki's event.
    delay = await town["container"].events.publish(EventType.DELAY, account_id=town["haru_id"], booking_id=booking_id,
                                                   key="rt-1", data={"minutes": 12, "delay_s": 720})
    (late,), _ = await read_events(resumed, 1)
    assert late["id"] == delay.id and "12分" in json.loads(late["data"])["text"]["ja"]
    (akis,), _ = await read_events(others, 1)
    assert json.loads(akis["data"])["rider_id"] == town["aki_id"]
    # Shutting the server down ends open streams cleanly.
    client.server.app[SHUTDOWN].set()
    async with asyncio.timeout(5):
        rest = await resumed.content.read()
    assert b"booking" not in rest
    others.close()


async def test_the_stream_sends_heartbeats_when_idle(town) -> None:
    stream = await town["client"].get("/v1/me/events", headers=town["haru"])
    heartbeats = 0
    async with asyncio.timeout(5):
        while heartbeats < 2:
            if (await stream.content.readline()) == b": heartbeat\n":
                heartbeats += 1
    stream.close()


async def test_the_stream_refuses_another_riders_event_id_and_other_riders(town) -> None:
    client = town["client"]
    event = await town["container"].events.publish(EventType.DELAY, account_id=town["haru_id"], booking_id=None,
                                                   key="x", data={"minutes": 3})
    foreign = await client.get("/v1/me/events", headers={**town["aki"], "Last-Event-ID": event.id})
    assert foreign.status == 404 and (await foreign.json())["error"]["fields"] == {"Last-Event-ID": "unknown event id"}
    meddling = await client.get("/v1/me/events", params={"for_rider": town["haru_id"]}, headers=town["aki"])
    assert meddling.status == 422
    assert (await client.get("/v1/me/events")).status == 401
    # An agent follows the rider they act for, from an event on.
    followed = await client.get("/v1/me/events", params={"for_rider": town["haru_id"]},
                                headers={**town["agent"], "Last-Event-ID": event.id})
    assert followed.status == 200
    later = await town["container"].events.publish(EventType.DELAY, account_id=town["haru_id"], booking_id=None,
                                                   key="y", data={"minutes": 4})
    (seen,), _ = await read_events(followed, 1)
    assert seen["id"] == later.id
    followed.close()


async def test_a_disruption_published_directly_reaches_the_webhook_once(town) -> None:
    receiver = town["receiver"]
    await register(town, event_types=["trip.disruption"])
    booking_id = await shuttle_booking(town["container"], rider_principal(town["haru_id"]), "trip-rt")
    summary = {"ja": "12:00発のシャトルは運休です。", "en": "The 12:00 shuttle is cancelled."}
    events = town["container"].events
    first = await events.publish_disruption(booking_id, summary=summary, key="rt-cancel-1")
    again = await events.publish_disruption(booking_id, summary=summary, key="rt-cancel-1")
    assert first.id == again.id
    await wait_for(lambda: len(receiver.acknowledged) == 1)
    await asyncio.sleep(0.3)
    assert receiver.types() == ["trip.disruption"]
    body = json.loads(receiver.received[0][1])
    assert body["text"]["ja"].endswith(summary["ja"]) and summary["en"] in body["text"]["en"]
    with pytest.raises(Exception, match="no booking"):
        await events.publish_disruption("bk-nonesuch", summary=summary, key="rt-x")
