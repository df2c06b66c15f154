"""Bike-share and scooters from a live GBFS feed, behind the OperatorAdapter contract."""

from operators.bikeshare.adapter import BikeShareAdapter, SharedVehicleAdapter
from operators.bikeshare.holds import Hold, Ledger
from operators.bikeshare.links import FeedLinks, TypeTerms, read_links
from operators.bikeshare.live import FeedView, LiveFeed, read_view
from operators.bikeshare.plugin import build_adapter, create, parse_plan
from operators.bikeshare.profile import BIKES_AND_SCOOTERS, FleetProfile, mode_of
from operators.bikeshare.search import Availability, Trip, TripFinder
from operators.bikeshare.sources import OwnedHttpSource, source_for

__all__ = [
    "BIKES_AND_SCOOTERS", "Availability", "BikeShareAdapter", "FeedLinks", "FeedView", "FleetProfile", "Hold",
    "Ledger", "LiveFeed", "OwnedHttpSource", "SharedVehicleAdapter", "Trip", "TripFinder", "TypeTerms",
    "build_adapter", "create", "mode_of", "parse_plan", "read_links", "read_view", "source_for",
]
