"""Whatever JSON a client sends, the API answers with a 2xx or a 4xx envelope, never a 500."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from maas.api.app import create_app
from maas.bootstrap import build_container
from maas.domain.text_safety import clean_email
from maas.security import Argon2PasswordHasher
from maas.settings import load_settings
from aiohttp import web
from tests.databases import copy_sqlite, create_postgres_database, drop_postgres_database
from tests.examples import examples

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=5),
    max_leaves=12,
)
field_names = st.sampled_from(["email", "password", "display_name", "birth_date", "home", "needs", "resident",
                               "role", "lat", "lon"])
emails = st.builds(lambda local, host: f"{local}@{host}.example", st.text(min_size=1, max_size=12),
                   st.text(min_size=1, max_size=8))
sign_ups = st.fixed_dictionaries(
    {"email": emails, "password": st.text(min_size=10, max_size=30), "display_name": st.text(min_size=1, max_size=20)},
    optional={"needs": st.lists(st.sampled_from(["wheelchair", "escort", "visual"]), max_size=3),
              "birth_date": st.text(max_size=12), "home": json_values},
)
plausible_bodies = st.dictionaries(field_names, json_values, max_size=7) | sign_ups


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real server on loopback in its own thread and event loop, over a migrated SQLite or PostgreSQL database."""
    tmp: Path = tmp_path_factory.mktemp("fuzz")
    if request.param == "postgres":
        url = asyncio.run(create_postgres_database(template=request.getfixturevalue("postgres_template_name")))
    else:
        url = copy_sqlite(request.getfixturevalue("sqlite_template"), tmp / "db.sqlite3")
    # Hundreds of generated sign-ups from one address: the rate limits would answer most of them.
    settings = load_settings({}, database_url=url, data_dir=tmp, rate_limits=False)
    hasher = Argon2PasswordHasher(time_cost=1, memory_cost_kib=1024, parallelism=1)
    port = _free_port()
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    runner_box: list[web.AppRunner] = []

    async def start() -> None:
        container = build_container(settings, hasher=hasher)  # on a copy of the migrated template
        runner = web.AppRunner(create_app(settings, container_factory=lambda _s: container))
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        runner_box.append(runner)
        ready.set()

    thread = threading.Thread(target=lambda: (loop.run_until_complete(start()), loop.run_forever()), daemon=True)
    thread.start()
    assert ready.wait(30), "server did not start"
    yield f"http://127.0.0.1:{port}"
    asyncio.run_coroutine_threadsafe(runner_box[0].cleanup(), loop).result(30)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)
    loop.close()
    if request.param == "postgres":
        asyncio.run(drop_postgres_database(url))


def _post(url: str, payload: bytes) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=payload, method="POST", headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@hsettings(max_examples=examples(quick=60, thorough=120), deadline=None,
           suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=json_values | plausible_bodies, path=st.sampled_from(["/v1/auth/register", "/v1/auth/token"]))
def test_any_json_body_gets_a_success_or_a_4xx_envelope(server: str, body: object, path: str) -> None:
    status, answer = _post(server + path, json.dumps(body).encode())
    assert status < 500, answer
    if status >= 400:
        assert set(answer) == {"error"} and set(answer["error"]) == {"code", "message", "fields"}


@hsettings(max_examples=examples(quick=60, thorough=60), deadline=None,
           suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.binary(max_size=200))
def test_arbitrary_bytes_never_crash_the_server(server: str, raw: bytes) -> None:
    status, answer = _post(server + "/v1/auth/token", raw)
    assert 400 <= status < 500 and "error" in answer


@hsettings(max_examples=examples(quick=75, thorough=150), deadline=None,
           suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=sign_ups)
def test_sign_ups_with_any_text_are_stored_or_refused_cleanly(server: str, body: dict) -> None:
    status, answer = _post(server + "/v1/auth/register", json.dumps(body).encode())
    assert status in {201, 409, 422}, answer
    if status == 201:  # stored as typed, but NFKC-normalised, trimmed and lower-cased (maas.domain.text_safety)
        assert answer["email"] == clean_email(body["email"])


places = (st.fixed_dictionaries({"stop_id": st.sampled_from(["R01", "R03", "gtfs:B04", "B10", "nowhere", ""])})
          | st.fixed_dictionaries({"lat": st.floats(35.9, 36.9) | st.integers(-100, 100),
                                   "lon": st.floats(138.4, 139.4) | st.integers(-200, 200)})
          | json_values)
instants = st.sampled_from(["2026-11-24T08:00:00+09:00", "2026-11-23T23:30:00Z", "2030-01-01T08:00:00+09:00",
                            "2026-11-24T08:00:00", "tomorrow", "0001-01-01T00:00:00+09:00",
                            "9999-12-31T23:59:59-12:00"]) | json_values
plan_bodies = st.fixed_dictionaries(
    {"from": places, "to": places},
    optional={"depart_at": instants, "arrive_by": instants, "max_itineraries": json_values,
              "profile": st.fixed_dictionaries({}, optional={
                  "walk_speed_mps": st.floats(allow_nan=False) | json_values, "max_walk_m": st.integers(-10, 6000),
                  "wheelchair": st.booleans(), "max_transfers": st.integers(-1, 10)})},
)


@hsettings(max_examples=examples(quick=75, thorough=150), deadline=None,
           suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=plan_bodies | json_values)
def test_any_plan_request_gets_itineraries_or_a_4xx_envelope(server: str, body: object) -> None:
    status, answer = _post(server + "/v1/plan", json.dumps(body).encode())
    assert status == 200 or 400 <= status < 500, answer
    if status >= 400:
        assert set(answer) == {"error"} and set(answer["error"]) == {"code", "message", "fields"}
    else:
        assert answer["reason"] in {None, "no_connection", "origin_is_destination"}
