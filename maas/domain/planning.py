"""Trip planning vocabulary: what a rider asks for (ends, time, traveller profile) and the
itineraries of walk and transit legs the planner answers with."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from maas.domain.realtime import ServiceAlert


class Money(BaseModel):
    """An integer amount of the currency's minor unit (yen have none) and its ISO 4217 code."""

    model_config = ConfigDict(frozen=True)
    amount_minor: int
    currency: str


CONCESSIONS = frozenset({"senior", "disability"})  # what a rider may be eligible for; checked on board


class TravellerProfile(BaseModel):
    """How the rider travels. The defaults are the elderly profile (slow, short walks, a
    generous margin per change) that the service assumes unless told otherwise."""

    model_config = ConfigDict(frozen=True)
    walk_speed_mps: float = Field(default=0.8, gt=0, le=3)
    max_walk_m: int = Field(default=500, ge=0, le=5000)  # each access, egress or transfer walk
    wheelchair: bool = False
    max_transfers: int = Field(default=3, ge=0, le=8)
    min_transfer_s: int = Field(default=180, ge=0, le=3600)
    avoid_bikes: bool = False  # no bike or scooter legs in door-to-door options
    concessions: frozenset[str] = frozenset()  # senior, disability: operators price what they grant

    @field_validator("concessions")
    @classmethod
    def _known_concessions(cls, value: frozenset[str]) -> frozenset[str]:
        if value - CONCESSIONS:
            raise ValueError(f"unknown concessions: {', '.join(sorted(value - CONCESSIONS))}")
        return value


class PlaceRef(BaseModel):
    """One end of a trip: a stop id, or a coordinate (with an optional label)."""

    model_config = ConfigDict(frozen=True)
    stop_id: str | None = None
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    name: str = ""

    @model_validator(mode="after")
    def _one_form(self) -> PlaceRef:
        point = self.lat is not None and self.lon is not None
        if (self.stop_id is None) == (not point) or (self.lat is None) != (self.lon is None):
            raise ValueError("give either stop_id or both lat and lon")
        return self


class TripRequest(BaseModel):
    model_config = ConfigDict(frozen=True)
    origin: PlaceRef
    destination: PlaceRef
    depart_at: dt.datetime | None = None  # exactly one of depart_at and arrive_by, with an offset
    arrive_by: dt.datetime | None = None
    profile: TravellerProfile = TravellerProfile()
    max_itineraries: int = Field(default=5, ge=1, le=20)


class LegPlace(BaseModel):
    model_config = ConfigDict(frozen=True)
    name: str
    lat: float
    lon: float
    stop_id: str | None = None  # "feed:stop_id" when the place is a stop


class WalkLeg(BaseModel):
    model_config = ConfigDict(frozen=True)
    mode: Literal["walk"] = "walk"
    origin: LegPlace
    destination: LegPlace
    departure: dt.datetime
    arrival: dt.datetime
    duration_s: int
    distance_m: int


class TransitLeg(BaseModel):
    model_config = ConfigDict(frozen=True)
    mode: Literal["transit"] = "transit"
    origin: LegPlace  # where the rider boards
    destination: LegPlace  # where the rider alights
    departure: dt.datetime  # scheduled
    arrival: dt.datetime
    duration_s: int
    trip_id: str
    route_id: str
    route_short_name: str
    route_long_name: str
    route_type: int  # GTFS: 2 rail, 3 bus, 1501 communal taxi
    route_color: str
    agency_name: str
    operator_office: str  # GTFS-JP office_jp, "" when none
    headsign: str
    wheelchair_accessible: bool | None  # None when the feed does not say
    stay_seated: bool  # continues on board from the previous leg's vehicle
    fare: Money | None  # None when the feed has no fare for this ride
    offer_id: str | None = None  # a ticket offer for this ride, when the platform sells one
    # Real time (maas.domain.realtime), when a source covers the trip: None means no prediction.
    expected_departure: dt.datetime | None = None
    expected_arrival: dt.datetime | None = None
    cancelled: bool = False  # the trip is cancelled, or the boarding or alighting stop is skipped
    alerts: tuple[ServiceAlert, ...] = ()


Leg = WalkLeg | TransitLeg


class Itinerary(BaseModel):
    model_config = ConfigDict(frozen=True)
    departure: dt.datetime
    arrival: dt.datetime
    duration_s: int
    transfers: int
    walk_distance_m: int
    legs: tuple[Leg, ...]
    fare: Money | None  # every transit leg priced, one currency; None otherwise


class TripPlan(BaseModel):
    """Itineraries best first. reason says why there are none ("no_connection") or why the
    only one has no legs ("origin_is_destination")."""

    model_config = ConfigDict(frozen=True)
    itineraries: tuple[Itinerary, ...]
    service_date: dt.date
    timezone: str
    reason: str | None = None


class Departure(BaseModel):
    model_config = ConfigDict(frozen=True)
    stop: LegPlace
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
    expected_departure: dt.datetime | None = None  # real time; None when no prediction
    delay_s: int | None = None
    cancelled: bool = False
    skipped: bool = False  # the trip runs but does not call here
    alerts: tuple[ServiceAlert, ...] = ()


class DepartureBoard(BaseModel):
    model_config = ConfigDict(frozen=True)
    stop: LegPlace
    service_date: dt.date
    timezone: str
    departures: tuple[Departure, ...]
