"""Door-to-door timing through the API in the demo town as `make run` serves it (its operators'
entry points, the GTFS feed loaded): the van to the station timed to the train, the van after
the train, arrive-by for every mode, and shared bikes reserved ahead or refused with the reason."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from zoneinfo import ZoneInfo

from maas.api.app import create_app
from maas.bootstrap import build_container
from maas.demo.load import load_demo
from maas.settings import load_settings
from maas.storage import migrate
from tests.fakes import SteppedClock

DEMO = Path(__file__).resolve().parents[2] / "fixtures" / "demo-region"
TOKYO = ZoneInfo("Asia/Tokyo")
DAY = dt.date(2026, 11, 24)  # a Tuesday
HINOKISAWA = {"lat": 36.4225, "lon": 138.8745, "name": "檜沢"}  # in the van's zone, up the valley
KIRIHARA = {"lat": 36.3850, "lon": 138.9410, "name": "桐原駅の近く"}  # by the next town's station, outside it
HOSPITAL = {"lat": 36.412526, "lon": 138.91438, "name": "山吹町立病院"}
HARU_HOME = {"lat": 36.419916, "lon": 138.883501, "name": "自宅"}
TOWN_HALL = {"lat": 36.40605, "lon": 138.89480, "name": "役場"}
STATION = {"lat": 36.3994, "lon": 138.9006, "name": "山吹駅"}
TRANSFER_S = 180  # the elderly profile's change time


def at(hhmm: str) -> str:
    hour, minute = map(int, hhmm.split(":"))
    return dt.datetime.combine(DAY, dt.time(hour, minute), tzinfo=TOKYO).isoformat()


async def demo_client(aiohttp_client, database_url, tmp_path, fast_hasher,
                      operators: Path = DEMO / "maas-operators.json"):
    settings = load_settings({}, database_url=database_url, data_dir=tmp_path, planner_warmup=False,
                             fare_rules=DEMO / "fare-rules.json", operators_config=operators, operator_budget_s=10.0)
    clock = SteppedClock(dt.datetime.fromisoformat(at("08:00")))
    container = build_container(settings, hasher=fast_hasher, clock=clock, payout_accounts={})
    await migrate.upgrade(container.engine)
    await load_demo(container, DEMO, password="yamabuki-demo")
    return await aiohttp_client(create_app(settings, container_factory=lambda _s: container))


async def options(client, **body) -> dict:
    response = await client.post("/v1/plan/door-to-door", json=body, headers={"Accept-Language": "en"})
    assert response.status == 200, await response.text()
    return await response.json()


def _t(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value)


def _around_the_ride(option: dict, mode: str) -> tuple[dict, int, dict | None, dict | None]:
    """The ride of that mode, its index and the legs before and after it."""
    legs = option["legs"]
    i = next(i for i, leg in enumerate(legs) if leg["mode"] == mode)
    return legs[i], i, legs[i - 1] if i else None, legs[i + 1] if i + 1 < len(legs) else None


async def test_van_and_train_both_ways_timed_to_the_train(aiohttp_client, database_url, tmp_path,
                                                          fast_hasher) -> None:
    client = await demo_client(aiohttp_client, database_url, tmp_path, fast_hasher)
    modes = ["on_demand", "transit"]
    there = await options(client, **{"from": HINOKISAWA, "to": KIRIHARA, "depart_at": at("09:00"), "modes": modes})
    (van_train,) = [o for o in there["options"] if o["kind"] == "first_mile"]
    van, i, _, after = _around_the_ride(van_train, "on_demand")
    train = next(leg for leg in van_train["legs"] if leg["mode"] == "transit")
    assert van["operator_id"] == "noriai" and train["origin"]["name"] == "山吹駅" and train["route_type"] == 2
    wait = van_train["waits_s"][i]
    assert wait == (_t(after["departure"]) - _t(van["arrival"])).total_seconds()
    # On the platform the change time before the train, not the hour the van used to leave early.
    assert TRANSFER_S <= (_t(train["departure"]) - _t(van["arrival"])).total_seconds() <= TRANSFER_S + 300
    assert _t(van["departure"]) > _t(at("09:00")) and van_train["wait_s"] == sum(van_train["waits_s"])

    back = await options(client, **{"from": KIRIHARA, "to": HOSPITAL, "depart_at": at("09:00"), "modes": modes})
    (train_van,) = [o for o in back["options"] if o["kind"] == "last_mile"]
    van, i, before, _ = _around_the_ride(train_van, "on_demand")
    train = next(leg for leg in train_van["legs"] if leg["mode"] == "transit")
    assert train["destination"]["name"] in ("山吹駅", "山吹高校前駅")
    assert (_t(van["departure"]) - _t(train["arrival"])).total_seconds() >= TRANSFER_S
    assert train_van["waits_s"][i - 1] == (_t(van["departure"]) - _t(before["arrival"])).total_seconds()


async def test_arrive_by_and_bikes_ahead(aiohttp_client, database_url, tmp_path, fast_hasher) -> None:
    client = await demo_client(aiohttp_client, database_url, tmp_path, fast_hasher)
    by = _t(at("10:00"))
    plan = await options(client, **{"from": HARU_HOME, "to": HOSPITAL, "arrive_by": at("10:00")})
    assert plan["options"] and all(_t(o["arrival"]) <= by for o in plan["options"])
    direct = {o["legs"][0]["mode"]: o for o in plan["options"] if o["kind"] == "direct"}
    assert {"taxi", "on_demand"} <= set(direct)
    for option in direct.values():  # leaves as late as it can and still arrives in time
        assert by - dt.timedelta(minutes=5) <= _t(option["arrival"]) <= by
        assert _t(option["departure"]) > _t(at("09:30"))
    # A bike for 09:30, an hour and a half ahead: やまぶきサイクル reserves bikes up to a day ahead.
    bike_plan = await options(client, **{"from": TOWN_HALL, "to": STATION, "depart_at": at("09:30"), "modes": ["bike"],
                                          "profile": {"walk_speed_mps": 1.3}})
    (bike,) = [leg for o in bike_plan["options"] for leg in o["legs"] if leg["mode"] == "bike"]
    assert _t(at("09:30")) <= _t(bike["departure"]) <= _t(at("09:35"))
    assert any("reserved from" in note for note in bike["conditions"]["notes"])
    by_bike = await options(client, **{"from": TOWN_HALL, "to": STATION, "arrive_by": at("09:30"), "modes": ["bike"],
                                       "profile": {"walk_speed_mps": 1.3}})
    (ride,) = by_bike["options"]
    assert _t(at("09:25")) <= _t(ride["arrival"]) <= _t(at("09:30"))  # reserved to arrive just in time
    too_far = await options(client, **{"from": TOWN_HALL, "to": STATION, "depart_at": "2026-11-25T09:30:00+09:00",
                                        "modes": ["bike"]})
    assert too_far["options"] == []
    assert [(u["operator_id"], u["reason"]) for u in too_far["unavailable_operators"]] == [
        ("yamabuki-cycle", "operator_rejected")]


async def test_bikes_only_for_now_without_reservations_ahead(aiohttp_client, database_url, tmp_path,
                                                            fast_hasher) -> None:
    config = tmp_path / "operators.json"
    config.write_text(json.dumps({"operators": [{"id": "yamabuki-cycle", "adapter": "gbfs-bikeshare", "options": {
        "gbfs": str(DEMO / "gbfs" / "gbfs.json"), "language": "ja", "max_age_s": 315360000}}]}))
    client = await demo_client(aiohttp_client, database_url, tmp_path, fast_hasher, operators=config)
    now = await options(client, **{"from": TOWN_HALL, "to": STATION, "depart_at": at("08:05"), "modes": ["bike"]})
    assert [leg["mode"] for o in now["options"] for leg in o["legs"] if leg["mode"] != "walk"] == ["bike"]
    later = await options(client, **{"from": TOWN_HALL, "to": STATION, "depart_at": at("09:30"), "modes": ["bike"]})
    assert later["options"] == []
    (why,) = later["unavailable_operators"]
    assert why["operator_id"] == "yamabuki-cycle" and why["reason"] == "operator_rejected"
    assert "no reservations ahead" in why["message"]
