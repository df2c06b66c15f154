"""API shapes of municipal analyses: starting an accessibility analysis, and an analysis' state and results."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from maas.api.schemas import Request, _has_control_characters
from maas.domain.analyses import Analysis


class _Part(BaseModel):
    """A member of a tagged union: like Request, but checked after parsing (the tag must stay a plain field)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    @field_validator("*", mode="after")
    @classmethod
    def _no_control_characters(cls, value: Any) -> Any:
        if _has_control_characters(value):
            raise ValueError("control characters are not allowed")
        return value


class PopulationOriginsIn(BaseModel):
    """A population field: the region's own when `content` is left out, else the text of a CSV
    (an id, lat/lon or a JIS X 0410 mesh code, counts) or a GeoJSON FeatureCollection of points or cells."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    type: Literal["population"] = "population"
    format: Literal["csv", "geojson"] = "csv"
    content: str | None = Field(default=None, max_length=2_000_000)
    id_column: str = Field(default="cell_id", min_length=1, max_length=100)
    population_column: str = Field(default="population", min_length=1, max_length=100)
    population_65_plus_column: str | None = Field(default="population_65_plus", max_length=100)

    @field_validator("content")
    @classmethod
    def _no_nul(cls, value: str | None) -> str | None:
        if value is not None and "\x00" in value:
            raise ValueError("NUL characters are not allowed")
        return value


class GridOriginsIn(_Part):
    """Cells of a generated grid over [south, west, north, east]; each cell counts as one."""

    type: Literal["grid"]
    shape: Literal["hexagon", "mesh250", "mesh500"] = "mesh500"
    bbox: tuple[float, float, float, float] = Field(examples=[[36.38, 138.85, 36.43, 138.95]])
    hexagon_edge_m: float = Field(default=250, gt=20, le=5000)


class PlacesIn(_Part):
    type: Literal["places"] = "places"
    categories: list[str] = Field(min_length=1, max_length=10, examples=[["hospital", "supermarket"]])
    region_id: str | None = Field(default=None, max_length=100)


class DestinationIn(Request):
    id: str = Field(min_length=1, max_length=100)
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    category: str = Field(min_length=1, max_length=50)
    name: str = Field(default="", max_length=200)


class PointsIn(_Part):
    type: Literal["points"]
    points: list[DestinationIn] = Field(min_length=1, max_length=2000)


class AccessibilityIn(Request):
    date: dt.date = Field(examples=["2026-11-24"])
    start: dt.time = Field(examples=["08:00"], description="Local time of the first departure.")
    window_min: int = Field(default=60, ge=0, le=240, description="Departures every step in [start, start + window).")
    step_min: int = Field(default=1, ge=1, le=60)
    percentiles: list[int] = Field(default=[50], min_length=1, max_length=5)
    thresholds_min: list[int] = Field(default=[15, 30, 45, 60], min_length=1, max_length=8)
    max_walk_m: int = Field(default=1000, ge=0, le=3000, description="Each walk to and from a stop, and a direct walk.")
    walk_speed_mps: float = Field(default=1.2, ge=0.3, le=3.0)
    max_travel_min: int = Field(default=120, ge=1, le=360)
    origins: Annotated[PopulationOriginsIn | GridOriginsIn, Field(discriminator="type")] = PopulationOriginsIn()
    destinations: Annotated[PlacesIn | PointsIn, Field(discriminator="type")]


class AnalysisStart(Request):
    kind: Literal["accessibility"] = "accessibility"
    parameters: AccessibilityIn


class ListQuery(Request):
    limit: int = Field(default=50, ge=1, le=500)


class AnalysisOut(BaseModel):
    id: str
    kind: str
    state: Literal["queued", "running", "done", "failed"]
    progress: float = Field(description="0..1")
    message: str
    parameters: dict[str, Any]
    created_by: str
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    error: str | None
    results: dict[str, Any] | None = Field(
        description="When done: per destination category and percentile, the shares of residents (and of "
                    "residents aged 65+) reaching it within each T, mean destinations within T, gaps, and the "
                    "weighted mean and worst travel times. Aggregates only.")

    @classmethod
    def of(cls, a: Analysis) -> AnalysisOut:
        return cls(id=a.id, kind=a.kind.value, state=a.state.value, progress=a.progress, message=a.message,
                   parameters=a.parameters, created_by=a.created_by, created_at=a.created_at, started_at=a.started_at,
                   finished_at=a.finished_at, error=a.error, results=a.summary)


class AnalysisList(BaseModel):
    items: list[AnalysisOut]
