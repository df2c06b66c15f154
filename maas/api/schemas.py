"""Public API request and response models: the wire contract, apart from domain and database classes."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from maas.api.language import current, pick
from maas.domain.accounts import Account, ApiKey, Operator
from maas.domain.feeds import FeedIssue, FeedRecord, StopMatch
from maas.domain.places import Place, PlaceCategory
from maas.domain.realtime import ServiceAlert
from maas.domain.planning import (Departure, DepartureBoard, Itinerary, LegPlace, Money, PlaceRef,
                                  TransitLeg, TravellerProfile, TripPlan, TripRequest, WalkLeg)

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


class RealtimeSourceOut(BaseModel):
    name: str
    feed: str = Field(description="The static feed whose trips the source updates.")
    state: Literal["fresh", "stale", "broken", "waiting"] = Field(
        description="waiting: nothing fetched yet; broken: never a good message; stale: none for stale_after_s.")
    last_success_at: dt.datetime | None
    age_s: int | None = Field(description="Seconds since the last good message.")
    failures: int = Field(description="Failed fetches or refused messages in a row.")
    error: str | None = Field(description="Why the last attempt failed; null when it succeeded.")
    skipped: dict[str, int] = Field(description="Messages and entities left out since start, by reason.")


class HealthResponse(BaseModel):
    status: Literal["ok", "degraded", "unavailable"] = Field(
        description="degraded: serving, but a real-time source is stale or broken (riders see the schedule).")
    database: str
    database_latency_ms: float | None
    version: str
    realtime: list[RealtimeSourceOut] = Field(default_factory=list)
    feeds_failed: dict[str, str] = {}  # transit feeds left out because they failed to compile


class Point(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class LoginRequest(Request):
    email: str = Field(max_length=254)
    password: str = Field(min_length=1, max_length=1024)


KANA = r"^[\u3041-\u3096\u30a1-\u30fa\u30fc\uff66-\uff9f 　・]+$"  # hiragana, katakana (also half-width), spaces


class RegisterRequest(Request):
    """Self sign-up; always a rider account."""

    email: str = Field(max_length=254)
    password: str = Field(min_length=10, max_length=1024)
    display_name: str = Field(min_length=1, max_length=100)
    display_name_kana: str | None = Field(default=None, min_length=1, max_length=100, pattern=KANA,
                                          examples=["サトウ ハル"], description="The name's reading in kana.")
    birth_date: dt.date | None = None
    home: Point | None = None
    needs: list[Need] = Field(default_factory=list, max_length=5)
    resident: bool = False
    phone: str | None = Field(default=None, max_length=30, pattern=r"^\+?[0-9][0-9 ()-]{5,28}$",
                              examples=["0274-52-1234"])


class AccountCreateRequest(RegisterRequest):
    """Opened by call-centre agents (riders only) or admins (any role)."""

    role: Literal["rider", "agent", "analyst", "admin"] = "rider"
    member_no: str | None = Field(default=None, min_length=1, max_length=30, pattern=r"^[A-Za-z0-9-]+$",
                                  description="The town's membership card number (unique).")


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
    phone: str | None = Field(default=None, description="Digits only.")
    member_no: str | None = None
    display_name_kana: str | None = Field(default=None, description="The name's reading in kana.")

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
    name: str = Field(description="In the request's language (Accept-Language): the English name when "
                                  "asked for and known, else the Japanese.")
    name_en: str
    mode: str
    kind: str
    created_at: dt.datetime

    @classmethod
    def of(cls, operator: Operator) -> OperatorOut:
        return cls(**operator.model_dump(exclude={"name"}), name=pick(operator.name, operator.name_en))


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
    name: str = Field(description="In the request's language (Accept-Language): the English name when "
                                  "asked for and known, else the Japanese.")
    name_kana: str
    name_en: str
    category: PlaceCategory
    location: Point

    @classmethod
    def of(cls, place: Place) -> PlaceOut:
        return cls(**place.model_dump(exclude={"lat", "lon", "name"}), name=pick(place.name, place.name_en),
                   location=Point(lat=place.lat, lon=place.lon))


class PlaceList(BaseModel):
    items: list[PlaceOut]


class ListQuery(Request):
    limit: int = Field(default=50, ge=1, le=500)
    offset: int = Field(default=0, ge=0)
    role: Literal["rider", "agent", "analyst", "admin"] | None = None


class AccountSearch(ListQuery):
    q: str | None = Field(default=None, min_length=2, max_length=100,
                          description="A caller's name (spaces ignored), email, phone number or member number.")


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
    name: str = Field(description="In the request's language (Accept-Language): the English name when "
                                  "asked for and known, else the Japanese.")
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
                   name=pick(stop.name, stop.name_en), **stop.model_dump(exclude={"lat", "lon", "name"}))


class StopList(BaseModel):
    items: list[StopOut]


# -- trip planning ---------------------------------------------------------------------------

_SPACE_OFFSET = re.compile(r"^(.*\d) (\d{2}:?\d{2})$")


def _plus_offset(value: Any) -> Any:
    """An offset whose '+' a query string decoded to a space ("08:00:00 09:00") gets it back."""
    if isinstance(value, str) and (match := _SPACE_OFFSET.match(value)):
        return f"{match[1]}+{match[2]}"
    return value


class PlaceIn(Request):
    """A stop (`stop_id`, as `feed:stop_id` or the feed's own id when unambiguous) or a
    coordinate (`lat` and `lon`, with an optional `name`)."""

    stop_id: str | None = Field(default=None, min_length=1, max_length=200, examples=["R03"])
    lat: float | None = Field(default=None, ge=-90, le=90, allow_inf_nan=False, examples=[36.4])
    lon: float | None = Field(default=None, ge=-180, le=180, allow_inf_nan=False, examples=[138.9])
    name: str = Field(default="", max_length=200)

    @model_validator(mode="after")
    def _one_form(self) -> PlaceIn:
        if self.stop_id is not None:
            if self.lat is not None or self.lon is not None:
                raise ValueError("give either stop_id or lat and lon, not both")
        elif self.lat is None or self.lon is None:
            raise ValueError("give stop_id, or both lat and lon")
        return self

    def to_domain(self) -> PlaceRef:
        return PlaceRef(stop_id=self.stop_id, lat=self.lat, lon=self.lon, name=self.name)


class ProfileIn(Request):
    """Omitted fields take the elderly defaults: 0.8 m/s, 500 m per walk, 3 changes, 180 s per change."""

    walk_speed_mps: float | None = Field(default=None, ge=0.2, le=3, allow_inf_nan=False)
    max_walk_m: int | None = Field(default=None, ge=0, le=5000)
    wheelchair: bool | None = None
    max_transfers: int | None = Field(default=None, ge=0, le=8)
    min_transfer_s: int | None = Field(default=None, ge=0, le=3600)
    avoid_bikes: bool | None = Field(default=None, description="Door-to-door: no bike or scooter legs.")
    concessions: list[Literal["senior", "disability"]] | None = Field(
        default=None, max_length=2, description="Door-to-door: concessions the rider may claim (proof is shown on board).")

    def to_domain(self) -> TravellerProfile:
        values = self.model_dump(exclude_none=True)
        if "concessions" in values:
            values["concessions"] = frozenset(values["concessions"])
        return TravellerProfile(**values)


class PlanRequest(Request):
    """Exactly one of `depart_at` and `arrive_by`, as an ISO 8601 datetime with its offset."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    from_: PlaceIn = Field(alias="from")
    to: PlaceIn
    depart_at: AwareDatetime | None = Field(default=None, examples=["2026-11-24T08:00:00+09:00"])
    arrive_by: AwareDatetime | None = None
    profile: ProfileIn | None = None
    max_itineraries: int = Field(default=5, ge=1, le=10)
    for_rider: str | None = Field(default=None, description="call-centre staff: the rider the plan is for")

    def to_domain(self) -> TripRequest:
        profile = self.profile.to_domain() if self.profile is not None else TravellerProfile()
        return TripRequest(origin=self.from_.to_domain(), destination=self.to.to_domain(),
                           depart_at=self.depart_at, arrive_by=self.arrive_by, profile=profile,
                           max_itineraries=self.max_itineraries)


class MoneyOut(BaseModel):
    amount_minor: int = Field(description="Integer minor units (yen have none).")
    currency: str

    @classmethod
    def of(cls, money: Money | None) -> MoneyOut | None:
        return None if money is None else cls(amount_minor=money.amount_minor, currency=money.currency)


class LegPlaceOut(BaseModel):
    name: str
    location: Point
    stop_id: str | None = Field(description="`feed:stop_id` when the place is a stop.")

    @classmethod
    def of(cls, place: LegPlace) -> LegPlaceOut:
        return cls(name=place.name, location=Point(lat=place.lat, lon=place.lon), stop_id=place.stop_id)


class LineStringOut(BaseModel):
    """A GeoJSON LineString (RFC 7946): [longitude, latitude] pairs, WGS 84."""

    type: Literal["LineString"] = "LineString"
    coordinates: list[tuple[float, float]]

    @classmethod
    def of_path(cls, path: tuple[tuple[float, float], ...]) -> LineStringOut:
        return cls(coordinates=[(lon, lat) for lat, lon in path])


class WalkLegOut(BaseModel):
    mode: Literal["walk"]
    origin: LegPlaceOut
    destination: LegPlaceOut
    departure: dt.datetime
    arrival: dt.datetime
    duration_s: int
    distance_m: int
    street_model: Literal["streets", "straight_line"] = Field(
        description="How the walk was measured: on the OSM streets (MAAS_OSM_FILE) or as the straight line x 1.3.")
    geometry: LineStringOut = Field(
        description="The walk's path from its origin to its destination (a straight segment when not on streets).")

    @classmethod
    def of(cls, leg: WalkLeg) -> WalkLegOut:
        path = leg.path or ((leg.origin.lat, leg.origin.lon), (leg.destination.lat, leg.destination.lon))
        return cls(**leg.model_dump(exclude={"origin", "destination", "path", "street_model"}),
                   origin=LegPlaceOut.of(leg.origin), destination=LegPlaceOut.of(leg.destination),
                   street_model="streets" if leg.street_model == "streets" else "straight_line",
                   geometry=LineStringOut.of_path(path))


class AlertOut(BaseModel):
    id: str
    cause: str = Field(description="GTFS-RT Alert cause, e.g. WEATHER, ACCIDENT, UNKNOWN_CAUSE.")
    effect: str = Field(description="GTFS-RT Alert effect, e.g. NO_SERVICE, SIGNIFICANT_DELAYS, DETOUR.")
    header: str = Field(description="In the language Accept-Language asked for when the source has it.")
    description: str
    url: str | None

    @classmethod
    def of(cls, alert: ServiceAlert) -> AlertOut:
        language = current()
        return cls(id=alert.id, cause=alert.cause, effect=alert.effect, header=alert.text(alert.header, language),
                   description=alert.text(alert.description, language), url=alert.url)


class TransitLegOut(BaseModel):
    mode: Literal["transit"]
    origin: LegPlaceOut = Field(description="Where the rider boards.")
    destination: LegPlaceOut = Field(description="Where the rider alights.")
    departure: dt.datetime = Field(description="Scheduled.")
    arrival: dt.datetime
    duration_s: int
    trip_id: str
    route_id: str
    route_short_name: str
    route_long_name: str
    route_type: int = Field(description="GTFS route_type: 2 rail, 3 bus, 1501 communal taxi.")
    route_color: str
    agency_name: str
    operator_office: str = Field(description="GTFS-JP office_jp operator office; empty when none.")
    headsign: str
    wheelchair_accessible: bool | None
    stay_seated: bool = Field(description="Continues on board from the previous leg's vehicle.")
    fare: MoneyOut | None = Field(description="None when the feed has no fare for this ride.")
    offer_id: str | None = Field(default=None, description="Book this ride's ticket with this offer id (POST "
                                 "/v1/bookings); null when it has no fare or the platform sells no tickets.")
    expected_departure: dt.datetime | None = Field(
        default=None, description="Real time at the boarding stop; null when no source predicts it.")
    expected_arrival: dt.datetime | None = Field(default=None, description="Real time at the alighting stop.")
    cancelled: bool = Field(default=False, description="The trip is cancelled, or skips the boarding or "
                            "alighting stop.")
    alerts: list[AlertOut] = Field(default_factory=list, description="Service alerts touching the leg's trip, "
                                   "route or stops at its time.")

    @classmethod
    def of(cls, leg: TransitLeg) -> TransitLegOut:
        return cls(**leg.model_dump(exclude={"origin", "destination", "fare", "alerts"}),
                   origin=LegPlaceOut.of(leg.origin), destination=LegPlaceOut.of(leg.destination),
                   fare=MoneyOut.of(leg.fare), alerts=[AlertOut.of(a) for a in leg.alerts])


class ItineraryOut(BaseModel):
    departure: dt.datetime
    arrival: dt.datetime
    duration_s: int
    transfers: int
    walk_distance_m: int
    fare: MoneyOut | None = Field(description="Sum of the legs' fares when every transit leg has one.")
    legs: list[WalkLegOut | TransitLegOut]

    @classmethod
    def of(cls, it: Itinerary) -> ItineraryOut:
        legs: list[WalkLegOut | TransitLegOut] = [
            WalkLegOut.of(leg) if isinstance(leg, WalkLeg) else TransitLegOut.of(leg) for leg in it.legs]
        return cls(departure=it.departure, arrival=it.arrival, duration_s=it.duration_s, transfers=it.transfers,
                   walk_distance_m=it.walk_distance_m, fare=MoneyOut.of(it.fare), legs=legs)


class PlanResponse(BaseModel):
    itineraries: list[ItineraryOut]
    service_date: dt.date = Field(description="The transit service day searched, in the feeds' timezone.")
    timezone: str
    reason: Literal["no_connection", "origin_is_destination"] | None = Field(
        description="Why there is no itinerary, or why the only one has no legs.")

    @classmethod
    def of(cls, plan: TripPlan) -> PlanResponse:
        return cls(itineraries=[ItineraryOut.of(it) for it in plan.itineraries], service_date=plan.service_date,
                   timezone=plan.timezone, reason=plan.reason)


class DeparturesQuery(Request):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    from_: AwareDatetime | None = Field(default=None, alias="from",
                                        description="ISO 8601 with offset (encode + as %2B); default now.")
    limit: int = Field(default=10, ge=1, le=50)

    @field_validator("from_", mode="before")
    @classmethod
    def _offset(cls, value: Any) -> Any:
        return _plus_offset(value)


class DepartureOut(BaseModel):
    stop: LegPlaceOut
    departure: dt.datetime
    trip_id: str
    route_id: str
    route_short_name: str
    route_long_name: str
    route_type: int
    route_color: str
    agency_name: str
    headsign: str
    wheelchair_accessible: bool | None
    expected_departure: dt.datetime | None = Field(default=None, description="Real time; null when no source "
                                                   "predicts it (then `departure`, the schedule, stands).")
    delay_s: int | None = Field(default=None, description="Expected minus scheduled departure.")
    cancelled: bool = False
    skipped: bool = Field(default=False, description="The trip runs but does not call at this stop.")
    alerts: list[AlertOut] = Field(default_factory=list)

    @classmethod
    def of(cls, departure: Departure) -> DepartureOut:
        return cls(**departure.model_dump(exclude={"stop", "alerts"}), stop=LegPlaceOut.of(departure.stop),
                   alerts=[AlertOut.of(a) for a in departure.alerts])


class DepartureBoardOut(BaseModel):
    stop: LegPlaceOut
    service_date: dt.date
    timezone: str
    departures: list[DepartureOut]

    @classmethod
    def of(cls, board: DepartureBoard) -> DepartureBoardOut:
        return cls(stop=LegPlaceOut.of(board.stop), service_date=board.service_date, timezone=board.timezone,
                   departures=[DepartureOut.of(d) for d in board.departures])
