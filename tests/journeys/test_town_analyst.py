"""Koji Yamada, the town hall's analyst, asks how residents reach the hospital on TRAVEL_DAY morning:
he starts an accessibility analysis over the API, waits for it, reads the shares and downloads the
cells (CSV, GeoJSON) and the report, in English and in Japanese. A rider who tries the same is refused."""

from __future__ import annotations

import asyncio
import csv
import io
import json

from tests.journeys.conftest import ANALYST, HARU, TRAVEL_DAY, Town

EN = {"Accept-Language": "en-US,en;q=0.8"}
JA = {"Accept-Language": "ja-JP,ja;q=0.9,en;q=0.5"}
HINOKIZAWA = {"543857001", "543857002", "543857003", "543857004"}  # cells with no bus to the hospital at 08:00
MORNING = {"date": TRAVEL_DAY.isoformat(), "start": "08:00", "window_min": 10, "percentiles": [50],
           "thresholds_min": [15, 30, 60], "destinations": {"type": "places", "categories": ["hospital"]}}


async def _finished(town: Town, headers: dict[str, str], location: str) -> dict:
    for _ in range(1200):  # polled as a client would; bounded by count, not by the clock
        response = await town.client.get(location, headers=headers)
        assert response.status == 200, await response.text()
        body = await response.json()
        assert 0 <= body["progress"] <= 1
        if body["state"] in ("done", "failed"):
            return body
        await asyncio.sleep(0.05)
    raise AssertionError(f"{location} did not finish: {body}")


async def test_the_analyst_measures_hospital_access_and_downloads_the_results(town: Town) -> None:
    analyst = await town.sign_in(ANALYST)
    started = await town.client.post("/v1/analyses", json={"kind": "accessibility", "parameters": MORNING},
                                     headers={**analyst, **EN})
    assert started.status == 202, await started.text()
    assert started.headers["Content-Language"] == "en"
    assert started.headers["Content-Type"] == "application/json; charset=utf-8"
    location = started.headers["Location"]
    done = await _finished(town, {**analyst, **EN}, location)
    assert done["state"] == "done" and done["error"] is None and done["progress"] == 1

    # The shares: more residents reach the hospital the longer they may travel; 檜沢 cannot at all.
    (hospital,) = done["results"]["categories"]
    shares = [w["share_population"] for w in hospital["within"]]
    assert shares == sorted(shares) and 0 < shares[0] and shares[-1] < 1
    assert HINOKIZAWA <= set(hospital["gap_cell_ids"])

    # The same analysis read in Japanese: the same numbers, labelled as Japanese.
    in_japanese = await town.client.get(location, headers={**analyst, **JA})
    assert in_japanese.headers["Content-Language"] == "ja"
    assert (await in_japanese.json())["results"] == done["results"]

    # The downloads decode as UTF-8 and hold every cell.
    for headers in (EN, JA):
        cells_csv = await town.client.get(f"{location}/cells.csv", headers={**analyst, **headers})
        assert cells_csv.headers["Content-Type"] == "text/csv; charset=utf-8"
        rows = list(csv.DictReader(io.StringIO((await cells_csv.read()).decode("utf-8"))))
        assert len(rows) == done["results"]["origins"] and {"cell_id", "hospital_p50_min"} <= set(rows[0])
        assert all(r["hospital_p50_min"] == "" for r in rows if r["cell_id"] in HINOKIZAWA)
    geojson = await town.client.get(f"{location}/cells.geojson", headers={**analyst, **JA})
    assert geojson.headers["Content-Type"] == "application/geo+json; charset=utf-8"
    document = json.loads((await geojson.read()).decode("utf-8"))
    assert document["type"] == "FeatureCollection" and len(document["features"]) == len(rows)
    report = await town.client.get(f"{location}/report", headers={**analyst, **JA})
    assert report.headers["Content-Type"] == "text/html; charset=utf-8"
    assert report.headers["Content-Language"] == "ja"
    page = (await report.read()).decode("utf-8")
    assert page.startswith("<!doctype html>\n<html lang=\"ja\">") and '<meta charset="utf-8">' in page
    assert "到達圏分析" in page and "<td>病院</td>" in page and "Residents reaching" not in page
    report = await town.client.get(f"{location}/report", headers={**analyst, **EN})
    assert report.headers["Content-Language"] == "en"
    page = (await report.read()).decode("utf-8")
    assert '<html lang="en">' in page and "<td>hospital</td>" in page and "Residents reaching" in page

    # An analysis that does not exist: the message in the analyst's language.
    missing = await town.client.get("/v1/analyses/ana_nope", headers={**analyst, **JA})
    assert missing.status == 404 and (await missing.json())["error"]["message"] == "お探しのものが見つかりません。"
    missing = await town.client.get("/v1/analyses/ana_nope", headers={**analyst, **EN})
    assert missing.status == 404 and (await missing.json())["error"]["message"].isascii()


async def test_a_rider_cannot_run_or_read_analyses(town: Town) -> None:
    rider = await town.sign_in(HARU)
    body = {"kind": "accessibility", "parameters": MORNING}
    refused = await town.client.post("/v1/analyses", json=body, headers={**rider, **JA})
    assert refused.status == 403
    assert (await refused.json())["error"] == {"code": "forbidden", "message": "この操作を行う権限がありません。",
                                               "fields": {}}
    refused = await town.client.post("/v1/analyses", json=body, headers={**rider, **EN})
    assert refused.status == 403 and refused.headers["Content-Language"] == "en"
    message = (await refused.json())["error"]["message"]
    assert message.isascii() and message
    listed = await town.client.get("/v1/analyses", headers=rider)
    assert listed.status == 403
    analyst = await town.sign_in(ANALYST)
    assert (await (await town.client.get("/v1/analyses", headers=analyst)).json())["items"] == []  # nothing started
