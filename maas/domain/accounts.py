"""Accounts, roles, operators and the authenticated principal of a request."""

from __future__ import annotations

import datetime as dt
import math
from enum import Enum
from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field

from maas.domain.errors import PermissionDenied


class Role(str, Enum):
    RIDER = "rider"
    AGENT = "agent"  # call-centre staff booking on behalf of riders
    ANALYST = "analyst"  # municipality analyst
    ADMIN = "admin"
    OPERATOR = "operator"  # a transport operator's system, by API key


ACCOUNT_ROLES = frozenset({Role.RIDER, Role.AGENT, Role.ANALYST, Role.ADMIN})
NEEDS = frozenset({"wheelchair", "walking_aid", "escort", "hearing", "visual"})
EARTH_RADIUS_M = 6_371_008.8  # the mean radius (IUGG), as in routing.geodesy


class GeoPoint(BaseModel):
    model_config = ConfigDict(frozen=True)
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class _LatLon(Protocol):
    @property
    def lat(self) -> float: ...

    @property
    def lon(self) -> float: ...


def great_circle_m(a: _LatLon, b: _LatLon) -> float:
    """Metres along the earth's surface between two points (haversine, mean radius)."""
    p1, p2 = math.radians(a.lat), math.radians(b.lat)
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(b.lon - a.lon) / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(min(1.0, h)))


class Account(BaseModel):
    model_config = ConfigDict(frozen=True)
    id: str
    email: str
    display_name: str
    role: Role
    birth_date: dt.date | None = None
    home: GeoPoint | None = None
    needs: tuple[str, ...] = ()
    resident: bool = False
    created_at: dt.datetime
    display_name_kana: str | None = None  # the name's reading, so a caller is found by how it sounds
    phone: str | None = None  # digits only
    member_no: str | None = None  # the town's membership card number
    erased_at: dt.datetime | None = None  # deleted at the holder's request: the row stays, anonymised

    def age_on(self, day: dt.date) -> int | None:
        if self.birth_date is None:
            return None
        had_birthday = (day.month, day.day) >= (self.birth_date.month, self.birth_date.day)
        return day.year - self.birth_date.year - (0 if had_birthday else 1)


class NewAccount(BaseModel):
    """What it takes to open an account; the password is hashed before storage."""

    model_config = ConfigDict(frozen=True)
    email: str
    display_name: str
    role: Role
    password: str = Field(repr=False)
    birth_date: dt.date | None = None
    home: GeoPoint | None = None
    needs: tuple[str, ...] = ()
    resident: bool = False
    phone: str | None = None
    member_no: str | None = None
    display_name_kana: str | None = None


def phone_digits(phone: str | None) -> str | None:
    """A phone number as stored and searched: its digits only ("0274-52-1234" -> "0274521234")."""
    digits = "".join(c for c in phone or "" if c.isdigit())
    return digits or None


class Operator(BaseModel):
    model_config = ConfigDict(frozen=True)
    id: str
    name: str
    name_en: str = ""
    mode: str
    kind: str
    created_at: dt.datetime


class ApiKey(BaseModel):
    """An operator's API key as stored: never the secret itself."""

    model_config = ConfigDict(frozen=True)
    id: str
    operator_id: str
    label: str
    created_at: dt.datetime
    revoked_at: dt.datetime | None = None


class SessionToken(BaseModel):
    model_config = ConfigDict(frozen=True)
    account_id: str
    expires_at: dt.datetime


class Principal(BaseModel):
    """Who is calling: an account (by session token) or an operator system (by API key)."""

    model_config = ConfigDict(frozen=True)
    subject_id: str
    role: Role
    operator_id: str | None = None

    def require(self, *roles: Role) -> None:
        if self.role not in roles:
            allowed = ", ".join(r.value for r in roles)
            raise PermissionDenied(f"this action needs one of the roles: {allowed}")

    def require_operator(self, operator_id: str) -> None:
        """Operator keys are scoped to their own operator; admins may act for any."""
        if self.role is Role.ADMIN:
            return
        if self.role is not Role.OPERATOR or self.operator_id != operator_id:
            raise PermissionDenied("this key is not scoped to that operator")
