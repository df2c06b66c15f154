"""Scenario comparisons and route performance: the parameters an analyst sends and the port that
computes them (issue 7, "municipal tools").

A scenario is the accessibility study's parameters plus a list of edits to the network (change a
route's headway or span, remove it, add one, replace routes by an on-demand zone) and an optional
cost model. The `ScenarioEngine` port applies the edits to the network's feeds, routes both
networks the same way and compares them; it also measures the routes of the network on a date.
Clock times are "HH:MM" or "HH:MM:SS" of the service day and may pass 24:00 as in GTFS.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, Protocol

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from maas.domain.analyses import AccessibilityParams, Matrix, MatrixRequest, Progress

ClockText = Annotated[str, Field(pattern=r"^\d{1,2}:[0-5]\d(:[0-5]\d)?$", examples=["08:30"])]
RouteId = Annotated[str, Field(min_length=1, max_length=200)]
MAX_PERIOD_DAYS = 31


def clock_s(text: str) -> int:
    """Service-day seconds of "HH:MM[:SS]" (hours may pass 24)."""
    parts = [int(p) for p in text.split(":")]
    return parts[0] * 3600 + parts[1] * 60 + (parts[2] if len(parts) > 2 else 0)


class _Spec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class _Span(_Spec):
    @model_validator(mode="after")
    def _ordered(self) -> Any:
        start, end = getattr(self, "start", None), getattr(self, "end", None)
        if start is not None and end is not None and clock_s(end) <= clock_s(start):
            raise ValueError("end must be after start")
        return self


class SetHeadwayEdit(_Span):
    """Rebuild the route's trips at a new headway (within [start, end) when given, per direction)."""

    type: Literal["set_headway"] = "set_headway"
    route_id: RouteId
    headway_min: int = Field(ge=1, le=720)
    start: ClockText | None = None
    end: ClockText | None = None
    service_id: str | None = Field(default=None, max_length=200)

    @model_validator(mode="after")
    def _both(self) -> SetHeadwayEdit:
        if (self.start is None) != (self.end is None):
            raise ValueError("give both start and end, or neither")
        return self


class SetSpanEdit(_Span):
    """Keep only the route's trips starting within [start, end)."""

    type: Literal["set_span"] = "set_span"
    route_id: RouteId
    start: ClockText
    end: ClockText


class RemoveRouteEdit(_Spec):
    type: Literal["remove_route"] = "remove_route"
    route_id: RouteId


class NewStopSpec(_Spec):
    stop_id: str = Field(min_length=1, max_length=200)
    name: str = Field(min_length=1, max_length=200)
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class AddRouteEdit(_Span):
    """A new route over existing and new stops, every headway_min from start until before end."""

    type: Literal["add_route"] = "add_route"
    route_id: RouteId
    name: str = Field(min_length=1, max_length=200)
    route_type: int = Field(default=3, ge=0, le=1702)
    stop_ids: list[str] = Field(min_length=2, max_length=200)
    run_times_min: list[float] = Field(min_length=1, max_length=199, description="between consecutive stops")
    headway_min: int = Field(ge=1, le=720)
    start: ClockText
    end: ClockText
    service_id: str | None = Field(default=None, max_length=200)
    weekdays: list[bool] | None = Field(default=None, min_length=7, max_length=7, description="Monday .. Sunday")
    new_stops: list[NewStopSpec] = Field(default=[], max_length=200)
    both_directions: bool = False

    @model_validator(mode="after")
    def _consistent(self) -> AddRouteEdit:
        if len(self.run_times_min) != len(self.stop_ids) - 1:
            raise ValueError("run_times_min needs one value fewer than stop_ids")
        if any(t < 0 for t in self.run_times_min):
            raise ValueError("run times must not be negative")
        if (self.service_id is None) == (self.weekdays is None):
            raise ValueError("give service_id or weekdays, not both")
        if self.weekdays is not None and not any(self.weekdays):
            raise ValueError("weekdays needs at least one day")
        return self


class LatLon(_Spec):
    """A point outside GeoJSON: always an object with named fields, never a bare pair."""

    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class ZonePolygon(_Spec):
    """A GeoJSON Polygon (RFC 7946): rings of [lon, lat] positions, the outer ring first."""

    type: Literal["Polygon"] = "Polygon"
    coordinates: list[list[tuple[float, float]]] = Field(min_length=1, max_length=20)

    @model_validator(mode="after")
    def _rings(self) -> ZonePolygon:
        for ring in self.coordinates:
            if len(set(ring)) < 3 or len(ring) > 500:
                raise ValueError("each ring needs 3 to 500 distinct corners")
            if any(not (-180 <= x <= 180 and -90 <= y <= 90) for x, y in ring):
                raise ValueError("positions are [lon, lat] (GeoJSON order)")
        return self

    @property
    def outer(self) -> tuple[tuple[float, float], ...]:
        return tuple(self.coordinates[0])

    def corners(self) -> list[tuple[float, float]]:
        """Every (lon, lat) position of every ring."""
        return [p for ring in self.coordinates for p in ring]


def _zone_from_pairs(value: Any) -> Any:
    """Analyses stored before the zone was GeoJSON kept a bare ring of (lon, lat) pairs: the same order."""
    if isinstance(value, (list, tuple)) and value and isinstance(value[0], (list, tuple)) \
            and value[0] and not isinstance(value[0][0], (list, tuple)):
        return {"type": "Polygon", "coordinates": [list(value)]}
    return value


def _depot_from_pair(value: Any) -> Any:
    """Analyses stored before the depot was an object kept a (lat, lon) pair."""
    if isinstance(value, (list, tuple)) and len(value) == 2:
        return {"lat": value[0], "lon": value[1]}
    return value


class ReplaceByOnDemandEdit(_Span):
    """Remove routes and run an on-demand zone instead, with its own vans: in the "after" network they
    carry riders inside the zone during [start, end) (directly, or to and from stops in the zone) at
    speed_kmh after a wait of wait_min (or the simulated day's median wait when longer); the day's demand
    (synthetic: trips_per_person_day per resident inside the zone) is planned on the vans to check their
    capacity, and riders they cannot take are counted as not served."""

    type: Literal["replace_by_on_demand"] = "replace_by_on_demand"
    route_ids: list[RouteId] = Field(min_length=1, max_length=50)
    zone: Annotated[ZonePolygon, BeforeValidator(_zone_from_pairs)]
    vehicles: int = Field(ge=1, le=50)
    seats: int = Field(ge=1, le=60)
    start: ClockText
    end: ClockText
    depot: Annotated[LatLon | None, BeforeValidator(_depot_from_pair)] = Field(
        default=None, description="{lat, lon}; default: the zone's centre")
    # "recorded": the on-demand rides booked on the date with both ends in the zone; "synthetic":
    # trips_per_person_day per resident inside the zone, drawn from the population field.
    demand: Literal["recorded", "synthetic"] = "recorded"
    trips_per_person_day: float = Field(default=0.02, ge=0, le=2)
    fare_yen: int = Field(default=0, ge=0, le=100_000, description="per rider, for revenue")
    speed_kmh: float = Field(default=25.0, ge=5, le=80, description="door-to-door average on the road")
    wait_min: int = Field(default=10, ge=0, le=120, description="from the request to the pickup, at least")
    booking_lead_min: int = Field(default=30, ge=0, le=24 * 60,
                                  description="how long ahead a ride is booked (not part of the trip's time)")

    def depot_point(self) -> tuple[float, float]:
        """(lat, lon) of the depot, or the mean of the outer ring's corners."""
        if self.depot is not None:
            return self.depot.lat, self.depot.lon
        ring = self.zone.outer
        return sum(y for _, y in ring) / len(ring), sum(x for x, _ in ring) / len(ring)


AnyEdit = SetHeadwayEdit | SetSpanEdit | RemoveRouteEdit | AddRouteEdit | ReplaceByOnDemandEdit
EditSpec = Annotated[AnyEdit, Field(discriminator="type")]


class CostModelSpec(_Spec):
    """What the operator charges the municipality, in yen."""

    per_vehicle_hour_yen: int = Field(default=0, ge=0, le=10_000_000)
    per_km_yen: int = Field(default=0, ge=0, le=1_000_000)
    per_trip_yen: int = Field(default=0, ge=0, le=10_000_000)


class ScenarioParams(AccessibilityParams):
    edits: list[EditSpec] = Field(min_length=1, max_length=50)
    # Another scenario to compare against instead of today's network (two scenarios side by side).
    baseline_edits: list[EditSpec] = Field(default_factory=list, max_length=50)
    cost_model: CostModelSpec | None = None
    seed: int = Field(default=0, ge=0, le=2**31 - 1)
    # Riders per day of fixed routes (ids as in the edits), for their fare revenue; routes left out earn
    # nothing modelled (the summary says which routes had riders and where they came from).
    route_riders_per_day: dict[RouteId, Annotated[float, Field(ge=0, le=1_000_000)]] = Field(
        default_factory=dict, max_length=500)


class RoutePerformanceParams(_Spec):
    """Routes of the network and the on-demand service over [date, end_date] (at most 31 days)."""

    date: dt.date
    end_date: dt.date | None = None
    cost_model: CostModelSpec = CostModelSpec()
    transit_operator_id: str = Field(default="transit", min_length=1, max_length=100)
    on_demand_operator_id: str | None = Field(default="noriai", max_length=100)
    timezone: str = Field(default="Asia/Tokyo", min_length=1, max_length=64)  # of the service days

    @model_validator(mode="after")
    def _period(self) -> RoutePerformanceParams:
        end = self.end_date or self.date
        if end < self.date:
            raise ValueError("end_date must not be before date")
        if (end - self.date).days + 1 > MAX_PERIOD_DAYS:
            raise ValueError(f"at most {MAX_PERIOD_DAYS} days")
        return self

    def dates(self) -> list[dt.date]:
        end = self.end_date or self.date
        return [self.date + dt.timedelta(days=k) for k in range((end - self.date).days + 1)]


# -- what the engine returns -----------------------------------------------------------------
@dataclass(frozen=True)
class RouteFigures:
    """One route's scheduled service on a date (routing.scenarios.route_performance)."""

    route_id: str  # as in its feed
    name: str
    route_type: int
    trips: int
    service_hours: float
    service_km: float
    distance_source: str = ""
    first_departure_s: int | None = None
    last_departure_s: int | None = None
    mean_headway_s: float | None = None
    feed_key: str = ""  # the planner's ids are "<feed_key>:<route_id>"


@dataclass(frozen=True)
class RecordedTrip:
    """A trip that happened (a booked on-demand ride), as demand for a scenario's vans."""

    origin_lat: float
    origin_lon: float
    destination_lat: float
    destination_lon: float
    requested_s: int  # seconds after the service date's local midnight
    party_size: int = 1
    source: str = ""  # e.g. "on-demand rides of noriai"


@dataclass(frozen=True)
class RouteRiders:
    """Riders per day of fixed routes before the edits, and where each figure came from."""

    per_day: dict[str, float] = field(default_factory=dict)  # route id (as in its feed) -> riders
    source: dict[str, str] = field(default_factory=dict)  # route id -> "given", "recorded", ...


@dataclass(frozen=True)
class AccessChange:
    category: str
    percentile: int
    minutes: int
    gained: tuple[str, ...]  # cell ids reaching the category within T only after the edits
    lost: tuple[str, ...]
    residents_gained: float
    residents_lost: float
    residents_65_plus_gained: float
    residents_65_plus_lost: float
    # Gains inside a scenario's on-demand zone count only the share of riders its vans could take.
    residents_gained_served: float | None = None
    residents_65_plus_gained_served: float | None = None


@dataclass(frozen=True)
class ScenarioOutcome:
    before: Matrix  # [percentile][origin][destination] seconds, inf: not reached
    after: Matrix
    access: list[AccessChange]
    routes_before: list[RouteFigures]
    routes_after: list[RouteFigures]
    economics: dict[str, Any] | None = None  # totals and per service, JSON values
    on_demand: list[dict[str, Any]] = field(default_factory=list)  # simulated days, JSON values


class ScenarioEngine(Protocol):
    """Edits the network's feeds and compares (CPU-bound: call it in a worker thread)."""

    name: str

    def check_edits(self, edits: Sequence[AnyEdit], baseline_edits: Sequence[AnyEdit] = ()) -> None:
        """InvalidRequest (fields parameters.edits.<i>... or parameters.baseline_edits.<i>...) when an
        edit names unknown routes or stops."""
        ...

    def compare(self, request: MatrixRequest, edits: Sequence[AnyEdit], *, thresholds_min: Sequence[int],
                cost_model: CostModelSpec | None, seed: int, progress: Progress,
                baseline_edits: Sequence[AnyEdit] = (),
                route_riders: RouteRiders | None = None,
                recorded_trips: Sequence[RecordedTrip] = ()) -> ScenarioOutcome:
        """The scenario (baseline edits, then `edits`) against the baseline (today's network with the
        baseline edits, none by default). The scenario's on-demand zones are routed in "after" in place
        of the request's on-demand rides; route_riders price the fixed routes' fares; a zone asking for recorded
        demand is planned on the recorded trips with both ends inside it."""
        ...

    def route_figures(self, date: dt.date) -> list[RouteFigures]:
        """Every route of the network with what it runs on the date (zero trips when idle)."""
        ...

    def network_lines(self) -> dict[str, Any]:
        """Today's routes as lines ([lon, lat] stops of their longest trip) and their stops, for maps."""
        ...

    def check_region(self, points: Sequence[tuple[str, float, float]]) -> None:
        """OutsideRegion naming the field of the first (field, lat, lon) far from every stop of the network."""
        ...
