"""GBFS (v1 to v3.0) bike-share and scooter feeds: discovery, parsing, freshness, validation, lookup."""

from operators.gbfs.discovery import Discovery, FeedRef, choose_language, parse_discovery
from operators.gbfs.errors import (
    FeedHttpError,
    FeedNotListed,
    FeedTimeout,
    FeedUnavailable,
    GbfsError,
    InvalidFeed,
    MalformedFeed,
    SchemaNotFound,
    StaleFeed,
)
from operators.gbfs.freshness import Freshness, FreshnessPolicy, freshness_of, parse_timestamp
from operators.gbfs.model import (
    Station,
    StationStatus,
    SystemInformation,
    Vehicle,
    VehicleType,
    VehicleTypeCount,
)
from operators.gbfs.nearby import AvailabilityIndex, NearbyStation, NearbyVehicle, haversine_m
from operators.gbfs.parse_stations import parse_station_information, parse_station_status, parse_system_information
from operators.gbfs.parse_vehicles import parse_pricing_plans, parse_vehicle_types, parse_vehicles
from operators.gbfs.pricing import PricingPlan, PricingSegment, currency_exponent, trip_price_minor
from operators.gbfs.reader import SUPPORTED_FILES, FeedSnapshot, ReadOptions, build_snapshot, read_feed
from operators.gbfs.sources import DirectorySource, FeedSource, HttpSource, RawFile, decode_document, iter_zip_documents
from operators.gbfs.validation import Finding, schema_folder, validate

__all__ = [
    "SUPPORTED_FILES", "AvailabilityIndex", "DirectorySource", "Discovery", "FeedHttpError", "FeedNotListed",
    "FeedRef", "FeedSnapshot", "FeedSource", "FeedTimeout", "FeedUnavailable", "Finding", "Freshness",
    "FreshnessPolicy", "GbfsError", "HttpSource", "InvalidFeed", "MalformedFeed", "NearbyStation",
    "NearbyVehicle", "PricingPlan", "PricingSegment", "RawFile", "ReadOptions", "SchemaNotFound",
    "StaleFeed", "Station", "StationStatus", "SystemInformation", "Vehicle", "VehicleType",
    "VehicleTypeCount", "build_snapshot", "choose_language", "currency_exponent", "decode_document",
    "freshness_of", "haversine_m", "iter_zip_documents", "parse_discovery", "parse_pricing_plans",
    "parse_station_information", "parse_station_status", "parse_system_information", "parse_timestamp",
    "parse_vehicle_types", "parse_vehicles", "read_feed", "schema_folder", "trip_price_minor", "validate",
]
