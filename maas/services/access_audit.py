"""The access audit: staff reading or changing a rider's personal data leave an entry (who,
what, when, why); agents must say why. A rider's own reads are not logged."""

from __future__ import annotations

from maas.domain.accounts import Principal, Role
from maas.domain.ports import Clock, UnitOfWork
from maas.domain.privacy import AuditEntry, ReasonRequired

STAFF_ROLES = frozenset({Role.AGENT, Role.ANALYST, Role.ADMIN})
MAX_REASON = 500


def checked_reason(caller: Principal, subject_id: str, reason: str | None) -> str:
    """The reason to record; ReasonRequired when an agent gives none for someone else's data."""
    reason = (reason or "").strip()[:MAX_REASON]
    if caller.role is Role.AGENT and caller.subject_id != subject_id and not reason:
        raise ReasonRequired("say why you are looking at or changing this rider's data (X-Access-Reason)",
                             fields={"X-Access-Reason": "required"})
    return reason


async def record(uow: UnitOfWork, clock: Clock, caller: Principal, subject_id: str, action: str,
                 reason: str | None = None, *, required: bool = True) -> None:
    """Write an entry when staff touch another account's data (in the caller's transaction).
    With `required=False` an agent's missing reason is recorded as empty instead of refused."""
    if caller.role not in STAFF_ROLES or caller.subject_id == subject_id:
        return
    why = checked_reason(caller, subject_id, reason) if required else (reason or "").strip()[:MAX_REASON]
    await uow.audit.add(AuditEntry(at=clock.now(), actor_id=caller.subject_id, actor_role=caller.role.value,
                                   subject_id=subject_id, action=action, reason=why))
