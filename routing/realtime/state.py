"""Real-time state per feed: an immutable snapshot, replaced whole when a good message arrives.

`build_snapshot` checks a FeedContent against the static trips: updates for unknown trips,
entities stamped far in the future or the past, stop updates that match no stop, and times
going backwards are counted by reason in the `IngestReport`, logged with the source, and left
out. `RealtimeFeed.ingest` parses bytes and swaps its snapshot in one assignment; a message
that cannot be used (malformed, stamped in the future or longer ago than max_age_s, older than
the current one) leaves the last good snapshot in place.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from routing.realtime.model import Alert, FeedContent, InformedEntity, TripUpdate, VehiclePosition
from routing.realtime.propagation import BackwardsPolicy, BackwardsTimes, ExpectedTrip, UnmatchedStop, expected_times
from routing.realtime.reader import MalformedFeed, read_feed
from routing.realtime.static import StaticTrips

logger = logging.getLogger(__name__)

TripKey = tuple[str, str | None]  # (trip_id, start_date YYYYMMDD or None when the update gave none)


@dataclass(frozen=True)
class IngestParams:
    max_future_s: int = 300  # a timestamp this far ahead of the clock is refused
    max_age_s: int = 6 * 3600  # an entity stamped longer ago than this is refused
    on_backwards: BackwardsPolicy = "clamp"


@dataclass(frozen=True)
class IngestReport:
    source: str
    at: int  # POSIX seconds of the attempt
    accepted: bool
    error: str | None = None
    trip_updates: int = 0
    applied: int = 0
    alerts: int = 0
    vehicles: int = 0
    clamped: int = 0
    skipped: Mapping[str, int] = field(default_factory=dict)  # reason -> entities left out


@dataclass(frozen=True)
class RealtimeSnapshot:
    source: str
    feed_timestamp: int | None
    received_at: int
    trips: Mapping[TripKey, ExpectedTrip]
    alerts: tuple[Alert, ...] = ()
    vehicles: tuple[VehiclePosition, ...] = ()
    updates: tuple[TripUpdate, ...] = ()  # as read, for feeds without a static side

    def trip(self, trip_id: str, start_date: str | None = None) -> ExpectedTrip | None:
        found = self.trips.get((trip_id, start_date))
        return found if found is not None else self.trips.get((trip_id, None))

    def alerts_for(self, at: int, *, agency_id: str | None = None, route_id: str | None = None,
                   route_type: int | None = None, stop_ids: Iterable[str] = (),
                   trip_id: str | None = None) -> list[Alert]:
        """Alerts active at `at` with an informed entity all of whose fields match the given ones."""
        stops = frozenset(stop_ids)
        return [alert for alert in self.alerts if alert.active_at(at)
                and any(_informs(e, agency_id, route_id, route_type, stops, trip_id) for e in alert.informed)]


def _informs(e: InformedEntity, agency_id: str | None, route_id: str | None, route_type: int | None,
             stops: frozenset[str], trip_id: str | None) -> bool:
    # An entity names at least one thing, and everything it names must match.
    named = e.agency_id or e.route_id or e.stop_id or e.trip_id or e.route_type is not None
    return bool(named) and (e.route_type is None or e.route_type == route_type) and (
        e.agency_id is None or e.agency_id == agency_id) and (
        e.route_id is None or e.route_id == route_id) and (e.stop_id is None or e.stop_id in stops) and (
        e.trip_id is None or e.trip_id == trip_id)


def _service_date(update: TripUpdate, static: StaticTrips, clock: int) -> tuple[dt.date, int]:
    """The trip's service date and its day start: start_date when given, else the local date
    (or the one either side) that puts the first absolute time nearest its schedule."""
    if update.start_date:
        day = dt.datetime.strptime(update.start_date, "%Y%m%d").date()
        return day, static.day_start(day)
    local = dt.datetime.fromtimestamp(update.timestamp or clock, static.timezone).date()
    candidates = [local + dt.timedelta(days=d) for d in (0, -1, 1)]
    scheduled = static.stop_times(update.trip_id) or ()
    sequence = {s.stop_sequence: s for s in scheduled}
    for u in update.stops:
        instant = u.departure_time or u.arrival_time
        s = sequence.get(u.stop_sequence) if u.stop_sequence is not None else next(
            (x for x in scheduled if x.stop_id == u.stop_id), None)
        if instant and s is not None:
            day = min(candidates, key=lambda d: abs(instant - static.day_start(d) - s.departure_s))
            return day, static.day_start(day)
    return local, static.day_start(local)


def build_snapshot(content: FeedContent, static: StaticTrips | None, *, source: str, now: int,
                   params: IngestParams = IngestParams(),
                   previous: RealtimeSnapshot | None = None) -> tuple[RealtimeSnapshot, IngestReport]:
    skipped: Counter[str] = Counter()
    for _entity, _reason in content.rejected:
        skipped["invalid_entity"] += 1
    clock = now

    def in_time(stamp: int | None) -> bool:
        if stamp is None:
            return True
        if stamp > clock + params.max_future_s:
            skipped["future_timestamp"] += 1
            return False
        if stamp < clock - params.max_age_s:
            skipped["stale_timestamp"] += 1
            return False
        return True

    differential = content.incrementality == "DIFFERENTIAL" and previous is not None
    trips: dict[TripKey, ExpectedTrip] = dict(previous.trips) if differential and previous else {}
    applied = clamped = 0
    for update in content.trip_updates:
        if not in_time(update.timestamp):
            continue
        if static is None:
            continue  # kept as read in `updates`; nothing to expand without stop times
        known = update.trip_id in static
        added = update.relationship in ("ADDED", "NEW")
        if not known and not added:
            skipped["unknown_trip"] += 1
            continue
        if added:
            local = dt.datetime.fromtimestamp(update.timestamp or clock, static.timezone).date()
            day = (dt.datetime.strptime(update.start_date, "%Y%m%d").date() if update.start_date else local)
            day_start = static.day_start(day)
        else:
            day, day_start = _service_date(update, static, clock)
        try:
            trip = expected_times(static.stop_times(update.trip_id) or (), update, day_start,
                                  on_backwards=params.on_backwards)
        except BackwardsTimes:
            skipped["backwards_times"] += 1
            continue
        except UnmatchedStop:
            skipped["unmatched_stop"] += 1
            continue
        if trip.route_id is None and known:
            trip = ExpectedTrip(trip.trip_id, trip.start_date, trip.relationship, trip.stops, trip.clamped,
                                static.route_id(update.trip_id), trip.vehicle_id, trip.timestamp)
        clamped += trip.clamped
        trips[(update.trip_id, day.strftime("%Y%m%d"))] = trip
        applied += 1
    vehicles = tuple(v for v in content.vehicles if in_time(v.timestamp))
    snapshot = RealtimeSnapshot(source=source, feed_timestamp=content.timestamp, received_at=now,
                                trips=MappingProxyType(trips), alerts=content.alerts, vehicles=vehicles,
                                updates=content.trip_updates)
    report = IngestReport(source=source, at=now, accepted=True, trip_updates=len(content.trip_updates),
                          applied=applied, alerts=len(content.alerts), vehicles=len(vehicles), clamped=clamped,
                          skipped=dict(skipped))
    if skipped or clamped:
        logger.warning("real-time source %s: %d of %d trip updates applied, %d times clamped, skipped %s",
                       source, applied, len(content.trip_updates), clamped, dict(skipped))
    return snapshot, report


class RealtimeFeed:
    """One source's current snapshot and its record: when it last succeeded, what it skipped."""

    def __init__(self, source: str, static: StaticTrips | None, params: IngestParams = IngestParams()) -> None:
        self.source = source
        self.static = static
        self.params = params
        self._snapshot: RealtimeSnapshot | None = None
        self._lock = threading.Lock()  # one ingest at a time; readers take the snapshot without it
        self.last_report: IngestReport | None = None
        self.last_success_at: int | None = None
        self.last_attempt_at: int | None = None
        self.failures = 0  # consecutive
        self.totals: Counter[str] = Counter()

    @property
    def snapshot(self) -> RealtimeSnapshot | None:
        return self._snapshot

    def ingest(self, data: bytes, now: int) -> IngestReport:
        with self._lock:
            try:
                content = read_feed(data)
            except MalformedFeed as exc:
                return self._refuse(now, "malformed", str(exc))
            current = self._snapshot
            if content.timestamp is not None and content.timestamp > now + self.params.max_future_s:
                return self._refuse(now, "future_timestamp", f"feed timestamp {content.timestamp} is in the future")
            if content.timestamp is not None and content.timestamp < now - self.params.max_age_s:
                return self._refuse(now, "stale_timestamp", f"feed timestamp {content.timestamp} is too old")
            if (current is not None and content.timestamp is not None and current.feed_timestamp is not None
                    and content.timestamp < current.feed_timestamp):
                return self._refuse(now, "older_than_current",
                                    f"feed timestamp {content.timestamp} is older than {current.feed_timestamp}")
            snapshot, report = build_snapshot(content, self.static, source=self.source, now=now,
                                              params=self.params, previous=current)
            self._snapshot = snapshot
            self.last_report = report
            self.last_attempt_at = self.last_success_at = now
            self.failures = 0
            self.totals.update(report.skipped)
            return report

    def fail(self, now: int, reason: str, detail: str) -> IngestReport:
        """A fetch that brought nothing (the network, the server); the snapshot stays."""
        with self._lock:
            return self._refuse(now, reason, detail)

    def _refuse(self, now: int, reason: str, detail: str) -> IngestReport:
        logger.warning("real-time source %s: %s (%s); keeping the last good state", self.source, reason, detail)
        report = IngestReport(source=self.source, at=now, accepted=False, error=f"{reason}: {detail}",
                              skipped={reason: 1})
        self.last_report = report
        self.last_attempt_at = now
        self.failures += 1
        self.totals[reason] += 1
        return report
