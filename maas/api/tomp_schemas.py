"""The TOMP-API 1.6.1 messages the platform's MaaS-provider endpoints take and give (`/tomp/v1`),
with the spec's camelCase names. Fields the spec has and the platform does not read are allowed
and ignored (an operator may send a whole `legEvent` with its asset and photos)."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, RootModel


class _Tomp(BaseModel):
    model_config = ConfigDict(extra="ignore")


class TompLegEvent(_Tomp):
    """`legEvent`: SET_IN_USE and FINISH move the leg, CANCEL cancels it, the rest are journaled."""

    time: AwareDatetime
    event: Literal["PREPARE", "ASSIGN_ASSET", "SET_IN_USE", "PAUSE", "OPEN_TRUNK", "START_FINISHING",
                   "FINISH", "TIME_EXTEND", "TIME_POSTPONE", "CANCEL"]
    comment: str | None = Field(default=None, max_length=2000)


class TompNotification(_Tomp):
    """`notification`: USER_NO_SHOW ends the leg unridden; the others are journaled."""

    type: Literal["VEHICLE_NOT_AVAILABLE", "USER_NO_SHOW", "ETA", "MESSAGE_TO_DRIVER", "MESSAGE_TO_END_USER",
                  "USER_OUT_OF_LIMITS", "OTHER"]
    minutes: int | None = Field(default=None, ge=0)
    comment: str | None = Field(default=None, max_length=2000)
    legId: str | None = None


class TompBookingOperation(_Tomp):
    """`bookingOperation` from the operator: CANCEL, or COMMIT / DENY of a postponed commit."""

    operation: Literal["CANCEL", "DENY", "COMMIT", "EXTEND_EXPIRY_TIME"]
    origin: Literal["TO", "MP", "END_USER", "OTHER"] | None = None


class TompConfirmationRequest(_Tomp):
    type: Literal["REPLACE_ASSET", "START_LEG"] | None = None
    assetTypeId: str | None = None


class TompSupportStatus(_Tomp):
    """`supportStatus` pushed by the operator (a convention: 1.6.1 has only the GET at the operator)."""

    id: str | None = None
    status: Literal["PROCESSING", "UPDATE_REQUESTED", "RESOLVED", "CANCELLED"]
    timeToResolution: int | None = None
    order: int | None = Field(default=None, ge=0)
    comment: str | None = Field(default=None, max_length=2000)


class TompBookingState(BaseModel):
    """The answer to an operator's booking operation: its booking as the platform now has it."""

    id: str
    state: Literal["NEW", "PENDING", "REJECTED", "RELEASED", "EXPIRED", "CONDITIONAL_CONFIRMED", "CONFIRMED",
                   "CANCELLED", "STARTED", "FINISHED"]


class TompConfirmation(RootModel[bool]):
    """true: go ahead."""


class TompError(BaseModel):
    """The spec's `error` object, which every TOMP endpoint here answers errors with."""

    errorcode: int
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None


class OAuthTokenRequest(BaseModel):
    """OAuth2 client credentials (RFC 6749 4.4), sent as a form or as JSON."""

    grant_type: Literal["client_credentials"]
    client_id: str = Field(min_length=1, max_length=200)
    client_secret: str = Field(min_length=1, max_length=500)


class OAuthToken(BaseModel):
    access_token: str
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int
