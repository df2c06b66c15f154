"""Twenty riders' phones (one rider, one Idempotency-Key) buying the same pass at once, with a
card that takes a moment to authorise (as Stripe does): one pass is sold and paid once, every
other answer is its replay (200) or 409 while it is being paid, quickly. Issue 16's known
failure: a replay finding the pass PENDING paid inside its own transaction, and on SQLite the
second transaction waited for the first until the 30 s busy timeout: every request a 500."""

from __future__ import annotations

import asyncio
import datetime as dt
import time

import pytest

from maas.api.app import create_app
from maas.bootstrap import build_container
from maas.domain.accounts import NewAccount, Role
from maas.settings import load_settings
from maas.storage import migrate
from payments.on_board import OnBoardGateway
from tests.e2e.demo_bookings import DEMO, NOW, PASSWORD, SYSTEM
from tests.fakes import SteppedClock, verify_all_claims

SILVER = {"product_id": "silver-30"}


class SlowCard(OnBoardGateway):
    async def authorise(self, **kw):  # type: ignore[override]
        await asyncio.sleep(0.3)  # the card network answering
        return await super().authorise(**kw)


@pytest.fixture
async def shop(aiohttp_client, database_url, tmp_path, fast_hasher):
    settings = load_settings({}, database_url=database_url, data_dir=tmp_path, planner_warmup=False,
                             fare_rules=DEMO / "fare-rules.json")
    clock = SteppedClock(NOW)
    container = build_container(settings, hasher=fast_hasher, clock=clock, operator_adapters={},
                                payments=SlowCard(now=clock.now))
    await migrate.upgrade(container.engine)
    client = await aiohttp_client(create_app(settings, container_factory=lambda _s: container))
    haru = await container.auth.register(NewAccount(email="haru@example.jp", display_name="Haru", role=Role.RIDER,
                                                    password=PASSWORD, birth_date=dt.date(1941, 5, 12),
                                                    resident=True), by=SYSTEM)
    await verify_all_claims(container, haru.id)  # the senior pass needs a verified age and residency
    token = (await (await client.post("/v1/auth/token", json={"email": "haru@example.jp",
                                                              "password": PASSWORD})).json())["token"]
    return client, {"Authorization": f"Bearer {token}"}


async def test_twenty_parallel_purchases_with_one_key_sell_one_pass_quickly(shop) -> None:
    client, haru = shop
    headers = {**haru, "Idempotency-Key": "same-key"}
    started = time.monotonic()
    answers = await asyncio.gather(*(client.post("/v1/passes", headers=headers, json=SILVER) for _ in range(20)))
    elapsed = time.monotonic() - started
    bodies = [await a.json() for a in answers]
    statuses = sorted(a.status for a in answers)
    assert statuses.count(201) == 1 and set(statuses) <= {200, 201, 409}, (statuses, bodies)
    assert elapsed < 10, elapsed
    sold = next(b for a, b in zip(answers, bodies, strict=True) if a.status == 201)
    for answer, body in zip(answers, bodies, strict=True):
        if answer.status == 200:
            assert body["id"] == sold["id"]
        elif answer.status == 409:
            assert body["error"]["code"] == "conflict" and body["error"]["message"]
    mine = await (await client.get("/v1/passes", headers=haru)).json()
    assert [(p["id"], p["state"]) for p in mine["items"]] == [(sold["id"], "ACTIVE")]
    again = await client.post("/v1/passes", headers=headers, json=SILVER)  # once paid: a replay
    assert again.status == 200 and (await again.json())["id"] == sold["id"]
    other = await client.post("/v1/passes", headers=headers, json={**SILVER, "first_day": "2026-11-30"})
    assert other.status == 409 and (await other.json())["error"]["fields"] == {"Idempotency-Key": "reused with another body"}
