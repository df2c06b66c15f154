"""A TOMP 2.0 operator plugged in through the operators configuration (`"adapter": "tomp",
"version": "2.0"`): the reference taxi speaks 2.0 on its own port, the rider finds, books and
cancels it through the platform's API, and the platform reads the ride's progress from the
operator's packages. Every 2.0 message is checked against the 2.0 modules of the corpus."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from maas.api.app import create_app
from maas.bootstrap import build_container
from maas.domain.accounts import GeoPoint, NewAccount, Role
from maas.domain.mobility import OfferQuery
from maas.domain.ports import AdapterContext
from maas.plugins import build_adapters, load_operators_config
from maas.settings import load_settings
from maas.storage import migrate
from operators.reference.app2 import make_app2
from operators.reference.taxi import taxi_operator
from operators.tomp.plugin import create
from payments.on_board import OnBoardGateway
from tests.e2e.demo_bookings import DEMO, NOW, PASSWORD, SYSTEM
from tests.fakes import SteppedClock
from tests.tomp_spec_check import SpecRecorder, spec_middleware, tomp_spec

pytestmark = pytest.mark.sqlite_only  # the storage is the whole-trip tests'; PostgreSQL adds nothing here

HOME = GeoPoint(lat=36.4005, lon=138.9000)
HOSPITAL = GeoPoint(lat=36.412526, lon=138.91438)


@pytest.fixture
async def town2(aiohttp_client, database_url, tmp_path, fast_hasher) -> AsyncIterator[dict]:
    spec = SpecRecorder(tomp_spec("2.0"))
    clock = SteppedClock(NOW)
    taxi = taxi_operator(DEMO, clock)
    runner = web.AppRunner(make_app2(taxi, api_keys={"k2"}, middlewares=[spec_middleware(spec)]), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    adapters = build_adapters(load_operators_config(DEMO / "maas-operators.json"), DEMO, clock)
    adapters.pop("yamabuki-kotsu-taxi")
    # what `{"id": "tomp2-taxi", "adapter": "tomp", "options": {...}}` in MAAS_OPERATORS_CONFIG builds
    adapters["tomp2-taxi"] = create(AdapterContext("tomp2-taxi", {"version": "2.0", "base_url": url, "api_key": "k2",
                                                                  "backoff_s": 0.05}, DEMO, clock))
    settings = load_settings({}, database_url=database_url, data_dir=tmp_path, planner_warmup=False)
    container = build_container(settings, hasher=fast_hasher, clock=clock, operator_adapters=adapters,
                                payments=OnBoardGateway(now=clock.now), payout_accounts={})
    await migrate.upgrade(container.engine)
    client = await aiohttp_client(create_app(settings, container_factory=lambda _s: container))
    await container.operators.register(operator_id="tomp2-taxi", name="tomp2-taxi", name_en="tomp2-taxi",
                                       mode="taxi", kind="taxi")
    await container.auth.register(NewAccount(email="misaki@example.jp", display_name="misaki", role=Role.RIDER,
                                             password=PASSWORD), by=SYSTEM)
    token = (await (await client.post("/v1/auth/token", json={"email": "misaki@example.jp",
                                                              "password": PASSWORD})).json())["token"]
    try:
        yield {"client": client, "clock": clock, "container": container, "taxi": taxi, "spec": spec,
               "rider": {"Authorization": f"Bearer {token}"}}
    finally:
        await runner.cleanup()
    spec.assert_clean(at_least=2)


async def book(town: dict, key: str) -> dict:
    query = OfferQuery(origin=HOME, destination=HOSPITAL, depart_at=NOW + dt.timedelta(minutes=30))
    found = await town["container"].offers.search(query, operator_ids=["tomp2-taxi"])
    assert found.offers, found.failures
    response = await town["client"].post("/v1/bookings", json={"offer_ids": [found.offers[0].id]},
                                         headers={**town["rider"], "Idempotency-Key": key})
    assert response.status == 201, await response.text()
    booking = await response.json()
    assert booking["state"] == "CONFIRMED" and booking["legs"][0]["operator_id"] == "tomp2-taxi"
    return booking


async def test_a_2_0_taxi_is_booked_and_cancelled_through_the_platform(town2) -> None:
    booking = await book(town2, "b1")
    operator_id = booking["legs"][0]["operator_booking_id"]
    assert (await town2["taxi"].current(operator_id)).state.value == "CONFIRMED"
    response = await town2["client"].post(f"/v1/bookings/{booking['id']}/cancel", json={},
                                          headers={**town2["rider"], "Idempotency-Key": "c1"})
    assert response.status == 200, await response.text()
    assert (await response.json())["state"] == "CANCELLED"
    assert (await town2["taxi"].current(operator_id)).state.value == "CANCELLED"  # cancel-package reached it


async def test_a_2_0_ride_reported_by_the_call_centre_reaches_the_operator_and_is_settled(town2) -> None:
    """The operator's call-centre tool reports through the platform (the alias endpoint); the
    platform passes the events on as start-leg and end-leg and reads the package back."""
    booking = await book(town2, "b2")
    leg = booking["legs"][0]
    key = (await town2["container"].auth.issue_api_key("tomp2-taxi", "desk")).secret
    events = f"/v1/operators/tomp2-taxi/legs/{leg['operator_booking_id']}/events"
    desk = {"Authorization": f"Bearer {key}"}
    town2["clock"].at = dt.datetime.fromisoformat(leg["departure"]) + dt.timedelta(minutes=1)
    started = await town2["client"].post(events, json={"kind": "STARTED"}, headers=desk)
    assert started.status == 200, await started.text()
    assert (await town2["taxi"].current(leg["operator_booking_id"])).state.value == "STARTED"
    town2["clock"].at = dt.datetime.fromisoformat(leg["arrival"])
    finished = await town2["client"].post(events, json={"kind": "FINISHED"}, headers=desk)
    assert finished.status == 200, await finished.text()
    assert (await finished.json())["booking_state"] == "SETTLED"
    # FINISHED again is the same step; STARTED after it is impossible: 409, nothing changed
    again = await town2["client"].post(events, json={"kind": "STARTED"}, headers=desk)
    assert again.status == 409 and (await again.json())["error"]["code"]


async def test_an_offer_the_operator_no_longer_knows_fails_the_booking_cleanly(town2) -> None:
    query = OfferQuery(origin=HOME, destination=HOSPITAL, depart_at=NOW + dt.timedelta(minutes=30))
    found = await town2["container"].offers.search(query, operator_ids=["tomp2-taxi"])
    town2["taxi"].offers.clear()  # the operator forgot its offers: purchase-offers answers 404
    response = await town2["client"].post("/v1/bookings", json={"offer_ids": [found.offers[0].id]},
                                          headers={**town2["rider"], "Idempotency-Key": "u1"})
    body = await response.json()
    assert response.status == 409 and body["error"]["code"] == "booking_rejected", body
    assert "HTTP 404" in body["error"]["fields"]["reason"] and body["booking"]["payment"] is None
    assert town2["taxi"].booking_ids == {}  # nothing was booked at the operator
