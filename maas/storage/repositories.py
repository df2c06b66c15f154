"""SQL repositories: map table rows to domain objects and back inside one session."""

from __future__ import annotations

import datetime as dt
import json
import math
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import delete, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.ext.asyncio import AsyncSession

from maas.domain.accounts import (Account, ApiKey, GeoPoint, NewAccount, Operator, Role, SessionToken, great_circle_m,
                                  phone_digits)
from maas.domain.errors import Conflict, NotFound
from maas.domain.feeds import FeedIssue, FeedRecord, FeedSnapshot, FeedStop, StopMatch
from maas.domain.text import search_key
from maas.domain.places import Place
from maas.storage.field_cipher import FieldCipher
from maas.storage.tables import (
    AccountRow,
    ApiKeyRow,
    FeedIssueRow,
    FeedRouteRow,
    FeedRow,
    FeedStopRow,
    OperatorRow,
    PlaceRow,
    SessionTokenRow,
)

# Bulk inserts go in slices so one statement stays under SQLite's and asyncpg's parameter limits.
_CHUNK = 2000


def utc(value: dt.datetime) -> dt.datetime:
    """SQLite hands back naive datetimes; everything stored is UTC."""
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _account(row: AccountRow, cipher: FieldCipher | None = None) -> Account:
    home = GeoPoint(lat=row.home_lat, lon=row.home_lon) if row.home_lat is not None and row.home_lon is not None else None
    needs, phone = tuple(row.needs), row.phone
    if cipher is not None:  # rows written before encryption keep plain values until saved again
        if row.home_enc:
            lat, lon = cipher.decrypt(row.home_enc).split(",")
            home = GeoPoint(lat=float(lat), lon=float(lon))
        if row.needs_enc:
            needs = tuple(json.loads(cipher.decrypt(row.needs_enc)))
        if row.phone_enc:
            phone = cipher.decrypt(row.phone_enc)
    return Account(
        id=row.id, email=row.email, display_name=row.display_name, role=Role(row.role), birth_date=row.birth_date,
        home=home, needs=needs, resident=row.resident, created_at=utc(row.created_at),
        phone=phone, member_no=row.member_no, display_name_kana=row.display_name_kana,
        erased_at=utc(row.erased_at) if row.erased_at else None,
    )


def seal(row: AccountRow, cipher: FieldCipher | None, *, home: GeoPoint | None, needs: Sequence[str],
         phone: str | None) -> None:
    """Set the sensitive fields on a row: encrypted with a cipher, plain without one."""
    digits = phone_digits(phone)
    if cipher is None:
        row.home_lat, row.home_lon = (home.lat, home.lon) if home else (None, None)
        row.needs, row.phone = list(needs), digits
        return
    row.home_lat = row.home_lon = row.phone = None
    row.needs = []
    row.home_enc = cipher.encrypt(f"{home.lat!r},{home.lon!r}") if home else None
    row.needs_enc = cipher.encrypt(json.dumps(list(needs))) if needs else None
    row.phone_enc = cipher.encrypt(digits) if digits else None
    row.phone_index = cipher.phone_index(digits)


_HIRAGANA_TO_KATAKANA = {code: code + 0x60 for code in range(ord("ぁ"), ord("ゖ") + 1)}


def _matching(term: str, cipher: FieldCipher | None = None) -> ColumnElement[bool]:
    escaped = term.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    compact = escaped.replace(" ", "").replace("\u3000", "")
    name = func.replace(func.replace(func.lower(AccountRow.display_name), " ", ""), "\u3000", "")
    found = [name.like(f"%{compact}%", escape="\\"), AccountRow.email.like(f"%{escaped}%", escape="\\"),
             AccountRow.member_no == term]
    kana = search_key(escaped)  # hiragana; the stored reading may be in either script
    if kana and kana.translate(_HIRAGANA_TO_KATAKANA) != kana:
        reading = func.replace(func.replace(AccountRow.display_name_kana, " ", ""), "\u3000", "")
        found += [reading.like(f"%{form}%", escape="\\") for form in (kana, kana.translate(_HIRAGANA_TO_KATAKANA))]
    digits = phone_digits(term)
    if digits is not None and len(digits) >= 4:  # a few digits of a phone number find too many people
        found.append(AccountRow.phone.like(f"%{digits}%"))  # rows from before encryption
        if cipher is not None:
            found.append(AccountRow.phone_index.like(f"% {cipher.index_term(digits)} %"))  # type: ignore[union-attr]
    return or_(*found)


class SqlAccounts:
    def __init__(self, session: AsyncSession, cipher: FieldCipher | None = None) -> None:
        self._s, self._cipher = session, cipher

    async def add(self, account: NewAccount, *, account_id: str, password_hash: str, now: dt.datetime) -> Account:
        if account.member_no and await self._member_taken(account.member_no):
            raise Conflict("an account with this member number already exists", fields={"member_no": "already registered"})
        row = AccountRow(
            id=account_id, email=account.email.lower(), display_name=account.display_name, role=account.role.value,
            password_hash=password_hash, birth_date=account.birth_date, resident=account.resident,
            created_at=utc(now), member_no=account.member_no,
            display_name_kana=unicodedata.normalize("NFKC", account.display_name_kana).strip() or None
            if account.display_name_kana else None,
        )
        seal(row, self._cipher, home=account.home, needs=account.needs, phone=account.phone)
        self._s.add(row)
        try:
            async with self._s.begin_nested():
                await self._s.flush()
        except IntegrityError:
            raise Conflict("an account with this email or member number already exists",
                           fields={"email": "already registered"}) from None
        return _account(row, self._cipher)

    async def update_profile(self, account_id: str, changes: Mapping[str, Any]) -> Account:
        """Set the given profile fields (home as a GeoPoint or None); NotFound, or Conflict for a taken email."""
        row = await self._s.get(AccountRow, account_id)
        if row is None:
            raise NotFound(f"no account {account_id}")
        before = _account(row, self._cipher)
        for name, value in changes.items():
            if name not in ("home", "needs", "phone"):
                setattr(row, name, value)
        seal(row, self._cipher, home=changes.get("home", before.home), needs=changes.get("needs", before.needs),
             phone=changes.get("phone", before.phone))
        try:
            async with self._s.begin_nested():
                await self._s.flush()
        except IntegrityError:
            raise Conflict("an account with this email or member number already exists",
                           fields={"email": "already registered"}) from None
        return _account(row, self._cipher)

    async def find_by_email(self, email: str) -> tuple[Account, str] | None:
        row = (await self._s.execute(select(AccountRow).where(AccountRow.email == email.lower()))).scalar_one_or_none()
        return None if row is None else (_account(row, self._cipher), row.password_hash)

    async def get(self, account_id: str) -> Account:
        row = await self._s.get(AccountRow, account_id)
        if row is None:
            raise NotFound(f"no account {account_id}")
        return _account(row, self._cipher)

    async def _member_taken(self, member_no: str) -> bool:
        found = await self._s.execute(select(AccountRow.id).where(AccountRow.member_no == member_no))
        return found.first() is not None

    async def list_accounts(self, *, role: str | None = None, limit: int = 100, offset: int = 0,
                            q: str | None = None) -> list[Account]:
        """With `q`: accounts whose name or its kana reading (spaces ignored, hiragana and katakana
        alike) or email contains it, whose phone
        contains its digits, or whose member number it is."""
        query = select(AccountRow).order_by(AccountRow.created_at, AccountRow.id).limit(limit).offset(offset)
        if role is not None:
            query = query.where(AccountRow.role == role)
        if q is not None and q.strip():
            query = query.where(_matching(q.strip(), self._cipher))
        return [_account(r, self._cipher) for r in (await self._s.execute(query)).scalars()]

    async def add_session(self, token_hash: str, token: SessionToken) -> None:
        self._s.add(SessionTokenRow(token_hash=token_hash, account_id=token.account_id, expires_at=token.expires_at))
        await self._s.flush()

    async def find_session(self, token_hash: str) -> SessionToken | None:
        row = await self._s.get(SessionTokenRow, token_hash)
        return None if row is None else SessionToken(account_id=row.account_id, expires_at=utc(row.expires_at))

    async def delete_session(self, token_hash: str) -> None:
        await self._s.execute(delete(SessionTokenRow).where(SessionTokenRow.token_hash == token_hash))

    async def delete_expired_sessions(self, account_id: str, now: dt.datetime) -> int:
        result = await self._s.execute(delete(SessionTokenRow).where(
            SessionTokenRow.account_id == account_id, SessionTokenRow.expires_at <= now))
        return result.rowcount or 0


def _operator(row: OperatorRow) -> Operator:
    return Operator(id=row.id, name=row.name, name_en=row.name_en, mode=row.mode, kind=row.kind,
                    created_at=utc(row.created_at))


def _key(row: ApiKeyRow) -> ApiKey:
    return ApiKey(id=row.id, operator_id=row.operator_id, label=row.label, created_at=utc(row.created_at),
                  revoked_at=utc(row.revoked_at) if row.revoked_at else None)


class SqlOperators:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add(self, operator: Operator) -> Operator:
        self._s.add(OperatorRow(**operator.model_dump() | {"created_at": utc(operator.created_at)}))
        try:
            async with self._s.begin_nested():
                await self._s.flush()
        except IntegrityError:
            raise Conflict(f"operator {operator.id} already exists", fields={"id": "already registered"}) from None
        return operator

    async def find(self, operator_id: str) -> Operator | None:
        row = await self._s.get(OperatorRow, operator_id)
        return None if row is None else _operator(row)

    async def get(self, operator_id: str) -> Operator:
        found = await self.find(operator_id)
        if found is None:
            raise NotFound(f"no operator {operator_id}")
        return found

    async def list_operators(self) -> list[Operator]:
        return [_operator(r) for r in (await self._s.execute(select(OperatorRow).order_by(OperatorRow.id))).scalars()]

    async def add_key(self, key: ApiKey, secret_hash: str) -> None:
        self._s.add(ApiKeyRow(**key.model_dump() | {"created_at": utc(key.created_at)}, secret_hash=secret_hash))
        await self._s.flush()

    async def find_key(self, key_id: str) -> tuple[ApiKey, str] | None:
        row = await self._s.get(ApiKeyRow, key_id)
        return None if row is None else (_key(row), row.secret_hash)

    async def list_keys(self, operator_id: str) -> list[ApiKey]:
        query = select(ApiKeyRow).where(ApiKeyRow.operator_id == operator_id).order_by(ApiKeyRow.created_at)
        return [_key(r) for r in (await self._s.execute(query)).scalars()]

    async def revoke_key(self, key_id: str, at: dt.datetime) -> None:
        result = await self._s.execute(
            update(ApiKeyRow).where(ApiKeyRow.id == key_id, ApiKeyRow.revoked_at.is_(None)).values(revoked_at=utc(at))
        )
        if result.rowcount == 0 and await self._s.get(ApiKeyRow, key_id) is None:
            raise NotFound(f"no API key {key_id}")


def _feed(row: FeedRow) -> FeedRecord:
    data = row.model_dump()
    data.update(agencies=tuple(row.agencies), imported_at=utc(row.imported_at))
    return FeedRecord(**data)


class SqlFeeds:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def find_by_name(self, name: str) -> FeedRecord | None:
        row = (await self._s.execute(select(FeedRow).where(FeedRow.name == name))).scalar_one_or_none()
        return None if row is None else _feed(row)

    async def get(self, feed_id: str) -> FeedRecord:
        row = await self._s.get(FeedRow, feed_id)
        if row is None:
            raise NotFound(f"no feed {feed_id}")
        return _feed(row)

    async def list_feeds(self) -> list[FeedRecord]:
        return [_feed(r) for r in (await self._s.execute(select(FeedRow).order_by(FeedRow.name))).scalars()]

    async def replace(self, snapshot: FeedSnapshot, *, feed_id: str, now: dt.datetime) -> FeedRecord:
        # Explicit deletes rather than ON DELETE CASCADE alone: SQLite enforces it only with the pragma set.
        for table in (FeedStopRow, FeedRouteRow, FeedIssueRow):
            await self._s.execute(delete(table).where(table.feed_id == feed_id))
        await self._s.execute(delete(FeedRow).where((FeedRow.id == feed_id) | (FeedRow.name == snapshot.name)))
        counts = dict(
            stop_count=len(snapshot.stops), route_count=len(snapshot.routes), trip_count=snapshot.trip_count,
            stop_time_count=snapshot.stop_time_count,
            error_count=sum(i.severity == "error" for i in snapshot.issues),
            warning_count=sum(i.severity == "warning" for i in snapshot.issues),
        )
        row = FeedRow(
            id=feed_id, name=snapshot.name, source=snapshot.source, digest=snapshot.digest,
            agencies=list(snapshot.agencies), timezone=snapshot.timezone, service_start=snapshot.service_start,
            service_end=snapshot.service_end, imported_at=now, **counts,
        )
        self._s.add(row)
        await self._s.flush()
        await self._insert(FeedStopRow, [
            {"feed_id": feed_id, **s.model_dump(), "search_text": _stop_search_text(s)} for s in snapshot.stops])
        await self._insert(FeedRouteRow, [{"feed_id": feed_id, **r.model_dump()} for r in snapshot.routes])
        await self._insert(FeedIssueRow, [{"feed_id": feed_id, **i.model_dump()} for i in snapshot.issues])
        return _feed(row)

    async def _insert(self, table: type, rows: Sequence[dict[str, object]]) -> None:
        for start in range(0, len(rows), _CHUNK):
            await self._s.execute(insert(table), list(rows[start:start + _CHUNK]))

    async def search_stops(self, key: str, *, limit: int) -> list[StopMatch]:
        """Stops whose name, kana or English name contains `key` (a search_key), best matches first."""
        pattern = "%" + key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = (select(FeedStopRow).where(FeedStopRow.search_text.like(pattern, escape="\\"))
                 .order_by(FeedStopRow.feed_id, FeedStopRow.stop_id).limit(max(limit * 20, 200)))
        rows = list((await self._s.execute(query)).scalars())

        def rank(row: FeedStopRow) -> tuple[int, int, str]:
            parts = row.search_text.split("|")
            quality = 0 if key in parts else 1 if any(p.startswith(key) for p in parts) else 2
            # Stations before their platforms, shorter names before longer ones.
            return quality, -row.location_type, f"{len(row.name):04d}{row.name}"

        return [StopMatch(feed_id=r.feed_id, stop=_stop(r)) for r in sorted(rows, key=rank)[:limit]]

    async def stops_near(self, lat: float, lon: float, *, radius_m: float, limit: int) -> list[StopMatch]:
        dlat = radius_m / 111_320.0
        dlon = radius_m / (111_320.0 * max(math.cos(math.radians(lat)), 0.01))
        query = select(FeedStopRow).where(
            FeedStopRow.lat.between(lat - dlat, lat + dlat), FeedStopRow.lon.between(lon - dlon, lon + dlon))
        found, here = [], GeoPoint(lat=lat, lon=lon)
        for row in (await self._s.execute(query)).scalars():
            distance = great_circle_m(here, row)
            if distance <= radius_m:
                found.append(StopMatch(feed_id=row.feed_id, stop=_stop(row), distance_m=round(distance, 1)))
        found.sort(key=lambda m: (m.distance_m, m.feed_id, m.stop.stop_id))
        return found[:limit]

    async def list_issues(self, feed_id: str, *, limit: int = 100) -> list[FeedIssue]:
        query = select(FeedIssueRow).where(FeedIssueRow.feed_id == feed_id).order_by(FeedIssueRow.id).limit(limit)
        return [FeedIssue(**r.model_dump(exclude={"id", "feed_id"})) for r in (await self._s.execute(query)).scalars()]


def _stop_search_text(stop: FeedStop) -> str:
    return "|".join(search_key(text) for text in (stop.name, stop.name_kana, stop.name_en) if text)


def _stop(row: FeedStopRow) -> FeedStop:
    return FeedStop(**row.model_dump(exclude={"feed_id", "search_text"}))




class SqlPlaces:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def upsert(self, places: Sequence[Place]) -> int:
        for place in places:
            await self._s.merge(PlaceRow(**place.model_dump(mode="json")))
        await self._s.flush()
        return len(places)

    async def list_places(self, *, region_id: str | None = None, category: str | None = None) -> list[Place]:
        query = select(PlaceRow).order_by(PlaceRow.id)
        if region_id is not None:
            query = query.where(PlaceRow.region_id == region_id)
        if category is not None:
            query = query.where(PlaceRow.category == category)
        return [Place.model_validate(r.model_dump()) for r in (await self._s.execute(query)).scalars()]
