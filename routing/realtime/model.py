"""GTFS-Realtime content as plain frozen values: trip updates, alerts, vehicle positions.

The reader (`routing.realtime.reader`) turns a FeedMessage into these; nothing here knows
protobuf. Instants are POSIX seconds (as GTFS-RT carries them); delays are seconds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

StopRelationship = Literal["SCHEDULED", "SKIPPED", "NO_DATA", "UNSCHEDULED"]
TripRelationship = Literal["SCHEDULED", "ADDED", "UNSCHEDULED", "CANCELED", "REPLACEMENT", "DUPLICATED",
                           "DELETED", "NEW"]


@dataclass(frozen=True)
class StopTimeUpdate:
    """One StopTimeUpdate: matched to the static trip by stop_sequence, else by stop_id."""

    stop_sequence: int | None = None
    stop_id: str | None = None
    arrival_time: int | None = None  # POSIX seconds
    arrival_delay_s: int | None = None
    departure_time: int | None = None
    departure_delay_s: int | None = None
    relationship: StopRelationship = "SCHEDULED"


@dataclass(frozen=True)
class TripUpdate:
    entity_id: str
    trip_id: str
    start_date: str | None = None  # YYYYMMDD, the trip's service date
    start_time: str | None = None
    route_id: str | None = None
    relationship: TripRelationship = "SCHEDULED"
    delay_s: int | None = None  # TripUpdate.delay: for stops no StopTimeUpdate reaches
    timestamp: int | None = None
    vehicle_id: str | None = None
    stops: tuple[StopTimeUpdate, ...] = ()


@dataclass(frozen=True)
class InformedEntity:
    agency_id: str | None = None
    route_id: str | None = None
    route_type: int | None = None
    stop_id: str | None = None
    trip_id: str | None = None


@dataclass(frozen=True)
class ActivePeriod:
    start: int | None = None  # POSIX seconds; open when None
    end: int | None = None

    def covers(self, instant: int) -> bool:
        return (self.start is None or self.start <= instant) and (self.end is None or instant <= self.end)


@dataclass(frozen=True)
class Alert:
    entity_id: str
    informed: tuple[InformedEntity, ...]
    active_periods: tuple[ActivePeriod, ...] = ()
    cause: str = "UNKNOWN_CAUSE"
    effect: str = "UNKNOWN_EFFECT"
    header: dict[str, str] = field(default_factory=dict)  # language ("" when untagged) -> text
    description: dict[str, str] = field(default_factory=dict)
    url: dict[str, str] = field(default_factory=dict)

    def active_at(self, instant: int) -> bool:
        """No active period means always active (the spec's reading)."""
        return not self.active_periods or any(p.covers(instant) for p in self.active_periods)

    def text(self, texts: dict[str, str], language: str) -> str | None:
        """The translation in `language` ("en" also takes "en-US"), else the untagged one, else any."""
        if language in texts:
            return texts[language]
        primary = language.split("-")[0].lower()
        for key, text in texts.items():
            if key.split("-")[0].lower() == primary:
                return text
        return texts.get("", next(iter(texts.values()), None))


@dataclass(frozen=True)
class VehiclePosition:
    entity_id: str
    latitude: float
    longitude: float
    vehicle_id: str | None = None
    label: str | None = None
    trip_id: str | None = None
    start_date: str | None = None
    route_id: str | None = None
    bearing: float | None = None
    speed_mps: float | None = None
    timestamp: int | None = None
    current_stop_sequence: int | None = None
    stop_id: str | None = None
    status: str | None = None  # INCOMING_AT, STOPPED_AT, IN_TRANSIT_TO


@dataclass(frozen=True)
class FeedContent:
    """What one FeedMessage says, plus the entities the reader could not use and why."""

    timestamp: int | None
    incrementality: str
    trip_updates: tuple[TripUpdate, ...] = ()
    alerts: tuple[Alert, ...] = ()
    vehicles: tuple[VehiclePosition, ...] = ()
    rejected: tuple[tuple[str, str], ...] = ()  # (entity id, reason)
