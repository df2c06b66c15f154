"""localstripe for tests: a session-long subprocess on a free port, and webhooks signed exactly as
Stripe signs them. Shared by the gateway's integration tests and the webhook endpoint's tests;
tests/conftest.py registers this module as a plugin, so `localstripe_url` is a fixture everywhere."""

from __future__ import annotations

import hashlib
import hmac
import importlib.util
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import IN_CI

API_KEY = "sk_test_localstripe"
WEBHOOK_SECRET = "whsec_test_secret"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _answers(url: str) -> bool:
    request = urllib.request.Request(f"{url}/v1/balance", headers={"Authorization": f"Bearer {API_KEY}"})
    try:
        with urllib.request.urlopen(request, timeout=1) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def _unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"localstripe is required under CI=true: {reason}")
    pytest.skip(f"localstripe unavailable: {reason}")


@pytest.fixture(scope="session")
def localstripe_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """localstripe (a test extra) as a subprocess on a free port, from scratch, until the session ends."""
    if importlib.util.find_spec("localstripe") is None:
        _unavailable("not installed (pip install -e '.[test]')")
    workdir: Path = tmp_path_factory.mktemp("localstripe")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = (workdir / "localstripe.log").open("wb")  # a file, not a pipe: its access log would fill one
    proc = subprocess.Popen([sys.executable, "-m", "localstripe", "--port", str(port), "--from-scratch"],
                            stdout=log, stderr=subprocess.STDOUT, cwd=workdir)
    try:
        deadline = time.monotonic() + 20
        while not _answers(url):
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                proc.wait()
                tail = (workdir / "localstripe.log").read_text(errors="replace")[-2000:]
                _unavailable(f"did not answer on {url} (exit {proc.returncode}): {tail}")
            time.sleep(0.1)
        yield url
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        log.close()


def signed(body: bytes, secret: str = WEBHOOK_SECRET, at: int | None = None) -> str:
    """A Stripe-Signature header for `body`, made at `at` (default now)."""
    at = int(time.time()) if at is None else at
    digest = hmac.new(secret.encode(), f"{at}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={at},v1={digest}"
