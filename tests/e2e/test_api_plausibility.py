"""Drivers' reports and operators' leg events are refused at times they cannot have happened
(422 `implausible_event_time`, nothing recorded), through the real app wired as `make run` wires
のりあい号, on both databases. The clock is Tuesday 2026-11-24 09:00; the ride is booked for
Thursday 11:00, two days ahead."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from maas.api.app import create_app
from maas.bootstrap import build_container
from maas.domain.accounts import NewAccount, Principal, Role
from maas.settings import load_settings
from maas.storage import migrate
from tests.fakes import SteppedClock

DEMO = Path(__file__).resolve().parents[2] / "fixtures" / "demo-region"
TOKYO = dt.timezone(dt.timedelta(hours=9))
NOW = dt.datetime(2026, 11, 24, 9, 0, tzinfo=TOKYO)
SYSTEM = Principal(subject_id="system:test", role=Role.ADMIN)
PASSWORD = "correct horse battery"
BASE = "/v1/on-demand/noriai"
TRIP = {"origin": {"lat": 36.4005, "lon": 138.9000}, "destination": {"lat": 36.412526, "lon": 138.91438},
        "depart_at": "2026-11-26T11:00:00+09:00"}


@pytest.fixture
async def api(aiohttp_client, database_url, tmp_path, fast_hasher):
    settings = load_settings({}, database_url=database_url, data_dir=tmp_path, planner_warmup=False,
                             operators_config=DEMO / "maas-operators.json")
    clock = SteppedClock(NOW)
    container = build_container(settings, hasher=fast_hasher, clock=clock)
    await migrate.upgrade(container.engine)
    client = await aiohttp_client(create_app(settings, container_factory=lambda _s: container))
    await container.auth.register(NewAccount(email="hanako@example.jp", display_name="hanako", role=Role.RIDER,
                                             password=PASSWORD), by=SYSTEM)
    token = (await (await client.post("/v1/auth/token", json={"email": "hanako@example.jp",
                                                              "password": PASSWORD})).json())["token"]
    await container.operators.register(operator_id="noriai", name="のりあい号", name_en="Noriai", mode="shuttle",
                                       kind="on-demand")
    issued = await container.auth.issue_api_key("noriai", "driver tablets")
    yield client, clock, {"Authorization": f"Bearer {token}"}, {"Authorization": f"Bearer {issued.secret}"}
    await container.aclose()


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
