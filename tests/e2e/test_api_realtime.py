"""Riders told: the demo's reference GTFS-RT server delays a train, cancels another and posts an alert;
departures and plans show scheduled and expected times, the cancellation and the alert in the rider's
language; /health shows the source fresh, then degraded when the server goes away."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import aiohttp
import pytest

from maas.api.app import create_app
from maas.bootstrap import build_container
from maas.settings import load_settings
from operators.reference.gtfs_rt import Disruptions, start
from routing.realtime import StaticTrips

pytestmark = pytest.mark.sqlite_only  # PostgreSQL adds nothing here: docs/guide.md, section 5

DEMO = Path(__file__).resolve().parents[2] / "fixtures" / "demo-region"
LATE, GONE = "山吹線-平日-005", "山吹線-平日-006"  # R01 08:00 and 08:30 towards 桐原
EN = {"Accept-Language": "en"}
# Next Tuesday (as the README's examples): trains still to leave, so their tickets are on sale.
_TODAY = dt.datetime.now(ZoneInfo("Asia/Tokyo")).date()
DAY = (_TODAY + dt.timedelta(days=(1 - _TODAY.weekday()) % 7 or 7)).isoformat()
START = DAY.replace("-", "")


@pytest.fixture
async def town(aiohttp_client, database_url, tmp_path, fast_hasher):
    runner, port = await start(Disruptions(StaticTrips.read(DEMO / "gtfs")), "127.0.0.1", 0)
    control = f"http://127.0.0.1:{port}/control"
    async with aiohttp.ClientSession() as http:
        for path, body in [("delay", {"trip_id": LATE, "delay_s": 720, "start_date": START}),
                           ("cancel", {"trip_id": GONE, "start_date": START}),
                           ("alert", {"id": "snow", "route_id": "rail-yamabuki", "cause": "WEATHER",
                                      "effect": "SIGNIFICANT_DELAYS",
                                      "header": {"ja": "大雪のため遅れています", "en": "Delays due to heavy snow"}})]:
            assert (await http.post(f"{control}/{path}", json=body)).status == 200
    config = tmp_path / "realtime.json"
    config.write_text(json.dumps({"sources": [{"name": "yamabuki-rail", "feed": "gtfs",
                                               "url": f"http://127.0.0.1:{port}/gtfs-rt", "interval_s": 0.1,
                                               "timeout_s": 1, "stale_after_s": 1, "max_backoff_s": 0.2}]}))
    settings = load_settings({}, database_url=database_url, data_dir=tmp_path, planner_warmup=False,
                             realtime_config=config)
    container = build_container(settings, hasher=fast_hasher)
    client = await aiohttp_client(create_app(settings, container_factory=lambda _s: container))
    for _ in range(100):  # the first poll
        health = await (await client.get("/health")).json()
        if health["realtime"][0]["state"] == "fresh":
            break
        await asyncio.sleep(0.05)
    yield client, runner
    await runner.cleanup()


async def test_departures_show_delay_cancellation_and_alert(town) -> None:
    client, _ = town
    response = await client.get("/v1/stops/R01/departures",
                                params={"from": f"{DAY}T07:59:00+09:00", "limit": "2"}, headers=EN)
    assert response.status == 200, await response.text()
    late, gone = (await response.json())["departures"]
    assert (late["trip_id"], late["departure"]) == (f"gtfs:{LATE}", f"{DAY}T08:00:00+09:00")
    assert (late["expected_departure"], late["delay_s"], late["cancelled"]) == (f"{DAY}T08:12:00+09:00", 720, False)
    assert [(a["id"], a["header"], a["effect"]) for a in late["alerts"]] == [
        ("snow", "Delays due to heavy snow", "SIGNIFICANT_DELAYS")]
    assert (gone["trip_id"], gone["cancelled"], gone["expected_departure"]) == (f"gtfs:{GONE}", True, None)


async def test_plan_legs_carry_expected_times_and_alerts_in_the_riders_language(town) -> None:
    client, _ = town
    response = await client.post("/v1/plan", json={"from": {"stop_id": "R01"}, "to": {"stop_id": "R04"},
                                                    "depart_at": f"{DAY}T07:59:00+09:00"})
    assert response.status == 200, await response.text()
    legs = [it["legs"][0] for it in (await response.json())["itineraries"]]
    late = next(leg for leg in legs if leg["trip_id"] == f"gtfs:{LATE}")
    assert (late["departure"], late["expected_departure"]) == (f"{DAY}T08:00:00+09:00", f"{DAY}T08:12:00+09:00")
    assert (late["arrival"], late["expected_arrival"]) == (f"{DAY}T08:12:00+09:00", f"{DAY}T08:24:00+09:00")
    assert late["cancelled"] is False and late["alerts"][0]["header"] == "大雪のため遅れています"
    assert late["offer_id"] is not None  # its ticket is on sale
    gone = [leg for leg in legs if leg["trip_id"] == f"gtfs:{GONE}"]
    assert gone  # shown, marked: routing around it comes with routing on real time
    assert all(leg["cancelled"] and leg["offer_id"] is None for leg in gone)  # and no ticket sold for it


async def test_health_is_fresh_then_degraded_when_the_source_goes_away(town) -> None:
    client, runner = town
    body = await (await client.get("/health")).json()
    assert body["status"] == "ok"
    [source] = body["realtime"]
    assert (source["name"], source["feed"], source["state"], source["error"]) == ("yamabuki-rail", "gtfs", "fresh", None)
    await runner.cleanup()
    for _ in range(100):
        response = await client.get("/health")
        body = await response.json()
        if body["status"] == "degraded":
            break
        await asyncio.sleep(0.05)
    assert response.status == 200 and body["status"] == "degraded"
    [source] = body["realtime"]
    assert source["state"] == "stale" and source["failures"] >= 1 and source["error"].startswith("fetch_failed")
    # Riders still get the last good state.
    board = await (await client.get("/v1/stops/R01/departures", params={"from": f"{DAY}T07:59:00+09:00",
                                                                        "limit": "1"})).json()
    assert board["departures"][0]["delay_s"] == 720
