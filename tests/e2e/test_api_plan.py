"""Trip planning and departure boards over the demo region's feed, through the real app.

The demo feed (fixtures/demo-region/gtfs): the weekday train 山吹線-平日-001 leaves 奥山吹駅
(R01) at 06:00 and reaches 山吹駅 platform 2 (R03-2) 06:08, leaves 06:09, 山吹高校前駅 (R04)
06:12. 山吹駅 (R03, a station) is at 36.4, 138.9, its platforms 8 m north and south. Tuesday
2026-11-24 is a weekday; Monday 2026-11-23 is a public holiday (土日祝 timetable).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import pytest

from maas.api.app import create_app
from maas.bootstrap import build_container
from maas.settings import load_settings
from maas.storage import migrate
from tests.tiny_town_bus import write_feed

pytestmark = pytest.mark.sqlite_only  # PostgreSQL adds nothing here: docs/guide.md, section 5

TUESDAY_0550 = "2026-11-24T05:50:00+09:00"


async def _plan(client, body: dict, status: int = 200) -> dict:
    response = await client.post("/v1/plan", json=body)
    assert response.status == status, await response.text()
    return await response.json()


async def test_depart_at_lists_the_morning_trains_with_names_and_fares(client) -> None:
    body = await _plan(client, {"from": {"stop_id": "R01"}, "to": {"stop_id": "R04"},
                                "depart_at": TUESDAY_0550})
    assert (body["service_date"], body["timezone"], body["reason"]) == ("2026-11-24", "Asia/Tokyo", None)
    trips = [[leg["trip_id"] for leg in it["legs"]] for it in body["itineraries"]]
    assert trips[:3] == [["gtfs:山吹線-平日-001"], ["gtfs:山吹線-平日-002"], ["gtfs:山吹線-平日-003"]]
    first = body["itineraries"][0]
    [leg] = first["legs"]
    assert leg["mode"] == "transit" and leg["departure"] == "2026-11-24T06:00:00+09:00"
    assert leg["arrival"] == "2026-11-24T06:12:00+09:00" and first["duration_s"] == 720
    assert (leg["origin"]["name"], leg["destination"]["name"]) == ("奥山吹駅", "山吹高校前駅")
    assert leg["origin"]["stop_id"] == "gtfs:R01" and leg["origin"]["location"]["lat"] == pytest.approx(36.413518)
    assert (leg["route_long_name"], leg["route_type"], leg["route_color"]) == ("山吹線", 2, "C8A000")
    assert (leg["agency_name"], leg["headsign"], leg["stay_seated"]) == ("山吹鉄道", "桐原", False)
    assert leg["fare"] == {"amount_minor": 330, "currency": "JPY"} == first["fare"]
    assert first["transfers"] == 0 and leg["wheelchair_accessible"] is True


async def test_from_coordinates_walks_to_the_platform(client) -> None:
    body = await _plan(client, {"from": {"lat": 36.4, "lon": 138.9, "name": "駅前の家"},
                                "to": {"stop_id": "gtfs:R04"}, "depart_at": "2026-11-24T06:00:00+09:00"})
    walk, ride = body["itineraries"][0]["legs"]
    assert walk["mode"] == "walk" and walk["origin"] == {"name": "駅前の家", "location": {"lat": 36.4, "lon": 138.9},
                                                         "stop_id": None}
    assert walk["destination"]["stop_id"] == "gtfs:R03-2" and walk["distance_m"] == 10
    assert walk["duration_s"] == 13 and walk["arrival"] == "2026-11-24T06:09:00+09:00"  # 10 m at 0.8 m/s
    assert ride["trip_id"] == "gtfs:山吹線-平日-001" and ride["departure"] == "2026-11-24T06:09:00+09:00"
    assert ride["fare"]["amount_minor"] == 190


async def test_bus_leg_names_the_operator_office_and_transfer(client) -> None:
    body = await _plan(client, {"from": {"stop_id": "R01"}, "to": {"stop_id": "B04"},
                                "depart_at": "2026-11-24T08:00:00+09:00"})
    first = body["itineraries"][0]
    modes = [leg["mode"] for leg in first["legs"]]
    assert modes == ["transit", "walk", "transit"] and first["transfers"] == 1
    bus = first["legs"][2]
    assert (bus["route_long_name"], bus["operator_office"]) == ("町内循環線", "山吹交通 営業所")
    assert bus["destination"]["name"] == "山吹町立病院" and first["fare"] == {"amount_minor": 460, "currency": "JPY"}


async def test_a_holiday_runs_the_holiday_timetable(client) -> None:
    body = await _plan(client, {"from": {"stop_id": "R01"}, "to": {"stop_id": "R04"},
                                "depart_at": "2026-11-23T05:50:00+09:00"})
    trips = [leg["trip_id"] for it in body["itineraries"] for leg in it["legs"]]
    assert trips and all("土日祝" in t for t in trips)


async def test_arrive_by_and_utc_input(client) -> None:
    body = await _plan(client, {"from": {"stop_id": "R01"}, "to": {"stop_id": "R04"},
                                "arrive_by": "2026-11-23T21:40:00Z"})  # 06:40 in Tokyo
    [it] = body["itineraries"]
    assert it["departure"] == "2026-11-24T06:00:00+09:00" and it["arrival"] <= "2026-11-24T06:40:00+09:00"


async def test_profile_wheelchair_and_elderly_default(client) -> None:
    # 700 m from 奥山吹駅 (R01): too far for the elderly default, fine for a 1000 m walker.
    far = {"lat": 36.413518, "lon": 138.855370}
    body = {"from": far, "to": {"stop_id": "R04"}, "depart_at": TUESDAY_0550}
    error = await _plan(client, body, 422)
    assert error["error"]["code"] == "no_stop_nearby" and "from" in error["error"]["fields"]
    ok = await _plan(client, {**body, "profile": {"max_walk_m": 1000, "walk_speed_mps": 1.2}})
    assert ok["itineraries"][0]["legs"][0]["mode"] == "walk"
    # 奥山吹駅 has no step-free access (wheelchair_boarding 2): nothing for a wheelchair user.
    blocked = await _plan(client, {"from": {"stop_id": "R01"}, "to": {"stop_id": "R04"},
                                   "depart_at": TUESDAY_0550, "profile": {"wheelchair": True}})
    assert blocked == {**blocked, "itineraries": [], "reason": "no_connection"}


async def test_unreachable_same_place_and_no_service(client) -> None:
    late = await _plan(client, {"from": {"stop_id": "R01"}, "to": {"stop_id": "B10"},
                                "depart_at": "2026-11-24T20:00:00+09:00"})
    assert late["itineraries"] == [] and late["reason"] == "no_connection"
    same = await _plan(client, {"from": {"stop_id": "R03"}, "to": {"stop_id": "gtfs:R03"},
                                "depart_at": TUESDAY_0550})
    assert same["reason"] == "origin_is_destination"
    assert same["itineraries"][0]["legs"] == [] and same["itineraries"][0]["duration_s"] == 0
    closed = await _plan(client, {"from": {"stop_id": "R01"}, "to": {"stop_id": "R04"},
                                  "depart_at": "2030-01-01T08:00:00+09:00"}, 422)
    assert closed["error"]["code"] == "no_service" and "depart_at" in closed["error"]["fields"]


@pytest.mark.parametrize("body, field", [
    ({"from": {"stop_id": "R01"}, "to": {"stop_id": "R04"}}, "depart_at"),
    ({"from": {"stop_id": "R01"}, "to": {"stop_id": "R04"}, "depart_at": TUESDAY_0550,
      "arrive_by": TUESDAY_0550}, "depart_at"),
    ({"from": {"lat": 95, "lon": 138.9}, "to": {"stop_id": "R04"}, "depart_at": TUESDAY_0550}, "body.from.lat"),
    ({"from": {"lat": 36.4}, "to": {"stop_id": "R04"}, "depart_at": TUESDAY_0550}, "body.from"),
    ({"from": {"stop_id": "R01", "lat": 36.4, "lon": 138.9}, "to": {"stop_id": "R04"},
      "depart_at": TUESDAY_0550}, "body.from"),
    ({"from": {"stop_id": "R01"}, "to": {"stop_id": "R04"}, "depart_at": "2026-11-24T05:50:00"}, "body.depart_at"),
    ({"from": {"stop_id": "R01"}, "to": {"stop_id": "R04"}, "depart_at": "0001-01-01T00:00:00+09:00"}, "depart_at"),
    ({"from": {"stop_id": "R01"}, "to": {"stop_id": "R04"}, "depart_at": TUESDAY_0550,
      "profile": {"walk_speed_mps": -1}}, "body.profile.walk_speed_mps"),
])
async def test_malformed_requests_are_422(client, body: dict, field: str) -> None:
    error = (await _plan(client, body, 422))["error"]
    assert error["code"] == "invalid_request" and field in error["fields"], error


async def test_unknown_stop_names_the_field(client) -> None:
    error = (await _plan(client, {"from": {"stop_id": "R01"}, "to": {"stop_id": "nowhere"},
                                  "depart_at": TUESDAY_0550}, 422))["error"]
    assert error["code"] == "unknown_stop" and list(error["fields"]) == ["to.stop_id"]


async def test_departures_at_a_station_list_its_platforms(client) -> None:
    response = await client.get("/v1/stops/R03/departures", params={"from": "2026-11-24T08:00:00+09:00", "limit": "3"})
    assert response.status == 200, await response.text()
    board = await response.json()
    assert board["stop"]["name"] == "山吹駅" and board["service_date"] == "2026-11-24"
    got = [(d["departure"], d["trip_id"], d["stop"]["stop_id"], d["headsign"]) for d in board["departures"]]
    assert got == [("2026-11-24T08:09:00+09:00", "gtfs:山吹線-平日-005", "gtfs:R03-2", "桐原"),
                   ("2026-11-24T08:25:00+09:00", "gtfs:山吹線-平日-030", "gtfs:R03-1", "奥山吹"),
                   ("2026-11-24T08:39:00+09:00", "gtfs:山吹線-平日-006", "gtfs:R03-2", "桐原")]
    # An unencoded "+" arrives as a space; the offset is still understood.
    raw = await client.get("/v1/stops/gtfs:R03-2/departures?from=2026-11-24T08:00:00+09:00&limit=1")
    assert raw.status == 200, await raw.text()
    assert [d["trip_id"] for d in (await raw.json())["departures"]] == ["gtfs:山吹線-平日-005"]


async def test_departures_errors(client) -> None:
    missing = await client.get("/v1/stops/nowhere/departures", params={"from": "2026-11-24T08:00:00+09:00"})
    assert missing.status == 404 and (await missing.json())["error"]["code"] == "not_found"
    closed = await client.get("/v1/stops/R03/departures", params={"from": "2030-01-01T08:00:00+09:00"})
    assert closed.status == 422 and (await closed.json())["error"]["code"] == "no_service"
    naive = await client.get("/v1/stops/R03/departures", params={"from": "2026-11-24T08:00:00"})
    assert naive.status == 422 and "query.from" in (await naive.json())["error"]["fields"]


async def test_an_imported_feed_joins_the_network_without_a_restart(client, container, tmp_path) -> None:
    body = {"from": {"stop_id": "town:A"}, "to": {"stop_id": "town:C"}, "depart_at": "2026-11-24T07:59:00+09:00"}
    assert (await _plan(client, body, 422))["error"]["code"] == "unknown_stop"
    await container.feeds.import_feed(write_feed(tmp_path / "incoming" / "town-bus"), name="town")
    assert (container.settings.data_dir / "feeds" / "town" / "stops.txt").is_file()
    plan = await _plan(client, body)
    assert plan["itineraries"][0]["legs"][0]["trip_id"] == "town:T3"
    demo = await _plan(client, {"from": {"stop_id": "gtfs:R01"}, "to": {"stop_id": "gtfs:R04"},
                                "depart_at": TUESDAY_0550})
    assert demo["itineraries"]  # the demo feed is still there


async def test_openapi_documents_the_planner_for_anonymous_callers(client) -> None:
    document = await (await client.get("/openapi.json")).json()
    plan = document["paths"]["/v1/plan"]["post"]
    departures = document["paths"]["/v1/stops/{stop_id}/departures"]["get"]
    assert "security" not in plan and "security" not in departures
    assert "422" in plan["responses"] and "404" in departures["responses"]
    assert {p["name"] for p in departures["parameters"]} == {"stop_id", "from", "limit"}
    schema = plan["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert {"from", "to", "depart_at", "arrive_by", "profile"} <= set(document["components"]["schemas"][schema]["properties"])


class _Tuesday:
    def now(self) -> dt.datetime:
        return dt.datetime(2026, 11, 24, 7, 0, tzinfo=dt.UTC)


async def test_app_start_warms_the_planner_cache(aiohttp_client, database_url, tmp_path: Path, fast_hasher) -> None:
    settings = load_settings({}, database_url=database_url, data_dir=tmp_path)  # warm-up on
    container = build_container(settings, hasher=fast_hasher, clock=_Tuesday())
    await migrate.upgrade(container.engine)
    client = await aiohttp_client(create_app(settings, container_factory=lambda _s: container))
    cache = tmp_path / "cache"
    for _ in range(300):
        if cache.is_dir() and sorted(p.name.split("-")[0] for p in cache.glob("*.npz")) == ["fares", "timetable"]:
            break
        await asyncio.sleep(0.1)
    assert sorted(p.name.split("-")[0] for p in cache.glob("*.npz")) == ["fares", "timetable"]
    board = await client.get("/v1/stops/R01/departures", params={"limit": "1"})  # "now" is 16:00 Tokyo
    assert board.status == 200, await board.text()
    assert (await board.json())["departures"][0]["departure"] >= "2026-11-24T16:00:00+09:00"
