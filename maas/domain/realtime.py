"""Real time as riders and operators see it: expected calls, service alerts, sources' freshness.

`RealtimeInfo` is the port a GTFS-Realtime adapter implements; the use cases annotate plans and
departure boards with it (scheduled times stay; expected ones sit beside them) and health
reports each source's freshness.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict


class ServiceAlert(BaseModel):
    """A GTFS-RT Alert: texts by language ("" for untagged), cause and effect as GTFS-RT names them."""

    model_config = ConfigDict(frozen=True)
    id: str
    cause: str
    effect: str
    header: dict[str, str]
    description: dict[str, str]
    url: str | None = None

    def text(self, texts: dict[str, str], language: str) -> str:
        """The text in `language` (its primary subtag: "en" takes "en-US"), else untagged, else any."""
        for key, value in texts.items():
            if key.split("-")[0].lower() == language:
                return value
        return texts.get("", next(iter(texts.values()), ""))


class CallStatus(BaseModel):
    """Real time at one call of a trip: the expected instant (None when no prediction), its delay."""

    model_config = ConfigDict(frozen=True)
    expected: dt.datetime | None
    delay_s: int | None
    skipped: bool = False  # the stop is not served on this run
    cancelled: bool = False  # the whole trip is cancelled


SourceState = Literal["fresh", "stale", "broken", "waiting"]


class RealtimeSourceStatus(BaseModel):
    model_config = ConfigDict(frozen=True)
    name: str
    feed: str  # the static feed's key whose trips it updates
    state: SourceState  # waiting: nothing fetched yet
    last_success_at: dt.datetime | None
    age_s: int | None  # since the last good message
    failures: int  # in a row
    error: str | None
    skipped: dict[str, int]  # entities and messages left out since start, by reason


class RealtimeInfo(Protocol):
    """Real-time knowledge of the network; cheap, in memory (safe on the event loop)."""

    def call(self, trip_id: str, service_date: dt.date, stop_id: str, scheduled: dt.datetime, *,
             departure: bool) -> CallStatus | None:
        """The call of `trip_id` ("feed:trip") at `stop_id` ("feed:stop") scheduled at `scheduled`;
        None when real time says nothing about the trip."""
        ...

    def alerts(self, at: dt.datetime, *, trip_id: str | None = None, route_id: str | None = None,
               route_type: int | None = None, stop_ids: Sequence[str] = ()) -> tuple[ServiceAlert, ...]:
        """Alerts active at `at` informing the trip, its route (or route type), one of the stops or
        their agency."""
        ...

    def statuses(self, now: dt.datetime) -> tuple[RealtimeSourceStatus, ...]: ...


class VehicleFix(BaseModel):
    """Where a vehicle was last known to be, and when: published as a GTFS-RT VehiclePosition."""

    model_config = ConfigDict(frozen=True)
    vehicle_id: str
    label: str
    lat: float
    lon: float
    at: dt.datetime
    status: Literal["STOPPED_AT", "IN_TRANSIT_TO"] = "STOPPED_AT"


class RealtimePublisher(Protocol):
    """Encodes what the platform publishes as GTFS-Realtime."""

    def vehicle_positions(self, fixes: Sequence[VehicleFix], at: dt.datetime) -> bytes: ...

    def as_json(self, message: bytes) -> str: ...
