"""The outbox and webhook deliveries on SQLite and PostgreSQL: events written with the change that
caused them (gone with it on rollback), recorded once per id, fanned out to the endpoints that want
them, read back by position; deliveries claimed under a lease that two workers never share, and
results recorded only by the lease's holder; an endpoint failing too long is disabled."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from maas.domain.rider_events import EventType, make_event
from maas.domain.webhooks import WebhookEndpoint
from maas.storage.unit_of_work import SqlUnitOfWorkFactory

JST = dt.timezone(dt.timedelta(hours=9))
T0 = dt.datetime(2026, 11, 24, 9, 0, tzinfo=JST)
LEASE = dt.timedelta(seconds=60)


def event(n: int, account: str = "acc-haru", kind: EventType = EventType.DELAY):
    return make_event(kind, at=T0 + dt.timedelta(seconds=n), account_id=account, booking_id=None, key=n,
                      data={"minutes": n})


def endpoint(endpoint_id: str, account: str | None = "acc-haru", types: tuple[str, ...] = ()) -> WebhookEndpoint:
    return WebhookEndpoint(id=endpoint_id, account_id=account, created_by=account or "acc-admin",
                           url=f"https://example.jp/{endpoint_id}", event_types=types, created_at=T0)


@pytest.fixture
def uow(engine):
    return SqlUnitOfWorkFactory(engine)


async def _setup(uow, *endpoints: WebhookEndpoint) -> None:
    async with uow() as tx:
        for e in endpoints:
            await tx.webhooks.add_endpoint(e, b"sealed-" + e.id.encode())
        await tx.commit()


async def test_events_are_recorded_once_per_id_and_fanned_out_to_the_endpoints_that_want_them(uow) -> None:
    await _setup(uow, endpoint("we-all"), endpoint("we-delays", types=("trip.delay",)),
                 endpoint("we-other", account="acc-aki"), endpoint("we-integration", account=None),
                 endpoint("we-confirmed", types=("booking.confirmed",)))
    async with uow() as tx:
        assert await tx.events.add([event(1), event(2), event(1)]) == 2  # the repeated id is one event
        await tx.commit()
    async with uow() as tx:
        assert await tx.events.add([event(2)]) == 0  # recorded before: nothing new, transaction usable
        assert await tx.events.add([event(3, account="acc-aki")]) == 1
        await tx.commit()
    async with uow() as tx:
        mine = await tx.events.list_for("acc-haru")
        assert [e.data["minutes"] for _, e in mine] == [1, 2]
        assert [e.id for _, e in await tx.events.list_for("acc-haru", after_seq=mine[0][0])] == [mine[1][1].id]
        assert await tx.events.position(mine[1][1].id, "acc-haru") == mine[1][0]
        assert await tx.events.position(mine[1][1].id, "acc-aki") is None  # not another rider's to resume
        assert await tx.events.last_position() > mine[1][0]
        counts = {e: len(await tx.webhooks.deliveries(e)) for e in
                  ("we-all", "we-delays", "we-other", "we-integration", "we-confirmed")}
    assert counts == {"we-all": 2, "we-delays": 2, "we-other": 1, "we-integration": 3, "we-confirmed": 0}


async def test_events_of_a_change_rolled_back_are_gone_with_it(uow) -> None:
    await _setup(uow, endpoint("we-all"))
    async with uow() as tx:
        await tx.events.add([event(1)])  # no commit: as a booking save that failed
    with pytest.raises(RuntimeError):
        async with uow() as tx:
            await tx.events.add([event(2)])
            raise RuntimeError("crash before commit")
    async with uow() as tx:
        assert await tx.events.list_for("acc-haru") == []
        assert await tx.webhooks.deliveries("we-all") == []


async def test_two_workers_claiming_at_once_never_hold_the_same_delivery(engine, other_engine) -> None:
    first, second = SqlUnitOfWorkFactory(engine), SqlUnitOfWorkFactory(other_engine)
    await _setup(first, endpoint("we-all"))
    async with first() as tx:
        await tx.events.add([event(n) for n in range(12)])
        await tx.commit()
    now = T0 + dt.timedelta(minutes=1)

    async def claim(uow, owner: str):
        async with uow() as tx:
            got = await tx.webhooks.claim(owner, now, LEASE, 8)
            await tx.commit()
        return {c.delivery.id for c in got}

    a, b = await asyncio.gather(claim(first, "worker-a"), claim(second, "worker-b"))
    assert len(a) + len(b) == 12 and not a & b
    # Leased: nobody gets them again until the lease runs out, then they are due again.
    assert await claim(first, "worker-c") == set()
    assert await claim(first, "worker-c") == set()
    assert len(await claim(first, "worker-d") | set()) == 0
    async with first() as tx:
        later = await tx.webhooks.claim("worker-e", now + LEASE + dt.timedelta(seconds=1), LEASE, 20)
        await tx.commit()
    assert {c.delivery.id for c in later} == a | b
    assert all(c.url == "https://example.jp/we-all" and c.secret == b"sealed-we-all" for c in later)
    assert b'"type":"trip.delay"' in later[0].body


async def test_only_the_lease_holder_records_a_result_and_a_delivered_one_is_not_claimed_again(uow) -> None:
    await _setup(uow, endpoint("we-all"))
    async with uow() as tx:
        await tx.events.add([event(1)])
        await tx.commit()
    now = T0 + dt.timedelta(minutes=1)
    async with uow() as tx:
        (claimed,) = await tx.webhooks.claim("worker-a", now, LEASE, 5)
        await tx.commit()
    async with uow() as tx:
        assert not await tx.webhooks.succeeded(claimed.delivery.id, "worker-b", 200, now)  # not b's lease
        assert await tx.webhooks.failed(claimed.delivery.id, "worker-a", 500, "HTTP 500", now,
                                        now + dt.timedelta(seconds=30), dt.timedelta(days=3))
        await tx.commit()
    async with uow() as tx:
        assert await tx.webhooks.claim("worker-a", now + dt.timedelta(seconds=10), LEASE, 5) == []  # not due yet
        (again,) = await tx.webhooks.claim("worker-a", now + dt.timedelta(seconds=31), LEASE, 5)
        assert await tx.webhooks.succeeded(again.delivery.id, "worker-a", 204, now + dt.timedelta(seconds=31))
        await tx.commit()
    async with uow() as tx:
        assert await tx.webhooks.claim("worker-a", now + dt.timedelta(days=1), LEASE, 5) == []
        (record,) = await tx.webhooks.deliveries("we-all")
        found = await tx.webhooks.find_endpoint("we-all")
    assert (record.attempts, record.last_status, record.delivered_at is not None) == (2, 204, True)
    assert found is not None and found.failing_since is None  # a success ends the failing streak


async def test_an_endpoint_failing_longer_than_allowed_is_disabled_and_no_longer_sent_to(uow) -> None:
    await _setup(uow, endpoint("we-down"))
    async with uow() as tx:
        await tx.events.add([event(1)])
        await tx.commit()
    at = T0
    for day in (0, 1, 2, 3):
        at = T0 + dt.timedelta(days=day, minutes=1)
        async with uow() as tx:
            (claimed,) = await tx.webhooks.claim("worker-a", at, LEASE, 5)
            await tx.webhooks.failed(claimed.delivery.id, "worker-a", None, "ConnectionRefusedError", at,
                                     at + dt.timedelta(hours=1), dt.timedelta(days=3))
            await tx.commit()
    async with uow() as tx:
        found = await tx.webhooks.find_endpoint("we-down")
        assert found is not None and found.disabled_at == at.astimezone(dt.UTC)
        assert await tx.webhooks.claim("worker-a", at + dt.timedelta(days=1), LEASE, 5) == []
        await tx.events.add([event(2)])  # a disabled endpoint gets no new deliveries either
        await tx.commit()
    async with uow() as tx:
        assert len(await tx.webhooks.deliveries("we-down")) == 1


async def test_deleting_an_endpoint_deletes_its_deliveries(uow) -> None:
    await _setup(uow, endpoint("we-all"), endpoint("we-kept"))
    async with uow() as tx:
        await tx.events.add([event(1)])
        await tx.webhooks.delete_endpoint("we-all")
        await tx.commit()
    async with uow() as tx:
        assert await tx.webhooks.find_endpoint("we-all") is None
        assert await tx.webhooks.deliveries("we-all") == []
        assert len(await tx.webhooks.deliveries("we-kept")) == 1
        assert [e.id for e in await tx.webhooks.list_endpoints("acc-haru")] == ["we-kept"]
