"""Accessibility: travel-time matrices from weighted points to destinations, and measures.

Origins are points with weights (grid cells, mesh cells with residents, any list); destinations
are points with categories. `travel_time_matrix` gives percentiles over a departure window of
door-to-door walk + transit times (range RAPTOR over the compiled timetable), optionally with
ride modes (`RideMode`: an on-demand van in its zone, a taxi anywhere), and
`routing.access.measures` turns one percentile into shares, opportunities and gaps.
"""

from routing.access.errors import AccessInputError, BadGeometry, BadValue, MissingColumn
from routing.access.grids import (MESH_1KM, MESH_250M, MESH_500M, hexagon_grid, mesh_bounds,
                                  mesh_cells, mesh_centroid, mesh_code)
from routing.access.matrix import departure_times, percentile_ranks, travel_time_matrix
from routing.access.measures import (AccessSummary, cumulative_opportunities, gaps,
                                     nearest_time_s, share_within, summarize)
from routing.access.modes import RideMode
from routing.access.points import Point, PointSet
from routing.access.readers import read_points_csv, read_points_geojson

__all__ = ["MESH_1KM", "MESH_250M", "MESH_500M", "AccessInputError", "AccessSummary",
           "BadGeometry", "BadValue", "MissingColumn", "Point", "PointSet", "RideMode",
           "cumulative_opportunities", "departure_times", "gaps", "hexagon_grid", "mesh_bounds",
           "mesh_cells", "mesh_centroid", "mesh_code", "nearest_time_s", "percentile_ranks",
           "read_points_csv", "read_points_geojson", "share_within", "summarize",
           "travel_time_matrix"]
