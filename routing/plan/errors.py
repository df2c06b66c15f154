"""Errors the planner raises for requests it cannot answer; each says which end is at fault."""

from __future__ import annotations

import datetime as dt

from routing.errors import RoutingError, UnknownStop


class PlanError(RoutingError):
    """Root of the planner's own errors."""


class UnknownEndpoint(UnknownStop, PlanError):
    """An origin or destination names a stop the network does not have (or names it ambiguously)."""

    def __init__(self, message: str, *, role: str) -> None:
        super().__init__(message)
        self.role = role  # "origin" or "destination"


class NoStopNearby(ValueError, PlanError):
    """No usable stop lies within the traveller's maximum walk of an origin or destination."""

    def __init__(self, message: str, *, role: str) -> None:
        super().__init__(message)
        self.role = role


class NoService(ValueError, PlanError):
    """No trip runs on the service date (outside the feeds' period, or no feeds at all)."""

    def __init__(self, message: str, *, day: dt.date | None = None) -> None:
        super().__init__(message)
        self.day = day
