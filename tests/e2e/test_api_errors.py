"""Bad input of every kind gets the JSON error envelope with a 4xx; a crash gets a bare 500."""

from __future__ import annotations

import io
import json
import logging

import pytest

from maas.api.app import create_app
from maas.domain.accounts import Role
from maas.logconfig import RequestContextFilter

pytestmark = pytest.mark.sqlite_only  # PostgreSQL adds nothing here: docs/guide.md, section 5


def assert_envelope(body: dict, code: str) -> None:
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]


async def test_unknown_route_is_a_404_envelope(client) -> None:
    response = await client.get("/v1/no-such-thing")
    assert response.status == 404
    assert_envelope(await response.json(), "not_found")
    assert response.headers["X-Request-Id"]


async def test_wrong_method_is_a_405_envelope_with_allow(client) -> None:
    response = await client.put("/health")
    assert response.status == 405
    assert_envelope(await response.json(), "method_not_allowed")
    assert "GET" in response.headers["Allow"]


async def test_malformed_json_is_a_400(client) -> None:
    response = await client.post("/v1/auth/token", data=b'{"email": "a@b.c",', headers={"Content-Type": "application/json"})
    assert response.status == 400
    assert_envelope(await response.json(), "malformed_json")


async def test_non_json_content_type_is_a_415(client) -> None:
    response = await client.post("/v1/auth/token", data="email=a@b.c&password=x")
    assert response.status == 415
    assert_envelope(await response.json(), "unsupported_media_type")


async def test_wrong_types_name_the_fields(client) -> None:
    response = await client.post("/v1/auth/register", json={
        "email": "rider@test.maas.example", "password": 12345, "display_name": "x", "birth_date": "yesterday"})
    assert response.status == 422
    body = await response.json()
    assert_envelope(body, "invalid_request")
    assert {"body.password", "body.birth_date"} <= set(body["error"]["fields"])


async def test_unknown_fields_are_rejected_not_ignored(client) -> None:
    response = await client.post("/v1/auth/token", json={"email": "a@b.c", "password": "x", "pasword": "y"})
    assert response.status == 422
    body = await response.json()
    assert "body.pasword" in body["error"]["fields"]


async def test_json_that_is_not_an_object_is_a_422(client) -> None:
    response = await client.post("/v1/auth/token", json=["a@b.c", "x"])
    assert response.status == 422
    assert_envelope(await response.json(), "invalid_request")


async def test_oversized_body_is_a_413(client, settings) -> None:
    big = json.dumps({"email": "a@b.c", "password": "x" * (settings.max_body_bytes + 10)}).encode()
    response = await client.post("/v1/auth/token", data=io.BytesIO(big), headers={"Content-Type": "application/json"})
    assert response.status == 413
    assert_envelope(await response.json(), "payload_too_large")


async def test_bad_query_values_are_a_422(client, sign_in) -> None:
    rider = await sign_in(Role.RIDER)
    response = await client.get("/v1/places?category=casino", headers=rider.headers)
    assert response.status == 422
    assert "query.category" in (await response.json())["error"]["fields"]
    response = await client.get("/v1/places?category=hospital&category=clinic", headers=rider.headers)
    assert response.status == 422


async def test_unexpected_exception_is_a_bare_500_logged_with_the_request_id(
    aiohttp_client, settings, container, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def explode() -> None:
        raise RuntimeError("secret internal detail: /srv/db password=hunter2")

    monkeypatch.setattr(container.health, "check", explode)
    client = await aiohttp_client(create_app(settings, container_factory=lambda _s: container))
    caplog.handler.addFilter(RequestContextFilter())
    with caplog.at_level(logging.ERROR, logger="maas.api.middleware"):
        response = await client.get("/health", headers={"X-Request-Id": "call-centre-4711"})
    assert response.status == 500
    text = await response.text()
    assert "secret" not in text and "hunter2" not in text and "Traceback" not in text
    assert_envelope(await response.json(), "internal_error")
    assert response.headers["X-Request-Id"] == "call-centre-4711"
    records = [r for r in caplog.records if r.name == "maas.api.middleware"]
    assert records and records[0].exc_info is not None
    assert records[0].request_id == "call-centre-4711"


async def test_request_id_is_generated_or_echoed_safely(client) -> None:
    generated = await client.get("/health")
    assert len(generated.headers["X-Request-Id"]) == 32
    echoed = await client.get("/health", headers={"X-Request-Id": "abc-123"})
    assert echoed.headers["X-Request-Id"] == "abc-123"
    hostile = await client.get("/health", headers={"X-Request-Id": "x" * 500})
    assert hostile.headers["X-Request-Id"] != "x" * 500


async def test_control_characters_are_refused_before_they_reach_the_database(client) -> None:
    response = await client.post("/v1/auth/register", json={
        "email": "a\u0000b@test.maas.example", "password": "long enough pw", "display_name": "x\u0007",
        "needs": ["wheelchair"]})
    assert response.status == 422
    fields = (await response.json())["error"]["fields"]
    assert {"body.email", "body.display_name"} <= set(fields)
