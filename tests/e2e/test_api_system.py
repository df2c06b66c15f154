"""Health, the OpenAPI 3.1 document and the offline /docs page."""

from __future__ import annotations

import re

from openapi_spec_validator import validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

import pytest

from maas.api.app import create_app, endpoints
from maas.api.openapi import build_document
from maas.bootstrap import build_container
from maas.settings import load_settings

pytestmark = pytest.mark.sqlite_only  # PostgreSQL adds nothing here: docs/guide.md, section 5


async def test_health_checks_the_database(client) -> None:
    response = await client.get("/health")
    assert response.status == 200
    body = await response.json()
    assert body["status"] == "ok" and body["database"] == "ok"
    assert body["database_latency_ms"] >= 0


async def test_health_is_503_when_the_database_is_down(aiohttp_client, tmp_path, fast_hasher) -> None:
    # A port nothing listens on: the check must fail fast and say so, not hang or 500.
    settings = load_settings({}, database_url="postgresql+asyncpg://nobody@127.0.0.1:9/none", data_dir=tmp_path)
    client = await aiohttp_client(create_app(settings, container_factory=lambda s: build_container(s, hasher=fast_hasher)))
    response = await client.get("/health")
    assert response.status == 503
    body = await response.json()
    assert body["error"]["code"] == "service_unavailable"
    assert body["error"]["fields"]["database"].startswith("unavailable")


async def test_openapi_document_is_valid_3_1_and_covers_every_route(client) -> None:
    response = await client.get("/openapi.json")
    assert response.status == 200
    document = await response.json()
    assert document["openapi"] == "3.1.0"
    validate(document)  # raises on any schema violation
    served = {(r.method, r.resource.canonical) for r in client.app.router.routes() if r.resource is not None}
    for endpoint in endpoints():
        assert (endpoint.method, endpoint.path) in served
        assert endpoint.method.lower() in document["paths"][endpoint.path]
    register = document["paths"]["/v1/auth/register"]["post"]
    schema_ref = register["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    name = schema_ref.rsplit("/", 1)[-1]
    assert document["components"]["schemas"][name]["additionalProperties"] is False
    assert "401" in document["paths"]["/v1/me"]["get"]["responses"]


def test_the_validator_would_catch_a_broken_document() -> None:
    document = build_document(endpoints())
    document["paths"]["/health"]["get"]["responses"] = "not a mapping"
    with pytest.raises(OpenAPIValidationError):
        validate(document)


async def test_docs_page_uses_only_local_assets(client) -> None:
    page = await client.get("/docs")
    assert page.status == 200 and page.content_type == "text/html"
    html = await page.text()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources and all(s.startswith("/") for s in sources), sources
    for source in sources:
        asset = await client.get(source)
        assert asset.status == 200, source
    bundle = await client.get("/docs/static/swagger-ui-bundle.js")
    assert len(await bundle.read()) > 500_000  # the real Swagger UI, served from the installed package
    init = await (await client.get("/docs/init.js")).text()
    assert '"/openapi.json"' in init
