"""Municipal analyses: a long-running job (an accessibility study first) with its state and results.

An `Analysis` is created QUEUED, becomes RUNNING while a worker computes it (its progress goes
from 0 to 1 with a message), and ends DONE with a results summary or FAILED with an error. Each
kind has its own validated parameters; `AnalysisKind` is the extension point (scenario
comparisons and route performance are further kinds). The `AccessibilityEngine` port computes
travel-time matrices as plain lists so that this layer needs neither numpy nor the router.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Annotated, Any, Literal, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from maas.domain.planning import TravellerProfile

ELDERLY = TravellerProfile()  # the planner's defaults are the elderly profile


class AnalysisKind(str, Enum):
    ACCESSIBILITY = "accessibility"
    SCENARIO = "scenario"  # parameters: maas.domain.scenarios.ScenarioParams
    ROUTE_PERFORMANCE = "route_performance"  # parameters: maas.domain.scenarios.RoutePerformanceParams


class AnalysisState(str, Enum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


FINISHED = frozenset({AnalysisState.DONE, AnalysisState.FAILED})


class Analysis(BaseModel):
    """A job and its outcome; `parameters` and `summary` are the kind's models dumped to JSON values."""

    model_config = ConfigDict(frozen=True)
    id: str
    kind: AnalysisKind
    parameters: dict[str, Any]
    state: AnalysisState = AnalysisState.QUEUED
    progress: float = Field(default=0.0, ge=0, le=1)
    message: str = ""
    created_by: str
    created_at: dt.datetime
    started_at: dt.datetime | None = None
    finished_at: dt.datetime | None = None
    error: str | None = None
    summary: dict[str, Any] | None = None


# -- accessibility parameters ----------------------------------------------------------------
class _Spec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PopulationOrigins(_Spec):
    """Residents per cell from a population field: a CSV (id, lat/lon or a JIS mesh code, counts)
    or a GeoJSON FeatureCollection of points or cells. Neither content nor path: the region's own."""

    type: Literal["population"] = "population"
    format: Literal["csv", "geojson"] = "csv"
    content: str | None = Field(default=None, max_length=2_000_000)
    path: str | None = None  # a file on the server: the command line only, never the HTTP API
    id_column: str = "cell_id"
    population_column: str = "population"
    population_65_plus_column: str | None = "population_65_plus"


class GridOrigins(_Spec):
    """A generated grid over a bounding box; each cell counts as one (shares are of the area)."""

    type: Literal["grid"] = "grid"
    shape: Literal["hexagon", "mesh250", "mesh500"] = "mesh500"
    bbox: tuple[float, float, float, float]  # south, west, north, east
    hexagon_edge_m: float = Field(default=250, gt=20, le=5000)

    @field_validator("bbox")
    @classmethod
    def _box(cls, v: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
        south, west, north, east = v
        if not (-90 <= south < north <= 90 and -180 <= west < east <= 180):
            raise ValueError("bbox is [south, west, north, east] with south < north and west < east")
        if north - south > 1 or east - west > 1:
            raise ValueError("bbox spans at most one degree each way")
        return v


class PlaceDestinations(_Spec):
    """The places of the given categories (hospital, clinic, supermarket, ...) from the place list."""

    type: Literal["places"] = "places"
    categories: list[str] = Field(min_length=1, max_length=10)
    region_id: str | None = None


class DestinationPoint(_Spec):
    id: str = Field(min_length=1, max_length=100)
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    category: str = Field(min_length=1, max_length=50)
    name: str = ""


class PointDestinations(_Spec):
    type: Literal["points"] = "points"
    points: list[DestinationPoint] = Field(min_length=1, max_length=2000)


Origins = Annotated[PopulationOrigins | GridOrigins, Field(discriminator="type")]
RideModeName = Literal["on_demand", "taxi"]
Destinations = Annotated[PlaceDestinations | PointDestinations, Field(discriminator="type")]


class AccessibilityParams(_Spec):
    """Who reaches what within T minutes, leaving at a random minute of [start, start + window)."""

    date: dt.date
    start: dt.time
    window_min: int = Field(default=60, ge=0, le=240)
    step_min: int = Field(default=1, ge=1, le=60)
    percentiles: list[int] = Field(default=[50], min_length=1, max_length=5)
    thresholds_min: list[int] = Field(default=[15, 30, 45, 60], min_length=1, max_length=8)
    # The planner's elderly profile unless the request says otherwise: these studies are about residents 65+.
    max_walk_m: int = Field(default=ELDERLY.max_walk_m, ge=0, le=3000)
    walk_speed_mps: float = Field(default=ELDERLY.walk_speed_mps, ge=0.3, le=3.0)
    max_travel_min: int = Field(default=120, ge=1, le=360)
    origins: Origins = PopulationOrigins()
    destinations: Destinations
    # Door-to-door rides beside walking and transit: the enabled on-demand service in its zone and
    # hours, a taxi anywhere. The van's wait is the operator's unless given here.
    modes: list[RideModeName] = Field(default=[], max_length=2)
    on_demand_wait_min: int | None = Field(default=None, ge=0, le=180)
    taxi_wait_min: int = Field(default=15, ge=0, le=180)
    taxi_speed_kmh: float = Field(default=30.0, ge=5, le=120)

    @field_validator("modes")
    @classmethod
    def _modes(cls, v: list[RideModeName]) -> list[RideModeName]:
        return sorted(set(v))

    @field_validator("percentiles")
    @classmethod
    def _percentiles(cls, v: list[int]) -> list[int]:
        if any(not 0 <= p <= 100 for p in v) or len(set(v)) != len(v):
            raise ValueError("distinct percentiles in 0..100")
        return sorted(v)

    @field_validator("thresholds_min")
    @classmethod
    def _thresholds(cls, v: list[int]) -> list[int]:
        if any(not 1 <= t <= 360 for t in v) or len(set(v)) != len(v):
            raise ValueError("distinct thresholds in 1..360 minutes")
        return sorted(v)

    @model_validator(mode="after")
    def _within_travel(self) -> AccessibilityParams:
        if max(self.thresholds_min) > self.max_travel_min:
            raise ValueError("thresholds_min must not exceed max_travel_min")
        return self


# -- what the engine is given and returns ----------------------------------------------------
@dataclass(frozen=True)
class OriginPoint:
    id: str
    lat: float
    lon: float
    population: float
    population_65_plus: float
    ring: tuple[tuple[float, float], ...] | None = None  # the cell's outline: closed, (lon, lat) GeoJSON order


@dataclass(frozen=True)
class Destination:
    id: str
    lat: float
    lon: float
    category: str
    name: str = ""


@dataclass(frozen=True)
class MatrixRequest:
    origins: Sequence[OriginPoint]
    destinations: Sequence[Destination]
    date: dt.date
    start: dt.time  # local time of the network's timezone
    window_min: int
    step_min: int
    percentiles: Sequence[int]
    max_walk_m: int
    max_travel_min: int
    walk_speed_mps: float = 1.2
    rides: Sequence[RideService] = ()  # door-to-door modes beside walking and transit


@dataclass(frozen=True)
class RideService:
    """A vehicle called to the door for an accessibility analysis: it comes wait_s after the request and
    drives the straight line × road_factor at speed_mps, within its zone (anywhere when None) for requests
    made within its hours (seconds of the service day; always when None)."""

    mode: str  # "on_demand", "taxi"
    speed_mps: float
    wait_s: int
    road_factor: float = 1.3
    zone: tuple[tuple[tuple[float, float], ...], ...] | None = None  # rings of (lon, lat), even-odd rule
    hours: tuple[tuple[int, int], ...] | None = None  # [start_s, end_s)
    operator_id: str = ""
    zone_name: str = ""


@runtime_checkable
class RideArea(Protocol):
    """Optional operator capability: its door-to-door service on a day, for accessibility analyses."""

    def ride_services(self, day: dt.date) -> list[RideService]:
        """One per service zone; hours empty when it does not run that day."""
        ...


# (fraction done 0..1, message); may raise to stop the work (the job was cancelled).
Progress = Callable[[float, str], None]
# [percentile][origin][destination] seconds; float("inf") when not reached within max travel.
Matrix = list[list[list[float]]]


class AccessibilityEngine(Protocol):
    """Travel times from weighted points to destinations (CPU-bound: call it in a worker thread)."""

    name: str

    def origins(self, spec: PopulationOrigins | GridOrigins) -> list[OriginPoint]:
        """The origin points of a population field or grid; InvalidRequest when unreadable."""
        ...

    def travel_times(self, request: MatrixRequest, progress: Progress) -> Matrix: ...


class AnalysisStore(Protocol):
    async def add(self, analysis: Analysis) -> None: ...

    async def get(self, analysis_id: str) -> Analysis:
        """Raises NotFound."""
        ...

    async def list_analyses(self, *, limit: int = 100) -> list[Analysis]:
        """Newest first."""
        ...

    async def list_in_states(self, states: Sequence[AnalysisState]) -> list[Analysis]: ...

    async def save(self, analysis: Analysis) -> None: ...

    async def save_cells(self, analysis_id: str, cells: list[dict[str, Any]]) -> None:
        """The per-cell results (JSON values) of a finished analysis."""
        ...

    async def cells(self, analysis_id: str) -> list[dict[str, Any]] | None: ...


class ReportRenderer(Protocol):
    """Draws a finished analysis: a map of its cells and a chart, and the HTML page holding both."""

    def map_png(self, analysis: Analysis, cells: list[dict[str, Any]]) -> bytes: ...

    def report_html(self, analysis: Analysis, cells: list[dict[str, Any]], language: str = "en") -> str: ...

    def report_pdf(self, analysis: Analysis, cells: list[dict[str, Any]], language: str = "ja") -> bytes:
        """An A4 PDF for a council paper (accessibility and scenario analyses); InvalidRequest for other kinds."""
        ...
