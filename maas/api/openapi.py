"""OpenAPI 3.1 document generated from the endpoint table and its pydantic models."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

import maas
from maas.api.endpoints import Endpoint
from maas.api.schemas import ErrorEnvelope
from maas.api.tomp_schemas import TompError

_REF = "#/components/schemas/{model}"
_PATH_PARAM = re.compile(r"{([^}:]+)(?::[^}]*)?}")
_ERROR_TEXT = {
    400: "Malformed request", 401: "Missing, expired or unknown credentials", 403: "The caller's role may not do this",
    404: "Not found", 409: "Conflict with the current state", 413: "Body too large",
    415: "Body is not JSON", 422: "Input does not match the schema", 503: "A dependency is unavailable",
}


def build_document(endpoints: list[Endpoint], *, server_url: str | None = None) -> dict[str, Any]:
    models = _models(endpoints)
    keyed, top = models_json_schema(models, ref_template=_REF)
    refs = dict(keyed)
    paths: dict[str, dict[str, Any]] = {}
    for endpoint in endpoints:
        openapi_path = _PATH_PARAM.sub(r"{\1}", endpoint.path)
        paths.setdefault(openapi_path, {})[endpoint.method.lower()] = _operation(endpoint, refs, top.get("$defs", {}))
    document: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {
            "title": "MaaS backend API",
            "version": maas.__version__,
            "description": "Plan, book and pay for door-to-door trips over community buses, rail, "
                           "on-demand vans, taxis and bike-share. Errors use the envelope "
                           '`{"error": {"code", "message", "fields"}}`. Names and messages are in '
                           "Japanese or English by `Accept-Language` (`ja`, `en`, regional tags and q-values; "
                           "anything else gets the service's default); `Content-Language` says which.",
        },
        "paths": paths,
        "components": {
            "schemas": top.get("$defs", {}),
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer",
                           "description": "A session token (`mt_…`) from POST /v1/auth/token, "
                                          "or an operator API key (`mk_…`), or an operator's token "
                                          "(`mo_…`) from POST /tomp/v1/oauth/token."},
                "tompApiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key",
                               "description": "An operator API key (`mk_…`), TOMP's ApiKeyAuth."},
            },
        },
    }
    if server_url:
        document["servers"] = [{"url": server_url}]
    return document


def _models(endpoints: list[Endpoint]) -> list[tuple[type[BaseModel], Any]]:
    seen: list[tuple[type[BaseModel], Any]] = [(ErrorEnvelope, "serialization"), (TompError, "serialization")]
    for e in endpoints:
        for model, mode in ((e.body, "validation"), (e.query, "validation"), (e.response, "serialization")):
            if model is not None and (model, mode) not in seen:
                seen.append((model, mode))
    return seen


def _operation(
    endpoint: Endpoint, refs: dict[tuple[type[BaseModel], Any], Any], defs: dict[str, Any]
) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "operationId": endpoint.operation_id,
        "summary": endpoint.summary,
        "tags": list(endpoint.tags),
        "responses": {},
    }
    if endpoint.handler.__doc__:
        operation["description"] = endpoint.handler.__doc__.strip()
    parameters = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in _PATH_PARAM.findall(endpoint.path)
    ]
    if endpoint.query is not None:
        name = refs[(endpoint.query, "validation")]["$ref"].rsplit("/", 1)[-1]
        parameters += _query_parameters(defs[name])
    if parameters:
        operation["parameters"] = parameters
    if endpoint.body is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": refs[(endpoint.body, "validation")]}},
        }
    elif endpoint.raw_body is not None:
        operation["requestBody"] = {"required": True, "content": {endpoint.raw_body: {"schema": {}}}}
    if endpoint.response is not None:
        operation["responses"][str(endpoint.status)] = {
            "description": endpoint.summary,
            "content": {"application/json": {"schema": refs[(endpoint.response, "serialization")]}},
        }
    else:
        operation["responses"][str(endpoint.status)] = {"description": endpoint.summary}
    error_ref = refs[(TompError if endpoint.tomp else ErrorEnvelope, "serialization")]
    for status in sorted(set(endpoint.errors) | _implied_errors(endpoint)):
        operation["responses"][str(status)] = {
            "description": _ERROR_TEXT.get(status, "Error"),
            "content": {"application/json": {"schema": error_ref}},
        }
    if endpoint.roles is not None:
        operation["security"] = [{"bearer": []}]
        operation["x-roles"] = [r.value for r in endpoint.roles]
    elif endpoint.tomp and endpoint.raw_body is None:
        operation["security"] = [{"tompApiKey": []}, {"bearer": []}]
        operation["x-roles"] = ["operator"]
    return operation


def _implied_errors(endpoint: Endpoint) -> set[int]:
    implied = set()
    if endpoint.roles is not None:
        implied |= {401, 403}
    if endpoint.body is not None:
        implied |= {400, 413, 415, 422}
    if endpoint.raw_body is not None:
        implied |= {400, 413}  # the handler judges the bytes itself: unreadable is 400
    if endpoint.query is not None:
        implied |= {400, 422}  # 400: a query that is not percent-encoded UTF-8
    if endpoint.tomp and implied & {415, 422}:
        implied = (implied - {415, 422}) | {400}  # TOMP answers every unusable request 400
    return implied


def _query_parameters(schema: dict[str, Any]) -> list[dict[str, Any]]:
    required = set(schema.get("required", []))
    return [
        {"name": name, "in": "query", "required": name in required, "schema": prop,
         **({"description": prop["description"]} if "description" in prop else {})}
        for name, prop in schema.get("properties", {}).items()
    ]
