"""The service's Prometheus metrics (prometheus_client), one registry per container so two apps
in one process (the tests' two API processes) never share counters: request latency by route
template, operator calls' latency and outcomes, and, read from the database at each scrape, the
sagas' outcomes (bookings by state), the analyses' queue (by state, oldest queued) and feed
freshness."""

from __future__ import annotations

import datetime as dt

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from maas.domain.status import ServiceStatus

LATENCY_BUCKETS_S = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class ServiceMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.requests = Histogram("maas_http_request_duration_seconds", "API requests by route template",
                                  ("method", "route", "status"), buckets=LATENCY_BUCKETS_S, registry=r)
        self.operator_calls = Histogram("maas_operator_call_duration_seconds", "Calls to operators' adapters",
                                        ("operator", "call", "outcome"), buckets=LATENCY_BUCKETS_S, registry=r)
        self.operator_errors = Counter("maas_operator_errors", "Operator calls that failed or timed out",
                                       ("operator", "call", "outcome"), registry=r)
        self.bookings = Gauge("maas_bookings", "Bookings by trip state (the sagas' outcomes)", ("state",),
                              registry=r)
        self.analyses = Gauge("maas_analyses", "Analyses by state (QUEUED is the queue's depth)", ("state",),
                              registry=r)
        self.queue_age = Gauge("maas_analysis_queue_oldest_age_seconds", "Age of the oldest queued analysis",
                               registry=r)
        self.feed_age = Gauge("maas_feed_age_seconds", "Seconds since each feed was imported", ("feed",), registry=r)
        self.feed_days_left = Gauge("maas_feed_service_days_left", "Days until each feed's service ends",
                                    ("feed",), registry=r)

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(method, route, str(status)).observe(seconds)

    def observe_operator(self, operator_id: str, call: str, seconds: float, outcome: str) -> None:
        self.operator_calls.labels(operator_id, call, outcome).observe(seconds)
        if outcome != "ok":
            self.operator_errors.labels(operator_id, call, outcome).inc()

    def render(self, status: ServiceStatus | None, now: dt.datetime) -> bytes:
        """The text exposition, with the database's figures as of now (None: not available)."""
        if status is not None:
            self._set_status(status, now)
        return generate_latest(self.registry)

    def _set_status(self, status: ServiceStatus, now: dt.datetime) -> None:
        for gauge, counts in ((self.bookings, status.bookings_by_state), (self.analyses, status.analyses_by_state)):
            gauge.clear()  # a state with no rows any more must not keep its old figure
            for state, count in counts.items():
                gauge.labels(state).set(count)
        oldest = status.oldest_queued_analysis
        self.queue_age.set(0 if oldest is None else max(0.0, (now - oldest).total_seconds()))
        self.feed_age.clear()
        self.feed_days_left.clear()
        for feed in status.feeds:
            self.feed_age.labels(feed.name).set(max(0.0, (now - feed.imported_at).total_seconds()))
            if feed.service_end is not None:
                self.feed_days_left.labels(feed.name).set((feed.service_end - now.date()).days)
