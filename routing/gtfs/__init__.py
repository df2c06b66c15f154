"""GTFS and GTFS-JP ingest: a tolerant feed reader that reports problems as structured findings."""

from routing.gtfs.findings import Finding, InvalidFeed, Severity
from routing.gtfs.reader import LoadedFeed, read_feed
from routing.gtfs.source import feed_digest

__all__ = ["Finding", "InvalidFeed", "LoadedFeed", "Severity", "feed_digest", "read_feed"]
