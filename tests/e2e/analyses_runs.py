"""Accessibility analyses through the API, as the analyses tests run them: the demo region's
hospital and the 檜沢 hamlet (see tests/e2e/test_api_analyses.py), a weekday-morning request,
and starting a run and polling it until it finishes."""

from __future__ import annotations

import asyncio
import math
from pathlib import Path

DEMO = Path(__file__).resolve().parents[2] / "fixtures" / "demo-region"
HOSPITAL = (36.412526, 138.91438)
HINOKIZAWA = {"543857001", "543857002", "543857003", "543857004"}  # 檜沢's inhabited cells
# Walking as the figures below were measured (1.2 m/s, 1 km): the analyses' own default is the elderly profile.
BRISK = {"walk_speed_mps": 1.2, "max_walk_m": 1000}
MORNING = {"date": "2026-11-24", "start": "08:00", "window_min": 60, "percentiles": [50],
           "thresholds_min": [15, 30, 45, 60], "destinations": {"type": "places", "categories": ["hospital"]},
           **BRISK}


def distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    p1, p2 = math.radians(a[0]), math.radians(b[0])
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(b[1] - a[1]) / 2) ** 2
    return 2 * 6_371_008.8 * math.asin(math.sqrt(h))


async def finished(client, headers, location: str) -> dict:
    for _ in range(600):
        body = await (await client.get(location, headers=headers)).json()
        assert 0 <= body["progress"] <= 1
        if body["state"] in ("done", "failed"):
            return body
        await asyncio.sleep(0.1)
    raise AssertionError(f"{location} did not finish: {body}")


async def run(client, headers, parameters: dict) -> dict:
    response = await client.post("/v1/analyses", json={"kind": "accessibility", "parameters": parameters},
                                 headers=headers)
    assert response.status == 202, await response.text()
    started = await response.json()
    assert started["state"] == "queued" and response.headers["Location"] == f"/v1/analyses/{started['id']}"
    return await finished(client, headers, response.headers["Location"])
