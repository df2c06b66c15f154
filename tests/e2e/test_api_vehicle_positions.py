"""The town's vans as open data: GTFS-RT VehiclePositions at /v1/on-demand/{operator}/vehicle-positions,
from the drivers' reports (no GPS here), for anyone; a van is shown only for a while after its last report."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from maas.domain.accounts import Role
from routing.realtime import read_feed
from tests.e2e.vans_app import HOME, HOSPITAL, vans_app

pytestmark = pytest.mark.sqlite_only  # PostgreSQL adds nothing here: docs/guide.md, section 5

URL = "/v1/on-demand/noriai/vehicle-positions"


async def test_a_reported_pickup_puts_the_van_on_the_open_feed_for_ten_minutes(aiohttp_client, database_url,
                                                                               tmp_path, fast_hasher) -> None:
    app = await vans_app(aiohttp_client, database_url, tmp_path, fast_hasher)
    client, driver = app.client, await app.noriai_key()
    _, rider = await app.sign_up("hanako@example.jp", Role.RIDER)
    empty = await client.get(URL)  # nobody reported yet: a valid feed without vehicles
    assert empty.status == 200 and empty.headers["Content-Type"] == "application/x-protobuf"
    assert read_feed(await empty.read()).vehicles == ()

    offer = await (await client.post("/v1/on-demand/noriai/quotes", headers=rider, json={
        "origin": HOME, "destination": HOSPITAL, "depart_at": "2026-11-24T11:00:00+09:00"})).json()
    ride = await (await client.post("/v1/on-demand/noriai/rides", json={"offer_id": offer["offer_id"]},
                                    headers={**rider, "Idempotency-Key": "k1"})).json()
    picked_at = dt.datetime.fromisoformat(ride["pickup_from"])
    app.clock.at = picked_at
    reported = await client.post(f"/v1/on-demand/noriai/rides/{ride['id']}/reports", json={"kind": "picked_up"},
                                 headers=driver)
    assert reported.status == 200, await reported.text()

    app.clock.at = picked_at + dt.timedelta(minutes=3)
    content = read_feed(await (await client.get(URL)).read())
    [van] = content.vehicles
    assert van.vehicle_id == ride["vehicle_id"] and van.timestamp == int(picked_at.timestamp())
    assert (van.latitude, van.longitude) == pytest.approx((HOME["lat"], HOME["lon"]), abs=1e-5)
    assert content.timestamp == int(app.clock.at.timestamp())
    readable = await client.get(URL, params={"format": "json"})
    assert readable.headers["Content-Type"].startswith("application/json")
    assert json.loads(await readable.text())["entity"][0]["vehicle"]["vehicle"]["id"] == ride["vehicle_id"]
    assert "hanako" not in await readable.text()  # nobody is named

    app.clock.at = picked_at + dt.timedelta(minutes=11)  # no report since: the van leaves the feed
    assert read_feed(await (await client.get(URL)).read()).vehicles == ()


async def test_vehicle_positions_errors(aiohttp_client, database_url, tmp_path, fast_hasher) -> None:
    app = await vans_app(aiohttp_client, database_url, tmp_path, fast_hasher)
    missing = await app.client.get("/v1/on-demand/yamabuki-kotsu-taxi/vehicle-positions")
    assert missing.status == 404 and (await missing.json())["error"]["code"] == "not_found"
    bad = await app.client.get(URL, params={"format": "xml"})
    assert bad.status == 422 and "query.format" in (await bad.json())["error"]["fields"]
