"""Vehicles this adapter has promised, subtracted from what the feed says is available.

A GBFS feed learns of a reservation or a ride only later, if at all, so the adapter keeps its
own account (the `VehicleHolds` store, shared by every process of the service): a confirmed
(reserved) booking takes its vehicles until it is started, cancelled or lapses; a ride started
(or, for a free-floating vehicle, finished) after the feed's `last_updated` still takes them,
because that feed shows the vehicle where it was before.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from maas.domain.mobility import BookingState
from maas.domain.vehicle_holds import HeldBooking, VehicleHold

S = BookingState
Hold = VehicleHold  # what one booking takes: `count` vehicles of a type at a station, or one vehicle by id


def takes(hold: Hold, state: BookingState, feed_time: dt.datetime | None) -> bool:
    """Whether the feed read at `feed_time` still shows what this booking has taken."""
    if state is S.CONFIRMED:
        return True
    if hold.started_at is None:  # released, cancelled or lapsed unused
        return False
    if hold.vehicle_id is not None:  # free-floating: gone while ridden, moved after
        moved_at = hold.finished_at if state is S.FINISHED else None
        return moved_at is None or feed_time is None or moved_at > feed_time
    return state in (S.STARTED, S.FINISHED) and (feed_time is None or hold.started_at > feed_time)


class Ledger:
    """The holds of one read of the store, each with its booking's state at the time of reading
    (lapsed reservations already EXPIRED, see HeldBooking.at)."""

    def __init__(self, held: Iterable[HeldBooking] = ()) -> None:
        self.holds: dict[str, tuple[Hold, BookingState]] = {h.id: (h.hold, h.booking.state) for h in held}

    def taken_at_station(self, station_id: str, feed_time: dt.datetime | None) -> dict[str | None, int]:
        """Vehicles taken at a station by vehicle type (None: untyped)."""
        taken: dict[str | None, int] = {}
        for hold, state in self.holds.values():
            if hold.station_id == station_id and takes(hold, state, feed_time):
                taken[hold.vehicle_type_id] = taken.get(hold.vehicle_type_id, 0) + hold.count
        return taken

    def taken_vehicles(self, feed_time: dt.datetime | None) -> set[str]:
        return {hold.vehicle_id for hold, state in self.holds.values()
                if hold.vehicle_id is not None and takes(hold, state, feed_time)}
