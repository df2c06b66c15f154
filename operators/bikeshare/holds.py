"""Vehicles this adapter has promised, subtracted from what the feed says is available.

A GBFS feed learns of a reservation or a ride only later, if at all, so the adapter keeps its
own account: a confirmed (reserved) booking takes its vehicles until it is started, cancelled
or lapses; a ride started (or, for a free-floating vehicle, finished) after the feed's
`last_updated` still takes them, because that feed shows the vehicle where it was before.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from maas.domain.mobility import BookingState, LegBooking

S = BookingState


@dataclass(slots=True)
class Hold:
    """What one booking takes: `count` vehicles of a type at a station, or one vehicle by id."""

    booking_id: str
    station_id: str | None
    vehicle_id: str | None
    vehicle_type_id: str | None
    count: int = 1
    started_at: dt.datetime | None = None
    finished_at: dt.datetime | None = None

    def takes(self, state: BookingState, feed_time: dt.datetime | None) -> bool:
        """Whether the feed read at `feed_time` still shows what this booking has taken."""
        if state is S.CONFIRMED:
            return True
        if self.started_at is None:  # released, cancelled or lapsed unused
            return False
        if self.vehicle_id is not None:  # free-floating: gone while ridden, moved after
            moved_at = self.finished_at if state is S.FINISHED else None
            return moved_at is None or feed_time is None or moved_at > feed_time
        return state in (S.STARTED, S.FINISHED) and (feed_time is None or self.started_at > feed_time)


class Ledger:
    def __init__(self) -> None:
        self.holds: dict[str, Hold] = {}

    def add(self, hold: Hold) -> None:
        self.holds[hold.booking_id] = hold

    def get(self, booking_id: str) -> Hold:
        return self.holds[booking_id]

    def taken_at_station(self, station_id: str, bookings: Mapping[str, LegBooking],
                         feed_time: dt.datetime | None) -> dict[str | None, int]:
        """Vehicles taken at a station by vehicle type (None: untyped)."""
        taken: dict[str | None, int] = {}
        for hold in self.holds.values():
            if hold.station_id == station_id and hold.takes(bookings[hold.booking_id].state, feed_time):
                taken[hold.vehicle_type_id] = taken.get(hold.vehicle_type_id, 0) + hold.count
        return taken

    def taken_vehicles(self, bookings: Mapping[str, LegBooking], feed_time: dt.datetime | None) -> set[str]:
        return {h.vehicle_id for h in self.holds.values()
                if h.vehicle_id is not None and h.takes(bookings[h.booking_id].state, feed_time)}
