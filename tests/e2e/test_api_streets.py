"""Plans on the demo town's streets (MAAS_OSM_FILE) through the real app: walk and ride legs carry
GeoJSON LineStrings from their origin to their destination and say which model measured them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from maas.api.app import create_app
from maas.bootstrap import build_container
from maas.settings import load_settings
from maas.storage import migrate
from operators.taxi import from_demo_region
from routing.streets import StreetRouter, load_graph
from tests.fakes import SteppedClock

pytestmark = pytest.mark.sqlite_only  # PostgreSQL adds nothing here: docs/guide.md, section 5

NOW = dt.datetime(2026, 11, 23, 23, 30, tzinfo=dt.UTC)  # Tuesday 08:30 in Tokyo
DEMO = Path(__file__).resolve().parents[2] / "fixtures" / "demo-region"
SOUTH_EXIT = {"lat": 36.398828, "lon": 138.900334, "name": "南口"}  # below the station steps
HOSPITAL = {"lat": 36.412526, "lon": 138.91438, "name": "山吹町立病院"}  # across the river


@pytest.fixture
async def client(aiohttp_client, database_url, tmp_path, fast_hasher):
    settings = load_settings({}, database_url=database_url, data_dir=tmp_path, planner_warmup=False,
                             osm_file=DEMO / "streets.osm")
    clock = SteppedClock(NOW)
    taxi = from_demo_region(DEMO, clock, StreetRouter(load_graph(DEMO / "streets.osm")))
    container = build_container(settings, hasher=fast_hasher, clock=clock, operator_adapters={taxi.operator_id: taxi})
    await migrate.upgrade(container.engine)
    return await aiohttp_client(create_app(settings, container_factory=lambda _s: container))


def _assert_drawn_end_to_end(leg: dict) -> None:
    line = leg["geometry"]
    assert line["type"] == "LineString" and len(line["coordinates"]) >= 2
    start, end = leg["origin"]["location"], leg["destination"]["location"]
    assert line["coordinates"][0] == pytest.approx([start["lon"], start["lat"]], abs=1e-6)
    assert line["coordinates"][-1] == pytest.approx([end["lon"], end["lat"]], abs=1e-6)


async def test_plan_walk_legs_follow_the_streets(client) -> None:
    response = await client.post("/v1/plan", json={"from": SOUTH_EXIT, "to": HOSPITAL,
                                                   "depart_at": "2026-11-24T09:00:00+09:00",
                                                   "profile": {"max_walk_m": 800}})
    assert response.status == 200, await response.text()
    walks = [leg for it in (await response.json())["itineraries"] for leg in it["legs"] if leg["mode"] == "walk"]
    assert walks
    for leg in walks:
        _assert_drawn_end_to_end(leg)
        if leg["origin"].get("stop_id") is None or leg["destination"].get("stop_id") is None:
            assert leg["street_model"] == "streets" and len(leg["geometry"]["coordinates"]) > 2


async def test_door_to_door_legs_carry_geometries(client) -> None:
    response = await client.post("/v1/plan/door-to-door", json={"from": SOUTH_EXIT, "to": HOSPITAL,
                                                                "depart_at": "2026-11-24T09:00:00+09:00"})
    assert response.status == 200, await response.text()
    options = (await response.json())["options"]
    taxi_legs = [leg for o in options for leg in o["legs"] if leg["mode"] == "taxi"]
    assert taxi_legs and all(leg["travel_model"] == "streets" for leg in taxi_legs)
    for option in options:
        for leg in option["legs"]:
            if leg["mode"] in {"walk", "taxi"}:
                _assert_drawn_end_to_end(leg)
    direct = next(leg for leg in taxi_legs if leg["origin"]["name"] == SOUTH_EXIT["name"]
                  and leg["destination"]["name"] == HOSPITAL["name"])
    assert len(direct["geometry"]["coordinates"]) > 5  # round by the bridge, not a straight segment
