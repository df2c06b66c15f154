"""The directory repositories of tests.fakes.InMemoryUnitOfWork: accounts and their sessions,
operators and their keys, feed records and places (see tests.memory_repositories)."""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

from maas.domain.accounts import Account, ApiKey, NewAccount, Operator, SessionToken, phone_digits
from maas.domain.errors import Conflict, NotFound
from maas.domain.feeds import FeedIssue, FeedRecord, FeedSnapshot, StopMatch
from maas.domain.places import Place
from maas.domain.text import search_key
from tests.memory_repositories import Repo


class MemoryAccounts(Repo):
    async def add(self, account: NewAccount, *, account_id: str, password_hash: str, now: dt.datetime) -> Account:
        taken = [a for a, _ in self._both("accounts")]
        if account.member_no and any(a.member_no == account.member_no for a in taken):
            raise Conflict("an account with this member number already exists",
                           fields={"member_no": "already registered"})
        if any(a.email == account.email.lower() or a.id == account_id for a in taken):
            raise Conflict("an account with this email or member number already exists",
                           fields={"email": "already registered"})
        stored = Account(id=account_id, email=account.email.lower(), display_name=account.display_name,
                         role=account.role, birth_date=account.birth_date, home=account.home, needs=account.needs,
                         resident=account.resident, created_at=now, phone=phone_digits(account.phone),
                         member_no=account.member_no,
                         display_name_kana=unicodedata.normalize("NFKC", account.display_name_kana).strip() or None
                         if account.display_name_kana else None)
        self._tx.table("accounts")[account_id] = (stored, password_hash)
        return stored

    async def update_profile(self, account_id: str, changes: Mapping[str, Any]) -> Account:
        table = self._tx.table("accounts")
        if account_id not in table:
            raise NotFound(f"no account {account_id}")
        account, password_hash = table[account_id]
        if "email" in changes and any(a.email == changes["email"] and a.id != account_id for a, _ in self._both("accounts")):
            raise Conflict("an account with this email already exists", fields={"email": "already registered"})
        fixed = dict(changes)
        if "phone" in fixed:
            fixed["phone"] = phone_digits(fixed["phone"])
        if "needs" in fixed:
            fixed["needs"] = tuple(fixed["needs"])
        table[account_id] = (account.model_copy(update=fixed), password_hash)
        return table[account_id][0]

    async def find_by_email(self, email: str) -> tuple[Account, str] | None:
        return next((row for row in self._tx.table("accounts").values() if row[0].email == email.lower()), None)

    async def get(self, account_id: str) -> Account:
        if account_id not in self._tx.table("accounts"):
            raise NotFound(f"no account {account_id}")
        return self._tx.table("accounts")[account_id][0]

    async def list_accounts(self, *, role: str | None = None, limit: int = 100, offset: int = 0,
                            q: str | None = None) -> list[Account]:
        rows = sorted((a for a, _ in self._tx.table("accounts").values()), key=lambda a: (a.created_at, a.id))
        if role is not None:
            rows = [a for a in rows if a.role.value == role]
        if q is not None and q.strip():
            rows = [a for a in rows if _matches(a, q.strip())]
        return rows[offset:offset + limit]

    async def add_session(self, token_hash: str, token: SessionToken) -> None:
        self._tx.table("sessions")[token_hash] = token

    async def find_session(self, token_hash: str) -> SessionToken | None:
        return self._tx.table("sessions").get(token_hash)

    async def delete_session(self, token_hash: str) -> None:
        self._tx.table("sessions").pop(token_hash, None)

    async def delete_expired_sessions(self, account_id: str, now: dt.datetime) -> int:
        sessions = self._tx.table("sessions")
        gone = [h for h, t in sessions.items() if t.account_id == account_id and t.expires_at <= now]
        for token_hash in gone:
            del sessions[token_hash]
        return len(gone)


def _matches(account: Account, term: str) -> bool:
    compact = term.lower().replace(" ", "").replace("\u3000", "")
    name = account.display_name.lower().replace(" ", "").replace("\u3000", "")
    digits = phone_digits(term)
    kana = search_key(term)
    reading = bool(account.display_name_kana and kana and kana in search_key(account.display_name_kana))
    return (compact in name or reading or term.lower() in account.email or account.member_no == term
            or (digits is not None and len(digits) >= 4 and digits in (account.phone or "")))


class MemoryOperators(Repo):
    async def add(self, operator: Operator) -> Operator:
        if any(o.id == operator.id for o in self._both("operators")):
            raise Conflict(f"operator {operator.id} already exists", fields={"id": "already registered"})
        self._tx.table("operators")[operator.id] = operator
        return operator

    async def find(self, operator_id: str) -> Operator | None:
        return self._tx.table("operators").get(operator_id)

    async def get(self, operator_id: str) -> Operator:
        if (found := await self.find(operator_id)) is None:
            raise NotFound(f"no operator {operator_id}")
        return found

    async def list_operators(self) -> list[Operator]:
        return sorted(self._tx.table("operators").values(), key=lambda o: o.id)

    async def add_key(self, key: ApiKey, secret_hash: str) -> None:
        self._tx.table("api_keys")[key.id] = (key, secret_hash)

    async def find_key(self, key_id: str) -> tuple[ApiKey, str] | None:
        return self._tx.table("api_keys").get(key_id)

    async def list_keys(self, operator_id: str) -> list[ApiKey]:
        keys = [k for k, _ in self._tx.table("api_keys").values() if k.operator_id == operator_id]
        return sorted(keys, key=lambda k: k.created_at)

    async def revoke_key(self, key_id: str, at: dt.datetime) -> None:
        keys = self._tx.table("api_keys")
        if key_id not in keys:
            raise NotFound(f"no API key {key_id}")
        key, secret_hash = keys[key_id]
        if key.revoked_at is None:
            keys[key_id] = (key.model_copy(update={"revoked_at": at}), secret_hash)


class MemoryFeeds(Repo):
    """Feed records only: importing a snapshot and searching its stops need the SQL store."""

    async def find_by_name(self, name: str) -> FeedRecord | None:
        return next((f for f in self._tx.table("feeds").values() if f.name == name), None)

    async def get(self, feed_id: str) -> FeedRecord:
        if feed_id not in self._tx.table("feeds"):
            raise NotFound(f"no feed {feed_id}")
        return self._tx.table("feeds")[feed_id]

    async def list_feeds(self) -> list[FeedRecord]:
        return sorted(self._tx.table("feeds").values(), key=lambda f: f.name)

    async def replace(self, snapshot: FeedSnapshot, *, feed_id: str, now: dt.datetime) -> FeedRecord:
        raise NotImplementedError("feed imports are tested against the SQL store")

    async def list_issues(self, feed_id: str, *, limit: int = 100) -> list[FeedIssue]:
        return []

    async def search_stops(self, key: str, *, limit: int) -> list[StopMatch]:
        return []

    async def stops_near(self, lat: float, lon: float, *, radius_m: float, limit: int) -> list[StopMatch]:
        return []


class MemoryPlaces(Repo):
    async def upsert(self, places: Sequence[Place]) -> int:
        for place in places:
            self._tx.table("places")[place.id] = place
        return len(places)

    async def list_places(self, *, region_id: str | None = None, category: str | None = None) -> list[Place]:
        return [p for _, p in sorted(self._tx.table("places").items())
                if (region_id is None or p.region_id == region_id)
                and (category is None or p.category.value == category)]
