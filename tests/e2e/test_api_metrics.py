"""`GET /metrics` scrapes in the Prometheus text format: request latency by route template (the
id never becomes a label), operators' call latency and failures, bookings by state, the
analyses' queue and feed freshness from the database."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from maas.api.app import create_app
from maas.bootstrap import build_container
from maas.domain.errors import OperatorUnavailable
from maas.settings import load_settings
from maas.storage import migrate
from operators.taxi import from_demo_region
from tests.fakes import MemoryOperator, SteppedClock

DEMO = Path(__file__).resolve().parents[2] / "fixtures" / "demo-region"
NOW = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=9)))
TRIP = {"from": {"lat": 36.4245, "lon": 138.8655}, "to": {"lat": 36.412526, "lon": 138.91438},
        "depart_at": "2026-11-24T09:00:00+09:00"}


class Down(MemoryOperator):
    operator_id = "down"

    async def search_offers(self, query):
        raise OperatorUnavailable("the dispatcher is down")


def samples(text: str) -> dict[str, list]:
    found: dict[str, list] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found.setdefault(sample.name, []).append(sample)
    return found


async def test_metrics_scrape_in_the_text_format(aiohttp_client, database_url, tmp_path, fast_hasher, sign_in) -> None:
    settings = load_settings({}, database_url=database_url, data_dir=tmp_path, planner_warmup=False)
    clock = SteppedClock(NOW)
    taxi = from_demo_region(DEMO, clock)
    container = build_container(settings, hasher=fast_hasher, clock=clock,
                                operator_adapters={taxi.operator_id: taxi, "down": Down(clock)})
    await migrate.upgrade(container.engine)
    client = await aiohttp_client(create_app(settings, container_factory=lambda _s: container))
    assert (await client.post("/v1/plan/door-to-door", json=TRIP)).status == 200
    assert (await client.get("/v1/bookings/bk_secret123")).status == 401
    assert (await client.get("/health")).status == 200

    scraped = await client.get("/metrics")
    assert scraped.status == 200 and scraped.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    text = await scraped.text()
    found = samples(text)
    routes = {s.labels["route"] for s in found["maas_http_request_duration_seconds_count"]}
    assert {"/v1/plan/door-to-door", "/v1/bookings/{booking_id}", "/health"} <= routes
    assert "bk_secret123" not in text
    statuses = {(s.labels["route"], s.labels["status"]) for s in found["maas_http_request_duration_seconds_count"]}
    assert ("/v1/bookings/{booking_id}", "401") in statuses
    calls = {(s.labels["operator"], s.labels["outcome"]) for s in found["maas_operator_call_duration_seconds_count"]}
    assert (taxi.operator_id, "ok") in calls and ("down", "error") in calls
    (errors,) = [s for s in found["maas_operator_errors_total"] if s.labels["operator"] == "down"]
    assert errors.value >= 1
    assert [s.value for s in found["maas_analysis_queue_oldest_age_seconds"]] == [0.0]
    assert "maas_bookings" not in found  # no booking yet: no state is reported


@pytest.mark.sqlite_only
async def test_metrics_ask_for_the_token_when_one_is_set(aiohttp_client, database_url, tmp_path, fast_hasher) -> None:
    settings = load_settings({}, database_url=database_url, data_dir=tmp_path, planner_warmup=False,
                             metrics_token="scrape-secret")
    container = build_container(settings, hasher=fast_hasher)
    await migrate.upgrade(container.engine)
    client = await aiohttp_client(create_app(settings, container_factory=lambda _s: container))
    for headers in ({}, {"Authorization": "Bearer wrong"}):
        refused = await client.get("/metrics", headers=headers)
        assert refused.status == 401 and (await refused.json())["error"]["code"] == "unauthenticated"
    allowed = await client.get("/metrics", headers={"Authorization": "Bearer scrape-secret"})
    assert allowed.status == 200 and "maas_http_request_duration_seconds" in await allowed.text()
