"""The on-demand service's settings: its vans, fare, service times and promises, read from JSON.

Service area, hours and booking notice are not here: they come from the operator's GTFS-Flex
feed (`flex`), so riders are refused by the same rules the published feed announces.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from maas.domain.accounts import GeoPoint
from maas.domain.planning import CONCESSIONS
from operators.validation import known_time_zone


class DriverBreak(BaseModel):
    """A rest at the depot starting between two times, with the van empty."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    earliest_start: dt.time
    latest_start: dt.time
    duration_s: int = Field(ge=60, le=4 * 3600)


class Van(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    id: str = Field(min_length=1, max_length=100)
    seats: int = Field(ge=1, le=30)
    wheelchair_places: int = Field(default=0, ge=0, le=6)
    shift_start: dt.time
    shift_end: dt.time
    depot: GeoPoint
    breaks: tuple[DriverBreak, ...] = Field(default=(), max_length=4)

    @model_validator(mode="after")
    def _shift(self) -> Van:
        if self.shift_end <= self.shift_start:
            raise ValueError(f"van {self.id}: the shift ends before it starts")
        for rest in self.breaks:
            if not self.shift_start <= rest.earliest_start <= rest.latest_start <= self.shift_end:
                raise ValueError(f"van {self.id}: a break must start within the shift, earliest first")
        return self


class Promise(BaseModel):
    """How requests become windows: the rider's flexibility and what the operator promises."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    flexible_before_s: int = Field(default=0, ge=0, le=7200)  # pickup may be this much before the time asked
    flexible_after_s: int = Field(default=1800, ge=0, le=7200)  # ... or this much after
    before_s: int = Field(default=300, ge=0, le=3600)  # promised window around the scheduled pickup
    after_s: int = Field(default=600, ge=0, le=3600)
    max_ride_factor: float = Field(default=1.5, ge=1.0, le=5.0)  # of the direct ride, never below the floor
    max_ride_floor_s: int = Field(default=900, ge=60, le=7200)


class Fare(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    per_traveller: int = Field(ge=0)  # minor units
    concessions: dict[str, int] = Field(default_factory=dict)  # the rider's own fare by concession
    currency: str = Field(default="JPY", pattern=r"^[A-Z]{3}$")
    free_cancellation_before_s: int = Field(default=3600, ge=0)  # before the promised window opens
    cancellation_fee: int = Field(default=0, ge=0)


    @field_validator("concessions")
    @classmethod
    def _known(cls, value: dict[str, int]) -> dict[str, int]:
        if set(value) - CONCESSIONS or any(v < 0 for v in value.values()):
            raise ValueError(f"concession fares: known concessions are {sorted(CONCESSIONS)}, prices >= 0")
        return value

    def price(self, travellers: int, concessions: frozenset[str]) -> tuple[int, str]:
        """The party's fare and the concession it includes (the rider's, shown on board)."""
        granted = sorted((self.concessions[c], c) for c in concessions if c in self.concessions)
        if not granted:
            return self.per_traveller * travellers, ""
        own, name = granted[0]
        return own + self.per_traveller * (travellers - 1), name


class OnDemandConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    operator_id: str = Field(min_length=1)
    name: str = ""
    timezone: str = "Asia/Tokyo"
    flex: str  # folder or zip of the GTFS-Flex feed, relative to the config file
    vans: tuple[Van, ...] = Field(min_length=1)
    fare: Fare
    promise: Promise = Promise()
    boarding_s: int = Field(default=60, ge=0, le=1800)
    wheelchair_boarding_s: int = Field(default=240, ge=0, le=1800)  # ramp or lift, belts
    alighting_s: int = Field(default=60, ge=0, le=1800)
    road_factor: float = Field(default=1.3, ge=1.0, le=3.0)
    speed_mps: float = Field(default=7.0, gt=0, le=40)  # door-to-door average in a small town
    offer_validity_s: int = Field(default=300, ge=10, le=86_400)
    hold_s: int = Field(default=600, ge=10, le=86_400)  # a conditional booking lapses unless confirmed
    reoptimise_s: float = Field(default=0.0, ge=0, le=600)  # background solve after each booking; 0: off

    _zone = field_validator("timezone")(known_time_zone)

    @model_validator(mode="after")
    def _unique_vans(self) -> OnDemandConfig:
        ids = [v.id for v in self.vans]
        if len(set(ids)) != len(ids):
            raise ValueError("van ids must be unique")
        return self

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def largest_party(self) -> int:
        return max(v.seats for v in self.vans)


def load_config(path: Path) -> OnDemandConfig:
    """The service settings in `path`; ValueError naming the file and the field otherwise."""
    try:
        return OnDemandConfig.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path}: {exc}") from exc
    except ValidationError as exc:
        raise ValueError(f"{path}: {exc}") from exc
