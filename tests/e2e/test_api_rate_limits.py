"""Rate limits through the API (maas/ratelimit.py): sign-in per address and per account named,
registration and plans per address; two API processes on one database count together; a refusal
is 429 with Retry-After and the envelope; the window ends and requests pass again; the storage
can be Redis. Bad settings are refused at start."""

from __future__ import annotations

import time
import uuid

import pytest

from maas.api.app import create_app
from maas.bootstrap import build_container
from maas.ratelimit import RateLimits, storage_from_setting
from maas.settings import SettingsError, load_settings
from maas.storage import migrate

WRONG = {"email": "nobody@example.jp", "password": "wrong password!"}


async def app_on(aiohttp_client, database_url, tmp_path, hasher, **limits):
    settings = load_settings({}, database_url=database_url, data_dir=tmp_path, planner_warmup=False, **limits)
    container = build_container(settings, hasher=hasher)
    await migrate.upgrade(container.engine)
    return await aiohttp_client(create_app(settings, container_factory=lambda _s: container))


def assert_429(response, body) -> None:
    assert response.status == 429, body
    assert body["error"]["code"] == "too_many_requests" and body["error"]["message"]
    assert 1 <= int(response.headers["Retry-After"]) <= 60


async def test_sign_in_is_limited_per_address_across_two_processes(aiohttp_client, database_url, tmp_path,
                                                                   fast_hasher) -> None:
    one = await app_on(aiohttp_client, database_url, tmp_path, fast_hasher, rate_limit_sign_in="4/minute")
    two = await app_on(aiohttp_client, database_url, tmp_path, fast_hasher, rate_limit_sign_in="4/minute")
    statuses = []
    for n in range(4):
        answer = await (one if n % 2 else two).post("/v1/auth/token", json={**WRONG, "email": f"u{n}@example.jp"})
        statuses.append(answer.status)
    assert statuses == [401] * 4
    refused = await one.post("/v1/auth/token", json=WRONG)
    assert_429(refused, await refused.json())
    also = await two.post("/v1/auth/token", json=WRONG)  # the other process counted the same window
    assert_429(also, await also.json())


@pytest.mark.sqlite_only  # the storage's SQL is run on both databases above and below
async def test_sign_in_is_limited_per_account_named_whatever_the_address(aiohttp_client, database_url, tmp_path,
                                                                         fast_hasher) -> None:
    client = await app_on(aiohttp_client, database_url, tmp_path, fast_hasher, rate_limit_sign_in="3/minute",
                          forwarded_for=True)
    for n in range(3):
        answer = await client.post("/v1/auth/token", json={**WRONG, "email": " Haru@Example.jp"},
                                   headers={"X-Forwarded-For": f"198.51.100.{n}"})
        assert answer.status == 401
    refused = await client.post("/v1/auth/token", json={**WRONG, "email": "haru@example.jp"},
                                headers={"X-Forwarded-For": "198.51.100.99"})
    assert_429(refused, await refused.json())
    other = await client.post("/v1/auth/token", json=WRONG, headers={"X-Forwarded-For": "198.51.100.98"})
    assert other.status == 401  # another account from a fresh address is not held back


@pytest.mark.sqlite_only  # the storage's SQL is run on both databases above and below
async def test_plans_and_registration_are_limited_and_the_limit_can_be_off(aiohttp_client, database_url, tmp_path,
                                                                           fast_hasher) -> None:
    client = await app_on(aiohttp_client, database_url, tmp_path, fast_hasher, rate_limit_expensive="2/minute",
                          rate_limit_register="1/minute")
    body = {"from": {"lat": 36.40, "lon": 138.90}, "to": {"lat": 36.41, "lon": 138.91},
            "depart_at": "2026-11-24T09:00:00+09:00"}
    assert [(await client.post("/v1/plan", json=body)).status != 429 for _ in range(2)] == [True, True]
    refused = await client.post("/v1/plan", json=body)
    assert_429(refused, await refused.json())
    bad = await client.post("/v1/plan/door-to-door", json={})  # counted before the body is even read
    assert bad.status == 429
    account = {"email": "new@example.jp", "password": "long enough pw", "display_name": "New"}
    assert (await client.post("/v1/auth/register", json=account)).status == 201
    again = await client.post("/v1/auth/register", json={**account, "email": "new2@example.jp"})
    assert_429(again, await again.json())
    signed_in = {"Authorization": "Bearer mt_some-session-token"}  # counted per token as well as per address
    many = await app_on(aiohttp_client, database_url, tmp_path / "many", fast_hasher, rate_limit_expensive="2/minute",
                        forwarded_for=True)
    for n in range(2):
        assert (await many.post("/v1/plan", json=body, headers={**signed_in, "X-Forwarded-For": f"192.0.2.{n}"})
                ).status != 429
    token_spent = await many.post("/v1/plan", json=body, headers={**signed_in, "X-Forwarded-For": "192.0.2.9"})
    assert_429(token_spent, await token_spent.json())
    off = await app_on(aiohttp_client, database_url, tmp_path / "off", fast_hasher, rate_limits=False,
                       rate_limit_expensive="1/minute")
    assert all([(await off.post("/v1/plan", json=body)).status != 429 for _ in range(3)])


@pytest.mark.sqlite_only  # the storage's SQL is run on both databases above and below
async def test_the_database_window_ends_and_counts_start_again(database_url, tmp_path) -> None:
    settings = load_settings({}, database_url=database_url, data_dir=tmp_path, planner_warmup=False,
                             rate_limit_sign_in="2/second")
    container = build_container(settings)
    await migrate.upgrade(container.engine)
    limits = container.rate_limits
    assert [await limits.hit("sign_in", "a") for _ in range(2)] == [None, None]
    assert await limits.hit("sign_in", "a") == 1 and await limits.hit("sign_in", "b") is None
    time.sleep(1.1)
    assert await limits.hit("sign_in", "a") is None
    await container.aclose()


async def test_redis_storage_counts_like_the_database() -> None:
    import redis

    probe = redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=1)
    try:
        probe.ping()
    except redis.RedisError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    finally:
        probe.close()
    limits = RateLimits(storage_from_setting("redis://127.0.0.1:6379"), {"sign_in": "2/minute"})
    who = uuid.uuid4().hex  # a fresh key: the server is shared with other runs
    try:
        assert [await limits.hit("sign_in", who) for _ in range(2)] == [None, None]
        assert 1 <= await limits.hit("sign_in", who) <= 60
    finally:
        await limits.aclose()


@pytest.mark.parametrize("name, value", [("MAAS_RATE_LIMIT_SIGN_IN", "ten per minute"),
                                         ("MAAS_RATE_LIMIT_STORAGE", "memcached://x"),
                                         ("MAAS_RATE_LIMITS", "maybe")])
def test_bad_limit_settings_are_refused(name, value) -> None:
    with pytest.raises(SettingsError, match=name):
        load_settings({name: value})


async def test_hits_at_the_same_moment_are_each_counted_once(database_url, tmp_path) -> None:
    import asyncio

    from maas.storage.rate_limits import SqlRateLimitStorage

    settings = load_settings({}, database_url=database_url, data_dir=tmp_path, planner_warmup=False)
    container = build_container(settings)
    await migrate.upgrade(container.engine)
    storage = SqlRateLimitStorage(container.engine)
    counts = await asyncio.gather(*(storage.incr(f"k{n % 2}", 60) for n in range(20)))
    assert sorted(counts) == sorted([*range(1, 11), *range(1, 11)])
    assert await storage.get("k0") == 10 and await storage.get("nobody") == 0
    await storage.clear("k0")
    assert await storage.get("k0") == 0 and await storage.get("k1") == 10
    await container.aclose()
