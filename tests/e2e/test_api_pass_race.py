"""Twenty riders' phones (one rider, one Idempotency-Key) buying the same pass at once: one pass is
sold and paid once, every other answer is its replay (200) or 409 while it is being paid, quickly.
Issue 16's known failure: a transaction opened inside another held SQLite's lock for 30 s each."""

from __future__ import annotations

import asyncio
import time

SILVER = {"product_id": "silver-30"}


async def test_twenty_parallel_purchases_with_one_key_sell_one_pass_quickly(settled_town) -> None:
    client, haru = settled_town["client"], settled_town["haru"]
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
