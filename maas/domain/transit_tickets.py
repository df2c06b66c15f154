"""Transit tickets the MaaS sells itself: a ride on one scheduled trip between two stops, priced
from the feed's GTFS fares, booked and cancelled like any operator's leg.

Rural community buses and small railways have no booking API; the platform issues the ticket
(the signed trip ticket is what the driver checks) and owes the fare to the transit operator in
settlement. A ticket is valid on its trip only: it is refundable in full until the departure and
used up once the trip has arrived.
"""

from __future__ import annotations

import datetime as dt

from typing import Protocol

from maas.domain.mobility import LegBooking

TRANSIT_OPERATOR = "transit"  # the operator id the platform sells transit tickets under
RAIL_TYPES = frozenset({0, 1, 2, 5, 7, 11, 12}) | frozenset(range(100, 118)) | frozenset(range(400, 406))
BUS_TYPES = frozenset({3}) | frozenset(range(200, 210)) | frozenset(range(700, 717))
FERRY_TYPES = frozenset({4, 1000, 1200})
SHARED_TAXI_TYPES = frozenset({1500, 1501, 1502, 1503, 1504, 1505, 1506, 1507})


def ride_mode(route_type: int) -> str:
    """The offer mode fare rules match on, from a GTFS (extended) route_type."""
    if route_type in BUS_TYPES:
        return "bus"
    if route_type in SHARED_TAXI_TYPES:
        return "shared_taxi"  # GTFS-JP 1501: communal taxi run as a scheduled route
    if route_type in FERRY_TYPES:
        return "ferry"
    if route_type in RAIL_TYPES:
        return "rail"
    return "transit"


class TicketBook(Protocol):
    """Issued transit tickets (as TOMP leg bookings), each under the idempotency key it was booked with."""

    async def add(self, ticket: LegBooking, *, idempotency_key: str, now: dt.datetime) -> None:
        """Store a new ticket; Conflict if the key or the id is already used."""
        ...

    async def find_by_key(self, idempotency_key: str) -> LegBooking | None: ...

    async def get(self, ticket_id: str) -> LegBooking:
        """NotFound for an unknown id."""
        ...

    async def save(self, ticket: LegBooking, *, now: dt.datetime) -> None:
        """Store the ticket's new state; NotFound for an unknown id."""
        ...
