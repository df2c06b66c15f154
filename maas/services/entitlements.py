"""Concession claims: riders declare them, call-centre staff and admins verify or reject them on a
document (never their own), and every staff look is in the access audit."""

from __future__ import annotations

import datetime as dt

from maas.domain.accounts import Principal, Role
from maas.domain.entitlements import Claim, ClaimStatus, ClaimType, decide, declared
from maas.domain.errors import NotFound, PermissionDenied
from maas.domain.ids import new_id
from maas.domain.ports import Clock, UnitOfWork, UnitOfWorkFactory
from maas.services import access_audit

DECIDERS = frozenset({Role.AGENT, Role.ADMIN})


async def declare_in(uow: UnitOfWork, clock: Clock, account_id: str, kind: ClaimType, value: str, *,
                     by: str) -> Claim:
    """A new declared claim; older undecided claims of the same type are superseded by it."""
    claim = declared(claim_id=new_id("clm"), account_id=account_id, kind=kind, value=value, by=by, at=clock.now())
    for older in await uow.claims.list_for(account_id):
        if older.type is kind and older.status is ClaimStatus.DECLARED:
            await uow.claims.save(older.model_copy(update={"status": ClaimStatus.SUPERSEDED}))
    await uow.claims.add(claim)
    return claim


async def withdraw_in(uow: UnitOfWork, account_id: str, kind: ClaimType, keep: set[str] | None = None) -> None:
    """Supersede the account's live claims of a type (the rider says it no longer holds), but `keep` values."""
    for claim in await uow.claims.list_for(account_id):
        if claim.type is kind and claim.status in (ClaimStatus.DECLARED, ClaimStatus.VERIFIED) \
                and claim.value not in (keep or set()):
            await uow.claims.save(claim.model_copy(update={"status": ClaimStatus.SUPERSEDED}))


class EntitlementService:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow, self._clock = uow, clock

    def _may_see(self, caller: Principal, account_id: str) -> None:
        if caller.subject_id != account_id and caller.role not in DECIDERS:
            raise NotFound(f"no account {account_id}")  # never confirm another rider's account exists

    async def list_claims(self, caller: Principal, account_id: str, *, reason: str | None = None) -> list[Claim]:
        self._may_see(caller, account_id)
        async with self._uow() as uow:
            await uow.accounts.get(account_id)
            claims = await uow.claims.list_for(account_id)
            await access_audit.record(uow, self._clock, caller, account_id, "list_claims", reason)
            await uow.commit()
        return claims

    async def declare(self, caller: Principal, account_id: str, kind: ClaimType, value: str, *,
                      reason: str | None = None) -> Claim:
        self._may_see(caller, account_id)
        async with self._uow() as uow:
            account = await uow.accounts.get(account_id)
            if account.role is not Role.RIDER:
                raise PermissionDenied("concession claims are for riders' accounts")
            await access_audit.record(uow, self._clock, caller, account_id, f"declare_claim:{kind.value}", reason)
            claim = await declare_in(uow, self._clock, account_id, kind, value, by=caller.subject_id)
            await uow.commit()
        return claim

    async def decide(self, caller: Principal, account_id: str, claim_id: str, *, verified: bool,
                     document_type: str | None, valid_until: dt.date | None, reason: str | None) -> Claim:
        """Verify on a named document, or reject with a reason; 403 for one's own claim or a rider."""
        if caller.role not in DECIDERS:
            raise PermissionDenied("claims are verified by call-centre staff or admins")
        async with self._uow() as uow:
            claim = await uow.claims.get(claim_id)
            if claim.account_id != account_id:
                raise NotFound(f"no claim {claim_id} for account {account_id}", fields={"claim_id": "unknown"})
            decided = decide(claim, by=caller.subject_id, at=self._clock.now(), verified=verified,
                             document_type=document_type, valid_until=valid_until, reason=reason)
            action = "verify_claim" if verified else "reject_claim"
            await access_audit.record(uow, self._clock, caller, account_id, f"{action}:{claim.type.value}", reason,
                                      required=False)
            await uow.claims.save(decided)
            await uow.commit()
        return decided
