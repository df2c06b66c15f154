"""API schemas of the rider's rights, consents, concession claims and the access log."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

from maas.api.schemas import KANA, Need, Point, Request
from maas.domain.entitlements import DOCUMENT_TYPES, Claim
from maas.domain.privacy import AuditEntry, Consent

DocumentType = Literal[tuple(sorted(DOCUMENT_TYPES))]  # type: ignore[valid-type]


class ForRider(Request):
    for_rider: str | None = Field(default=None, max_length=100,
                                  description="call-centre staff: the rider whose data it is (send X-Access-Reason)")


class ProfilePatch(Request):
    """Only the fields sent change; a new birth date, residency or need is a claim to verify."""

    email: str | None = Field(default=None, max_length=254)
    display_name: str | None = Field(default=None, min_length=1, max_length=100)
    display_name_kana: str | None = Field(default=None, min_length=1, max_length=100, pattern=KANA)
    phone: str | None = Field(default=None, max_length=30, pattern=r"^\+?[0-9][0-9 ()-]{5,28}$")
    home: Point | None = None
    needs: list[Need] | None = Field(default=None, max_length=5)
    birth_date: dt.date | None = None
    resident: bool | None = None


class ErasureOut(BaseModel):
    account_id: str
    erased_at: dt.datetime
    cancelled_bookings: list[str]
    rows_changed: dict[str, int]


class AccessEntryOut(BaseModel):
    at: dt.datetime
    actor_id: str
    actor_role: str
    action: str
    reason: str

    @classmethod
    def of(cls, entry: AuditEntry) -> AccessEntryOut:
        return cls(**entry.model_dump(exclude={"subject_id"}))


class AccessLog(BaseModel):
    items: list[AccessEntryOut]


class ConsentAnswers(Request):
    terms: bool | None = None
    municipal_analyses: bool | None = Field(default=None, description="share my trips with the town, in aggregate")
    marketing: bool | None = None


class ConsentOut(BaseModel):
    kind: str
    version: str
    granted: bool
    at: dt.datetime

    @classmethod
    def of(cls, consent: Consent) -> ConsentOut:
        return cls(kind=consent.kind.value, version=consent.version, granted=consent.granted, at=consent.at)


class ConsentList(BaseModel):
    items: list[ConsentOut]


class ClaimRequest(Request):
    type: Literal["age", "residency", "disability"]
    value: str = Field(min_length=1, max_length=100, description="age: birth date; residency: 'resident'; "
                                                                  "disability: the need (wheelchair, ...)")


class VerifyRequest(Request):
    document_type: DocumentType  # type: ignore[valid-type]
    valid_until: dt.date | None = None
    reason: str | None = Field(default=None, max_length=500)


class RejectRequest(Request):
    reason: str = Field(min_length=1, max_length=500)
    document_type: DocumentType | None = None  # type: ignore[valid-type]


class ClaimOut(BaseModel):
    id: str
    type: str
    value: str
    status: str
    declared_by: str
    declared_at: dt.datetime
    decided_by: str | None
    decided_at: dt.datetime | None
    document_type: str | None
    valid_until: dt.date | None
    reason: str | None

    @classmethod
    def of(cls, claim: Claim, today: dt.date) -> ClaimOut:
        return cls(**claim.model_dump(exclude={"account_id", "type", "status"}), type=claim.type.value,
                   status=claim.status_on(today).value)


class ClaimList(BaseModel):
    items: list[ClaimOut]
