"""Ride pooling (dial-a-ride): the problem model, an OR-Tools solver with ruin and recreate, and a checker."""

from routing.pooling.checker import CheckReport, check_plan
from routing.pooling.model import InvalidPoolingProblem, PoolingProblem, Request, Vehicle, ride_limit_s
from routing.pooling.params import PoolingParams
from routing.pooling.result import Result, Route, Stop
from routing.pooling.schedule import earliest_schedule
from routing.pooling.solve import solve
from routing.pooling.travel import CachedProvider, StraightLineProvider, TravelMatrix, TravelProvider

__all__ = ["CachedProvider", "CheckReport", "InvalidPoolingProblem", "PoolingParams", "PoolingProblem",
           "Request", "Result", "Route", "Stop", "StraightLineProvider", "TravelMatrix", "TravelProvider",
           "Vehicle", "check_plan", "earliest_schedule", "ride_limit_s", "solve"]
