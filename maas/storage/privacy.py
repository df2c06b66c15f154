"""Claims, consents and the access audit on the unit of work's session (maas.domain.entitlements,
maas.domain.privacy)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from maas.domain.entitlements import Claim, ClaimStatus, ClaimType
from maas.domain.errors import NotFound
from maas.domain.privacy import AuditEntry, Consent, ConsentKind
from maas.storage.repositories import utc
from maas.storage.tables import AuditEntryRow, ClaimRow, ConsentRow


def _claim(row: ClaimRow) -> Claim:
    return Claim(id=row.id, account_id=row.account_id, type=ClaimType(row.type), value=row.value,
                 status=ClaimStatus(row.status), declared_by=row.declared_by, declared_at=utc(row.declared_at),
                 decided_by=row.decided_by, decided_at=utc(row.decided_at) if row.decided_at else None,
                 document_type=row.document_type, valid_until=row.valid_until, reason=row.reason)


class SqlClaims:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add(self, claim: Claim) -> None:
        self._s.add(ClaimRow(**claim.model_dump() | {"type": claim.type.value, "status": claim.status.value}))
        await self._s.flush()

    async def get(self, claim_id: str) -> Claim:
        row = await self._s.get(ClaimRow, claim_id)
        if row is None:
            raise NotFound(f"no claim {claim_id}", fields={"claim_id": "unknown"})
        return _claim(row)

    async def list_for(self, account_id: str) -> list[Claim]:
        rows = await self._s.execute(select(ClaimRow).where(ClaimRow.account_id == account_id)
                                     .order_by(ClaimRow.declared_at, ClaimRow.id))
        return [_claim(r) for r in rows.scalars()]

    async def save(self, claim: Claim) -> None:
        row = await self._s.get(ClaimRow, claim.id)
        if row is None:
            raise NotFound(f"no claim {claim.id}")
        for name, value in claim.model_dump().items():
            setattr(row, name, value.value if isinstance(value, ClaimType | ClaimStatus) else value)
        await self._s.flush()


class SqlConsents:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add(self, consent: Consent) -> None:
        self._s.add(ConsentRow(account_id=consent.account_id, kind=consent.kind.value, version=consent.version,
                               granted=consent.granted, at=utc(consent.at)))
        await self._s.flush()

    async def list_for(self, account_id: str) -> list[Consent]:
        rows = await self._s.execute(select(ConsentRow).where(ConsentRow.account_id == account_id)
                                     .order_by(ConsentRow.at, ConsentRow.id))
        return [Consent(account_id=r.account_id, kind=ConsentKind(r.kind), version=r.version, granted=r.granted,
                        at=utc(r.at)) for r in rows.scalars()]

    async def granted(self, kind: ConsentKind) -> set[str]:
        newest = (select(ConsentRow.account_id, func.max(ConsentRow.id).label("last"))
                  .where(ConsentRow.kind == kind.value).group_by(ConsentRow.account_id).subquery())
        rows = await self._s.execute(select(ConsentRow.account_id).join(newest, ConsentRow.id == newest.c.last)
                                     .where(ConsentRow.granted.is_(True)))  # type: ignore[attr-defined]
        return {r[0] for r in rows}


class SqlAudit:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add(self, entry: AuditEntry) -> None:
        self._s.add(AuditEntryRow(**entry.model_dump() | {"at": utc(entry.at)}))
        await self._s.flush()

    async def about(self, subject_id: str, *, limit: int = 500) -> list[AuditEntry]:
        rows = await self._s.execute(select(AuditEntryRow).where(AuditEntryRow.subject_id == subject_id)
                                     .order_by(AuditEntryRow.at.desc(), AuditEntryRow.id.desc())  # type: ignore[attr-defined,union-attr]
                                     .limit(limit))
        return [AuditEntry(at=utc(r.at), actor_id=r.actor_id, actor_role=r.actor_role, subject_id=r.subject_id,
                           action=r.action, reason=r.reason) for r in rows.scalars()]

    async def purge_before(self, at: dt.datetime) -> int:
        result = await self._s.execute(delete(AuditEntryRow).where(AuditEntryRow.at < utc(at)))  # type: ignore[arg-type]
        return result.rowcount or 0
