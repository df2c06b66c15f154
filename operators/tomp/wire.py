"""The TOMP-API 1.6.1 wire format of the documented subset (docs/tomp.md), as pydantic models.

Field names are the spec's (camelCase; `from` is `from_` in Python). Models ignore fields they do
not know, so an operator may send more than the subset, and validate what the subset relies on:
coordinates, aware date-times, non-negative amounts, three-letter currencies and the enums.
Dump with `dump(model)` to get the spec's names and no nulls.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import AliasChoices, AwareDatetime, BaseModel, ConfigDict, Field, model_validator

API = "TOMP"
API_VERSION = "1.6"

BookingStateName = Literal["NEW", "PENDING", "REJECTED", "RELEASED", "EXPIRED",
                           "CONDITIONAL_CONFIRMED", "CONFIRMED", "CANCELLED", "STARTED", "FINISHED"]
LegStateName = Literal["NOT_STARTED", "PREPARING", "IN_USE", "PAUSED", "FINISHING", "FINISHED",
                       "ISSUE_REPORTED", "CANCELLED"]
LegEventName = Literal["PREPARE", "ASSIGN_ASSET", "SET_IN_USE", "PAUSE", "OPEN_TRUNK",
                       "START_FINISHING", "FINISH", "TIME_EXTEND", "TIME_POSTPONE", "CANCEL"]


class Wire(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="ignore")


def dump(model: BaseModel) -> dict[str, Any]:
    """The JSON object of a wire model, with the spec's field names and without empty fields."""
    return model.model_dump(mode="json", by_alias=True, exclude_none=True)


class Coordinates(Wire):
    lat: float = Field(ge=-90, le=90)
    lng: float = Field(ge=-180, le=180)


class Place(Wire):
    coordinates: Coordinates
    name: str | None = None
    stationId: str | None = None


class FarePart(Wire):
    # A DISCOUNT is subtracted whatever its sign: the spec's schema says amounts are never
    # negative, its text that a discount always is, and operators follow one or the other.
    amount: float
    currencyCode: str = Field(min_length=3, max_length=3)
    type: Literal["FIXED", "FLEX", "MAX"] | None = None
    kind: Literal["DEFAULT", "DISCOUNT", "SURGE"] | None = None
    unitType: Literal["KM", "SECOND", "MINUTE", "HOUR", "MILE", "PERCENTAGE"] | None = None
    units: float | None = Field(default=None, ge=0)
    name: str | None = None

    @model_validator(mode="after")
    def _sign(self) -> FarePart:
        if self.amount < 0 and self.kind != "DISCOUNT":
            raise ValueError("only a DISCOUNT part may have a negative amount")
        return self


class Fare(Wire):
    estimated: bool
    parts: list[FarePart] = Field(min_length=1)
    description: str | None = None


class AssetType(Wire):
    id: str
    assetClass: str | None = None
    stationId: str | None = None
    nrAvailable: int | None = Field(default=None, ge=0)


class Condition(Wire):
    """One entry of a leg's `conditions`; the subset reads `conditionPostponedCommit` only."""

    model_config = ConfigDict(populate_by_name=True, extra="allow")
    conditionType: str
    id: str | None = None
    ultimateResponseTime: AwareDatetime | None = None


class Information(Wire):
    type: Literal["URL", "IMAGE", "PLAIN_TEXT", "HTML"] | None = None
    goal: Literal["INSTRUCTIONS", "SALES", "TERMS_CONDITIONS"] | None = None
    text: str | None = None


class Leg(Wire):
    id: str | None = None
    from_: Place = Field(alias="from")
    to: Place | None = None
    departureTime: AwareDatetime | None = None
    arrivalTime: AwareDatetime | None = None
    assetType: AssetType
    pricing: Fare | None = None
    distance: int | None = Field(default=None, ge=0)
    state: LegStateName | None = None
    conditions: list[Condition] = Field(default_factory=list)


class Booking(Wire):
    """A planning option (state NEW or absent) or a booking (`id` is the option's id)."""

    id: str = Field(min_length=1, max_length=200)
    state: BookingStateName | None = None
    from_: Place | None = Field(default=None, alias="from")
    to: Place | None = None
    departureTime: AwareDatetime | None = None
    arrivalTime: AwareDatetime | None = None
    pricing: Fare | None = None
    legs: list[Leg] = Field(default_factory=list)
    mainAssetType: AssetType | None = None
    userCommunication: list[Information] = Field(default_factory=list)
    memo: str | None = None
    extraData: dict[str, Any] | None = None


class Planning(Wire):
    validUntil: AwareDatetime
    options: list[Booking]


class Requirement(Wire):
    category: str
    number: str = Field(min_length=2, max_length=2)
    source: str | None = None


class Requirements(Wire):
    abilities: list[Requirement] = Field(default_factory=list)


class Traveler(Wire):
    referenceNumber: str | None = None
    requirements: Requirements | None = None


class PlanningRequest(Wire):
    from_: Place = Field(alias="from")
    to: Place | None = None
    departureTime: AwareDatetime | None = None
    nrOfTravelers: int = Field(default=1, ge=1)
    travelers: list[Traveler] = Field(default_factory=list)


class Phone(Wire):
    number: str


class Customer(Wire):
    """The rider, only as far as the operator's conditionRequireBookingData asks."""

    firstName: str | None = None
    lastName: str | None = None
    email: str | None = None
    birthDate: str | None = None  # the spec's format: date
    phones: list[Phone] = Field(default_factory=list)


class BookingRequest(Wire):
    id: str = Field(min_length=1, max_length=200)
    customer: Customer | None = None


class BookingOperation(Wire):
    operation: Literal["CANCEL", "DENY", "COMMIT", "EXTEND_EXPIRY_TIME"]
    extendReason: Literal["BOOKING_PENDING", "PAYMENT_PENDING", "OTHER"] | None = None
    origin: Literal["TO", "MP", "END_USER", "OTHER"] | None = None


class LegEvent(Wire):
    time: AwareDatetime
    event: LegEventName
    comment: str | None = Field(default=None, max_length=2000)


class SupportRequest(Wire):
    id: str
    supportType: Literal["BROKEN_DOWN", "NOT_AT_LOCATION", "MISSING_AFTER_PAUSE", "NOT_CLEAN",
                         "NOT_AVAILABLE", "UNABLE_TO_OPEN", "UNABLE_TO_CLOSE", "API_TECHNICAL",
                         "API_FUNCTIONAL", "ACCIDENT", "OTHER"] = "OTHER"
    time: AwareDatetime | None = None
    priority: Literal["ERROR_CANNOT_CONTINUE", "ERROR_CAN_CONTINUE", "DISTURBING_ISSUE",
                      "QUESTION", "OTHER"] | None = None
    comment: str | None = Field(default=None, max_length=2000)


NotificationType = Literal["VEHICLE_NOT_AVAILABLE", "USER_NO_SHOW", "ETA", "MESSAGE_TO_DRIVER",
                           "MESSAGE_TO_END_USER", "USER_OUT_OF_LIMITS", "OTHER"]


class Notification(Wire):
    """`POST /bookings/{id}/notifications`, both ways: a no-show, a late vehicle, a message."""

    type: NotificationType
    minutes: int | None = Field(default=None, ge=0)
    comment: str | None = Field(default=None, max_length=2000)
    legId: str | None = None


class ConfirmationRequest(Wire):
    type: Literal["REPLACE_ASSET", "START_LEG"] | None = None
    assetTypeId: str | None = None


class SupportStatus(Wire):
    status: Literal["PROCESSING", "UPDATE_REQUESTED", "RESOLVED", "CANCELLED"] | None = None


class TompError(Wire):
    """The spec's `error` object; the adapter maps errors by HTTP status and shows `title`/`detail`."""

    errorcode: int | None = Field(default=None, validation_alias=AliasChoices("errorcode", "errorCode"))
    type: str | None = None
    title: str | None = None
    status: int | None = None
    detail: str | None = None
    instance: str | None = None


class SystemInformation(Wire):
    systemId: str = Field(min_length=1)
    language: list[str]
    name: str
    timezone: str
    typeOfSystem: Literal["FREE_FLOATING", "STATION_BASED", "VIRTUAL_STATION_BASED"]
    operator: str | None = None
    phoneNumber: str | None = None
    productType: Literal["RENTAL", "SHARING", "PARKING", "CHARGING"] | None = None
    assetClasses: list[str] = Field(default_factory=list)
