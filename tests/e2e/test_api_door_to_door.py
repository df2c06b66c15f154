"""Door-to-door options in the demo region: the taxi company and a slow operator beside transit."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import pytest

from maas.api.app import create_app
from maas.bootstrap import build_container
from maas.settings import load_settings
from maas.storage import migrate
from operators.taxi import from_demo_region
from tests.fakes import MemoryOperator
from tests.fakes import SteppedClock

pytestmark = pytest.mark.sqlite_only  # PostgreSQL adds nothing here: docs/guide.md, section 5

NOW = dt.datetime(2026, 11, 23, 23, 30, tzinfo=dt.UTC)  # Tuesday 08:30 in Tokyo
DEMO = Path(__file__).resolve().parents[2] / "fixtures" / "demo-region"
HINOKISAWA = {"lat": 36.4245, "lon": 138.8655, "name": "檜沢の自宅"}  # far up the valley
HOSPITAL = {"lat": 36.412526, "lon": 138.91438, "name": "山吹町立病院"}


class Slow(MemoryOperator):
    operator_id = "slow-vans"

    async def search_offers(self, query):
        await asyncio.sleep(30)
        return []


async def make_client(aiohttp_client, database_url, tmp_path, fast_hasher, **adapters):
    settings = load_settings({}, database_url=database_url, data_dir=tmp_path, planner_warmup=False,
                             operator_budget_s=0.5)
    clock = SteppedClock(NOW)
    taxi = from_demo_region(DEMO, clock)
    container = build_container(settings, hasher=fast_hasher, clock=clock,
                                operator_adapters={taxi.operator_id: taxi, **adapters})
    await migrate.upgrade(container.engine)
    return await aiohttp_client(create_app(settings, container_factory=lambda _s: container))


def body(**extra) -> dict:
    return {"from": HINOKISAWA, "to": HOSPITAL, "depart_at": "2026-11-24T09:00:00+09:00", **extra}


async def test_taxi_direct_and_feeder_options_with_offers_and_prices(aiohttp_client, database_url, tmp_path,
                                                                    fast_hasher) -> None:
    client = await make_client(aiohttp_client, database_url, tmp_path, fast_hasher)
    response = await client.post("/v1/plan/door-to-door", json=body())
    assert response.status == 200, await response.text()
    plan = await response.json()
    kinds = {o["kind"] for o in plan["options"]}
    assert "direct" in kinds and plan["unavailable_operators"] == []
    for option in plan["options"]:
        legs = option["legs"]
        assert legs[0]["departure"] >= "2026-11-24T09:00:00+09:00"
        for a, b in zip(legs, legs[1:]):
            assert a["arrival"] <= b["departure"]  # legs chain in time
        for leg in legs:
            if leg["mode"] == "taxi":
                assert leg["operator_id"] == "yamabuki-kotsu-taxi" and leg["offer_id"]
                assert leg["price"]["currency"] == "JPY" and leg["price"]["amount_minor"] >= 700
                assert leg["conditions"]["free_cancellation_until"] is not None
    direct = next(o for o in plan["options"] if o["kind"] == "direct")
    assert [leg["mode"] for leg in direct["legs"]] == ["taxi"] and direct["walk_distance_m"] == 0
    # Nothing kept is beaten on every count by another option.
    def score(o):
        price = o["price"]["amount_minor"] if o["price"] else float("inf")
        return (o["arrival"], price, o["walk_distance_m"], o["transfers"])
    for a in plan["options"]:
        for b in plan["options"]:
            if a is not b:
                assert not (all(x <= y for x, y in zip(score(b), score(a))) and score(a) != score(b))


async def test_a_slow_operator_is_reported_not_fatal(aiohttp_client, database_url, tmp_path, fast_hasher) -> None:
    slow = Slow(None)
    client = await make_client(aiohttp_client, database_url, tmp_path, fast_hasher, **{"slow-vans": slow})
    response = await client.post("/v1/plan/door-to-door", json=body(modes=["taxi", "on_demand", "transit"]))
    assert response.status == 200, await response.text()
    plan = await response.json()
    assert plan["unavailable_operators"] == [
        {"operator_id": "slow-vans", "reason": "timeout", "message": "no answer within 0.5 s"}]
    assert any(o["kind"] == "direct" for o in plan["options"])


async def test_bad_door_to_door_requests(aiohttp_client, database_url, tmp_path, fast_hasher) -> None:
    client = await make_client(aiohttp_client, database_url, tmp_path, fast_hasher)
    stop = await client.post("/v1/plan/door-to-door", json={**body(), "from": {"stop_id": "R03"}})
    assert stop.status == 422 and "from" in (await stop.json())["error"]["fields"]
    ends = {"from": HINOKISAWA, "to": HOSPITAL}
    for times, field in (({"depart_at": "2026-11-24T09:00:00+09:00", "arrive_by": "2026-11-24T10:00:00+09:00"},
                          "depart_at"),  # both
                         ({}, "depart_at"),  # neither
                         ({"arrive_by": "2026-11-24T08:00:00+09:00"}, "arrive_by"),  # passed (now is 08:30)
                         ({"arrive_by": "2026-11-24T10:00:00"}, "body.arrive_by"),  # no offset
                         ({"depart_at": "2026-11-24T09:00:00"}, "body.depart_at")):
        refused = await client.post("/v1/plan/door-to-door", json={**ends, **times})
        assert refused.status == 422, times
        assert field in (await refused.json())["error"]["fields"], await refused.text()
    mode = await client.post("/v1/plan/door-to-door", json=body(modes=["helicopter"]))
    assert mode.status == 422
    walk_only = await client.post("/v1/plan/door-to-door", json=body(modes=["bike"]))
    assert walk_only.status == 200 and (await walk_only.json())["options"] == []


async def test_the_profile_avoids_bikes_and_claims_concessions(aiohttp_client, database_url, tmp_path,
                                                               fast_hasher) -> None:
    """Bike-share is offered for a ride starting soon; a rider who avoids bikes never sees it.
    A rider with a disability certificate is quoted the taxi's 10 % disability discount."""
    client = await make_client(aiohttp_client, database_url, tmp_path, fast_hasher,
                               **_bikes(tmp_path))
    near = {"from": {"lat": 36.4005, "lon": 138.9}, "to": HOSPITAL, "depart_at": "2026-11-24T08:35:00+09:00"}
    plain = await (await client.post("/v1/plan/door-to-door", json=near)).json()
    modes = {leg["mode"] for o in plain["options"] for leg in o["legs"]}
    assert "bike" in modes
    careful = await client.post("/v1/plan/door-to-door", json={
        **near, "profile": {"avoid_bikes": True, "concessions": ["disability"]}})
    assert careful.status == 200, await careful.text()
    options = (await careful.json())["options"]
    assert "bike" not in {leg["mode"] for o in options for leg in o["legs"]}

    def taxi_price(plan_options):
        return next(o["price"]["amount_minor"] for o in plan_options
                    if o["kind"] == "direct" and o["legs"][0]["mode"] == "taxi")
    full, discounted = taxi_price(plain["options"]), taxi_price(options)
    assert discounted < full and full - discounted <= full // 10 + 10
    unknown = await client.post("/v1/plan/door-to-door", json={**near, "profile": {"concessions": ["vip"]}})
    assert unknown.status == 422


def _bikes(tmp_path: Path) -> dict:
    from maas.plugins import build_adapters, load_operators_config

    config = load_operators_config(DEMO / "maas-operators.json")
    adapters = build_adapters(config, DEMO, SteppedClock(NOW))
    return {"yamabuki-cycle": adapters["yamabuki-cycle"]}
