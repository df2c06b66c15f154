"""Public API request and response models: the wire contract, apart from domain and database classes."""

from __future__ import annotations

import datetime as dt
from typing import Literal

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from maas.domain.accounts import Account, ApiKey, Operator
from maas.domain.feeds import FeedIssue, FeedRecord, StopMatch
from maas.domain.places import Place, PlaceCategory

Need = Literal["wheelchair", "walking_aid", "escort", "hearing", "visual"]


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _has_control_characters(value: Any) -> bool:
    if isinstance(value, str):
        return _CONTROL.search(value) is not None
    if isinstance(value, (list, tuple)):
        return any(_has_control_characters(v) for v in value)
    return False


class Request(BaseModel):
    """Requests reject unknown fields so a typo is an error, not a silently ignored option."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # PostgreSQL refuses NUL in text and control characters are never meant; refuse them at the edge.
    @field_validator("*", mode="before")
    @classmethod
    def _no_control_characters(cls, value: Any) -> Any:
        if _has_control_characters(value):
            raise ValueError("control characters are not allowed")
        return value


class ErrorBody(BaseModel):
    code: str = Field(examples=["invalid_request"])
    message: str
    fields: dict[str, str] = Field(description="Field path → problem, for input errors; empty otherwise.")


class ErrorEnvelope(BaseModel):
    error: ErrorBody


class HealthResponse(BaseModel):
    status: Literal["ok", "unavailable"]
    database: str
    database_latency_ms: float | None
    version: str


class Point(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class LoginRequest(Request):
    email: str = Field(max_length=254)
    password: str = Field(min_length=1, max_length=1024)


class RegisterRequest(Request):
    """Self sign-up; always a rider account."""

    email: str = Field(max_length=254)
    password: str = Field(min_length=10, max_length=1024)
    display_name: str = Field(min_length=1, max_length=100)
    birth_date: dt.date | None = None
    home: Point | None = None
    needs: list[Need] = Field(default_factory=list, max_length=5)
    resident: bool = False


class AccountCreateRequest(RegisterRequest):
    """Opened by call-centre agents (riders only) or admins (any role)."""

    role: Literal["rider", "agent", "analyst", "admin"] = "rider"


class AccountOut(BaseModel):
    id: str
    email: str
    display_name: str
    role: str
    birth_date: dt.date | None
    home: Point | None
    needs: list[str]
    resident: bool
    created_at: dt.datetime

    @classmethod
    def of(cls, account: Account) -> AccountOut:
        home = Point(lat=account.home.lat, lon=account.home.lon) if account.home else None
        return cls(**account.model_dump(exclude={"home", "needs", "role"}), role=account.role.value, home=home,
                   needs=list(account.needs))


class TokenResponse(BaseModel):
    token: str
    token_type: Literal["bearer"] = "bearer"
    expires_at: dt.datetime
    account: AccountOut


class MeResponse(BaseModel):
    subject_id: str
    role: str
    operator_id: str | None
    account: AccountOut | None


class OperatorCreateRequest(Request):
    id: str = Field(min_length=2, max_length=63, examples=["yamabuki-taxi"])
    name: str = Field(min_length=1, max_length=200)
    name_en: str = Field(default="", max_length=200)
    mode: str = Field(min_length=1, max_length=40, examples=["taxi"])
    kind: Literal["transit", "bike-share", "car-share", "taxi", "on-demand"]


class OperatorOut(BaseModel):
    id: str
    name: str
    name_en: str
    mode: str
    kind: str
    created_at: dt.datetime

    @classmethod
    def of(cls, operator: Operator) -> OperatorOut:
        return cls(**operator.model_dump())


class OperatorList(BaseModel):
    items: list[OperatorOut]


class ApiKeyCreateRequest(Request):
    label: str = Field(min_length=1, max_length=100)


class ApiKeyOut(BaseModel):
    id: str
    operator_id: str
    label: str
    created_at: dt.datetime
    revoked_at: dt.datetime | None

    @classmethod
    def of(cls, key: ApiKey) -> ApiKeyOut:
        return cls(**key.model_dump())


class ApiKeyIssued(ApiKeyOut):
    secret: str = Field(description="The API key. Shown once: only a hash is kept.")


class ApiKeyList(BaseModel):
    items: list[ApiKeyOut]


class FeedOut(BaseModel):
    id: str
    name: str
    digest: str
    agencies: list[str]
    timezone: str
    service_start: dt.date | None
    service_end: dt.date | None
    stop_count: int
    route_count: int
    trip_count: int
    stop_time_count: int
    error_count: int
    warning_count: int
    imported_at: dt.datetime

    @classmethod
    def of(cls, feed: FeedRecord) -> FeedOut:
        return cls(**feed.model_dump(exclude={"source"}))


class FeedList(BaseModel):
    items: list[FeedOut]


class FeedIssueOut(BaseModel):
    file: str
    row: int | None
    column: str | None
    severity: str
    code: str
    message: str

    @classmethod
    def of(cls, issue: FeedIssue) -> FeedIssueOut:
        return cls(**issue.model_dump())


class FeedDetail(BaseModel):
    feed: FeedOut
    issues: list[FeedIssueOut]


class PlaceQuery(Request):
    category: PlaceCategory | None = None
    region_id: str | None = Field(default=None, max_length=63)


class PlaceOut(BaseModel):
    id: str
    region_id: str
    name: str
    name_kana: str
    name_en: str
    category: PlaceCategory
    location: Point

    @classmethod
    def of(cls, place: Place) -> PlaceOut:
        return cls(**place.model_dump(exclude={"lat", "lon"}), location=Point(lat=place.lat, lon=place.lon))


class PlaceList(BaseModel):
    items: list[PlaceOut]


class ListQuery(Request):
    limit: int = Field(default=50, ge=1, le=500)
    offset: int = Field(default=0, ge=0)
    role: Literal["rider", "agent", "analyst", "admin"] | None = None


class AccountList(BaseModel):
    items: list[AccountOut]


class StopSearchQuery(Request):
    q: str = Field(min_length=1, max_length=100, description="Part of a stop name: kanji, kana or English.")
    limit: int = Field(default=20, ge=1, le=100)


class NearbyStopsQuery(Request):
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    radius_m: float = Field(default=500, gt=0, le=5000)
    limit: int = Field(default=20, ge=1, le=100)


class StopOut(BaseModel):
    feed_id: str
    stop_id: str
    name: str
    name_kana: str
    name_en: str
    location: Point | None
    location_type: int
    parent_station: str | None
    wheelchair_boarding: int
    distance_m: float | None = None

    @classmethod
    def of(cls, match: StopMatch) -> StopOut:
        stop = match.stop
        location = Point(lat=stop.lat, lon=stop.lon) if stop.lat is not None and stop.lon is not None else None
        return cls(feed_id=match.feed_id, location=location, distance_m=match.distance_m,
                   **stop.model_dump(exclude={"lat", "lon"}))


class StopList(BaseModel):
    items: list[StopOut]
