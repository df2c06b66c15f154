"""The rider's rights over their data (APPI disclosure, correction, deletion) and their consents:
each exercised by the rider, or by call-centre staff for a caller (`for_rider`, with a reason).

Deletion cancels open bookings under their terms first (a trip under way refuses it, with the
reason), detaches a saved card at the payment gateway, then blanks the account's personal fields
and scrubs every stored record of theirs; settled amounts stay on the books, anonymised.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from maas.domain.accounts import NEEDS, Account, GeoPoint, Principal, Role
from maas.domain.bookings import TripState
from maas.domain.mobility import BookingState
from maas.domain.entitlements import ClaimType
from maas.domain.errors import DomainError, InvalidRequest, PermissionDenied
from maas.domain.payments import PaymentGateway
from maas.domain.ports import Clock, UnitOfWork, UnitOfWorkFactory
from maas.domain.privacy import (CONSENT_VERSIONS, AccountErased, AuditEntry, Consent, ConsentKind, ErasureRefused,
                                 PersonalData)
from maas.domain.text_safety import clean_email, clean_text
from maas.services import access_audit
from maas.services.booking_trip import BookingTrip
from maas.services.entitlements import declare_in, withdraw_in
from maas.services.on_demand import OnDemandService

STAFF = frozenset({Role.AGENT, Role.ADMIN})
CANCELLABLE = frozenset({TripState.CONFIRMED, TripState.CONDITIONAL_CONFIRMED})
UNDER_WAY = frozenset({TripState.PENDING, TripState.STARTED, TripState.FINISHED})
PROFILE_FIELDS = frozenset({"display_name", "display_name_kana", "email", "phone", "home", "needs", "birth_date",
                            "resident"})


class PrivacyUnavailable(DomainError):
    """Export and deletion need the SQL store (the service runs on another one here)."""

    code = "service_unavailable"


class PrivacyService:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, payments: PaymentGateway, bookings: BookingTrip,
                 personal: PersonalData | None, on_demand: OnDemandService | None = None) -> None:
        self._uow, self._clock, self._payments, self._bookings = uow, clock, payments, bookings
        self._personal, self._on_demand = personal, on_demand

    def today(self) -> dt.date:
        return self._clock.now().date()

    def _store(self) -> PersonalData:
        if self._personal is None:
            raise PrivacyUnavailable("personal data export and deletion need the SQL database")
        return self._personal

    @staticmethod
    def subject(caller: Principal, for_rider: str | None) -> str:
        """Whose data: the caller's, or (staff only) the rider named."""
        if for_rider and for_rider != caller.subject_id:
            if caller.role not in STAFF:
                raise PermissionDenied("only call-centre staff may act for another rider", fields={"for_rider": "not allowed"})
            return for_rider
        return caller.subject_id

    async def _live(self, uow: UnitOfWork, account_id: str) -> Account:
        account = await uow.accounts.get(account_id)
        if account.erased_at is not None:
            raise AccountErased(f"account {account_id} was deleted on {account.erased_at.date().isoformat()}")
        return account

    async def export(self, caller: Principal, for_rider: str | None = None, *, reason: str | None = None
                     ) -> dict[str, Any]:
        """Everything stored about the rider, one document; the look is in the access audit."""
        account_id = self.subject(caller, for_rider)
        store = self._store()
        async with self._uow() as uow:
            await self._live(uow, account_id)
            await access_audit.record(uow, self._clock, caller, account_id, "export", reason)
            await uow.commit()
        data = await store.export(account_id)
        return {"exported_at": self._clock.now().isoformat(), "account_id": account_id, **data}

    async def correct(self, caller: Principal, changes: Mapping[str, Any], for_rider: str | None = None, *,
                      reason: str | None = None) -> Account:
        """Correct the profile; a changed birth date, residency or registered need is a new declared
        claim (it lowers no fare until staff verify it)."""
        account_id = self.subject(caller, for_rider)
        fixed = _checked(changes)
        async with self._uow() as uow:
            account = await self._live(uow, account_id)
            await access_audit.record(uow, self._clock, caller, account_id, "correct:" + ",".join(sorted(fixed)),
                                      reason)
            updated = await uow.accounts.update_profile(account_id, fixed)
            if account.role is Role.RIDER:
                await self._claims_for(uow, account, fixed, by=caller.subject_id)
            await uow.commit()
        return updated

    async def _claims_for(self, uow: UnitOfWork, before: Account, fixed: Mapping[str, Any], *, by: str) -> None:
        if fixed.get("birth_date") is not None and fixed["birth_date"] != before.birth_date:
            await declare_in(uow, self._clock, before.id, ClaimType.AGE, fixed["birth_date"].isoformat(), by=by)
        if "resident" in fixed and fixed["resident"] != before.resident:
            if fixed["resident"]:
                await declare_in(uow, self._clock, before.id, ClaimType.RESIDENCY, "resident", by=by)
            else:
                await withdraw_in(uow, before.id, ClaimType.RESIDENCY)
        if "needs" in fixed:
            wanted = set(fixed["needs"])
            await withdraw_in(uow, before.id, ClaimType.DISABILITY, keep=wanted)
            for need in sorted(wanted - set(before.needs)):
                await declare_in(uow, self._clock, before.id, ClaimType.DISABILITY, need, by=by)

    async def erase(self, caller: Principal, for_rider: str | None = None, *, reason: str | None = None
                    ) -> dict[str, Any]:
        account_id = self.subject(caller, for_rider)
        store = self._store()
        async with self._uow() as uow:
            account = await self._live(uow, account_id)
            access_audit.checked_reason(caller, account_id, reason)
            bookings = await uow.bookings.list_for(account_id, limit=10_000)
            profile = await uow.payment_profiles.get(account_id)
        under_way = [b.id for b in bookings if b.state in UNDER_WAY]
        if under_way:
            raise ErasureRefused("a trip is under way or being booked: delete the account after it has ended",
                                 fields={"bookings": ",".join(under_way), "reason": "trip under way"})
        rides = await self._on_demand.open_rides_of(account_id) if self._on_demand is not None else []
        aboard = [ride.id for _, ride in rides if ride.booking.state is BookingState.STARTED]
        if aboard:
            raise ErasureRefused("a ride is under way: delete the account after it has ended",
                                 fields={"rides": ",".join(aboard), "reason": "trip under way"})
        rider = Principal(subject_id=account_id, role=Role.RIDER)
        cancelled = [(await self._bookings.cancel(rider, b.id)).id for b in bookings if b.state in CANCELLABLE]
        in_trips = {leg.booking.id for b in bookings for leg in b.legs if leg.booking is not None}
        for operator_id, ride in rides:
            if ride.id not in in_trips:  # rides booked on their own; a trip's were cancelled with it
                await self._on_demand.cancel_ride(rider, operator_id, ride.id,  # type: ignore[union-attr]
                                                  idempotency_key=f"erase:{ride.id}")
                cancelled.append(ride.id)
        if profile is not None and profile.gateway == self._payments.name:
            await self._payments.forget_method(profile.customer_ref, profile.payment_method)
        secrets = [account.display_name, account.email, account.phone or "", account.member_no or "",
                   account.display_name_kana or "", *account.display_name.split()]
        at = self._clock.now()
        changed = await store.erase(account_id, secrets, at=at)
        async with self._uow() as uow:
            await uow.audit.add(AuditEntry(at=at, actor_id=caller.subject_id, actor_role=caller.role.value,
                                           subject_id=account_id, action="erase", reason=(reason or "").strip()[:500]))
            await uow.commit()
        return {"account_id": account_id, "erased_at": at, "cancelled_bookings": cancelled, "rows_changed": changed}

    async def access_log(self, caller: Principal, for_rider: str | None = None) -> list[AuditEntry]:
        """Who looked at or changed the rider's data (staff's own actions on their own account excluded)."""
        account_id = self.subject(caller, for_rider)
        async with self._uow() as uow:
            await self._live(uow, account_id)
            return await uow.audit.about(account_id)

    async def consents(self, caller: Principal) -> list[Consent]:
        async with self._uow() as uow:
            return await uow.consents.list_for(caller.subject_id)

    async def answer(self, caller: Principal, answers: Mapping[ConsentKind, bool]) -> list[Consent]:
        """Record the rider's answers against the current wording's version, with the time."""
        now = self._clock.now()
        async with self._uow() as uow:
            await self._live(uow, caller.subject_id)
            for kind, granted in answers.items():
                await uow.consents.add(Consent(account_id=caller.subject_id, kind=kind, version=CONSENT_VERSIONS[kind],
                                               granted=granted, at=now))
            await uow.commit()
            return await uow.consents.list_for(caller.subject_id)


def _checked(changes: Mapping[str, Any]) -> dict[str, Any]:
    unknown = set(changes) - PROFILE_FIELDS
    if unknown:
        raise InvalidRequest("these fields cannot be changed here", fields={k: "not a profile field" for k in unknown})
    fixed = dict(changes)
    if "email" in fixed:
        fixed["email"] = clean_email(fixed["email"])
    for name in ("display_name", "display_name_kana"):
        if fixed.get(name) is not None:
            fixed[name] = clean_text(fixed[name], name)
    if "display_name" in fixed and not fixed["display_name"]:
        raise InvalidRequest("the name must not be blank", fields={"display_name": "must not be blank"})
    if set(fixed.get("needs") or ()) - NEEDS:
        raise InvalidRequest("unknown needs", fields={"needs": f"known: {', '.join(sorted(NEEDS))}"})
    if "home" in fixed and fixed["home"] is not None and not isinstance(fixed["home"], GeoPoint):
        fixed["home"] = GeoPoint.model_validate(fixed["home"])
    if isinstance(fixed.get("birth_date"), str):
        fixed["birth_date"] = dt.date.fromisoformat(fixed["birth_date"])
    return fixed
