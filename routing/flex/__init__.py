"""GTFS-Flex: on-demand zones, booking rules and flex trips, and who they can carry when."""

from routing.flex.booking import NoticeRefusal, booking_deadline, booking_opens, check_notice
from routing.flex.geometry import in_zone, zones_containing
from routing.flex.model import (DEFAULT_STOP_RADIUS_M, BookingRule, BookingType, FlexError, FlexFeed,
                                FlexStopTime, FlexTrip, ServiceCalendar, UnknownZone, Zone, ZoneKind)
from routing.flex.query import FlexPickup, FlexRide, can_serve, services_at
from routing.flex.reader import read_flex

__all__ = [
    "DEFAULT_STOP_RADIUS_M", "BookingRule", "BookingType", "FlexError", "FlexFeed", "FlexPickup", "FlexRide",
    "FlexStopTime", "FlexTrip", "NoticeRefusal", "ServiceCalendar", "UnknownZone", "Zone", "ZoneKind",
    "booking_deadline", "booking_opens", "can_serve", "check_notice", "in_zone", "read_flex", "services_at",
    "zones_containing",
]
