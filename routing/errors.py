"""Base class of the errors the routing library raises on purpose."""

from __future__ import annotations


class RoutingError(Exception):
    """Root of the library's errors; concrete ones also mix in the stdlib type callers catch."""


class UnknownStop(ValueError, RoutingError):
    """A request named a stop id the compiled timetable does not contain."""
