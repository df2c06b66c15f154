"""The `maas` command line as an operator runs it: migrate, load the demo, import feeds, serve over HTTP.

The commands run in this process (tests/cli.py); `maas serve` starts as a process of its own, as the
one place where the process boundary is the point.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from maas.storage import migrate
from tests.cli import cli_env, maas, rows

MAAS = [sys.executable, "-m", "maas"]


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return cli_env(tmp_path)


def test_commands_refuse_an_unmigrated_database(env: dict[str, str]) -> None:
    result = maas(env, "demo", "load", check=False)
    assert result.returncode != 0 and "maas db upgrade" in result.stderr


def test_bad_configuration_is_a_clear_error(env: dict[str, str]) -> None:
    result = maas({**env, "MAAS_PORT": "http"}, "db", "current", check=False)
    assert result.returncode == 2 and "MAAS_PORT" in result.stderr


def test_an_enabled_operator_without_adapter_stops_startup(env: dict[str, str], tmp_path: Path) -> None:
    config = tmp_path / "operators.json"
    config.write_text(json.dumps({"operators": [{"id": "ghost-taxi", "adapter": "no-such-adapter"}]}))
    maas(env, "db", "upgrade")
    result = maas({**env, "MAAS_OPERATORS_CONFIG": str(config)}, "demo", "load", check=False)
    assert result.returncode == 2
    assert "operator ghost-taxi: no adapter 'no-such-adapter'" in result.stderr


def test_upgrade_demo_load_twice_and_current(env: dict[str, str]) -> None:
    head = migrate.head_revision()
    assert f"revision {head}" in maas(env, "db", "upgrade").stdout
    first = maas(env, "demo", "load").stdout
    assert "5 operators and 10 accounts added" in first and first.count("API key for") == 5
    second = maas(env, "demo", "load").stdout
    assert "0 operators and 0 accounts added" in second and "unchanged" in second
    assert "API key for" not in second
    assert rows(env, "select count(*) from accounts") == [(10,)]
    assert rows(env, "select count(*) from feeds") == [(1,)]
    assert maas(env, "db", "current").stdout.startswith(head)


def test_import_gtfs_reports_each_feed_and_a_failure_changes_nothing(env: dict[str, str], repo_root: Path,
                                                                     tmp_path: Path) -> None:
    maas(env, "db", "upgrade")
    demo_feed = repo_root / "fixtures" / "demo-region" / "gtfs"
    ok = maas(env, "import-gtfs", str(demo_feed))
    assert "imported gtfs" in ok.stdout and "importing" in ok.stderr  # the progress bar
    before = rows(env, "select id, digest, stop_count from feeds")

    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "stops.txt").write_text("stop_id,stop_name,stop_lat,stop_lon\nS1,A,36.4,138.9\n", encoding="utf-8")
    failed = maas(env, "import-gtfs", str(broken), str(tmp_path / "missing.zip"), check=False)
    assert failed.returncode == 1
    assert failed.stderr.count("REJECTED") == 2 and "agency.txt" in failed.stderr
    assert rows(env, "select id, digest, stop_count from feeds") == before


def test_accounts_create_and_issue_key(env: dict[str, str]) -> None:
    maas(env, "db", "upgrade")
    made = maas(env, "accounts", "create", "--email", "chief@town.example", "--name", "管理者", "--role", "admin",
                stdin="a long admin password\n")
    assert "(admin)" in made.stdout
    assert rows(env, "select role from accounts where email='chief@town.example'") == [("admin",)]
    missing = maas(env, "operators", "issue-key", "nobody", check=False)
    assert missing.returncode == 1 and "no operator nobody" in missing.stderr


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_serve_answers_health_openapi_docs_and_demo_sign_in(env: dict[str, str], repo_root: Path) -> None:
    maas(env, "db", "upgrade")
    maas(env, "demo", "load")
    port = _free_port()
    server = subprocess.Popen([*MAAS, "serve", "--port", str(port)], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status, body = _get(base + "/health")
                break
            except OSError:
                assert server.poll() is None, server.stderr.read() if server.stderr else ""
                assert time.monotonic() < deadline, "server did not come up"
                time.sleep(0.2)
        assert status == 200 and json.loads(body)["database"] == "ok"
        assert json.loads(_get(base + "/openapi.json")[1])["openapi"] == "3.1.0"
        assert b"swagger-ui" in _get(base + "/docs")[1]
        accounts = json.loads((repo_root / "fixtures" / "demo-region" / "accounts.json").read_text(encoding="utf-8"))
        analyst = next(a for a in accounts if a["role"] == "analyst")
        login = urllib.request.Request(base + "/v1/auth/token", method="POST",
                                       data=json.dumps({"email": analyst["email"], "password": "yamabuki-demo"}).encode(),
                                       headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(login, timeout=10) as response:
            token = json.loads(response.read())["token"]
        feeds = urllib.request.Request(base + "/v1/feeds", headers={"Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(feeds, timeout=10) as response:
            items = json.loads(response.read())["items"]
        assert [f["name"] for f in items] == ["yamabuki-gtfs"] and items[0]["error_count"] == 0
    finally:
        server.terminate()
        _, err = server.communicate(timeout=30)
    assert token not in err  # the access log shows requests, never credentials
    assert "/v1/feeds" in err and "[" in err


def test_analyse_accessibility_writes_the_results_and_a_report(env: dict[str, str], repo_root: Path,
                                                             tmp_path: Path) -> None:
    demo = repo_root / "fixtures" / "demo-region"
    maas(env, "db", "upgrade")
    maas(env, "demo", "load")  # the places: the hospital and the supermarket
    out = tmp_path / "out"
    result = maas(env, "analyse", "accessibility", "--date", "2026-11-24", "--start", "08:00", "--window-min", "60",
                  "--population", str(demo / "population.csv"), "--categories", "hospital,supermarket",
                  "--out", str(out))
    assert "accessibility" in result.stderr and "100%" in result.stderr  # the progress bar
    assert "hospital p50: 15 min" in result.stdout and "supermarket p50:" in result.stdout
    with (out / "cells.csv").open(encoding="utf-8") as handle:
        header = handle.readline().strip().split(",")
        assert sum(1 for _ in handle) == 168
    assert header[:5] == ["cell_id", "lat", "lon", "population", "population_65_plus"]
    assert "hospital_p50_min" in header and "supermarket_p50_n60" in header
    assert len(json.loads((out / "cells.geojson").read_text(encoding="utf-8"))["features"]) == 168
    assert 'src="data:image/png;base64,' in (out / "report.html").read_text(encoding="utf-8")
    assert (out / "map.png").read_bytes().startswith(b"\x89PNG")
    assert rows(env, "select kind, state from analyses") == [("accessibility", "done")]
    # A category the town has no place of is an input error, not a traceback.
    bad = maas(env, "analyse", "accessibility", "--date", "2026-11-24", "--start", "08:00", "--categories", "zoo",
               "--out", str(out), check=False)
    assert bad.returncode == 1 and "no places of category 'zoo'" in bad.stderr
    # An unknown door-to-door mode is refused before anything runs.
    flying = maas(env, "analyse", "accessibility", "--date", "2026-11-24", "--start", "08:00", "--categories",
                  "hospital", "--modes", "helicopter", "--out", str(out), check=False)
    assert flying.returncode == 1 and "parameters.modes.0: Input should be 'on_demand' or 'taxi'" in flying.stderr
    assert rows(env, "select kind, state from analyses") == [("accessibility", "done")]


def test_serve_refuses_the_development_secret_without_the_dev_flag(env: dict[str, str]) -> None:
    production = {k: v for k, v in env.items() if k != "MAAS_DEV_MODE"}
    result = maas(production, "serve", check=False)
    assert result.returncode != 0 and "MAAS_SECRET_KEY" in result.stderr and "MAAS_DEV_MODE" in result.stderr


def test_retention_run_reports_what_it_did(env: dict[str, str]) -> None:
    maas(env, "db", "upgrade")
    result = maas(env, "retention", "run")
    report = json.loads(result.stdout)
    assert (report["rides_coarsened"], report["refusals_deleted"], report["audit_entries_deleted"]) == (0, 0, 0)
