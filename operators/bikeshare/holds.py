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


Window = tuple[dt.datetime, dt.datetime]


def takes(hold: Hold, state: BookingState, feed_time: dt.datetime | None,
          reserved: Window | None = None, asked: Window | None = None) -> bool:
    """Whether the feed read at `feed_time` still shows what this booking has taken. A reservation
    takes its vehicles while it is held (`reserved`: from its start, or booking, until it lapses);
    for a trip in the `asked` window, only a reservation held at some moment of it counts."""
    if state is S.CONFIRMED:
        if asked is None or reserved is None:
            return True
        return reserved[0] < asked[1] and asked[0] < reserved[1]
    if hold.started_at is None:  # released, cancelled or lapsed unused
        return False
    if hold.vehicle_id is not None:  # free-floating: gone while ridden, moved after
        moved_at = hold.finished_at if state is S.FINISHED else None
        return moved_at is None or feed_time is None or moved_at > feed_time
    return state in (S.STARTED, S.FINISHED) and (feed_time is None or hold.started_at > feed_time)


_OPEN_END = dt.datetime.max.replace(tzinfo=dt.UTC)


def _reserved(held: HeldBooking) -> Window:
    """From the reservation's start (or, booked for now, its booking) until it lapses."""
    start = held.hold.from_at or dt.datetime.min.replace(tzinfo=dt.UTC)
    return start, held.booking.expires_at or _OPEN_END


class Ledger:
    """The holds of one read of the store, each with its booking's state at the time of reading
    (lapsed reservations already EXPIRED, see HeldBooking.at), judged for a trip in the `asked`
    window (None: every reservation counts)."""

    def __init__(self, held: Iterable[HeldBooking] = (), asked: Window | None = None) -> None:
        self.holds: dict[str, tuple[Hold, BookingState, Window]] = {
            h.id: (h.hold, h.booking.state, _reserved(h)) for h in held}
        self.asked = asked

    def taken_at_station(self, station_id: str, feed_time: dt.datetime | None) -> dict[str | None, int]:
        """Vehicles taken at a station by vehicle type (None: untyped)."""
        taken: dict[str | None, int] = {}
        for hold, state, reserved in self.holds.values():
            if hold.station_id == station_id and takes(hold, state, feed_time, reserved, self.asked):
                taken[hold.vehicle_type_id] = taken.get(hold.vehicle_type_id, 0) + hold.count
        return taken

    def taken_vehicles(self, feed_time: dt.datetime | None) -> set[str]:
        return {hold.vehicle_id for hold, state, reserved in self.holds.values()
                if hold.vehicle_id is not None and takes(hold, state, feed_time, reserved, self.asked)}
