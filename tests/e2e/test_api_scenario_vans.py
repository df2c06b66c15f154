"""A scenario's own vans are routed in the "after" network (issue 19, done-when).

Weekday 2026-11-24, leaving at a random minute of 12:00-13:00 (the median, p50). Today the 檜沢
hamlet (cells 543857001-4) reaches neither the hospital nor the supermarket within 60 minutes at
the median: the 檜沢線 runs three round trips a day. Replacing the line by a 2-van zone running
07:00-19:00 over the hamlet and the town centre gives the hamlet a door-to-door ride (a 10-minute
wait, about 4 km at 25 km/h): its cells GAIN both within 60 minutes. The day's demand is planned on
the two vans, and the summary shows their load and the riders they could not take.

The origins are a small grid: the hamlet's four cells and three town cells (the population CSV given
as content), so the test stays fast.
"""

from __future__ import annotations

import csv
import io

import pytest
from pypdf import PdfReader

from tests.e2e.analyses_runs import DEMO, HINOKIZAWA, finished

pytestmark = pytest.mark.sqlite_only

ZONE = {"type": "Polygon", "coordinates": [[[138.86, 36.395], [138.925, 36.395], [138.925, 36.435],
                                            [138.86, 36.435], [138.86, 36.395]]]}
REPLACE = {"type": "replace_by_on_demand", "route_ids": ["bus-hinokizawa"], "zone": ZONE, "vehicles": 2,
           "seats": 4, "start": "07:00", "end": "19:00", "depot": {"lat": 36.399189, "lon": 138.900446},
           "demand": "synthetic", "trips_per_person_day": 0.05, "fare_yen": 300}


def small_population() -> str:
    rows = list(csv.DictReader(io.StringIO((DEMO / "population.csv").read_text("utf-8"))))
    chosen = [r for r in rows if r["cell_id"] in HINOKIZAWA or float(r["population"]) >= 150][:12]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(chosen)
    return out.getvalue()


def parameters(**extra) -> dict:
    return {"date": "2026-11-24", "start": "12:00", "window_min": 60, "step_min": 5, "percentiles": [50],
            "thresholds_min": [60], "origins": {"type": "population", "content": small_population()},
            "destinations": {"type": "places", "categories": ["hospital", "supermarket"]},
            "edits": [REPLACE], "cost_model": {"per_vehicle_hour_yen": 4000},
            "route_riders_per_day": {"bus-loop": 60, "bus-hinokizawa": 12}, **extra}


async def run_scenario(client, headers, body: dict) -> dict:
    response = await client.post("/v1/analyses", json={"kind": "scenario", "parameters": body}, headers=headers)
    assert response.status == 202, await response.text()
    return await finished(client, headers, response.headers["Location"])


async def test_the_vans_give_the_hamlet_the_hospital_and_the_supermarket(client, places_town) -> None:
    analyst = places_town["analyst"]
    done = await run_scenario(client, analyst, parameters())
    assert done["state"] == "done", done["error"]
    results = done["results"]
    access = {(a["category"], a["minutes"]): a for a in results["access"]}
    for category in ("hospital", "supermarket"):
        row = access[(category, 60)]
        assert HINOKIZAWA <= set(row["gained_cell_ids"]), (category, row)
        assert row["cells_lost"] == 0
        # Gains inside the zone count the share of riders the vans took: never more than reached.
        assert 0 < row["residents_gained_served"] <= row["residents_gained"]
        assert row["residents_65_plus_gained_served"] <= row["residents_65_plus_gained"]
    (day,) = results["on_demand"]
    assert day["name"] == "scenario zone 1" and day["vehicles"] == 2 and day["checked"]
    assert day["requested"] > 0 and day["served"] + day["refused"] == day["requested"]
    assert day["riders_served"] + day["riders_not_served"] == day["riders_requested"]
    assert sum(day["riders_per_vehicle"]) == day["riders_served"] and 1 <= day["max_onboard"] <= 4
    assert sum(day["riders_not_served_by_cell"].values()) == day["riders_not_served"]
    assert day["routed"]["wait_s"] >= 600 and day["zone"] == ZONE
    money = results["economics"]
    # Fixed routes earn the flat 200-yen bus fare x the given riders; the removed line earns nothing after.
    assert money["services_before"]["bus-hinokizawa"]["revenue_yen"] == 12 * 200
    assert money["services_before"]["bus-loop"]["revenue_yen"] == 60 * 200
    assert "bus-hinokizawa" not in money["services_after"]
    assert money["services_after"]["scenario zone 1"]["revenue_yen"] == 300 * day["riders_served"]
    assert money["riders_source"] == {"bus-hinokizawa": "given", "bus-loop": "given"}
    assert money["passengers_before"] == 72
    assert money["subsidy_per_passenger_before_yen"] == round(money["subsidy_before_yen"] / 72, 1)
    await council_pdf_in_japanese_and_english(client, analyst, done)


async def test_without_the_vans_hours_the_hamlet_gains_nothing(client, places_town) -> None:
    """The same zone running only 07:00-09:00: at midday its vans are not there to take anyone."""
    analyst = places_town["analyst"]
    done = await run_scenario(client, analyst, parameters(edits=[{**REPLACE, "start": "07:00", "end": "09:00"}]))
    assert done["state"] == "done", done["error"]
    assert all(not (HINOKIZAWA & set(a["gained_cell_ids"])) for a in done["results"]["access"])


async def test_points_in_the_wrong_order_are_refused(client, places_town) -> None:
    analyst = places_town["analyst"]
    swapped = {"type": "Polygon", "coordinates": [[[y, x] for x, y in ring] for ring in ZONE["coordinates"]]}
    response = await client.post("/v1/analyses", json={"kind": "scenario", "parameters": parameters(
        edits=[{**REPLACE, "zone": swapped}])}, headers=analyst)
    assert response.status == 422  # [lat, lon] positions: latitude 138 is impossible
    body = await response.json()
    assert any(k.startswith("parameters.edits.0") and k.endswith("zone") for k in body["error"]["fields"]), body
    far = {"type": "Polygon", "coordinates": [[[139.7, 35.6], [139.8, 35.6], [139.8, 35.7], [139.7, 35.6]]]}
    response = await client.post("/v1/analyses", json={"kind": "scenario", "parameters": parameters(
        edits=[{**REPLACE, "zone": far}])}, headers=analyst)
    body = await response.json()
    assert response.status == 422 and body["error"]["code"] == "outside_region", body
    assert "parameters.edits.0.zone" in body["error"]["fields"]
    depot = await client.post("/v1/analyses", json={"kind": "scenario", "parameters": parameters(
        edits=[{**REPLACE, "depot": {"lat": 138.900446, "lon": 36.399189}}])}, headers=analyst)
    assert depot.status == 422
    pair = await client.post("/v1/analyses", json={"kind": "scenario", "parameters": parameters(
        edits=[{**REPLACE, "depot": [36.399189, 138.900446]}])}, headers=analyst)
    assert pair.status == 422  # a bare pair is ambiguous: the API takes {lat, lon} objects only
    listed = await (await client.get("/v1/analyses", headers=analyst)).json()
    assert listed["items"] == []


async def test_uploaded_ridership_prices_the_routes_and_recorded_demand_is_the_default(client, places_town) -> None:
    analyst, rider = places_town["analyst"], places_town["rider"]
    counts = "route_id,date,boardings,trip_id\nbus-loop,2026-11-24,30,a\nbus-loop,2026-11-24,25,b\n" \
             "bus-hinokizawa,2026-11-24,9,\n"
    assert (await client.post("/v1/ridership", json={"content": counts}, headers=rider)).status == 403
    bad = await client.post("/v1/ridership", json={"content": counts + "bus-loop,2026-11-24,many,c\n"},
                            headers=analyst)
    body = await bad.json()
    assert bad.status == 422 and "row 5" in body["error"]["fields"], body
    stored = await client.post("/v1/ridership", json={"content": counts}, headers=analyst)
    assert stored.status == 201, await stored.text()
    assert (await stored.json())["boardings"] == 64
    # A correction replaces the same route, date and trip.
    await client.post("/v1/ridership", json={"content": "route_id,date,boardings,trip_id\nbus-loop,2026-11-24,35,a\n"},
                      headers=analyst)
    totals = await (await client.get("/v1/ridership?date=2026-11-24", headers=analyst)).json()
    assert totals["boardings"] == {"bus-loop": 60, "bus-hinokizawa": 9}

    done = await run_scenario(client, analyst, parameters(edits=[{k: v for k, v in REPLACE.items()
                                                                  if k not in ("demand", "trips_per_person_day")}],
                                                         route_riders_per_day={"bus-hinokizawa": 12}))
    assert done["state"] == "done", done["error"]
    money = done["results"]["economics"]
    assert money["riders_source"] == {"bus-loop": "uploaded", "bus-hinokizawa": "given"}
    assert money["services_before"]["bus-loop"]["revenue_yen"] == 60 * 200
    (day,) = done["results"]["on_demand"]
    # Nobody booked a van on that day in this world: recorded demand is none, and is said to be recorded.
    assert day["demand"] == "recorded" and day["requested"] == 0 and day["trips_per_person_day"] is None


async def council_pdf_in_japanese_and_english(client, analyst, done: dict) -> None:
    """The scenario's PDF for a council paper, and every figure of it in figures.csv."""
    location = f"/v1/analyses/{done['id']}/report"
    response = await client.get(location, headers={**analyst, "Accept": "application/pdf"})
    assert response.status == 200 and response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Language"] == "ja"
    pdf = PdfReader(io.BytesIO(await response.read()))
    # The terms and tables, then one page per destination category (before, after, difference).
    assert len(pdf.pages) == 1 + 2
    width, height = (float(v) for v in pdf.pages[0].mediabox[2:])
    assert (round(width), round(height)) == (595, 842)  # A4 in points
    text = "".join(page.extract_text() for page in pdf.pages)
    for words in ("シナリオ比較", "行ける住民の増減", "デマンド交通", "病院", "スーパー", "住民なし", "到達できない",
                  "変更前", "変更後", "山吹町立病院", "町内循環線", "檜沢線（廃止）", "停留所・駅", "山吹駅前"):
        assert words in text, words
    english = await client.get(location, headers={**analyst, "Accept": "application/pdf", "Accept-Language": "en"})
    assert english.headers["Content-Language"] == "en"
    text_en = "".join(page.extract_text() for page in PdfReader(io.BytesIO(await english.read())).pages)
    assert "Scenario comparison" in text_en and "no residents" in text_en and "not reached" in text_en
    html_page = await client.get(location, headers=analyst)  # without asking for PDF: the HTML page
    assert (await html_page.text()).startswith("<!doctype html>")
    figures = await client.get(f"/v1/analyses/{done['id']}/figures.csv", headers=analyst)
    rows = list(csv.DictReader(io.StringIO(await figures.text())))
    gained = {(r["item"], r["measure"]): r["value"] for r in rows if r["section"] == "access"}
    hospital = next(a for a in done["results"]["access"] if a["category"] == "hospital")
    assert float(gained[("hospital p50 within 60 min", "residents_gained")]) == hospital["residents_gained"]
    vans = {r["measure"]: r["value"] for r in rows if r["section"] == "on_demand"}
    assert int(vans["riders_not_served"]) == done["results"]["on_demand"][0]["riders_not_served"]
    assert any(r["section"] == "economics" and r["measure"] == "subsidy_per_passenger_before_yen" for r in rows)


async def test_destination_points_and_grids_far_from_the_region_are_refused(client, places_town) -> None:
    analyst = places_town["analyst"]
    base = {"date": "2026-11-24", "start": "08:00"}
    swapped = {**base, "destinations": {"type": "points", "points": [
        {"id": "h", "lat": 36.412526, "lon": 138.91438, "category": "hospital"},
        {"id": "x", "lat": 35.6, "lon": 139.7, "category": "hospital"}]}}  # Tokyo: far from 山吹町
    response = await client.post("/v1/analyses", json={"kind": "accessibility", "parameters": swapped},
                                 headers=analyst)
    body = await response.json()
    assert response.status == 422 and body["error"]["code"] == "outside_region", body
    assert "parameters.destinations.points.1" in body["error"]["fields"]
    assert body["error"]["message"].startswith("地点が対象地域の外")
    grid = {**base, "destinations": {"type": "places", "categories": ["hospital"]},
            "origins": {"type": "grid", "shape": "mesh500", "bbox": [138.85, 36.38, 138.95, 36.43]}}
    response = await client.post("/v1/analyses", json={"kind": "accessibility", "parameters": grid}, headers=analyst)
    assert response.status == 422  # [west, south, east, north] is not a bbox: latitude 138 is impossible
    elsewhere = {**grid, "origins": {"type": "grid", "shape": "mesh500", "bbox": [35.6, 139.7, 35.65, 139.75]}}
    response = await client.post("/v1/analyses", json={"kind": "accessibility", "parameters": elsewhere},
                                 headers=analyst)
    body = await response.json()
    assert response.status == 422 and body["error"]["fields"] == {"parameters.origins.bbox": "outside the region"}
