"""Drivers' reports and operators' leg events are refused at times they cannot have happened
(422 `implausible_event_time`, nothing recorded), through the real app wired as `make run` wires
のりあい号, on both databases. The clock is Tuesday 2026-11-24 09:00; the ride is booked for
Thursday 11:00, two days ahead."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.e2e.vans_app import vans_app

BASE = "/v1/on-demand/noriai"
TRIP = {"origin": {"lat": 36.4005, "lon": 138.9000}, "destination": {"lat": 36.412526, "lon": 138.91438},
        "depart_at": "2026-11-26T11:00:00+09:00"}


@pytest.fixture
async def api(aiohttp_client, database_url, tmp_path, fast_hasher):
    app = await vans_app(aiohttp_client, database_url, tmp_path, fast_hasher)
    _, rider = await app.sign_up("hanako@example.jp")
    yield app.client, app.clock, rider, await app.noriai_key()


async def thursday_ride(client, rider) -> dict:
    offer = await (await client.post(f"{BASE}/quotes", json=TRIP, headers=rider)).json()
    booked = await client.post(f"{BASE}/rides", json={"offer_id": offer["offer_id"]},
                               headers={**rider, "Idempotency-Key": "thu"})
    assert booked.status == 201, await booked.text()
    return await booked.json()


async def refused(response, reason: str) -> dict:
    body = await response.json()
    assert (response.status, body["error"]["code"]) == (422, "implausible_event_time"), body
    assert body["error"]["fields"]["reason"] == reason
    return body["error"]


async def test_a_report_for_a_ride_two_days_ahead_is_refused_and_records_nothing(api) -> None:
    client, clock, rider, driver = api
    ride = await thursday_ride(client, rider)
    report = f"{BASE}/rides/{ride['id']}/reports"
    error = await refused(await client.post(report, json={"kind": "picked_up"}, headers=driver), "too_early")
    assert "2026-11-26T" in error["fields"]["scheduled"] and error["fields"]["at"] == "2026-11-24T09:00+09:00"
    await refused(await client.post(report, json={"kind": "dropped_off"}, headers=driver), "too_early")
    await refused(await client.post(report, json={"kind": "no_show"}, headers=driver), "too_early")
    # A time stamped in the ride's window, but sent two days before it: it has not happened yet.
    await refused(await client.post(report, json={"kind": "picked_up", "at": ride["pickup_from"]}, headers=driver),
                  "in_the_future")
    seen = await (await client.get(f"{BASE}/rides/{ride['id']}", headers=rider)).json()
    assert (seen["state"], seen["picked_up_at"], seen["dropped_off_at"]) == ("CONFIRMED", None, None)
    # A note may come at any time.
    assert (await client.post(report, json={"kind": "issue", "detail": "road works"}, headers=driver)).status == 200
    # On Thursday, at the pickup, the same reports are taken; one stamped the evening before is not.
    clock.at = dt.datetime.fromisoformat(ride["pickup_from"])
    await refused(await client.post(report, json={"kind": "picked_up", "at": "2026-11-25T20:00:00+09:00"},
                                    headers=driver), "too_early")
    picked = await client.post(report, json={"kind": "picked_up"}, headers=driver)
    assert picked.status == 200 and (await picked.json())["state"] == "STARTED"
    clock.advance(20 * 60)
    dropped = await client.post(report, json={"kind": "dropped_off"}, headers=driver)
    assert dropped.status == 200 and (await dropped.json())["state"] == "FINISHED"


async def test_an_operators_leg_event_far_from_the_leg_is_refused(api) -> None:
    client, clock, rider, driver = api
    ride = await thursday_ride(client, rider)
    events = f"/v1/operators/noriai/legs/{ride['id']}/events"
    await refused(await client.post(events, json={"kind": "STARTED"}, headers=driver), "too_early")
    await refused(await client.post(events, json={"kind": "FINISHED", "at": "2026-11-24T08:00:00+09:00"},
                                    headers=driver), "too_early")
    seen = await (await client.get(f"{BASE}/rides/{ride['id']}", headers=rider)).json()
    assert (seen["state"], seen["picked_up_at"]) == ("CONFIRMED", None)
    clock.at = dt.datetime.fromisoformat(ride["pickup_from"]) + dt.timedelta(days=1)  # Friday: too late
    await refused(await client.post(events, json={"kind": "STARTED"}, headers=driver), "too_late")
    unknown = await client.post("/v1/operators/noriai/legs/nope/events", json={"kind": "STARTED"}, headers=driver)
    assert unknown.status == 404
    clock.at = dt.datetime.fromisoformat(ride["pickup_from"])
    started = await client.post(events, json={"kind": "STARTED"}, headers=driver)
    assert started.status == 200, await started.text()
    assert (await started.json())["leg"]["state"] == "STARTED"
