"""Errors for malformed accessibility input: points, population fields and matrix requests."""

from __future__ import annotations

from routing.errors import RoutingError


class AccessInputError(ValueError, RoutingError):
    """Input the accessibility engine cannot use; `where` names the file, row or feature."""

    def __init__(self, message: str, where: str = "") -> None:
        super().__init__(f"{where}: {message}" if where else message)
        self.where = where


class MissingColumn(AccessInputError):
    """A population CSV lacks a column it needs (an id, coordinates or a mesh code, a weight)."""


class BadValue(AccessInputError):
    """A number, coordinate or mesh code that cannot be read or is out of range."""


class BadGeometry(AccessInputError):
    """A GeoJSON document or feature whose geometry is not a Point or a Polygon cell."""
