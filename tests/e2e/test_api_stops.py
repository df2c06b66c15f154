"""Stop search over the demo feed: kanji, kana in any script and width, English, prefixes, and by position."""

from __future__ import annotations

import pytest


@pytest.fixture
async def demo_client(client, container, repo_root):
    await container.feeds.import_feed(repo_root / "fixtures" / "demo-region" / "gtfs", name="yamabuki-gtfs")
    return client


async def _names(client, url: str) -> list[str]:
    response = await client.get(url)
    assert response.status == 200, await response.text()
    return [s["stop_id"] for s in (await response.json())["items"]]


async def test_exact_kanji_name_puts_the_station_first(demo_client) -> None:
    ids = await _names(demo_client, "/v1/stops?q=山吹駅")
    assert ids[0] == "R03"  # the parent station, then its platforms, then 山吹駅前
    assert {"R03-1", "R03-2", "B01"} <= set(ids)


@pytest.mark.parametrize("query", ["やまぶきえき", "ヤマブキエキ", "ﾔﾏﾌﾞｷｴｷ", "Yamabuki Station", "ｙａｍａｂｕｋｉ ｓｔａｔｉｏｎ"])
async def test_kana_and_english_in_any_width_find_the_station(demo_client, query: str) -> None:
    ids = await _names(demo_client, f"/v1/stops?q={query}")
    assert "R03" in ids


async def test_prefix_matches_rank_before_substrings(demo_client) -> None:
    response = await demo_client.get("/v1/stops?q=やまぶき")
    items = (await response.json())["items"]
    assert items and all("やまぶき" in (s["name_kana"] or "") or "山吹" in s["name"] for s in items)
    kana = [s["name_kana"] for s in items]
    prefixed = [k.startswith("やまぶき") for k in kana]
    assert prefixed == sorted(prefixed, reverse=True)  # every prefix match comes before any other


async def test_search_wildcards_are_literal_and_blank_is_rejected(demo_client) -> None:
    assert await _names(demo_client, "/v1/stops?q=%25") == []
    assert await _names(demo_client, "/v1/stops?q=_") == []
    blank = await demo_client.get("/v1/stops?q=%20%20")
    assert blank.status == 422 and (await blank.json())["error"]["fields"] == {"q": "must not be blank"}
    missing = await demo_client.get("/v1/stops")
    assert missing.status == 422 and "query.q" in (await missing.json())["error"]["fields"]


async def test_nearby_is_sorted_by_distance_within_the_radius(demo_client) -> None:
    response = await demo_client.get("/v1/stops/nearby?lat=36.4&lon=138.9&radius_m=300")
    items = (await response.json())["items"]
    assert items[0]["stop_id"] == "R03" and items[0]["distance_m"] == 0
    distances = [s["distance_m"] for s in items]
    assert distances == sorted(distances) and max(distances) <= 300
    assert "B01" in [s["stop_id"] for s in items]
    far = await demo_client.get("/v1/stops/nearby?lat=35.0&lon=135.0&radius_m=500")
    assert (await far.json())["items"] == []


async def test_nearby_rejects_bad_positions_and_radii(demo_client) -> None:
    for url in ("/v1/stops/nearby?lat=91&lon=0", "/v1/stops/nearby?lat=36.4&lon=138.9&radius_m=10000",
                "/v1/stops/nearby?lat=abc&lon=138.9"):
        response = await demo_client.get(url)
        assert response.status == 422, url
