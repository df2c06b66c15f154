"""Repositories and use cases on SQLite and PostgreSQL: mapping, conflicts, atomicity and a race."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy.exc import IntegrityError

from maas.domain.accounts import NewAccount, Principal, Role
from maas.domain.errors import Conflict, FeedRejected, NotFound
from maas.domain.feeds import FeedIssue, FeedRoute, FeedSnapshot, FeedStop
from maas.domain.places import Place, PlaceCategory
from maas.services.feeds import FeedService
from tests.fakes import SteppedClock

IMPORTED_AT = dt.datetime(2026, 11, 22, 9, 0, tzinfo=dt.UTC)  # when the feed service imports
ADMIN = Principal(subject_id="system:test", role=Role.ADMIN)


def rider(email: str = "taro@test.maas.example", **extra: object) -> NewAccount:
    return NewAccount(email=email, display_name="山田 太郎", role=Role.RIDER, password="long enough pw", **extra)


def snapshot(name: str = "town-gtfs", digest: str = "d1", stops: int = 3, **extra: object) -> FeedSnapshot:
    data: dict[str, object] = dict(
        name=name, source=f"/feeds/{name}", digest=digest, agencies=("山吹町",), timezone="Asia/Tokyo",
        service_start=dt.date(2026, 4, 1), service_end=dt.date(2027, 3, 31), trip_count=10, stop_time_count=80,
        stops=tuple(FeedStop(stop_id=f"S{i:03d}", name=f"停留所{i}", lat=36.4, lon=138.9) for i in range(stops)),
        routes=(FeedRoute(route_id="R1", agency_id="A", short_name="1", long_name="循環", route_type=3),),
        issues=(FeedIssue(file="stops.txt", row=4, column="stop_lat", severity="warning", code="c", message="m"),),
    )
    data.update(extra)
    return FeedSnapshot(**data)  # type: ignore[arg-type]


class FixedReader:
    def __init__(self, result: FeedSnapshot | Exception) -> None:
        self.result = result

    def read(self, path: Path, *, name: str | None = None, strict: bool = False) -> FeedSnapshot:
        if isinstance(self.result, Exception):
            raise self.result
        return self.result


async def test_account_round_trip_keeps_every_field(container) -> None:
    from maas.domain.accounts import GeoPoint

    made = await container.auth.register(
        rider(birth_date=dt.date(1945, 8, 1), home=GeoPoint(lat=36.41, lon=138.91), needs=("wheelchair",),
              resident=True), by=None)
    async with container.uow() as uow:
        found = await uow.accounts.find_by_email("TARO@test.maas.example")
    assert found is not None
    account, password_hash = found
    assert account == made
    assert account.created_at.tzinfo is not None
    assert password_hash.startswith("$argon2id$") and "long enough pw" not in password_hash
    assert account.age_on(dt.date(2026, 11, 22)) == 81


async def test_duplicate_email_keeps_the_first_and_tells_only_staff(container) -> None:
    """Staff opening an account learn the email is taken; self sign-up is answered as if it were
    new (so it reveals nothing) but saves nothing."""
    first = await container.auth.register(rider(), by=None)
    decoy = await container.auth.register(rider(email="Taro@test.maas.example"), by=None)
    assert decoy.id != first.id
    with pytest.raises(Conflict):
        await container.auth.register(rider(email="Taro@test.maas.example"),
                                      by=Principal(subject_id="acc_admin", role=Role.ADMIN))
    async with container.uow() as uow:
        assert (await uow.accounts.list_accounts()) == [first]


async def test_concurrent_sign_ups_with_one_email_create_exactly_one_account(container) -> None:
    staff = Principal(subject_id="acc_admin", role=Role.ADMIN)
    results = await asyncio.gather(*(container.auth.register(rider(), by=staff) for _ in range(5)),
                                   return_exceptions=True)
    assert sum(not isinstance(r, BaseException) for r in results) == 1
    assert all(isinstance(r, Conflict) for r in results if isinstance(r, BaseException))
    answered = await asyncio.gather(*(container.auth.register(rider(), by=None) for _ in range(3)))
    assert len({a.id for a in answered}) == 3  # self sign-up answers alike, and stores nothing more
    async with container.uow() as uow:
        assert len(await uow.accounts.list_accounts()) == 1


async def test_work_without_commit_is_rolled_back(container) -> None:
    async with container.uow() as uow:
        await uow.places.upsert([Place(id="p1", region_id="r", name="病院", category=PlaceCategory.HOSPITAL,
                                       lat=36.4, lon=138.9)])
    async with container.uow() as uow:
        assert await uow.places.list_places() == []


async def test_places_upsert_is_idempotent(container) -> None:
    place = Place(id="r:hospital", region_id="r", name="町立病院", category=PlaceCategory.HOSPITAL, lat=36.4, lon=138.9)
    assert await container.places.save([place]) == 1
    await container.places.save([place.model_copy(update={"name": "町立総合病院"})])
    assert [p.name for p in await container.places.list_places(region_id="r")] == ["町立総合病院"]
    assert await container.places.list_places(category="clinic") == []


async def test_operator_keys_revoke_and_not_found(container) -> None:
    await container.operators.register(operator_id="taxi-a", name="A", name_en="", mode="taxi", kind="taxi")
    with pytest.raises(Conflict):
        await container.operators.register(operator_id="taxi-a", name="B", name_en="", mode="taxi", kind="taxi")
    issued = await container.auth.issue_api_key("taxi-a", "dispatch")
    principal = await container.auth.authenticate(f"Bearer {issued.secret}")
    assert principal.operator_id == "taxi-a" and principal.role is Role.OPERATOR
    await container.auth.revoke_api_key("taxi-a", issued.key.id)
    [key] = await container.auth.list_api_keys("taxi-a")
    assert key.revoked_at is not None
    with pytest.raises(NotFound):
        await container.auth.issue_api_key("nobody", "x")
    with pytest.raises(NotFound):
        await container.operators.get("nobody")


async def test_feed_import_stores_replaces_and_skips_unchanged(container) -> None:
    service = FeedService(container.uow, FixedReader(snapshot()), SteppedClock(IMPORTED_AT))
    first = await service.import_feed(Path("/feeds/town"))
    assert not first.unchanged and first.feed.stop_count == 3 and first.feed.warning_count == 1
    again = await service.import_feed(Path("/feeds/town"))
    assert again.unchanged and again.feed.id == first.feed.id

    service = FeedService(container.uow, FixedReader(snapshot(digest="d2", stops=5)), SteppedClock(IMPORTED_AT))
    replaced = await service.import_feed(Path("/feeds/town"))
    assert replaced.feed.id == first.feed.id and replaced.feed.stop_count == 5
    feed, issues = await service.get_feed(first.feed.id)
    assert feed.digest == "d2" and [i.code for i in issues] == ["c"]
    assert [f.name for f in await service.list_feeds()] == ["town-gtfs"]


async def test_failed_feed_store_leaves_the_previous_import_intact(container) -> None:
    good = FeedService(container.uow, FixedReader(snapshot()), SteppedClock(IMPORTED_AT))
    before = (await good.import_feed(Path("/feeds/town"))).feed
    second = snapshot(digest="d3")
    broken = second.model_copy(update={"stops": second.stops + second.stops[:1]})  # a duplicate primary key
    with pytest.raises(IntegrityError):
        await FeedService(container.uow, FixedReader(broken), SteppedClock(IMPORTED_AT)).import_feed(Path("/feeds/town"))
    feed, issues = await good.get_feed(before.id)
    assert feed == before and len(issues) == 1


async def test_rejected_feed_writes_nothing(container) -> None:
    service = FeedService(container.uow, FixedReader(FeedRejected("stops.txt line 3: bad", fields={})), SteppedClock(IMPORTED_AT))
    with pytest.raises(FeedRejected):
        await service.import_feed(Path("/feeds/broken"))
    assert await service.list_feeds() == []


