"""The errors scenario edits and simulations raise: all `ValueError`s a caller can catch alike."""

from __future__ import annotations

from routing.errors import RoutingError


class ScenarioError(ValueError, RoutingError):
    """Root of the scenario errors."""


class UnknownRoute(ScenarioError):
    """An edit names a route_id the feed does not contain."""


class UnknownStopId(ScenarioError):
    """An added route calls at a stop that is neither in the feed nor among its new stops."""


class InvalidEdit(ScenarioError):
    """An edit contradicts itself: a headway <= 0, an empty stop list, a span ending before it
    starts, a route id that already exists, ..."""
