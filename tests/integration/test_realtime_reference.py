"""The reference GTFS-RT server on loopback: what is injected comes out as a FeedMessage; bad controls are refused.

Also the poller against it: a source that answers keeps its feed fresh, one that stops answering is
counted and backs off, and its last good snapshot stays.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from maas.routing_adapter.realtime_sources import RealtimeConfig, RealtimePoller, SourceConfig, load_realtime_config
from operators.reference.gtfs_rt import Disruptions, start
from routing.realtime import StaticTrips, TripUpdate, feed_message, read_feed, to_bytes

DEMO = Path(__file__).resolve().parents[2] / "fixtures" / "demo-region"
TRAIN = "山吹線-平日-005"  # R01 07:54 ... R03 08:08/08:09 ... weekdays


@pytest.fixture(scope="module")
def static() -> StaticTrips:
    return StaticTrips.read(DEMO / "gtfs")


@pytest.fixture
async def server(static: StaticTrips) -> AsyncIterator[str]:
    runner, port = await start(Disruptions(static), "127.0.0.1", 0)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


async def test_injected_delay_cancellation_skip_and_alert_come_out_of_the_feed(server: str) -> None:
    async with aiohttp.ClientSession() as http:
        for path, body in [("delay", {"trip_id": TRAIN, "delay_s": 720, "start_date": "20261124"}),
                           ("cancel", {"trip_id": "山吹線-平日-006", "start_date": "20261124"}),
                           ("skip", {"trip_id": TRAIN, "stop_sequence": 2, "start_date": "20261124"}),
                           ("alert", {"id": "snow", "route_id": "rail-yamabuki", "cause": "WEATHER",
                                      "effect": "SIGNIFICANT_DELAYS",
                                      "header": {"ja": "大雪のため遅れています", "en": "Delays due to heavy snow"}})]:
            response = await http.post(f"{server}/control/{path}", json=body)
            assert response.status == 200, await response.text()
        raw = await (await http.get(f"{server}/gtfs-rt")).read()
        as_json = await (await http.get(f"{server}/gtfs-rt", params={"format": "json"})).read()
    for content in (read_feed(raw), read_feed(as_json)):
        updates = {u.trip_id: u for u in content.trip_updates}
        assert updates["山吹線-平日-006"].relationship == "CANCELED"
        delayed = updates[TRAIN]
        assert delayed.start_date == "20261124" and delayed.route_id == "rail-yamabuki"
        assert [(s.stop_sequence, s.departure_delay_s, s.relationship) for s in delayed.stops] == [
            (1, 720, "SCHEDULED"), (2, None, "SKIPPED")]
        [alert] = content.alerts
        assert alert.header["en"] == "Delays due to heavy snow" and alert.informed[0].route_id == "rail-yamabuki"


@pytest.mark.parametrize("path, body, status", [
    ("delay", {"trip_id": "no-such-trip", "delay_s": 60}, 404),
    ("delay", {"trip_id": TRAIN, "delay_s": "late"}, 400),
    ("delay", {"trip_id": TRAIN, "delay_s": 10 ** 9}, 400),
    ("delay", {"trip_id": TRAIN, "delay_s": 60, "stop_sequence": 99}, 404),
    ("delay", {"trip_id": TRAIN, "delay_s": 60, "start_date": "2026-11-24"}, 400),
    ("cancel", {}, 400),
    ("skip", {"trip_id": TRAIN}, 400),
    ("alert", {"header": {"ja": "x"}}, 400),
    ("alert", {"route_id": "rail-yamabuki"}, 400),
    ("alert", {"route_id": "rail-yamabuki", "header": {"ja": "x"}, "effect": "EXPLODED"}, 400),
    ("alert", {"route_id": "rail-yamabuki", "header": "x"}, 400),
    ("alert", [1, 2], 400),
])
async def test_bad_controls_are_refused_and_change_nothing(server: str, path: str, body: object, status: int) -> None:
    async with aiohttp.ClientSession() as http:
        response = await http.post(f"{server}/control/{path}", json=body)
        assert response.status == status and "error" in await response.json()
        junk = await http.post(f"{server}/control/{path}", data=b"{not json")
        assert junk.status == 400
        state = await (await http.get(f"{server}/control")).json()
    assert state == {"delays": [], "cancelled": [], "skipped": [], "alerts": []}


async def test_the_poller_keeps_a_source_fresh_and_survives_it_going_away(static: StaticTrips, tmp_path: Path) -> None:
    runner, port = await start(Disruptions(static), "127.0.0.1", 0)
    url = f"http://127.0.0.1:{port}"
    async with aiohttp.ClientSession() as http:
        await http.post(f"{url}/control/cancel", json={"trip_id": TRAIN, "start_date": "20261124"})
    config = RealtimeConfig(sources=(SourceConfig(name="bus", feed="gtfs", url=f"{url}/gtfs-rt", interval_s=0.05,
                                                  timeout_s=1, max_backoff_s=0.2),))
    feeds = {"gtfs": (DEMO / "gtfs", "digest-1")}
    poller = RealtimePoller(config, lambda: feeds)
    [source] = poller.sources
    stop = asyncio.Event()
    task = asyncio.create_task(poller.run(stop))
    try:
        for _ in range(100):
            if source.feed.snapshot is not None:
                break
            await asyncio.sleep(0.05)
        snapshot = source.feed.snapshot
        assert snapshot is not None and snapshot.trip(TRAIN, "20261124").cancelled  # type: ignore[union-attr]
        first = source.feed.static
        feeds["gtfs"] = (DEMO / "gtfs", "digest-2")  # the feed imported again: read again
        for _ in range(100):
            if source.feed.static is not first:
                break
            await asyncio.sleep(0.05)
        assert source.feed.static is not first and source.feed.static is not None
        snapshot = source.feed.snapshot
        await runner.cleanup()  # the server goes away
        for _ in range(100):
            if source.feed.failures >= 2:
                break
            await asyncio.sleep(0.05)
        assert source.feed.failures >= 2 and source.feed.totals["fetch_failed"] >= 2
        assert source.feed.snapshot is snapshot  # the last good state stays
        assert not task.done()  # and the poller carries on
    finally:
        stop.set()
        await asyncio.wait_for(task, 5)


def test_config_files_are_checked(tmp_path: Path) -> None:
    good = tmp_path / "rt.json"
    good.write_text('{"sources": [{"name": "a", "feed": "gtfs", "path": "snap.pb"}]}', encoding="utf-8")
    assert load_realtime_config(good).sources[0].path == tmp_path / "snap.pb"
    for text in ['{"sources": [{"name": "a", "feed": "gtfs"}]}',  # neither url nor path
                 '{"sources": [{"name": "a", "feed": "gtfs", "url": "ftp://x", "path": "p"}]}',
                 '{"sources": [{"name": "a", "feed": "gtfs", "url": "ftp://x"}]}',
                 '{"sources": [{"name": "a", "feed": "g", "path": "p"}, {"name": "a", "feed": "g", "path": "q"}]}',
                 '{"sources": [], "surprise": 1}', "not json"]:
        good.write_text(text, encoding="utf-8")
        with pytest.raises(ValueError, match="MAAS_REALTIME_CONFIG"):
            load_realtime_config(good)
    with pytest.raises(ValueError, match="MAAS_REALTIME_CONFIG"):
        load_realtime_config(tmp_path / "missing.json")


async def test_a_file_source_is_read_each_interval_and_a_bad_file_keeps_the_last_good_state(
        static: StaticTrips, tmp_path: Path) -> None:
    snapshot_file = tmp_path / "snap.pb"
    now = int(time.time())
    snapshot_file.write_bytes(to_bytes(feed_message(now, trip_updates=[
        TripUpdate("u", TRAIN, start_date="20261124", relationship="CANCELED")])))
    config = RealtimeConfig(sources=(SourceConfig(name="file", feed="gtfs", path=snapshot_file, interval_s=0.05),))
    poller = RealtimePoller(config, lambda: {"gtfs": (DEMO / "gtfs", "d")})
    [source] = poller.sources
    assert await poller.poll_once(source, config.sources[0], None)
    good = source.feed.snapshot
    snapshot_file.write_bytes(b"\x0a\x05garbage")  # a half-written file
    assert not await poller.poll_once(source, config.sources[0], None)
    snapshot_file.unlink()
    assert not await poller.poll_once(source, config.sources[0], None)
    assert source.feed.snapshot is good and source.feed.failures == 2
    assert dict(source.feed.totals) == {"malformed": 1, "fetch_failed": 1}
