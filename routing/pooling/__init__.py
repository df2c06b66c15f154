"""Ride pooling (dial-a-ride): the problem model with drivers' breaks, an OR-Tools solver with ruin and
recreate, a checker, and same-day dispatch (insert one request, re-optimise warm)."""

from routing.pooling.checker import CheckReport, check_plan
from routing.pooling.dispatch import Insertion, insert_request, reoptimise, timed_routes
from routing.pooling.model import (
    Break, InvalidPoolingProblem, PoolingProblem, Request, Vehicle, break_index, break_visit, ride_limit_s,
)
from routing.pooling.params import PoolingParams
from routing.pooling.result import Result, Route, Stop
from routing.pooling.schedule import earliest_schedule
from routing.pooling.solve import solve
from routing.pooling.travel import CachedProvider, StraightLineProvider, TravelMatrix, TravelProvider

__all__ = ["Break", "CachedProvider", "CheckReport", "Insertion", "InvalidPoolingProblem", "PoolingParams",
           "PoolingProblem", "Request", "Result", "Route", "Stop", "StraightLineProvider", "TravelMatrix",
           "TravelProvider", "Vehicle", "break_index", "break_visit", "check_plan", "earliest_schedule",
           "insert_request", "reoptimise", "ride_limit_s", "solve", "timed_routes"]
