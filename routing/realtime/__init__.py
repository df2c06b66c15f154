"""GTFS-Realtime: read FeedMessages, compute trips' expected times, keep a snapshot per feed."""

from routing.realtime.model import (ActivePeriod, Alert, FeedContent, InformedEntity, StopTimeUpdate, TripUpdate,
                                    VehiclePosition)
from routing.realtime.propagation import (BackwardsTimes, ExpectedStop, ExpectedTrip, StaticStopTime, UnmatchedStop,
                                          expected_times)
from routing.realtime.reader import MalformedFeed, read_feed
from routing.realtime.state import IngestParams, IngestReport, RealtimeFeed, RealtimeSnapshot, build_snapshot
from routing.realtime.static import StaticTrips
from routing.realtime.writer import feed_message, to_bytes, to_json

__all__ = ["ActivePeriod", "Alert", "BackwardsTimes", "ExpectedStop", "ExpectedTrip", "FeedContent", "IngestParams",
           "IngestReport", "InformedEntity", "MalformedFeed", "RealtimeFeed", "RealtimeSnapshot", "StaticStopTime",
           "StaticTrips", "StopTimeUpdate", "TripUpdate", "UnmatchedStop", "VehiclePosition", "build_snapshot",
           "expected_times", "feed_message", "read_feed", "to_bytes", "to_json"]
