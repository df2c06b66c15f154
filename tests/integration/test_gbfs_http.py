"""Reading a GBFS feed over real HTTP on 127.0.0.1: discovery, files, a 500, a timeout, bad bodies."""

from __future__ import annotations

import asyncio
from collections import Counter

import aiohttp
import pytest
from aiohttp import web

from operators.gbfs import (
    FeedHttpError,
    FeedTimeout,
    HttpSource,
    InvalidFeed,
    MalformedFeed,
    ReadOptions,
    read_feed,
)

HEAD = {"last_updated": "2025-05-21T07:47:43+00:00", "ttl": 60, "version": "3.0"}
FILES = {
    "system_information": {"system_id": "demo", "languages": ["ja", "en"], "timezone": "Asia/Tokyo",
                           "name": [{"text": "デモ", "language": "ja"}, {"text": "Demo", "language": "en"}]},
    "vehicle_types": {"vehicle_types": [{"vehicle_type_id": "car", "form_factor": "car",
                                         "propulsion_type": "electric", "max_range_meters": 300000}]},
    "vehicle_status": {"vehicles": [{"vehicle_id": "v1", "lat": 35.68, "lon": 139.76, "is_reserved": False,
                                     "is_disabled": False, "vehicle_type_id": "car",
                                     "current_range_meters": 120000}]},
}


def make_app(hits: Counter) -> web.Application:
    async def discovery(request: web.Request) -> web.Response:
        hits["gbfs"] += 1
        base = f"{request.url.origin()}/{request.match_info['feed']}"
        feeds = [{"name": name, "url": f"{base}/{name}.json"} for name in FILES]
        return web.json_response({**HEAD, "data": {"feeds": feeds}})

    async def feed_file(request: web.Request) -> web.Response:
        feed, name = request.match_info["feed"], request.match_info["name"]
        hits[f"{feed}/{name}"] += 1
        if feed == "broken" and name == "vehicle_status":
            return web.Response(status=500, text="boom")
        if feed == "missing" and name == "vehicle_status":
            return web.Response(status=404, text="gone")
        if feed == "slow" and name == "vehicle_status":
            await asyncio.sleep(2)
        if feed == "html" and name == "vehicle_status":
            return web.Response(text="<html>login</html>", content_type="text/html")
        if feed == "garbled" and name == "vehicle_status":
            return web.Response(text="{not json", content_type="application/json")
        return web.json_response({**HEAD, "data": FILES[name]})

    app = web.Application()
    app.router.add_get("/{feed}/gbfs.json", discovery)
    app.router.add_get("/{feed}/{name}.json", feed_file)
    return app


@pytest.fixture
async def server(aiohttp_server):
    hits: Counter = Counter()
    srv = await aiohttp_server(make_app(hits), host="127.0.0.1")
    srv.hits = hits
    return srv


@pytest.fixture
async def session():
    async with aiohttp.ClientSession() as client:
        yield client


def source(server, session: aiohttp.ClientSession, feed: str, timeout_s: float = 5.0) -> HttpSource:
    return HttpSource(session, str(server.make_url(f"/{feed}/gbfs.json")), timeout_s=timeout_s)


async def test_a_v30_feed_is_discovered_fetched_and_parsed_over_http(server, session) -> None:
    snapshot = await read_feed(source(server, session, "ok"), ReadOptions(strict=True))
    assert snapshot.version == "3.0"
    assert (snapshot.system.name, snapshot.system.language) == ("デモ", "ja")
    assert [(t.vehicle_type_id, t.form_factor) for t in snapshot.vehicle_types] == [("car", "car")]
    assert [(v.vehicle_id, v.current_range_meters) for v in snapshot.vehicles] == [("v1", 120000.0)]
    assert {f.file_name for f in snapshot.freshness} == set(FILES)
    assert server.hits["gbfs"] == 1


async def test_a_500_is_retried_once_then_a_named_error(server, session) -> None:
    with pytest.raises(FeedHttpError) as caught:
        await read_feed(source(server, session, "broken"))
    assert caught.value.status == 500
    assert server.hits["broken/vehicle_status"] == 2


async def test_a_404_is_not_retried(server, session) -> None:
    with pytest.raises(FeedHttpError):
        await read_feed(source(server, session, "missing"))
    assert server.hits["missing/vehicle_status"] == 1


async def test_a_slow_operator_times_out_with_a_named_error(server, session) -> None:
    loop = asyncio.get_running_loop()
    started = loop.time()
    with pytest.raises(FeedTimeout) as caught:
        await read_feed(source(server, session, "slow", timeout_s=0.2))
    assert isinstance(caught.value, TimeoutError)
    assert loop.time() - started < 1.5  # two attempts of 0.2 s, not the server's 2 s
    assert server.hits["slow/vehicle_status"] == 2


@pytest.mark.parametrize("feed", ["html", "garbled"])
async def test_a_body_that_is_not_json_is_malformed(server, session, feed: str) -> None:
    with pytest.raises(InvalidFeed) as caught:
        await read_feed(source(server, session, feed))
    assert [(f.file, f.path) for f in caught.value.findings] == [("vehicle_status", "$")]
    snapshot = await read_feed(source(server, session, feed), ReadOptions(strict=False))
    assert snapshot.vehicles == () and len(snapshot.vehicle_types) == 1
    with pytest.raises(MalformedFeed):
        await source(server, session, feed).fetch(await source(server, session, feed).discover(), "vehicle_status")
