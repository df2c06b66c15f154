"""`maas analyse scenario` and `maas analyse routes` on the demo region: the same files as the API."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from routing.flex import read_flex
from routing.gtfs import read_feed
from tests.cli import cli_env, maas, rows


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return cli_env(tmp_path)


def test_analyse_scenario_and_routes_write_their_files(env: dict[str, str], tmp_path: Path) -> None:
    maas(env, "db", "upgrade")
    maas(env, "demo", "load")
    edits = tmp_path / "edits.json"
    edits.write_text(json.dumps([{"type": "remove_route", "route_id": "bus-hinokizawa"}]), encoding="utf-8")
    out = tmp_path / "scenario"
    result = maas(env, "analyse", "scenario", "--edits", str(edits), "--date", "2026-11-24", "--start", "12:00",
                  "--percentiles", "0", "--thresholds", "60", "--categories", "hospital", "--cost-per-hour", "4000",
                  "--out", str(out))
    assert "scenario" in result.stderr and "100%" in result.stderr
    assert "hospital p0 within 60 min: 0 cells gain" in result.stdout
    assert "operating cost" in result.stdout and "(-6800)" in result.stdout
    with (out / "cells.csv").open(encoding="utf-8") as handle:
        cells = {r["cell_id"]: r for r in csv.DictReader(handle)}
    assert len(cells) == 168 and cells["543857002"]["hospital_p0_within60"] == "lost"
    for name in ("cells.geojson", "report.html", "map.png", "summary.json"):
        assert (out / name).stat().st_size > 0

    routes = tmp_path / "routes"
    result = maas(env, "analyse", "routes", "--date", "2026-11-24", "--cost-per-hour", "4000", "--out", str(routes))
    assert "bus-loop 町内循環線: 6 trips, 2.5 h" in result.stdout and "cost 10000 yen" in result.stdout
    with (routes / "routes.csv").open(encoding="utf-8") as handle:
        by_route = {r["route_id"]: r for r in csv.DictReader(handle)}
    assert by_route["bus-hinokizawa"]["operating_cost_yen"] == "6800"
    page = (routes / "report.html").read_text(encoding="utf-8")
    assert page.startswith("<!doctype html>")
    # No demo rider agreed to share their trips, so the vans' figures are withheld, not shown or crashed on.
    assert "On-demand figures of noriai are withheld" in page
    assert rows(env, "select kind, state from analyses order by created_at") == [
        ("scenario", "done"), ("route_performance", "done")]

    edits.write_text(json.dumps([{"type": "remove_route", "route_id": "bus-nowhere"}]), encoding="utf-8")
    bad = maas(env, "analyse", "scenario", "--edits", str(edits), "--date", "2026-11-24", "--start", "12:00",
               "--categories", "hospital", "--out", str(out), check=False)
    assert bad.returncode == 2 and "unknown route 'bus-nowhere'" in bad.stderr


def test_export_publishes_the_town_buses_and_vans(env: dict[str, str], tmp_path: Path) -> None:
    demo = Path(__file__).resolve().parents[2] / "fixtures" / "demo-region"
    env = {**env, "MAAS_OPERATORS_CONFIG": str(demo / "maas-operators.json")}
    out = tmp_path / "published"
    result = maas(env, "export", "--out", str(out))
    assert result.stdout.startswith("gtfs_jp gtfs: ") and result.stdout.count("0 findings on reading it back") == 2
    assert "gtfs_flex noriai" in result.stdout and "0 findings" in result.stdout
    (buses,) = (out / "gtfs-jp").iterdir()
    assert read_feed(buses).findings == () and (buses / "routes_jp.txt").exists()
    assert read_flex(out / "gtfs-flex" / "noriai").findings == ()
    bad = maas(env, "export", "--agency", "nobody", "--out", str(tmp_path / "bad"), check=False)
    assert bad.returncode == 1 and "no feed has agency ['nobody']" in bad.stderr
