"""The `gbfs` option as a URL: the adapter reads the feed over HTTP on 127.0.0.1 with a session of
its own, closed by aclose(); an unreachable operator is OperatorUnavailable, never a crash."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from maas.domain.errors import OperatorUnavailable
from maas.domain.ports import AdapterContext
from operators.bikeshare import create
from tests.fakes import SteppedClock
from tests.tiny_bikes import QUERY, T0, UPDATED, bike_files


def _app(hits: list[str]) -> web.Application:
    head = {"last_updated": UPDATED, "ttl": 60, "version": "2.3"}

    async def discovery(request: web.Request) -> web.Response:
        hits.append("gbfs")
        feeds = [{"name": n, "url": f"{request.url.origin()}/{n}.json"} for n in bike_files()]
        return web.json_response({**head, "data": {"en": {"feeds": feeds}}})

    async def feed_file(request: web.Request) -> web.Response:
        hits.append(request.match_info["name"])
        return web.json_response({**head, "data": bike_files()[request.match_info["name"]]})

    app = web.Application()
    app.router.add_get("/gbfs.json", discovery)
    app.router.add_get("/{name}.json", feed_file)
    return app


async def test_offers_from_a_feed_served_over_http(tmp_path: Path) -> None:
    hits: list[str] = []
    async with TestServer(_app(hits), host="127.0.0.1") as server:
        adapter = create(AdapterContext("tiny-bikes", {"gbfs": str(server.make_url("/gbfs.json"))},
                                        tmp_path, SteppedClock(T0)))
        offers = await adapter.search_offers(QUERY)
        assert [(o.mode, o.price.amount_minor) for o in offers] == [("bike", 160), ("scooter", 215)]
        assert hits[0] == "gbfs" and set(hits[1:]) == set(bike_files())
        await adapter.aclose()
        assert adapter.feed.source._session is None


async def test_an_operator_that_does_not_answer_is_unavailable(tmp_path: Path) -> None:
    adapter = create(AdapterContext("tiny-bikes", {"gbfs": "http://127.0.0.1:9/gbfs.json", "timeout_s": 1},
                                    tmp_path, SteppedClock(T0)))
    with pytest.raises(OperatorUnavailable, match="GBFS feed unavailable"):
        await adapter.search_offers(QUERY)
    await adapter.aclose()


def test_a_bad_pricing_plan_option_is_refused(tmp_path: Path) -> None:
    (tmp_path / "gbfs.json").write_text(json.dumps({"data": {"en": {"feeds": []}}}))
    with pytest.raises(ValueError, match="pricing_plan"):
        create(AdapterContext("b", {"gbfs": "gbfs.json", "pricing_plan": {"plan_id": "x"}}, tmp_path, SteppedClock(T0)))
