"""The domain's AccessibilityEngine on the project's own router (routing.access over RAPTOR).

Routes over the same federated network as the journey planner (the demo region's feed plus the
imported ones) on the analysis date, reads population fields with routing.access's strict
readers and makes hexagon or JIS mesh grids. Origins are routed in chunks so the job can report
progress; a chunk's answer does not depend on the others (percentiles are per origin).
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from maas.domain import errors
from maas.domain.analyses import (GridOrigins, Matrix, MatrixRequest, OriginPoint, PopulationOrigins, Progress,
                                  RideService)
from routing.access import (MESH_250M, MESH_500M, AccessInputError, PointSet, RideMode, hexagon_grid, mesh_bounds,
                            mesh_cells, read_points_csv, read_points_geojson, travel_time_matrix)
from routing.geodesy import METRES_PER_DEGREE
from routing.plan import Network, NoService, Planner, Profile

CHUNK_CELLS = 500  # origins routed per step between progress reports


class RaptorAccessibilityEngine:
    name = "raptor"

    def __init__(self, network: Callable[[], Network], *, default_population: Path | None = None,
                 chunk_cells: int = CHUNK_CELLS) -> None:
        self._network = network
        self._default_population = default_population
        self._chunk = max(1, chunk_cells)

    # -- origins -------------------------------------------------------------------------------
    def origins(self, spec: PopulationOrigins | GridOrigins) -> list[OriginPoint]:
        try:
            if isinstance(spec, GridOrigins):
                return _grid(spec)
            return self._population(spec)
        except AccessInputError as exc:
            raise errors.InvalidRequest(f"the origins cannot be read: {exc}",
                                        fields={"parameters.origins": str(exc)}) from None

    def _population(self, spec: PopulationOrigins) -> list[OriginPoint]:
        if spec.content is not None:
            with tempfile.TemporaryDirectory(prefix="maas-population-") as folder:
                path = Path(folder) / f"population.{spec.format}"
                path.write_text(spec.content, encoding="utf-8")
                return _read_population(path, spec)
        path = Path(spec.path) if spec.path is not None else self._default_population
        if path is None or not path.is_file():
            raise errors.InvalidRequest(f"no population field at {path}" if path else "no population field is set",
                                        fields={"parameters.origins": "no population field"})
        return _read_population(path, spec)

    # -- travel times --------------------------------------------------------------------------
    def travel_times(self, request: MatrixRequest, progress: Progress) -> Matrix:
        progress(0.0, f"loading the timetable of {request.date.isoformat()}")
        network = self._network()
        try:
            planner = network.planner(request.date)
        except NoService as exc:
            raise errors.NoService(str(exc), fields={"parameters.date": str(exc)}) from None
        return route_matrix(planner, request, progress, self._chunk)


def route_matrix(planner: Planner, request: MatrixRequest, progress: Progress, chunk_cells: int = CHUNK_CELLS,
                 *, label: str = "travel times") -> Matrix:
    """The request's [percentile][origin][destination] seconds on one planner, in chunks of origins."""
    try:
        router = planner.router(Profile(walk_speed_mps=request.walk_speed_mps, max_walk_m=request.max_walk_m))
    except ValueError as exc:
        raise errors.InvalidRequest(str(exc), fields={"parameters": str(exc)}) from None
    origins = PointSet.from_arrays([o.id for o in request.origins], [o.lat for o in request.origins],
                                   [o.lon for o in request.origins])
    destinations = PointSet.from_arrays([d.id for d in request.destinations],
                                        [d.lat for d in request.destinations],
                                        [d.lon for d in request.destinations],
                                        category=[d.category for d in request.destinations])
    start_s = request.start.hour * 3600 + request.start.minute * 60 + request.start.second
    modes = ride_modes(request.rides)
    n = len(origins)
    parts = []
    for lo in range(0, n, chunk_cells):
        chunk = origins.select(np.arange(lo, min(lo + chunk_cells, n)))
        parts.append(travel_time_matrix(router, chunk, destinations, start_s, request.window_min * 60,
                                        step_s=request.step_min * 60, percentiles=request.percentiles,
                                        max_walk_m=request.max_walk_m, max_travel_s=request.max_travel_min * 60,
                                        modes=modes))
        done = min(lo + chunk_cells, n)
        progress(done / n, f"{label}: {done} of {n} cells")
    matrix = np.concatenate(parts, axis=1) if parts else np.full((len(request.percentiles), 0, len(destinations)),
                                                                   np.inf)
    return matrix.tolist()


def ride_modes(rides: Sequence[RideService]) -> list[RideMode]:
    """The domain's ride services as the router's modes: one per ring of a zone (even-odd over the rings)."""
    try:
        return [RideMode(r.mode, r.zone, speed_mps=r.speed_mps, road_factor=r.road_factor, wait_s=r.wait_s,
                         hours=r.hours) for r in rides]
    except AccessInputError as exc:
        raise errors.InvalidRequest(str(exc), fields={"parameters.modes": str(exc)}) from None


def _read_population(path: Path, spec: PopulationOrigins) -> list[OriginPoint]:
    if spec.format == "geojson":
        people = read_points_geojson(path, id_property=spec.id_column, weight_property=spec.population_column)
        older = None if spec.population_65_plus_column is None else read_points_geojson(
            path, id_property=spec.id_column, weight_property=spec.population_65_plus_column)
    else:
        people = read_points_csv(path, id_column=spec.id_column, weight_column=spec.population_column)
        older = None if spec.population_65_plus_column is None else read_points_csv(
            path, id_column=spec.id_column, weight_column=spec.population_65_plus_column)
    over_65 = np.zeros(len(people)) if older is None else older.weight
    return [OriginPoint(id=str(people.ids[i]), lat=float(people.lat[i]), lon=float(people.lon[i]),
                        population=float(people.weight[i]), population_65_plus=float(over_65[i]),
                        ring=mesh_ring(str(people.ids[i]), float(people.lat[i]), float(people.lon[i])))
            for i in range(len(people))]


def _grid(spec: GridOrigins) -> list[OriginPoint]:
    south, west, north, east = spec.bbox
    if spec.shape == "hexagon":
        cells = hexagon_grid(south, west, north, east, edge_m=spec.hexagon_edge_m)
    else:
        cells = mesh_cells(south, west, north, east, MESH_250M if spec.shape == "mesh250" else MESH_500M)
    if len(cells) > 50_000:
        raise errors.InvalidRequest(f"the grid has {len(cells)} cells; at most 50000",
                                    fields={"parameters.origins.bbox": "too many cells"})
    return [OriginPoint(id=str(cells.ids[i]), lat=float(cells.lat[i]), lon=float(cells.lon[i]), population=1.0,
                        population_65_plus=1.0,
                        ring=(hexagon_ring(float(cells.lat[i]), float(cells.lon[i]), spec.hexagon_edge_m)
                              if spec.shape == "hexagon" else mesh_ring(str(cells.ids[i]), float(cells.lat[i]),
                                                                         float(cells.lon[i]))))
            for i in range(len(cells))]


def mesh_ring(cell_id: str, lat: float, lon: float) -> tuple[tuple[float, float], ...] | None:
    """The outline of a JIS X 0410 mesh cell when the id is its code and the point lies in it, else None."""
    try:
        south, west, north, east = mesh_bounds(cell_id)
    except AccessInputError:
        return None
    if not (south <= lat <= north and west <= lon <= east):
        return None
    return ((west, south), (east, south), (east, north), (west, north), (west, south))


def hexagon_ring(lat: float, lon: float, edge_m: float) -> tuple[tuple[float, float], ...]:
    """A pointy-top hexagon of the given edge around a centre (the grid's local projection)."""
    y_scale = METRES_PER_DEGREE
    x_scale = METRES_PER_DEGREE * math.cos(math.radians(lat))
    corners = [(lon + edge_m * math.cos(math.radians(30 + 60 * k)) / x_scale,
                lat + edge_m * math.sin(math.radians(30 + 60 * k)) / y_scale) for k in range(6)]
    return (*corners, corners[0])
