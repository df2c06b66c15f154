"""Resolving whom a request is for, once: the caller themselves, or the rider an agent acts for.

Call-centre agents and admins may name a rider (`for_rider`, an account id); anyone else naming
another account is refused (422), as is staff naming an account that is not a rider's (422
`not_a_rider`) or none at all (404). Anonymous callers and operators' systems have no rider.
"""

from __future__ import annotations

from maas.domain.accounts import Principal, Role
from maas.domain.errors import AuthenticationFailed, InvalidRequest, NotFound
from maas.domain.ports import Clock, UnitOfWorkFactory
from maas.domain.riders import NotARider, RiderContext
from maas.services import access_audit

STAFF = frozenset({Role.AGENT, Role.ADMIN})


class RiderDirectory:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock | None = None) -> None:
        self._uow, self._clock = uow, clock

    async def resolve(self, caller: Principal | None, for_rider: str | None = None, *,
                      reason: str | None = None) -> RiderContext | None:
        """Staff acting for a rider read their profile: that is in the rider's access log (with
        `reason` when given)."""
        for_rider = for_rider.strip() if for_rider is not None else None
        if caller is None:
            if for_rider:
                raise AuthenticationFailed("sign in as call-centre staff to act for a rider")
            return None
        acting = bool(for_rider) and for_rider != caller.subject_id
        if acting and caller.role not in STAFF:
            raise InvalidRequest("only call-centre staff may act for another rider", fields={"for_rider": "not allowed"})
        if caller.role is Role.OPERATOR:
            return None
        account_id = for_rider if acting else caller.subject_id
        async with self._uow() as uow:
            try:
                account = await uow.accounts.get(account_id)  # type: ignore[arg-type]
                claims = await uow.claims.list_for(account.id)
                if acting and account.role is Role.RIDER and self._clock is not None:
                    await access_audit.record(uow, self._clock, caller, account.id, "act_for_rider", reason,
                                              required=False)
                    await uow.commit()
            except NotFound:
                if not acting:
                    return None  # a principal without an account row (a system caller)
                raise NotFound(f"no rider {for_rider}", fields={"for_rider": "no such account"}) from None
        if acting and account.role is not Role.RIDER:
            raise NotARider(f"account {for_rider} is a {account.role.value}, not a rider",
                            fields={"for_rider": "not a rider"})
        return RiderContext.of(account, claims, agent_id=caller.subject_id if acting else None)
