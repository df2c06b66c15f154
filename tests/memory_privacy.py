"""The claims, consents and access audit of tests.fakes.InMemoryUnitOfWork."""

from __future__ import annotations

import datetime as dt
import itertools

from maas.domain.entitlements import Claim
from maas.domain.errors import NotFound
from maas.domain.privacy import AuditEntry, Consent, ConsentKind
from tests.memory_repositories import Repo

_ROW_IDS = itertools.count(1)  # insertion order, as an autoincrement id keeps it


class MemoryClaims(Repo):
    async def add(self, claim: Claim) -> None:
        self._tx.table("claims")[claim.id] = claim

    async def get(self, claim_id: str) -> Claim:
        try:
            return self._tx.table("claims")[claim_id]
        except KeyError:
            raise NotFound(f"no claim {claim_id}", fields={"claim_id": "unknown"}) from None

    async def list_for(self, account_id: str) -> list[Claim]:
        return sorted((c for c in self._tx.table("claims").values() if c.account_id == account_id),
                      key=lambda c: (c.declared_at, c.id))

    async def save(self, claim: Claim) -> None:
        await self.get(claim.id)
        self._tx.table("claims")[claim.id] = claim


class MemoryConsents(Repo):
    async def add(self, consent: Consent) -> None:
        self._tx.table("consents")[next(_ROW_IDS)] = consent

    async def list_for(self, account_id: str) -> list[Consent]:
        return [c for _, c in sorted(self._tx.table("consents").items()) if c.account_id == account_id]

    async def granted(self, kind: ConsentKind) -> set[str]:
        newest: dict[str, bool] = {}
        for _, consent in sorted(self._tx.table("consents").items()):
            if consent.kind is kind:
                newest[consent.account_id] = consent.granted
        return {account for account, yes in newest.items() if yes}


class MemoryAudit(Repo):
    async def add(self, entry: AuditEntry) -> None:
        self._tx.table("audit")[next(_ROW_IDS)] = entry

    async def about(self, subject_id: str, *, limit: int = 500) -> list[AuditEntry]:
        found = [e for _, e in sorted(self._tx.table("audit").items(), reverse=True) if e.subject_id == subject_id]
        return found[:limit]

    async def purge_before(self, at: dt.datetime) -> int:
        table = self._tx.table("audit")
        gone = [k for k, e in table.items() if e.at < at]
        for key in gone:
            del table[key]
        return len(gone)
