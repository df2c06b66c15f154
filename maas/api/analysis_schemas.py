"""API shapes of municipal analyses: starting an accessibility analysis, and an analysis' state and results."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from maas.api.schemas import Request, _has_control_characters
from maas.domain.analyses import ELDERLY, Analysis


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
    max_walk_m: int = Field(default=ELDERLY.max_walk_m, ge=0, le=3000, description=(
        "Each walk to and from a stop, and a direct walk; default: the planner's elderly profile (500 m)."))
    walk_speed_mps: float = Field(default=ELDERLY.walk_speed_mps, ge=0.3, le=3.0,
                                  description="default: the planner's elderly profile (0.8 m/s)")
    max_travel_min: int = Field(default=120, ge=1, le=360)
    origins: Annotated[PopulationOriginsIn | GridOriginsIn, Field(discriminator="type")] = PopulationOriginsIn()
    destinations: Annotated[PlacesIn | PointsIn, Field(discriminator="type")]
    modes: list[Literal["on_demand", "taxi"]] = Field(
        default=[], max_length=2, examples=[["on_demand"]],
        description="Door-to-door rides beside walking and transit: on_demand (the enabled on-demand service, "
                    "inside its zone and during its hours; directly, or to and from stops in the zone) and "
                    "taxi (anywhere). None: walking and transit only.")
    on_demand_wait_min: int | None = Field(default=None, ge=0, le=180,
                                           description="request to pickup; default: the operator's")
    taxi_wait_min: int = Field(default=15, ge=0, le=180, description="request to pickup")
    taxi_speed_kmh: float = Field(default=30.0, ge=5, le=120, description="door-to-door average")


Clock = Annotated[str, Field(pattern=r"^\d{1,2}:[0-5]\d(:[0-5]\d)?$", examples=["08:30"],
                             description="service-day time; may pass 24:00")]


class SetHeadwayIn(_Part):
    type: Literal["set_headway"]
    route_id: str = Field(min_length=1, max_length=200, examples=["bus-loop"])
    headway_min: int = Field(ge=1, le=720)
    start: Clock | None = Field(default=None, description="with end: only trips starting in [start, end)")
    end: Clock | None = None
    service_id: str | None = Field(default=None, max_length=200)


class SetSpanIn(_Part):
    type: Literal["set_span"]
    route_id: str = Field(min_length=1, max_length=200)
    start: Clock
    end: Clock


class RemoveRouteIn(_Part):
    type: Literal["remove_route"]
    route_id: str = Field(min_length=1, max_length=200, examples=["bus-hinokizawa"])


class NewStopIn(Request):
    stop_id: str = Field(min_length=1, max_length=200)
    name: str = Field(min_length=1, max_length=200)
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class AddRouteIn(_Part):
    type: Literal["add_route"]
    route_id: str = Field(min_length=1, max_length=200)
    name: str = Field(min_length=1, max_length=200)
    route_type: int = Field(default=3, ge=0, le=1702)
    stop_ids: list[str] = Field(min_length=2, max_length=200)
    run_times_min: list[float] = Field(min_length=1, max_length=199, description="between consecutive stops")
    headway_min: int = Field(ge=1, le=720)
    start: Clock
    end: Clock
    service_id: str | None = Field(default=None, max_length=200, description="an existing service, or weekdays")
    weekdays: list[bool] | None = Field(default=None, min_length=7, max_length=7, description="Monday .. Sunday")
    new_stops: list[NewStopIn] = Field(default=[], max_length=200)
    both_directions: bool = False


class LatLonIn(Request):
    """A point outside GeoJSON: an object, never a bare pair."""

    lat: float = Field(ge=-90, le=90, examples=[36.399189])
    lon: float = Field(ge=-180, le=180, examples=[138.900446])


class PolygonIn(Request):
    """A GeoJSON Polygon (RFC 7946): rings of [lon, lat] positions, the outer ring first."""

    type: Literal["Polygon"]
    coordinates: list[list[tuple[float, float]]] = Field(
        min_length=1, max_length=20, examples=[[[[138.86, 36.40], [138.92, 36.40], [138.92, 36.43], [138.86, 36.43],
                                                 [138.86, 36.40]]]])


class ReplaceByOnDemandIn(_Part):
    """Remove routes and run the scenario's own vans instead: routed in the "after" network inside the zone
    and hours (directly, or to and from stops in the zone), their capacity checked by planning the day's
    demand on them; riders they cannot take are counted as not served."""

    type: Literal["replace_by_on_demand"]
    route_ids: list[str] = Field(min_length=1, max_length=50)
    zone: PolygonIn = Field(description="GeoJSON Polygon, [lon, lat] positions")
    vehicles: int = Field(ge=1, le=50)
    seats: int = Field(ge=1, le=60)
    start: Clock
    end: Clock
    depot: LatLonIn | None = Field(default=None, description="{lat, lon}; default: the zone's centre")
    demand: Literal["recorded", "synthetic"] = Field(default="recorded", description=(
        "recorded: the on-demand rides booked on the date with both ends in the zone; synthetic: "
        "trips_per_person_day per resident inside the zone"))
    trips_per_person_day: float = Field(default=0.02, ge=0, le=2,
                                        description="synthetic demand per resident inside the zone")
    fare_yen: int = Field(default=0, ge=0, le=100_000)
    speed_kmh: float = Field(default=25.0, ge=5, le=80, description="door-to-door average on the road")
    wait_min: int = Field(default=10, ge=0, le=120,
                          description="request to pickup, at least (the simulated median wait when longer)")
    booking_lead_min: int = Field(default=30, ge=0, le=1440, description="how long ahead rides are booked")


EditIn = Annotated[SetHeadwayIn | SetSpanIn | RemoveRouteIn | AddRouteIn | ReplaceByOnDemandIn,
                   Field(discriminator="type")]


class CostModelIn(Request):
    per_vehicle_hour_yen: int = Field(default=0, ge=0, le=10_000_000)
    per_km_yen: int = Field(default=0, ge=0, le=1_000_000)
    per_trip_yen: int = Field(default=0, ge=0, le=10_000_000)


class ScenarioIn(AccessibilityIn):
    """The accessibility parameters, compared before and after the edits."""

    edits: list[EditIn] = Field(min_length=1, max_length=50)
    baseline_edits: list[EditIn] = Field(default_factory=list, max_length=50, description=(
        "Another scenario to compare against instead of today's network; `edits` then apply on top of it."))
    cost_model: CostModelIn | None = None
    seed: int = Field(default=0, ge=0, le=2**31 - 1, description="of the synthetic on-demand demand")
    route_riders_per_day: dict[str, Annotated[float, Field(ge=0, le=1_000_000)]] = Field(
        default_factory=dict, max_length=500,
        description="riders per day of fixed routes before the edits, for their fare revenue")


class RoutePerformanceIn(Request):
    date: dt.date = Field(examples=["2026-11-24"])
    end_date: dt.date | None = Field(default=None, description="inclusive; at most 31 days from date")
    cost_model: CostModelIn = CostModelIn()
    transit_operator_id: str = Field(default="transit", min_length=1, max_length=100)
    on_demand_operator_id: str | None = Field(default="noriai", max_length=100)
    timezone: str = Field(default="Asia/Tokyo", min_length=1, max_length=64, description="of the service days")


PARAMETERS: dict[str, type[Request]] = {"accessibility": AccessibilityIn, "scenario": ScenarioIn,
                                        "route_performance": RoutePerformanceIn}


class AnalysisStart(Request):
    kind: Literal["accessibility", "scenario", "route_performance"] = "accessibility"
    parameters: AccessibilityIn | ScenarioIn | RoutePerformanceIn = Field(
        description="AccessibilityIn, ScenarioIn or RoutePerformanceIn, by kind")

    @model_validator(mode="wrap")
    @classmethod
    def _parameters_by_kind(cls, data: Any, handler: Any) -> Any:
        """Validate parameters with the kind's model, so errors name its fields (body.parameters.<field>)."""
        if not isinstance(data, dict) or not isinstance(data.get("parameters"), dict):
            return handler(data)
        model = PARAMETERS.get(data.get("kind", "accessibility"))
        if model is None:
            return handler(data)
        try:
            parameters = model.model_validate(data["parameters"])
        except ValidationError as exc:
            raise ValidationError.from_exception_data(cls.__name__, [
                {"type": e["type"], "loc": ("parameters", *e["loc"]), "input": e["input"],
                 **({"ctx": e["ctx"]} if "ctx" in e else {})} for e in exc.errors(include_url=False)]) from None
        return handler({**data, "parameters": parameters})


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
