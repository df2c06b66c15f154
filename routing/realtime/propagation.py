"""A trip's expected times from its static stop times and a TripUpdate, as the GTFS-RT spec says.

- StopTimeUpdates match static stops by stop_sequence, else by stop_id (the next occurrence).
- A stop's time is the update's absolute time, else the scheduled time plus the update's delay;
  a missing arrival takes the departure's delay and a missing departure the arrival's.
- The departure delay of the last update propagates downstream until the next update; stops
  before the first update keep their schedule (nothing propagates upstream), unless the trip
  carries TripUpdate.delay, which stands for every stop no StopTimeUpdate reaches.
- SKIPPED: the stop is not served; the delay propagates past it.
- NO_DATA: no prediction for the stop, and propagation stops until the next update.
- Expected times must not go backwards along the trip (arrival <= departure <= next arrival).
  With `on_backwards="clamp"` a time that does is raised to the one before it and counted;
  with "reject" the update raises BackwardsTimes and the caller keeps the schedule.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from routing.errors import RoutingError
from routing.realtime.model import StopTimeUpdate, TripUpdate

BackwardsPolicy = Literal["clamp", "reject"]


class BackwardsTimes(ValueError, RoutingError):
    """A trip update makes the trip's times go backwards (rejected under on_backwards="reject")."""


class UnmatchedStop(ValueError, RoutingError):
    """A StopTimeUpdate names a stop the trip does not call at, or arrives out of order."""


@dataclass(frozen=True)
class StaticStopTime:
    stop_sequence: int
    stop_id: str
    arrival_s: int  # service-day seconds (noon minus 12 h, local)
    departure_s: int


@dataclass(frozen=True)
class ExpectedStop:
    stop_sequence: int
    stop_id: str
    scheduled_arrival_s: int | None  # None on an ADDED trip
    scheduled_departure_s: int | None
    arrival_s: int | None  # expected; None when real time says nothing (or the stop is skipped)
    departure_s: int | None
    skipped: bool = False
    no_data: bool = False

    @property
    def arrival_delay_s(self) -> int | None:
        if self.arrival_s is None or self.scheduled_arrival_s is None:
            return None
        return self.arrival_s - self.scheduled_arrival_s

    @property
    def departure_delay_s(self) -> int | None:
        if self.departure_s is None or self.scheduled_departure_s is None:
            return None
        return self.departure_s - self.scheduled_departure_s


@dataclass(frozen=True)
class ExpectedTrip:
    trip_id: str
    start_date: str | None
    relationship: str  # SCHEDULED, CANCELED or ADDED
    stops: tuple[ExpectedStop, ...]
    clamped: int = 0  # times raised because they went backwards
    route_id: str | None = None
    vehicle_id: str | None = None
    timestamp: int | None = None

    @property
    def cancelled(self) -> bool:
        return self.relationship == "CANCELED"

    def stop(self, stop_sequence: int) -> ExpectedStop | None:
        return next((s for s in self.stops if s.stop_sequence == stop_sequence), None)


def _match(static: Sequence[StaticStopTime], updates: Sequence[StopTimeUpdate]) -> dict[int, StopTimeUpdate]:
    by_sequence = {s.stop_sequence: i for i, s in enumerate(static)}
    matched: dict[int, StopTimeUpdate] = {}
    last = -1
    for update in updates:
        if update.stop_sequence is not None:
            index = by_sequence.get(update.stop_sequence)
            if index is not None and update.stop_id and static[index].stop_id != update.stop_id:
                raise UnmatchedStop(f"stop_sequence {update.stop_sequence} is stop {static[index].stop_id}, "
                                    f"not {update.stop_id}")
        else:
            index = next((i for i in range(last + 1, len(static)) if static[i].stop_id == update.stop_id), None)
        if index is None:
            raise UnmatchedStop(f"the trip does not call at stop_sequence={update.stop_sequence} "
                                f"stop_id={update.stop_id}")
        if index <= last:
            raise UnmatchedStop("stop time updates out of stop order")
        matched[index] = update
        last = index
    return matched


def _event(scheduled: int, time: int | None, delay: int | None, day_start: int) -> int | None:
    if time is not None:
        return time - day_start
    if delay is not None:
        return scheduled + delay
    return None


def expected_times(static: Sequence[StaticStopTime], update: TripUpdate, day_start: int, *,
                   on_backwards: BackwardsPolicy = "clamp") -> ExpectedTrip:
    """The trip's expected stops; `day_start` is the POSIX second its service day starts at."""
    if update.relationship in ("CANCELED", "DELETED"):
        cancelled = tuple(ExpectedStop(s.stop_sequence, s.stop_id, s.arrival_s, s.departure_s, None, None,
                                       skipped=True) for s in static)
        return _trip(update, "CANCELED", cancelled, 0)
    if update.relationship in ("ADDED", "NEW"):
        return added_trip(update, day_start, on_backwards=on_backwards)
    matched = _match(static, update.stops)
    delay: int | None = update.delay_s
    stops: list[ExpectedStop] = []
    for i, s in enumerate(static):
        u = matched.get(i)
        if u is None:
            arrival = None if delay is None else s.arrival_s + delay
            departure = None if delay is None else s.departure_s + delay
            stops.append(ExpectedStop(s.stop_sequence, s.stop_id, s.arrival_s, s.departure_s, arrival, departure))
        elif u.relationship == "SKIPPED":
            stops.append(ExpectedStop(s.stop_sequence, s.stop_id, s.arrival_s, s.departure_s, None, None,
                                      skipped=True))
        elif u.relationship == "NO_DATA":
            delay = None
            stops.append(ExpectedStop(s.stop_sequence, s.stop_id, s.arrival_s, s.departure_s, None, None,
                                      no_data=True))
        else:
            arrival = _event(s.arrival_s, u.arrival_time, u.arrival_delay_s, day_start)
            departure = _event(s.departure_s, u.departure_time, u.departure_delay_s, day_start)
            if arrival is None and departure is not None:
                arrival = s.arrival_s + (departure - s.departure_s)
            if departure is None and arrival is not None:
                departure = s.departure_s + (arrival - s.arrival_s)
            if arrival is None or departure is None:  # an empty StopTimeUpdate: the propagated delay stands
                arrival = None if delay is None else s.arrival_s + delay
                departure = None if delay is None else s.departure_s + delay
            else:
                delay = departure - s.departure_s
            stops.append(ExpectedStop(s.stop_sequence, s.stop_id, s.arrival_s, s.departure_s, arrival, departure))
    checked, clamped = _monotonic(stops, on_backwards, update.trip_id)
    return _trip(update, "SCHEDULED", checked, clamped)


def added_trip(update: TripUpdate, day_start: int, *, on_backwards: BackwardsPolicy = "clamp") -> ExpectedTrip:
    """An ADDED trip: every stop from the update's own absolute times (there is no schedule)."""
    stops: list[ExpectedStop] = []
    for n, u in enumerate(update.stops):
        if not u.stop_id:
            raise UnmatchedStop("an added trip's stop time update needs a stop_id")
        arrival = None if u.arrival_time is None else u.arrival_time - day_start
        departure = None if u.departure_time is None else u.departure_time - day_start
        arrival = departure if arrival is None else arrival
        departure = arrival if departure is None else departure
        skipped = u.relationship == "SKIPPED"
        if arrival is None and not skipped:
            raise UnmatchedStop("an added trip's stop time update needs an absolute time")
        stops.append(ExpectedStop(u.stop_sequence if u.stop_sequence is not None else n, u.stop_id, None, None,
                                  None if skipped else arrival, None if skipped else departure, skipped=skipped))
    checked, clamped = _monotonic(stops, on_backwards, update.trip_id)
    return _trip(update, "ADDED", checked, clamped)


def _monotonic(stops: list[ExpectedStop], policy: BackwardsPolicy,
               trip_id: str) -> tuple[tuple[ExpectedStop, ...], int]:
    """Times along the trip never decrease (the effective time of a stop without a prediction is
    its schedule); the count of times raised."""
    clamped = 0
    floor: int | None = None
    out: list[ExpectedStop] = []
    for s in stops:
        if s.skipped or s.no_data:
            out.append(s)
            continue
        arrival = s.arrival_s if s.arrival_s is not None else s.scheduled_arrival_s
        departure = s.departure_s if s.departure_s is not None else s.scheduled_departure_s
        assert arrival is not None and departure is not None
        if floor is not None and arrival < floor or departure < arrival or (floor is not None and departure < floor):
            if policy == "reject":
                raise BackwardsTimes(f"trip {trip_id}: times go backwards at stop_sequence {s.stop_sequence}")
            clamped += 1
            arrival = max(arrival, floor) if floor is not None else arrival
            departure = max(departure, arrival)
            s = ExpectedStop(s.stop_sequence, s.stop_id, s.scheduled_arrival_s, s.scheduled_departure_s,
                             arrival, departure)
        floor = departure
        out.append(s)
    return tuple(out), clamped


def _trip(update: TripUpdate, relationship: str, stops: tuple[ExpectedStop, ...], clamped: int) -> ExpectedTrip:
    return ExpectedTrip(trip_id=update.trip_id, start_date=update.start_date, relationship=relationship,
                        stops=stops, clamped=clamped, route_id=update.route_id, vehicle_id=update.vehicle_id,
                        timestamp=update.timestamp)
