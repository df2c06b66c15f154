"""Validation of GBFS documents against the official JSON schemas, as structured findings."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from jsonschema import validators

from operators.gbfs.errors import SchemaNotFound


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem in one file: `path` is a JSON path such as `$.data.stations[3].lat`."""

    file: str
    path: str
    message: str


def schema_folder(version: str | None) -> str:
    """The official schema set for a declared version: v3.x → v3.0, anything older → v2.3.

    Feeds below 2.3 are checked against v2.3, the nearest published schema; the `version`
    mismatch and any field added since then show up as findings rather than being skipped.
    """
    text = (version or "").removeprefix("v")
    return "v3.0" if text.startswith("3") else "v2.3"


@lru_cache(maxsize=64)
def _validator(schema_path: Path) -> Any:
    try:
        with schema_path.open(encoding="utf-8") as handle:
            schema = json.load(handle)
    except FileNotFoundError as exc:
        raise SchemaNotFound(f"no schema at {schema_path}") from exc
    # The class follows the schema's own `$schema` (the official sets are draft-07).
    cls = validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def validate(doc: object, version: str | None, file_name: str, schema_dir: Path) -> list[Finding]:
    """Every schema violation of `doc` as `file_name`, in document order; empty when valid.

    `schema_dir` holds one folder per version (`v2.3/`, `v3.0/`) of the official schema files.
    Raises SchemaNotFound when that version has no schema for the file (v3.0 has no
    `free_bike_status`, v2.3 no `vehicle_status`).
    """
    validator = _validator((Path(schema_dir) / schema_folder(version) / f"{file_name}.json").resolve())
    return [Finding(file_name, error.json_path, error.message) for error in validator.iter_errors(doc)]
