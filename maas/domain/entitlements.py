"""Verified entitlements: the grounds for a concession (age, residency, a disability) as claims
that call-centre staff check against a document before they are worth money.

A rider declares a claim (at sign-up, by correcting their profile, or by asking for it); it counts
for fares and pass eligibility only once an agent or admin other than the rider has verified it
on a named document, and only until the day it is valid until. Sign-up alone grants nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from enum import Enum
from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field

from maas.domain.accounts import NEEDS
from maas.domain.errors import Conflict, InvalidRequest, PermissionDenied
from maas.domain.fare_rules import Rider


class ClaimType(str, Enum):
    AGE = "age"  # value: the birth date, ISO
    RESIDENCY = "residency"  # value: "resident"
    DISABILITY = "disability"  # value: the need it is registered for (wheelchair, visual, ...)


class ClaimStatus(str, Enum):
    DECLARED = "declared"  # said by the rider; not yet checked, worth nothing
    VERIFIED = "verified"
    EXPIRED = "expired"  # verified, but its valid_until has passed
    REJECTED = "rejected"
    SUPERSEDED = "superseded"  # a newer claim of the same type replaced it


# The documents staff may verify a claim on (a photocopy is not kept, only which kind was shown).
DOCUMENT_TYPES = frozenset({"my_number_card", "drivers_license", "health_insurance_card", "residence_certificate",
                            "residence_card", "passport", "disability_certificate", "senior_citizen_card"})


class CannotVerifyOwnClaim(PermissionDenied):
    """Staff tried to verify or reject a claim on their own account (HTTP 403)."""

    code = "own_claim"


class ClaimNotPending(Conflict):
    """Only a declared claim can be verified or rejected (HTTP 409)."""

    code = "claim_not_pending"


class Claim(BaseModel):
    model_config = ConfigDict(frozen=True)
    id: str
    account_id: str
    type: ClaimType
    value: str = Field(max_length=100)
    status: ClaimStatus = ClaimStatus.DECLARED
    declared_by: str  # the rider, or the staff member who typed it in for them
    declared_at: dt.datetime
    decided_by: str | None = None  # who verified or rejected it
    decided_at: dt.datetime | None = None
    document_type: str | None = None
    valid_until: dt.date | None = None  # inclusive; None: as long as it is true
    reason: str | None = Field(default=None, max_length=500)  # why it was rejected

    def status_on(self, day: dt.date) -> ClaimStatus:
        if self.status is ClaimStatus.VERIFIED and self.valid_until is not None and day > self.valid_until:
            return ClaimStatus.EXPIRED
        return self.status

    def holds_on(self, day: dt.date) -> bool:
        return self.status_on(day) is ClaimStatus.VERIFIED


def check_value(kind: ClaimType, value: str) -> str:
    """The claim's value as stored, or InvalidRequest naming `value`."""
    value = value.strip()
    if kind is ClaimType.AGE:
        try:
            born = dt.date.fromisoformat(value)
        except ValueError:
            raise InvalidRequest("an age claim's value is a birth date (YYYY-MM-DD)",
                                 fields={"value": "not a date"}) from None
        return born.isoformat()
    if kind is ClaimType.RESIDENCY:
        if value != "resident":
            raise InvalidRequest("a residency claim's value is 'resident'", fields={"value": "must be 'resident'"})
        return value
    if value not in NEEDS:
        raise InvalidRequest(f"a disability claim names a need: {', '.join(sorted(NEEDS))}",
                             fields={"value": "unknown need"})
    return value


def age_from(birth: dt.date, day: dt.date) -> int:
    had_birthday = (day.month, day.day) >= (birth.month, birth.day)
    return day.year - birth.year - (0 if had_birthday else 1)


class Entitlements(BaseModel):
    """A rider's claims as the fares read them: only verified ones, each on the day of travel."""

    model_config = ConfigDict(frozen=True)
    claims: tuple[Claim, ...] = ()

    @classmethod
    def of(cls, claims: Iterable[Claim]) -> Entitlements:
        return cls(claims=tuple(c for c in claims if c.status is ClaimStatus.VERIFIED))

    def _holding(self, kind: ClaimType, day: dt.date) -> list[Claim]:
        held = [c for c in self.claims if c.type is kind and c.holds_on(day)]
        return sorted(held, key=lambda c: c.decided_at or c.declared_at, reverse=True)

    def birth_date_on(self, day: dt.date) -> dt.date | None:
        held = self._holding(ClaimType.AGE, day)
        return dt.date.fromisoformat(held[0].value) if held else None

    def age_on(self, day: dt.date) -> int | None:
        born = self.birth_date_on(day)
        return None if born is None else age_from(born, day)

    def resident_on(self, day: dt.date) -> bool:
        return bool(self._holding(ClaimType.RESIDENCY, day))

    def needs_on(self, day: dt.date) -> frozenset[str]:
        """Registered disabilities (the fare rules' `needs_any`), not the rider's travel needs."""
        return frozenset(c.value for c in self._holding(ClaimType.DISABILITY, day))

    def rider_on(self, day: dt.date) -> Rider:
        return Rider(age=self.age_on(day), resident=self.resident_on(day), needs=self.needs_on(day))


def declared(*, claim_id: str, account_id: str, kind: ClaimType, value: str, by: str, at: dt.datetime) -> Claim:
    return Claim(id=claim_id, account_id=account_id, type=kind, value=check_value(kind, value), declared_by=by,
                 declared_at=at)


def profile_claims(birth_date: dt.date | None, resident: bool, needs: Sequence[str]) -> list[tuple[ClaimType, str]]:
    """The claims a profile's entitlement-bearing fields declare."""
    wanted: list[tuple[ClaimType, str]] = []
    if birth_date is not None:
        wanted.append((ClaimType.AGE, birth_date.isoformat()))
    if resident:
        wanted.append((ClaimType.RESIDENCY, "resident"))
    wanted += [(ClaimType.DISABILITY, need) for need in needs]
    return wanted


def decide(claim: Claim, *, by: str, at: dt.datetime, verified: bool, document_type: str | None,
           valid_until: dt.date | None, reason: str | None) -> Claim:
    """Verify (on a known document) or reject (with a reason) a declared claim; never one's own."""
    if by == claim.account_id:
        raise CannotVerifyOwnClaim("a claim is checked by someone other than its holder")
    if claim.status is not ClaimStatus.DECLARED:
        raise ClaimNotPending(f"claim {claim.id} is {claim.status.value}; only a declared claim is decided",
                              fields={"claim_id": claim.status.value})
    if verified:
        if document_type not in DOCUMENT_TYPES:
            raise InvalidRequest("name the document the claim was checked on",
                                 fields={"document_type": f"one of {', '.join(sorted(DOCUMENT_TYPES))}"})
        if valid_until is not None and valid_until < at.date():
            raise InvalidRequest("valid_until has passed", fields={"valid_until": "in the past"})
        return claim.model_copy(update={"status": ClaimStatus.VERIFIED, "decided_by": by, "decided_at": at,
                                        "document_type": document_type, "valid_until": valid_until})
    if not (reason or "").strip():
        raise InvalidRequest("say why the claim is rejected", fields={"reason": "required"})
    return claim.model_copy(update={"status": ClaimStatus.REJECTED, "decided_by": by, "decided_at": at,
                                    "document_type": document_type, "reason": reason})


class ClaimBook(Protocol):
    async def add(self, claim: Claim) -> None: ...

    async def get(self, claim_id: str) -> Claim:
        """NotFound for an unknown id."""
        ...

    async def list_for(self, account_id: str) -> list[Claim]:
        """Oldest first."""
        ...

    async def save(self, claim: Claim) -> None: ...
