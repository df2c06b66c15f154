"""/health names the transit feeds that failed to compile; the others keep serving plans."""

from __future__ import annotations

import datetime as dt

import pytest

from maas.api.app import create_app
from maas.bootstrap import build_container
from maas.routing_adapter.planner import RaptorJourneyPlanner
from tests.calendar_feeds import TZ, broken, town

pytestmark = pytest.mark.sqlite_only  # PostgreSQL adds nothing here: docs/guide.md, section 5


async def test_health_names_a_feed_that_failed_and_plans_still_run(aiohttp_client, settings, fast_hasher,
                                                                   tmp_path) -> None:
    sources = [town(tmp_path / "feeds" / "town"), broken(tmp_path / "feeds" / "bad")]
    planner = RaptorJourneyPlanner(lambda: sources, tmp_path / "cache")
    container = build_container(settings, hasher=fast_hasher, journey_planner=planner)
    client = await aiohttp_client(create_app(settings, container_factory=lambda _s: container))
    try:
        healthy = await (await client.get("/health")).json()
        assert healthy["feeds_failed"] == {}  # nothing linked yet, nothing known to have failed
        planner.network()  # linked (at start the warm-up does this)
        response = await client.get("/health")
        assert response.status == 200
        body = await response.json()
        assert body["status"] == "ok" and list(body["feeds_failed"]) == ["broken"]
        assert "zip" in body["feeds_failed"]["broken"]
        board = planner.departures("A", dt.datetime(2026, 11, 9, 7, 0, tzinfo=TZ), limit=1)
        assert [d.trip_id for d in board.departures] == ["town:T1"]
    finally:
        await container.aclose()
