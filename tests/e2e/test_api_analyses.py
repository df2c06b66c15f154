"""Accessibility analyses over the demo region through the real app: the town hall asks how its
residents reach the hospital on a weekday (Tuesday 2026-11-24) and checks numbers by hand.

The 檜沢 hamlet (cells around 36.42 N, 138.88 E) is more than a kilometre's walk from anything but
the 檜沢線 stops 檜沢 and 檜沢入口, and the 檜沢線 leaves 檜沢 only at 07:19, 12:29 and 15:29 on
weekdays (fixtures/demo-region/gtfs). So between 08:00 and 09:00 the hamlet has no way to the
hospital at all, while at midday a resident of cell 543857002 leaving at 12:21 walks 3.8 min to
檜沢, rides the 12:29 bus to 山吹駅前 (12:42), the 13:05 町内循環線 to 山吹町立病院 (13:14) and walks
a minute: 54 min.
"""

from __future__ import annotations

import csv
import io
import json

import pytest
from pypdf import PdfReader

from tests.e2e.analyses_runs import DEMO, HINOKIZAWA, HOSPITAL, MORNING, distance_m, run

pytestmark = pytest.mark.sqlite_only  # PostgreSQL adds nothing here: docs/guide.md, section 5

async def test_hospital_access_over_the_demo_population(client, town) -> None:
    analyst = town["analyst"]
    done = await run(client, analyst, MORNING)
    assert done["state"] == "done" and done["error"] is None and done["progress"] == 1
    results = done["results"]
    population = list(csv.DictReader(io.StringIO((DEMO / "population.csv").read_text(encoding="utf-8"))))
    assert results["origins"] == len(population) == 168
    assert results["total_population"] == sum(float(r["population"]) for r in population)
    (hospital,) = results["categories"]
    assert hospital["category"] == "hospital" and hospital["destinations"] == 1
    assert HINOKIZAWA <= set(hospital["gap_cell_ids"])  # no bus between 08:00 and 09:00
    shares = [w["share_population"] for w in hospital["within"]]
    assert shares == sorted(shares) and 0 < shares[0] < shares[-1] < 1

    text = await (await client.get(f"/v1/analyses/{done['id']}/cells.csv", headers=analyst)).text()
    cells = {r["cell_id"]: r for r in csv.DictReader(io.StringIO(text))}
    assert len(cells) == 168
    # The cell whose centre is nearest the hospital walks there: 1.3 × straight line at 1.2 m/s.
    near = min(population, key=lambda r: distance_m((float(r["lat"]), float(r["lon"])), HOSPITAL))
    walk_min = distance_m((float(near["lat"]), float(near["lon"])), HOSPITAL) * 1.3 / 1.2 / 60
    assert walk_min < 6 and float(cells[near["cell_id"]]["hospital_p50_min"]) == pytest.approx(walk_min, abs=0.05)
    assert cells[near["cell_id"]]["hospital_p50_n15"] == "1"
    assert all(cells[c]["hospital_p50_min"] == "" for c in HINOKIZAWA)

    response = await client.get(f"/v1/analyses/{done['id']}/cells.geojson", headers=analyst)
    geo = json.loads(await response.read())
    assert geo["type"] == "FeatureCollection" and len(geo["features"]) == 168
    feature = next(f for f in geo["features"] if f["id"] == near["cell_id"])
    # A JIS X 0410 half-mesh cell (500 m): its outline, [lon, lat], around the centre the CSV gives.
    assert feature["geometry"]["type"] == "Polygon" and all(f["geometry"]["type"] == "Polygon" for f in geo["features"])
    (ring,) = feature["geometry"]["coordinates"]
    lons, lats = {p[0] for p in ring}, {p[1] for p in ring}
    assert len(ring) == 5 and ring[0] == ring[-1] and len(lons) == len(lats) == 2
    assert (min(lons) + max(lons)) / 2 == pytest.approx(float(near["lon"]), abs=1e-6)
    assert (min(lats) + max(lats)) / 2 == pytest.approx(float(near["lat"]), abs=1e-6)
    assert max(lons) - min(lons) == pytest.approx(1 / 160, abs=1e-6)
    assert max(lats) - min(lats) == pytest.approx(1 / 240, abs=1e-6)
    assert feature["properties"]["hospital_p50_min"] == pytest.approx(walk_min, abs=0.05)

    report = await client.get(f"/v1/analyses/{done['id']}/report", headers={**analyst, "Accept-Language": "en"})
    page = await report.text()
    assert report.content_type == "text/html" and page.startswith("<!doctype html>")
    assert page.count('src="data:image/png;base64,') == 2 and "hospital" in page
    png = await client.get(f"/v1/analyses/{done['id']}/map.png", headers=analyst)
    assert png.content_type == "image/png" and (await png.read()).startswith(b"\x89PNG\r\n\x1a\n")

    # At midday the 檜沢線 runs: leaving between 12:20 and 12:30, half the residents of 543857002 are
    # at the hospital within 54 min (the 12:21 departure); nobody from 檜沢 walks there.
    midday = await run(client, analyst, {**MORNING, "start": "12:20", "window_min": 10})
    (noon,) = midday["results"]["categories"]
    assert not HINOKIZAWA & {"543857002"} & set(noon["gap_cell_ids"])
    text = await (await client.get(f"/v1/analyses/{midday['id']}/cells.csv", headers=analyst)).text()
    row = next(r for r in csv.DictReader(io.StringIO(text)) if r["cell_id"] == "543857002")
    assert float(row["hospital_p50_min"]) == pytest.approx(54.03, abs=0.05)
    assert row["hospital_p50_n60"] == "1" and row["hospital_p50_n45"] == "0"

    listed = await (await client.get("/v1/analyses", headers=analyst)).json()
    assert [a["id"] for a in listed["items"]] == [midday["id"], done["id"]]

@pytest.fixture
def town(places_town):
    """The `places_town` of tests/e2e/conftest.py, under the name these tests use."""
    return places_town



async def test_riders_bad_parameters_unknown_ids_and_unreadable_origins(client, town) -> None:
    analyst, rider = town["analyst"], town["rider"]
    body = {"kind": "accessibility", "parameters": MORNING}
    assert (await client.post("/v1/analyses", json=body, headers=rider)).status == 403
    assert (await client.get("/v1/analyses", headers=rider)).status == 403

    bad = await client.post("/v1/analyses", headers=analyst, json={
        "kind": "accessibility", "parameters": {**MORNING, "window_min": 999, "percentiles": [101]}})
    assert bad.status == 422
    error = (await bad.json())["error"]
    assert error["code"] == "invalid_request" and "body.parameters.window_min" in error["fields"]
    unknown_category = await client.post("/v1/analyses", headers=analyst, json={
        "kind": "accessibility", "parameters": {**MORNING, "destinations": {"type": "places", "categories": ["zoo"]}}})
    assert unknown_category.status == 422
    assert "parameters.destinations.categories" in (await unknown_category.json())["error"]["fields"]
    no_path = await client.post("/v1/analyses", headers=analyst, json={
        "kind": "accessibility", "parameters": {**MORNING, "origins": {"type": "population", "path": "/etc/passwd"}}})
    assert no_path.status == 422  # server files are for the command line only

    for suffix in ("", "/cells.csv", "/cells.geojson", "/report", "/map.png"):
        missing = await client.get(f"/v1/analyses/ana_missing{suffix}", headers=analyst)
        assert missing.status == 404 and (await missing.json())["error"]["code"] == "not_found"
    assert (await client.get("/v1/analyses/ana_missing", headers=rider)).status == 403

    # A population field that cannot be read fails the job, with the row at fault.
    broken = "cell_id,lat,lon,population,population_65_plus\nx1,36.41,138.91,many,1\n"
    failed = await run(client, analyst, {**MORNING, "origins": {"type": "population", "content": broken}})
    assert failed["state"] == "failed" and "line 2" in failed["error"] and "many" in failed["error"]
    conflict = await client.get(f"/v1/analyses/{failed['id']}/cells.csv", headers=analyst)
    assert conflict.status == 409

    # Points sent with the request, and a generated grid, work as destinations and origins.
    grid = await run(client, analyst, {**MORNING, "origins": {"type": "grid", "shape": "mesh500",
                                                              "bbox": [36.41, 138.91, 36.4149, 138.9185]},
                                       "destinations": {"type": "points", "points": [
                                           {"id": "h", "lat": HOSPITAL[0], "lon": HOSPITAL[1],
                                            "category": "hospital"}]}})
    assert grid["state"] == "done" and grid["results"]["origins"] == 4  # 2 × 2 half-mesh cells
    grid_geo = json.loads(await (await client.get(f"/v1/analyses/{grid['id']}/cells.geojson", headers=analyst)).read())
    assert {f["geometry"]["type"] for f in grid_geo["features"]} == {"Polygon"}
    (summary,) = grid["results"]["categories"]
    # Every centre is within 510 m of the hospital: at most 9.2 min on foot; each cell counts as one.
    assert summary["within"][0]["share_population"] == 1.0 and summary["worst_time_s"] < 9.3 * 60


async def test_analyses_walk_as_the_planners_elderly_profile_unless_told(client, town) -> None:
    """0.8 m/s and 500 m per walk (maas.domain.planning.TravellerProfile) when the request says nothing."""
    analyst = town["analyst"]
    plain = {k: v for k, v in MORNING.items() if k not in ("walk_speed_mps", "max_walk_m")}
    slow = await run(client, analyst, {**plain, "start": "10:00", "window_min": 0})
    assert slow["state"] == "done", slow["error"]
    assert (slow["parameters"]["walk_speed_mps"], slow["parameters"]["max_walk_m"]) == (0.8, 500)
    brisk = await run(client, analyst, {**MORNING, "start": "10:00", "window_min": 0})
    assert (brisk["parameters"]["walk_speed_mps"], brisk["parameters"]["max_walk_m"]) == (1.2, 1000)
    # The cell nearest the hospital walks there either way: 1.3 × straight line at each speed.
    near = min(csv.DictReader(io.StringIO((DEMO / "population.csv").read_text("utf-8"))),
               key=lambda r: distance_m((float(r["lat"]), float(r["lon"])), HOSPITAL))
    metres = distance_m((float(near["lat"]), float(near["lon"])), HOSPITAL) * 1.3
    times = {}
    for name, done in (("slow", slow), ("brisk", brisk)):
        text = await (await client.get(f"/v1/analyses/{done['id']}/cells.csv", headers=analyst)).text()
        times[name] = float(next(r for r in csv.DictReader(io.StringIO(text)) if r["cell_id"] == near["cell_id"])
                            ["hospital_p50_min"])
    assert times["slow"] == pytest.approx(metres / 0.8 / 60, abs=0.05)
    # The council's PDF: A4, in Japanese by default, a map page per category with its legend.
    pdf = await client.get(f"/v1/analyses/{slow['id']}/report", headers={**analyst, "Accept": "application/pdf"})
    assert pdf.status == 200 and pdf.headers["Content-Type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(await pdf.read())).pages)
    assert all(words in text for words in ("到達圏分析", "病院", "住民なし", "到達できない", "山吹町立病院")), text
    assert times["brisk"] == pytest.approx(metres / 1.2 / 60, abs=0.05)
