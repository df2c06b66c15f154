"""The domain's RealtimeInfo port over routing.realtime feeds: ids mapped, instants made aware.

The network names trips, routes and stops "feed:id"; a real-time source belongs to one feed (its
key) and speaks that feed's own ids. Expected seconds count from the trip's service day start in
the feed's timezone, as the static times do.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from maas.domain.realtime import CallStatus, RealtimeSourceStatus, ServiceAlert
from routing.realtime import Alert, ExpectedStop, RealtimeFeed


@dataclass
class Source:
    name: str
    feed_key: str
    feed: RealtimeFeed
    stale_after_s: int


def _split(prefixed: str) -> tuple[str, str]:
    key, sep, local = prefixed.partition(":")
    return (key, local) if sep else ("", prefixed)


def _gap(stop: ExpectedStop, scheduled_s: int, departure: bool) -> int:
    at = stop.scheduled_departure_s if departure else stop.scheduled_arrival_s
    return 0 if at is None else abs(at - scheduled_s)


def _alert(alert: Alert) -> ServiceAlert:
    return ServiceAlert(id=alert.entity_id, cause=alert.cause, effect=alert.effect, header=dict(alert.header),
                        description=dict(alert.description),
                        url=alert.text(alert.url, "en") if alert.url else None)


class GtfsRealtimeInfo:
    def __init__(self, sources: Callable[[], Sequence[Source]]) -> None:
        self._sources = sources

    def _of(self, feed_key: str) -> list[Source]:
        return [s for s in self._sources() if s.feed_key == feed_key or not feed_key]

    def call(self, trip_id: str, service_date: dt.date, stop_id: str, scheduled: dt.datetime, *,
             departure: bool) -> CallStatus | None:
        key, trip_local = _split(trip_id)
        _, stop_local = _split(stop_id)
        for source in self._of(key):
            snapshot, static = source.feed.snapshot, source.feed.static
            if snapshot is None or static is None:
                continue
            trip = snapshot.trip(trip_local, service_date.strftime("%Y%m%d"))
            if trip is None:
                continue
            if trip.cancelled:
                return CallStatus(expected=None, delay_s=None, cancelled=True)
            day_start = static.day_start(service_date)
            scheduled_s = int(scheduled.timestamp()) - day_start
            calls = [s for s in trip.stops if s.stop_id == stop_local]
            if not calls:
                return None
            stop = min(calls, key=lambda s: _gap(s, scheduled_s, departure))  # a loop calls twice
            if stop.skipped:
                return CallStatus(expected=None, delay_s=None, skipped=True)
            seconds = stop.departure_s if departure else stop.arrival_s
            if seconds is None:
                return CallStatus(expected=None, delay_s=None)
            expected = dt.datetime.fromtimestamp(day_start + seconds, static.timezone)
            return CallStatus(expected=expected, delay_s=int((expected - scheduled).total_seconds()))
        return None

    def alerts(self, at: dt.datetime, *, trip_id: str | None = None, route_id: str | None = None,
               route_type: int | None = None, stop_ids: Sequence[str] = ()) -> tuple[ServiceAlert, ...]:
        found: dict[str, ServiceAlert] = {}
        instant = int(at.timestamp())
        for key in {_split(x)[0] for x in (trip_id, route_id, *stop_ids) if x}:
            def local(prefixed: str | None) -> str | None:  # an id of this feed, without its prefix
                return _split(prefixed)[1] if prefixed and _split(prefixed)[0] == key else None
            route_local = local(route_id)
            for source in self._of(key):
                snapshot, static = source.feed.snapshot, source.feed.static
                if snapshot is None:
                    continue
                agency = static.agency_id(route_local) if static is not None and route_local else None
                for alert in snapshot.alerts_for(instant, agency_id=agency, route_id=route_local, route_type=route_type,
                                                 stop_ids=[s for s in map(local, stop_ids) if s],
                                                 trip_id=local(trip_id)):
                    found.setdefault(f"{source.name}/{alert.entity_id}", _alert(alert))
        return tuple(found.values())

    def statuses(self, now: dt.datetime) -> tuple[RealtimeSourceStatus, ...]:
        return tuple(status(source, now) for source in self._sources())


def status(source: Source, now: dt.datetime) -> RealtimeSourceStatus:
    feed = source.feed
    report = feed.last_report
    age = None if feed.last_success_at is None else max(0, int(now.timestamp()) - feed.last_success_at)
    if feed.last_attempt_at is None:
        state = "waiting"
    elif age is None:
        state = "broken"
    elif age > source.stale_after_s:
        state = "stale"
    else:
        state = "fresh"
    return RealtimeSourceStatus(
        name=source.name, feed=source.feed_key, state=state,
        last_success_at=None if feed.last_success_at is None else dt.datetime.fromtimestamp(feed.last_success_at,
                                                                                            dt.UTC),
        age_s=age, failures=feed.failures, error=report.error if report is not None else None,
        skipped=dict(feed.totals))
