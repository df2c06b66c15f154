"""`maas operators check URL` as a user runs it: a reference operator started as its own program,
then the check (in this process, as tests/cli.py runs commands); and the check against a port where
nothing listens."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import socket
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from maas.cli import main
from tests.cli import Finished, maas as run_maas

REPO = Path(__file__).resolve().parents[2]
TOKYO = dt.timezone(dt.timedelta(hours=9))


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAAS_")}
    env["PYTHONUNBUFFERED"] = "1"
    return env


def maas(*args: str) -> Finished:
    """The check runs in this process (tests/cli.py); the operator it checks is a program of its own."""
    return run_maas(_env(), *args, check=False)


@pytest.fixture(params=["taxi", "bikeshare"])
def reference_operator(request: pytest.FixtureRequest) -> Iterator[str]:
    process = subprocess.Popen(
        [sys.executable, "-m", f"operators.reference.{request.param}", "--port", "0",
         "--demo-dir", str(REPO / "fixtures" / "demo-region"), "--offer-validity-s", "1"],
        cwd=REPO, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        found = re.search(r"on (http://127\.0\.0\.1:\d+)", line)
        assert found, f"the {request.param} service did not start: {line!r}"
        yield found.group(1)
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()


def test_check_passes_a_running_reference_operator(reference_operator: str) -> None:
    result = maas("operators", "check", reference_operator, "--timeout-s", "2", "--max-expiry-wait-s", "2")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "remote: conforms" in result.stdout
    assert re.search(r"passed +expiry", result.stdout) and re.search(r"passed +book_confirm_cancel", result.stdout)


def test_check_of_a_port_with_nothing_listening_fails_readably() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = maas("operators", "check", f"http://127.0.0.1:{port}", "--timeout-s", "1")
    assert result.returncode == 1
    assert f"maas: cannot check http://127.0.0.1:{port}: remote: cannot reach" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("args", [["ftp://example.org"], ["http://127.0.0.1:1", "--timeout-s", "0"],
                                  ["http://127.0.0.1:1", "--max-expiry-wait-s", "-1"],
                                  ["http://127.0.0.1:1", "--area", "95,135"],
                                  ["http://127.0.0.1:1", "--area", "35,135,5"],
                                  ["http://127.0.0.1:1", "--area", "35;135"],
                                  ["http://127.0.0.1:1", "--at", "2026-11-24T10:00:00"],
                                  ["http://127.0.0.1:1", "--spec", "/nonexistent/tomp.yaml"],
                                  ["http://127.0.0.1:1", "--token-url", "http://127.0.0.1:1/oauth/token"]])
def test_check_refuses_unusable_arguments_with_exit_2(args: list[str], capsys, monkeypatch) -> None:
    for name in [k for k in os.environ if k.startswith("MAAS_")]:
        monkeypatch.delenv(name)
    monkeypatch.setattr("maas.cli.configure_logging", lambda *_: None)  # keep pytest's handlers
    assert main(["operators", "check", *args]) == 2
    assert capsys.readouterr().err.startswith("maas: ")


@pytest.mark.parametrize("args", [[], ["http://127.0.0.1:1", "--timeout-s", "soon"]])
def test_check_usage_errors_exit_2(args: list[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["operators", "check", *args])
    assert exited.value.code == 2


@pytest.fixture(params=["taxi", "bikeshare"])
def operator_elsewhere(request: pytest.FixtureRequest) -> Iterator[tuple[str, str]]:
    """A reference operator whose fleet serves Kyoto (35.0116, 135.7681), far from the demo town."""
    process = subprocess.Popen(
        [sys.executable, "-m", f"operators.reference.{request.param}", "--port", "0",
         "--demo-dir", str(REPO / "fixtures" / "demo-region"), "--place-at", "35.0116,135.7681"],
        cwd=REPO, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert process.stdout is not None
        found = re.search(r"on (http://127\.0\.0\.1:\d+)", process.stdout.readline())
        assert found, f"the {request.param} service did not start"
        yield request.param, found.group(1)
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()


def test_a_dry_run_passes_an_operator_elsewhere_and_books_nothing(operator_elsewhere: tuple[str, str]) -> None:
    kind, url = operator_elsewhere
    at = (dt.datetime.now(TOKYO) + dt.timedelta(days=1)).replace(hour=10, minute=0, second=0, microsecond=0)
    result = maas("operators", "check", url, "--area", "35.0116,135.7681,1500",
                  "--at", at.isoformat(), "--dry-run", "--timeout-s", "3")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "a dry run: nothing is booked" in result.stdout and "remote: conforms" in result.stdout
    assert re.search(r"passed +search", result.stdout) and re.search(r"passed +spec: \d+ exchanges", result.stdout)
    report = result.stdout.split("\n", 1)[1]
    assert "book_confirm_cancel" not in report and "booked" not in report
    headers = {"Accept-Language": "ja", "Api": "TOMP", "Api-Version": "1.6", "maas-id": "test"}
    with urllib.request.urlopen(urllib.request.Request(f"{url}/bookings", headers=headers)) as got:
        assert json.loads(got.read()) == []  # the operator holds no booking

    if kind != "bikeshare":
        return  # a taxi drives anywhere; the docks stay in Kyoto
    # The demo town's own trip is outside the bikes' area: a search there finds nothing, and says where.
    away = maas("operators", "check", url, "--area", "36.40,138.90,1500", "--at", at.isoformat(),
                "--dry-run", "--timeout-s", "3")
    assert away.returncode == 1
    assert re.search(r"failed +search: no offer", away.stdout)
    assert "[planning — POST /planning/offers]" in away.stdout and "> POST /planning/offers" in away.stdout


@pytest.fixture
def tomp2_operator_elsewhere() -> Iterator[str]:
    """The reference taxi speaking TOMP 2.0, its fleet serving Kyoto, callers needing the bearer key `k2`."""
    process = subprocess.Popen(
        [sys.executable, "-m", "operators.reference.taxi", "--port", "0", "--tomp-version", "2.0",
         "--api-key", "k2", "--demo-dir", str(REPO / "fixtures" / "demo-region"), "--place-at", "35.0116,135.7681"],
        cwd=REPO, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert process.stdout is not None
        found = re.search(r"TOMP 2\.0 subset on (http://127\.0\.0\.1:\d+)", process.stdout.readline())
        assert found, "the 2.0 taxi service did not start"
        yield found.group(1)
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()


def test_a_dry_run_of_version_2_0_passes_the_2_0_reference_elsewhere(tomp2_operator_elsewhere: str) -> None:
    url = tomp2_operator_elsewhere
    at = (dt.datetime.now(TOKYO) + dt.timedelta(days=1)).replace(hour=10, minute=0, second=0, microsecond=0)
    args = ("operators", "check", url, "--version", "2.0", "--area", "35.0116,135.7681,1500",
            "--at", at.isoformat(), "--dry-run", "--timeout-s", "3")
    result = maas(*args, "--api-key", "k2")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "a dry run: nothing is booked" in result.stdout and "remote: conforms" in result.stdout
    assert re.search(r"passed +spec: \d+ exchanges", result.stdout)
    assert "[offers — POST /processes/search-offers/execution]" in result.stdout
    # without the key the operator refuses the platform (401), and the check says it cannot check
    refused = maas(*args)
    assert refused.returncode == 1 and "credentials" in refused.stderr + refused.stdout
