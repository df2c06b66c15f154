"""Personal data the rider controls: consents, the access audit, and how a stored record is
anonymised (names and contacts blanked, precise places coarsened to the ~250 m quarter mesh).

The ports here are implemented by the storage adapter: the consent book and audit log live in
the unit of work; `PersonalData` reaches across every table that holds something of a rider's.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable
from enum import Enum
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field

from maas.domain.errors import DomainError

_QUARTERS_PER_DEGREE_LAT = 480  # as maas.domain.ride_refusals.quarter_mesh: 7.5" of latitude
_QUARTERS_PER_DEGREE_LON = 320  # and 11.25" of longitude
ERASED = "(erased)"


class ConsentKind(str, Enum):
    TERMS = "terms"  # the terms of service
    MUNICIPAL_ANALYSES = "municipal_analyses"  # the rider's trips in the town's aggregate analyses
    MARKETING = "marketing"


CONSENT_VERSIONS: dict[ConsentKind, str] = {  # the wording's version each answer is recorded against
    ConsentKind.TERMS: "2026-12", ConsentKind.MUNICIPAL_ANALYSES: "2026-12", ConsentKind.MARKETING: "2026-12"}


class Consent(BaseModel):
    model_config = ConfigDict(frozen=True)
    account_id: str
    kind: ConsentKind
    version: str
    granted: bool
    at: dt.datetime


class AuditEntry(BaseModel):
    """Staff (or the rider) reading or changing a rider's personal data."""

    model_config = ConfigDict(frozen=True)
    at: dt.datetime
    actor_id: str
    actor_role: str
    subject_id: str  # the rider whose data it was
    action: str  # e.g. "export", "read_account", "verify_claim", "erase"
    reason: str = Field(default="", max_length=500)


class AccountErased(DomainError):
    """The account was deleted at its holder's request (HTTP 410)."""

    code = "account_erased"


class ErasureRefused(DomainError):
    """The account cannot be deleted yet (a trip under way); `fields` says why (HTTP 409)."""

    code = "erasure_refused"


class ReasonRequired(DomainError, ValueError):
    """Staff reading or changing a rider's data must say why (HTTP 422)."""

    code = "reason_required"


class ConsentBook(Protocol):
    async def add(self, consent: Consent) -> None: ...

    async def list_for(self, account_id: str) -> list[Consent]:
        """Oldest first."""
        ...

    async def granted(self, kind: ConsentKind) -> set[str]:
        """The accounts whose newest answer to `kind` is yes."""
        ...


class AuditLog(Protocol):
    async def add(self, entry: AuditEntry) -> None: ...

    async def about(self, subject_id: str, *, limit: int = 500) -> list[AuditEntry]:
        """Newest first."""
        ...

    async def purge_before(self, at: dt.datetime) -> int: ...


class PersonalData(Protocol):
    """Everything stored about one rider, across tables, for export and erasure."""

    async def export(self, account_id: str) -> dict[str, Any]:
        """Each table's rows of the rider's as JSON-ready dicts (payloads parsed), by table name."""
        ...

    async def erase(self, account_id: str, secrets: Iterable[str], *, at: dt.datetime) -> dict[str, int]:
        """Blank the account's personal fields, scrub `secrets` from and coarsen places in every
        stored payload of theirs, delete their sessions, claims and consents; rows changed per table.
        NotFound for an unknown account."""
        ...

    async def coarsen_rides_before(self, before: dt.datetime) -> int:
        """Coarsen pickup and drop-off places of rides that started before `before`; rides changed."""
        ...

    async def purge_refusals_before(self, before: dt.datetime) -> int: ...


def coarsen(lat: float, lon: float) -> tuple[float, float]:
    """The centre of the ~250 m quarter mesh holding the point (rounded to 6 decimals)."""
    y = math.floor(lat * _QUARTERS_PER_DEGREE_LAT + 1e-9)
    x = math.floor(lon * _QUARTERS_PER_DEGREE_LON + 1e-9)
    return round((y + 0.5) / _QUARTERS_PER_DEGREE_LAT, 6), round((x + 0.5) / _QUARTERS_PER_DEGREE_LON, 6)


def is_coarse(lat: float, lon: float) -> bool:
    return (lat, lon) == coarsen(lat, lon)


def scrub(value: Any, secrets: Iterable[str], *, places: Callable[[float, float], tuple[float, float]] | None = coarsen
          ) -> Any:
    """A JSON value with every occurrence of a secret string blanked and every {"lat", "lon"} point
    passed through `places` (None leaves points alone); the shape stays, so the record still loads."""
    hidden = sorted({s for s in secrets if s and len(s) >= 2}, key=len, reverse=True)
    return _scrub(value, hidden, places)


def _scrub(value: Any, hidden: list[str], places: Callable[[float, float], tuple[float, float]] | None) -> Any:
    if isinstance(value, str):
        for secret in hidden:
            if secret in value:
                value = value.replace(secret, ERASED if value == secret else "")
        return value
    if isinstance(value, list):
        return [_scrub(v, hidden, places) for v in value]
    if isinstance(value, dict):
        out = {k: _scrub(v, hidden, places) for k, v in value.items()}
        lat, lon = out.get("lat"), out.get("lon")
        if places is not None and isinstance(lat, int | float) and isinstance(lon, int | float) \
                and not isinstance(lat, bool):
            out["lat"], out["lon"] = places(float(lat), float(lon))
        return out
    return value

