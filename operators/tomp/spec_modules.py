"""TOMP-API 2.0 is published as modular OpenAPI files (`TOMP-API-1-CORE.yaml`, `-2-OFFERS`, …)
that refer to each other (`TOMP-API-1-CORE.yaml#/components/schemas/package`). `merged_document`
joins them into one document the validator can resolve: every file's components are kept under
`<file stem>--<name>` and every reference, local or to another file, is rewritten to match.

Three schemas of the 2.0 release no message can satisfy are corrected (`ERRATA`, docs/tomp.md);
everything else is validated as published.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

SEPARATOR = "--"


def _rewrite(node: Any, stem: str) -> Any:
    if isinstance(node, dict):
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                out[key] = _target(value, stem)
            elif key == "mapping" and isinstance(value, dict):  # a discriminator's mapping holds refs too
                out[key] = {k: _target(v, stem) if isinstance(v, str) else v for k, v in value.items()}
            else:
                out[key] = _rewrite(value, stem)
        return out
    if isinstance(node, list):
        return [_rewrite(item, stem) for item in node]
    return node


def _target(ref: str, stem: str) -> str:
    where, _, pointer = ref.partition("#")
    file_stem = Path(where).stem if where else stem
    parts = pointer.split("/")
    if len(parts) == 4 and parts[1] == "components":  # "/components/<section>/<name>"
        return f"#/components/{parts[2]}/{file_stem}{SEPARATOR}{parts[3]}"
    return ref


def _error_codes(schemas: dict[str, Any]) -> None:
    for name in ("errorcode", "status"):
        schemas["TOMP-API-1-CORE--error"]["properties"][name] = {"type": "integer", "minimum": 0, "maximum": 9999}


def _offer_feature_type(schemas: dict[str, Any]) -> None:
    own = schemas["TOMP-API-2-OFFERS--offerFeature"]["allOf"][1]
    own["properties"].pop("type", None)


def _search_discriminator(schemas: dict[str, Any]) -> None:
    schemas["TOMP-API-2-OFFERS--searchOfferRequest"]["properties"]["specification"].pop("discriminator", None)


# What is wrong in the published 2.0 schemas, and the correction applied after merging.
ERRATA = (
    ("error.errorcode and error.status are tinyInt (0-10): no HTTP status (400-599) or TOMP error code "
     "(3003) fits; read as integers 0-9999", _error_codes),
    ("offerFeature requires type ^(offer)$ and, through geojsonFeature, ^(Feature)$ at once; the "
     "GeoJSON one is kept", _offer_feature_type),
    ("searchOfferRequest.specification's discriminator maps travel_specification and trip_pattern, but "
     "the schemas' type patterns are travelSpecification and tripPattern; the oneOf alone decides",
     _search_discriminator),
)


def merged_document(directory: str | os.PathLike[str]) -> dict[str, Any]:
    """One OpenAPI document of every `*.yaml` module in `directory` (paths joined, components
    namespaced by their file); ValueError when two modules define the same path and method."""
    merged: dict[str, Any] = {"openapi": "3.0.0", "info": {}, "paths": {}, "components": {}}
    files = sorted(Path(directory).glob("*.yaml"))
    if not files:
        raise ValueError(f"no TOMP modules (*.yaml) in {directory}")
    for file in files:
        with open(file, encoding="utf-8") as handle:
            document = _rewrite(yaml.safe_load(handle), file.stem)
        merged["info"] = merged["info"] or document.get("info", {})
        for path, item in (document.get("paths") or {}).items():
            known = merged["paths"].setdefault(path, {})
            clash = set(known) & set(item) - {"parameters"}
            if clash:
                raise ValueError(f"{file.name}: {path} {', '.join(sorted(clash))} is defined twice")
            known.update(item)
        for section, entries in (document.get("components") or {}).items():
            target = merged["components"].setdefault(section, {})
            for name, value in (entries or {}).items():
                target[f"{file.stem}{SEPARATOR}{name}"] = value
    schemas = merged["components"].get("schemas", {})
    for _, correct in ERRATA:
        try:
            correct(schemas)
        except KeyError:
            pass  # another release without that schema: nothing to correct
    return merged
