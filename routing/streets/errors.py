"""The street library's named errors: bad OSM files, points off the network, unreachable pairs."""

from __future__ import annotations

from routing.errors import RoutingError


class StreetError(RoutingError):
    """Root of routing.streets' errors."""


class UnreadableOsm(ValueError, StreetError):
    """The OSM file is missing, unreadable, or holds no usable streets."""


class TooFarFromStreet(ValueError, StreetError):
    """A point lies farther than the snapping threshold from any street the profile may use."""

    def __init__(self, lat: float, lon: float, limit_m: float, profile: str) -> None:
        super().__init__(f"({lat:.6f}, {lon:.6f}) is too far from any street: more than {limit_m:.0f} m "
                         f"from a street usable by {profile}")
        self.lat, self.lon, self.limit_m, self.profile = lat, lon, limit_m, profile


class Unreachable(LookupError, StreetError):
    """No street path joins the two points (islands, one-ways, excluded steps)."""


class UnknownProfile(ValueError, StreetError):
    """A profile name other than walk, wheelchair, bicycle or car."""
