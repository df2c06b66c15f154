"""Rider-facing text in Japanese or English by Accept-Language, served as UTF-8 JSON without escapes."""

from __future__ import annotations

import pytest
from yarl import URL

from maas.demo.load import load_demo
from maas.settings import load_settings

DEMO_PASSWORD = "yamabuki-demo"
HARU = "haru.sato@demo.maas.example"
EN = {"Accept-Language": "en-US,en;q=0.9"}
JA = {"Accept-Language": "ja-JP"}


@pytest.fixture
async def town(client, container, repo_root):
    await load_demo(container, repo_root / "fixtures" / "demo-region", password=DEMO_PASSWORD)
    return client


async def _sign_in(client) -> dict[str, str]:
    response = await client.post("/v1/auth/token", json={"email": HARU, "password": DEMO_PASSWORD})
    assert response.status == 201, await response.text()
    return {"Authorization": f"Bearer {(await response.json())['token']}"}


async def test_stop_names_follow_the_riders_language(town) -> None:
    url = "/v1/stops?q=%E3%82%84%E3%81%BE%E3%81%B6%E3%81%8D%E3%81%88%E3%81%8D"  # やまぶきえき
    default = await town.get(url)
    assert default.headers["Content-Language"] == "ja" and "Accept-Language" in default.headers["Vary"]
    station = next(s for s in (await default.json())["items"] if s["stop_id"] == "R03")
    assert station["name"] == "山吹駅" and station["name_kana"] == "やまぶきえき"
    english = await town.get(url, headers=EN)
    assert english.headers["Content-Language"] == "en"
    station = next(s for s in (await english.json())["items"] if s["stop_id"] == "R03")
    assert station["name"] == "Yamabuki Station" and station["name_en"] == "Yamabuki Station"
    nearby = await town.get("/v1/stops/nearby?lat=36.4&lon=138.9&radius_m=300", headers=EN)
    assert (await nearby.json())["items"][0]["name"] == "Yamabuki Station"


async def test_json_is_utf8_text_not_escapes(town) -> None:
    response = await town.get("/v1/stops?q=%E5%B1%B1%E5%90%B9%E9%A7%85", headers=JA)  # 山吹駅
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    raw = await response.read()
    assert "山吹駅".encode() in raw and b"\\u" not in raw


async def test_places_and_operators_are_named_in_the_riders_language(town) -> None:
    rider = await _sign_in(town)
    ja_places = (await (await town.get("/v1/places?category=hospital", headers={**rider, **JA})).json())["items"]
    en_places = (await (await town.get("/v1/places?category=hospital", headers={**rider, **EN})).json())["items"]
    assert [p["id"] for p in ja_places] == [p["id"] for p in en_places] and ja_places
    assert all(p["name"].isascii() for p in en_places) and not any(p["name"].isascii() for p in ja_places)
    listed = await (await town.get("/v1/operators", headers={**rider, **EN})).json()
    operators = {o["id"]: o["name"] for o in listed["items"]}
    assert operators["noriai"] == "Noriai on-demand van"
    operators = {o["id"]: o["name"] for o in (await (await town.get("/v1/operators", headers=rider)).json())["items"]}
    assert operators["noriai"] == "のりあい号"


async def test_error_messages_come_from_the_catalogue_in_the_riders_language(town) -> None:
    ja = await town.get("/v1/stops?q=%20", headers=JA)
    assert ja.status == 422 and ja.headers["Content-Language"] == "ja"
    assert (await ja.json())["error"] == {"code": "invalid_request", "message": "入力内容に誤りがあります。",
                                          "fields": {"q": "must not be blank"}}
    en = await town.get("/v1/stops?q=%20", headers=EN)
    assert (await en.json())["error"]["message"] == "give part of a stop name"
    missing = await town.get("/v1/no-such-thing", headers=EN)
    assert missing.status == 404 and (await missing.json())["error"]["message"] == "No such resource."
    missing = await town.get("/v1/no-such-thing")
    assert (await missing.json())["error"]["message"] == "お探しのものが見つかりません。"
    unauthenticated = await town.get("/v1/me", headers={"Accept-Language": "en"})
    assert unauthenticated.status == 401 and unauthenticated.headers["Content-Language"] == "en"


@pytest.mark.parametrize("header", ["de-DE", "*;q=0", "en;q=banana", ";;", "ja-JP;q=0.5;q=0.7,,", "x" * 4000])
async def test_unknown_or_malformed_languages_get_the_default_never_an_error(town, header: str) -> None:
    response = await town.get("/v1/stops?q=R03", headers={"Accept-Language": header})
    assert response.status == 200 and response.headers["Content-Language"] == "ja"


async def test_the_default_language_is_a_setting(aiohttp_client, container, database_url, tmp_path) -> None:
    from maas.api.app import create_app

    settings = load_settings({"MAAS_DEFAULT_LANGUAGE": "en"}, database_url=database_url, data_dir=tmp_path,
                             planner_warmup=False)
    client = await aiohttp_client(create_app(settings, container_factory=lambda _s: container))
    response = await client.get("/v1/no-such-thing")
    assert response.headers["Content-Language"] == "en"
    assert (await response.json())["error"]["message"] == "No such resource."
    japanese = await client.get("/v1/no-such-thing", headers={"Accept-Language": "ja"})
    assert (await japanese.json())["error"]["message"] == "お探しのものが見つかりません。"


@pytest.mark.parametrize("query", ["q=%E3%82", "q=%ZZ", "q=%E3%82%84%FF"])
async def test_a_broken_query_encoding_is_a_400_envelope_not_a_search_for_garbage(town, query: str) -> None:
    response = await town.get(URL(f"/v1/stops?{query}", encoded=True))  # sent as written
    assert response.status == 400
    assert (await response.json())["error"]["code"] == "malformed_query"


async def test_passes_on_sale_are_named_in_the_riders_language(aiohttp_client, database_url, tmp_path, repo_root,
                                                                fast_hasher) -> None:
    from maas.api.app import create_app
    from maas.bootstrap import build_container
    from maas.storage import migrate

    settings = load_settings({}, database_url=database_url, data_dir=tmp_path, planner_warmup=False,
                             fare_rules=repo_root / "fixtures" / "demo-region" / "fare-rules.json")
    container = build_container(settings, hasher=fast_hasher)
    await migrate.upgrade(container.engine)
    client = await aiohttp_client(create_app(settings, container_factory=lambda _s: container))
    english = await (await client.get("/v1/passes/products", headers=EN)).json()
    japanese = await (await client.get("/v1/passes/products", headers=JA)).json()
    assert {p["id"]: p["name"] for p in english["items"]}["day-1"] == "Yamabuki All-in-One Day Ticket"
    assert {p["id"]: p["name"] for p in japanese["items"]}["day-1"] == "山吹まるごと1日乗車券"


async def test_plans_and_departure_boards_use_the_feeds_translations(client) -> None:
    body = {"from": {"lat": 36.4, "lon": 138.9, "name": "駅前の家"}, "to": {"stop_id": "B04"},
            "depart_at": "2026-11-24T08:00:00+09:00"}
    japanese = await client.post("/v1/plan", json=body)
    english = await client.post("/v1/plan", json=body, headers=EN)
    assert english.status == japanese.status == 200 and english.headers["Content-Language"] == "en"
    ja_legs = [leg for it in (await japanese.json())["itineraries"] for leg in it["legs"]]
    en_legs = [leg for it in (await english.json())["itineraries"] for leg in it["legs"]]
    assert [leg["trip_id"] if leg["mode"] == "transit" else leg["mode"] for leg in en_legs] == [
        leg["trip_id"] if leg["mode"] == "transit" else leg["mode"] for leg in ja_legs]  # the same trips
    assert en_legs[0]["origin"]["name"] == "駅前の家"  # the rider's own label is theirs
    first_rides = [leg for leg in (await english.json())["itineraries"][0]["legs"] if leg["mode"] == "transit"]
    assert first_rides[-1]["destination"]["name"] == "Yamabuki Town Hospital"
    for leg in en_legs:
        names = [leg["destination"]["name"]] + ([leg["origin"]["name"]] if leg["origin"]["stop_id"] else [])
        if leg["mode"] == "transit":
            names += [leg["route_long_name"], leg["agency_name"], leg["headsign"]]
        assert all(name.isascii() for name in names), names
    assert any(leg["destination"]["name"] == "山吹町立病院" for leg in ja_legs)

    board = await client.get("/v1/stops/R03/departures?from=2026-11-24T08:00:00%2B09:00&limit=3", headers=EN)
    body = await board.json()
    assert body["stop"]["name"] == "Yamabuki Station"
    assert body["departures"] and all(d["headsign"].isascii() and d["agency_name"] == "Yamabuki Railway"
                                      for d in body["departures"])
    board = await client.get("/v1/stops/R03/departures?from=2026-11-24T08:00:00%2B09:00&limit=3")
    assert (await board.json())["stop"]["name"] == "山吹駅"
