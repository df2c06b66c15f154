"""Many riders book the last seats of the van at once, through the booking API, on the real
database: exactly as many bookings are confirmed as there are seats, every other one ends
REJECTED with its hold released, and the van's plan carries no more riders than it holds."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from pathlib import Path

import pytest

from maas.api.app import create_app
from maas.bootstrap import build_container
from maas.domain.accounts import NewAccount, Role
from maas.settings import load_settings
from maas.storage import migrate
from tests.e2e.demo_bookings import HOME, HOSPITAL, NOW, SYSTEM
from tests.fakes import SteppedClock

DEMO = Path(__file__).resolve().parents[2] / "fixtures" / "demo-region"
PASSWORD = "correct horse battery"
SEATS, RIDERS = 2, 6


@pytest.fixture
async def api(aiohttp_client, database_url, tmp_path, fast_hasher):
    # The demo's van service, cut down to one van of two seats whose riders accept no delay.
    raw = json.loads((DEMO / "noriai.json").read_text(encoding="utf-8"))
    raw["vans"] = [{**raw["vans"][0], "seats": SEATS, "breaks": []}]
    raw.update(flex=str(DEMO / "flex"), reoptimise_s=0.0, promise={**raw["promise"], "flexible_after_s": 120})
    (tmp_path / "noriai.json").write_text(json.dumps(raw), encoding="utf-8")
    (tmp_path / "operators.json").write_text(json.dumps({"operators": [
        {"id": "noriai", "adapter": "ondemand", "options": {"config": "noriai.json"}}]}), encoding="utf-8")
    settings = load_settings({}, database_url=database_url, data_dir=tmp_path, planner_warmup=False,
                             operators_config=tmp_path / "operators.json")
    container = build_container(settings, hasher=fast_hasher, clock=SteppedClock(NOW))
    await migrate.upgrade(container.engine)
    client = await aiohttp_client(create_app(settings, container_factory=lambda _s: container))
    return client, container


async def test_the_last_seats_go_to_exactly_as_many_riders(api) -> None:
    client, container = api
    riders = []
    for n in range(RIDERS):
        email = f"rider{n}@example.jp"
        await container.auth.register(NewAccount(email=email, display_name=f"Rider {n}", role=Role.RIDER,
                                                 password=PASSWORD), by=SYSTEM)
        token = (await (await client.post("/v1/auth/token", json={"email": email, "password": PASSWORD})).json())["token"]
        headers = {"Authorization": f"Bearer {token}"}
        quoted = await client.post("/v1/on-demand/noriai/quotes", headers=headers, json={
            "origin": HOME, "destination": HOSPITAL, "depart_at": "2026-11-24T11:00:00+09:00"})
        assert quoted.status == 200, await quoted.text()  # each is quoted on the empty van
        riders.append((headers, (await quoted.json())["offer_id"]))

    async def book(headers: dict, offer_id: str, n: int):
        response = await client.post("/v1/bookings", json={"offer_ids": [offer_id]},
                                     headers={**headers, "Idempotency-Key": f"race-{n}", "Accept-Language": "en"})
        body = await response.json()
        if response.status == 409:  # the van was full: the booking ended REJECTED
            assert body["error"]["code"] == "booking_rejected", body
            return body["booking"]
        assert response.status == 201, body
        return body

    results = await asyncio.gather(*(book(h, o, n) for n, (h, o) in enumerate(riders)))
    states = sorted(r["state"] for r in results)
    assert states == ["CONFIRMED"] * SEATS + ["REJECTED"] * (RIDERS - SEATS)
    for rejected in (r for r in results if r["state"] == "REJECTED"):
        assert rejected["reason"].startswith("operator_rejected") and rejected["payment"] is None
    rides = await container.on_demand.list_rides(SYSTEM, "noriai", service_date=dt.date(2026, 11, 24))
    assert sorted(r.booking.state.value for r in rides) == ["CONFIRMED"] * SEATS
    [manifest] = await container.on_demand.manifests(SYSTEM.model_copy(update={"role": Role.ADMIN}), "noriai",
                                                     dt.date(2026, 11, 24))
    aboard = peak = 0
    for stop in manifest.stops:
        aboard += stop.travellers if stop.kind.value == "pickup" else -stop.travellers
        peak = max(peak, aboard)
    assert peak == SEATS
