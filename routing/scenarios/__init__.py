"""Municipal scenario analysis (issue 7): edit a baseline feed, measure routes, simulate on-demand.

- `edits`: immutable edits (SetHeadway, SetSpan, RemoveRoute, AddRoute, ReplaceByOnDemand) and
  `apply_edits(feed, edits)`, a new LoadedFeed that compiles and routes like any feed.
- `performance`: per-route trips, service hours and km from GTFS (gtfs-kit trip statistics),
  a CostModel and `economics` (cost, subsidy, subsidy per passenger, cost recovery).
- `ondemand_sim`: synthetic demand from a population field and a day of on-demand service
  planned with routing.pooling, summarised as OnDemandDayFigures.
- `compare`: two scenarios side by side (access gained or lost per origin, cost and subsidy).
"""

from routing.scenarios.compare import (AccessComparison, CellChange, EconomicsComparison,
                                       compare_access, compare_economics)
from routing.scenarios.edits import (AddRoute, Edit, NewStop, RemoveRoute, ReplaceByOnDemand,
                                     SetHeadway, SetSpan, apply_edits, ondemand_replacements)
from routing.scenarios.errors import InvalidEdit, ScenarioError, UnknownRoute, UnknownStopId
from routing.scenarios.ondemand_sim import (OnDemandDayFigures, TripRequest, point_in_polygon,
                                            simulate_day, simulate_replacement, synthetic_demand)
from routing.scenarios.performance import (CostModel, RouteEconomics, RoutePerformance, economics,
                                           operating_cost_yen, route_performance)

__all__ = ["AccessComparison", "AddRoute", "CellChange", "CostModel", "EconomicsComparison",
           "Edit", "InvalidEdit", "NewStop", "OnDemandDayFigures", "RemoveRoute",
           "ReplaceByOnDemand", "RouteEconomics", "RoutePerformance", "ScenarioError",
           "SetHeadway", "SetSpan", "TripRequest", "UnknownRoute", "UnknownStopId",
           "apply_edits", "compare_access", "compare_economics", "economics",
           "ondemand_replacements", "operating_cost_yen", "point_in_polygon",
           "route_performance", "simulate_day", "simulate_replacement", "synthetic_demand"]
