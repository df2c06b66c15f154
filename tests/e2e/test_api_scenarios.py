"""Scenario comparisons over the demo region through the real app (SQLite and PostgreSQL).

Weekday 2026-11-24, leaving between 12:00 and 13:00 (the best departure: percentile 0), the hospital
as destination. The 檜沢 hamlet
(cells 543857001-4 around 36.42 N, 138.87 E) reaches the hospital within an hour only by the
檜沢線 (bus-hinokizawa): its 12:25 bus from 檜沢上 meets the 13:05 町内循環線 at 山吹駅前 (see
tests/realdata/test_scenarios_demo_and_corpus.py). Removing the 檜沢線 must therefore lose the
hamlet's cells the hospital within 60 min and give nobody anything; halving the loop's headway
(90 -> 45 min) can only make trips as fast or faster, so nobody loses.
"""

from __future__ import annotations

import csv
import io
import json

import pytest

from tests.e2e.analyses_runs import BRISK, DEMO, HINOKIZAWA, finished

pytestmark = pytest.mark.sqlite_only  # PostgreSQL adds nothing here: docs/guide.md, section 5

MIDDAY = {"date": "2026-11-24", "start": "12:00", "window_min": 60, "percentiles": [0],
          "thresholds_min": [30, 60], "destinations": {"type": "places", "categories": ["hospital"]}, **BRISK}
REMOVE_BRANCH = {**MIDDAY, "edits": [{"type": "remove_route", "route_id": "bus-hinokizawa"}],
                 "cost_model": {"per_vehicle_hour_yen": 4000}}

@pytest.fixture
def town(places_town):
    """The `places_town` of tests/e2e/conftest.py, under the name these tests use."""
    return places_town



async def start(client, headers, parameters: dict):
    return await client.post("/v1/analyses", json={"kind": "scenario", "parameters": parameters}, headers=headers)


async def run_scenario(client, headers, parameters: dict) -> dict:
    response = await start(client, headers, parameters)
    assert response.status == 202, await response.text()
    return await finished(client, headers, response.headers["Location"])


def population() -> dict[str, dict[str, str]]:
    return {r["cell_id"]: r for r in csv.DictReader(io.StringIO((DEMO / "population.csv").read_text("utf-8")))}


async def test_removing_the_hinokizawa_bus_loses_the_hamlet_the_hospital(client, town) -> None:
    analyst = town["analyst"]
    done = await run_scenario(client, analyst, REMOVE_BRANCH)
    assert done["state"] == "done", done["error"]
    results = done["results"]
    access = {(a["category"], a["minutes"]): a for a in results["access"]}
    within60 = access[("hospital", 60)]
    lost = set(within60["lost_cell_ids"])
    people = population()
    inhabited = {c for c in HINOKIZAWA if float(people[c]["population"]) > 0}
    assert inhabited and inhabited <= lost, (sorted(lost), results["categories_before"])
    assert within60["cells_gained"] == 0 and within60["residents_gained"] == 0
    assert all(a["cells_gained"] == 0 for a in results["access"])  # removing a bus gives nobody anything
    assert within60["residents_65_plus_lost"] == sum(float(people[c]["population_65_plus"]) for c in lost) > 0
    assert within60["residents_lost"] == sum(float(people[c]["population"]) for c in lost)
    # Every lost cell is near the branch (north-west of the station), never in the town centre.
    assert all(float(people[c]["lat"]) > 36.40 and float(people[c]["lon"]) < 138.905 for c in lost)
    routes = {r["route_id"]: r for r in results["routes"]}
    assert routes["bus-hinokizawa"]["after"] is None and routes["bus-hinokizawa"]["before"]["trips"] == 6
    assert not routes["bus-loop"]["changed"]
    money = results["economics"]
    # 6 trips of 17 min = 1.7 vehicle-hours at 4000 yen; the loop (2.5 h) and the railway stay.
    assert money["cost_change_yen"] == -round(1.7 * 4000)
    assert money["services_before"]["bus-loop"]["operating_cost_yen"] == 10_000

    text = await (await client.get(f"/v1/analyses/{done['id']}/cells.csv", headers=analyst)).text()
    rows = {r["cell_id"]: r for r in csv.DictReader(io.StringIO(text))}
    assert len(rows) == 168
    for cell in inhabited:
        row = rows[cell]
        assert float(row["hospital_p0_before_min"]) <= 60 and row["hospital_p0_after_min"] == ""
        assert row["hospital_p0_change_min"] == "" and row["hospital_p0_within60"] == "lost"
    untouched = next(r for r in rows.values() if r["hospital_p0_within30"] == "kept")
    assert float(untouched["hospital_p0_change_min"]) == 0

    geo = json.loads(await (await client.get(f"/v1/analyses/{done['id']}/cells.geojson", headers=analyst)).read())
    feature = next(f for f in geo["features"] if f["id"] == sorted(inhabited)[0])
    assert feature["properties"]["hospital_p0_within60"] == "lost"
    assert feature["properties"]["hospital_p0_after_min"] is None

    page = await (await client.get(f"/v1/analyses/{done['id']}/report", headers=analyst)).text()
    assert page.startswith("<!doctype html>") and "Scenario comparison" in page and "bus-hinokizawa" in page
    assert page.count('src="data:image/png;base64,') == 1
    png = await client.get(f"/v1/analyses/{done['id']}/map.png", headers=analyst)
    assert (await png.read()).startswith(b"\x89PNG\r\n\x1a\n")


async def test_halving_the_loop_headway_loses_nobody(client, town) -> None:
    analyst = town["analyst"]
    done = await run_scenario(client, analyst, {**MIDDAY, "edits": [
        {"type": "set_headway", "route_id": "bus-loop", "headway_min": 45, "start": "08:35", "end": "17:35"}]})
    assert done["state"] == "done", done["error"]
    results = done["results"]
    assert all(a["cells_lost"] == 0 and a["residents_lost"] == 0 for a in results["access"])
    loop = next(r for r in results["routes"] if r["route_id"] == "bus-loop")
    assert (loop["before"]["trips"], loop["after"]["trips"]) == (6, 12)
    assert loop["after"]["service_hours"] == pytest.approx(5.0)
    text = await (await client.get(f"/v1/analyses/{done['id']}/cells.csv", headers=analyst)).text()
    changes = [float(r["hospital_p0_change_min"]) for r in csv.DictReader(io.StringIO(text))
               if r["hospital_p0_change_min"]]
    assert changes and max(changes) <= 0 and min(changes) < 0  # someone is faster, nobody slower


async def test_bad_edits_are_refused_and_riders_forbidden(client, town) -> None:
    analyst, rider = town["analyst"], town["rider"]
    assert (await start(client, rider, REMOVE_BRANCH)).status == 403
    unknown = await start(client, analyst, {**MIDDAY, "edits": [{"type": "remove_route", "route_id": "bus-nowhere"}]})
    assert unknown.status == 422
    assert "parameters.edits.0.route_id" in (await unknown.json())["error"]["fields"]
    for edit in ({"type": "set_headway", "route_id": "bus-loop", "headway_min": 0},
                 {"type": "set_span", "route_id": "bus-loop", "start": "10:00", "end": "09:00"},
                 {"type": "teleport", "route_id": "bus-loop"},
                 {"type": "add_route", "route_id": "bus-new", "name": "新線", "stop_ids": ["B01", "B99"],
                  "run_times_min": [5], "headway_min": 30, "start": "08:00", "end": "10:00",
                  "weekdays": [True] * 5 + [False] * 2}):
        response = await start(client, analyst, {**MIDDAY, "edits": [edit]})
        assert response.status == 422, (edit, await response.text())
    assert (await start(client, analyst, {**MIDDAY, "edits": []})).status == 422
    listed = await (await client.get("/v1/analyses", headers=analyst)).json()
    assert listed["items"] == []  # nothing refused was stored


async def test_replacing_the_branch_by_an_on_demand_zone_is_simulated(client, town) -> None:
    analyst = town["analyst"]
    zone = {"type": "Polygon", "coordinates": [[[138.865, 36.398], [138.92, 36.398], [138.92, 36.43],
                                                [138.865, 36.43], [138.865, 36.398]]]}
    done = await run_scenario(client, analyst, {**REMOVE_BRANCH, "edits": [
        {"type": "replace_by_on_demand", "route_ids": ["bus-hinokizawa"], "zone": zone, "vehicles": 1, "seats": 4,
         "start": "08:00", "end": "12:00", "depot": {"lat": 36.399189, "lon": 138.900446}, "demand": "synthetic", "trips_per_person_day": 0.005,
         "fare_yen": 300}]})
    assert done["state"] == "done", done["error"]
    (day,) = done["results"]["on_demand"]
    # 0.005 trips per resident inside the zone; every request is served or refused, each rider pays 300 yen.
    assert day["requested"] > 0 and day["served"] + day["refused"] == day["requested"] and day["checked"]
    money = done["results"]["economics"]
    on_demand = money["services_after"]["scenario zone 1"]
    assert on_demand["revenue_yen"] == 300 * day["riders_served"]
    assert on_demand["operating_cost_yen"] == round(day["vehicle_hours"] * 4000)
    assert money["cost_after_yen"] == money["cost_before_yen"] - round(1.7 * 4000) + on_demand["operating_cost_yen"]
    # The vans run 08:00-12:00 only: leaving at 12:00-13:00 the hamlet loses the hospital as without a van.
    within60 = next(a for a in done["results"]["access"] if a["minutes"] == 60)
    assert {"543857001", "543857002"} <= set(within60["lost_cell_ids"])


async def test_two_scenarios_side_by_side(client, town) -> None:
    """Scenario A (the 檜沢線 removed) against scenario B (removed, and the loop every 45 min):
    the hamlet, without a bus in both, neither loses nor gains; against today it loses."""
    analyst = town["analyst"]
    halve_loop = {"type": "set_headway", "route_id": "bus-loop", "headway_min": 45, "start": "08:35", "end": "17:35"}
    b_against_a = await run_scenario(client, analyst, {
        **MIDDAY, "baseline_edits": REMOVE_BRANCH["edits"], "edits": [halve_loop]})
    assert b_against_a["state"] == "done", b_against_a["error"]
    within60 = {(a["category"], a["minutes"]): a for a in b_against_a["results"]["access"]}[("hospital", 60)]
    people = population()
    inhabited = {c for c in HINOKIZAWA if float(people[c]["population"]) > 0}
    assert not inhabited & set(within60["lost_cell_ids"]) and within60["cells_lost"] == 0
    routes = {r["route_id"]: r for r in b_against_a["results"]["routes"]}
    assert "bus-hinokizawa" not in routes  # gone in both scenarios
    assert routes["bus-loop"]["before"]["trips"] == 6 and routes["bus-loop"]["after"]["trips"] == 12
    b_against_today = await run_scenario(client, analyst, {
        **MIDDAY, "edits": REMOVE_BRANCH["edits"] + [halve_loop]})
    lost_today = {(a["category"], a["minutes"]): a for a in b_against_today["results"]["access"]}[("hospital", 60)]
    assert inhabited <= set(lost_today["lost_cell_ids"])
    # A bad baseline edit is named as such, and nothing is stored.
    bad = await start(client, analyst, {**MIDDAY, "baseline_edits": [{"type": "remove_route", "route_id": "bus-x"}],
                                        "edits": [halve_loop]})
    assert bad.status == 422 and "parameters.baseline_edits.0.route_id" in (await bad.json())["error"]["fields"]
