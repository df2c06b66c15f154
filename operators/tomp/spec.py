"""Messages checked against the TOMP-API OpenAPI document itself (1.6.1 from the corpus).

`TompSpec.load(path)` reads the YAML document; `check_request` and `check_response` validate one
exchange with openapi-schema-validator's OAS 3.0 validators (requests with the write rules,
answers with the read rules, formats such as date-time checked) and return what is wrong as
readable lines, empty when the message conforms. A path is matched to the document's templates
with literal segments preferred (`/bookings/one-stop` before `/bookings/{id}`), so the platform's
own prefix has to be taken off first (`strip`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from jsonschema.exceptions import best_match
from openapi_schema_validator import OAS30ReadValidator, OAS30WriteValidator, oas30_format_checker

from operators.tomp.spec_modules import merged_document

SPEC_1_6 = Path("tomp-api") / "TOMP-API-1.6.1.yaml"
SPEC_2_0 = Path("tomp-api") / "v2.0"  # a directory of modules (operators/tomp/spec_modules.py)
JSON_TYPES = ("application/json", "application/geo+json")
_PARAM = re.compile(r"{([^}/]+)}")


def corpus_spec(corpus: str | os.PathLike[str] | None = None, *, version: str = "1.6") -> Path:
    """Where the 1.6.1 document (or the 2.0 modules) is: under MAAS_CORPUS (default ../shared/corpus)."""
    return Path(corpus or os.environ.get("MAAS_CORPUS", "../shared/corpus")) / (
        SPEC_2_0 if version.startswith("2") else SPEC_1_6)


def _json_schema(content: dict[str, Any]) -> Any:
    """The schema of a JSON body (2.0 answers are application/geo+json)."""
    for kind in JSON_TYPES:
        if kind in content:
            return content[kind].get("schema")
    return None


@dataclass(frozen=True)
class _Template:
    path: str
    pattern: re.Pattern[str]
    literal_segments: int


class TompSpec:
    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.version = str(document.get("info", {}).get("version", ""))
        templates = []
        for path in document.get("paths", {}):
            regex = "^" + _PARAM.sub(r"[^/]+", re.escape(path).replace(r"\{", "{").replace(r"\}", "}")) + "$"
            literal = sum(1 for segment in path.split("/") if segment and "{" not in segment)
            templates.append(_Template(path, re.compile(regex), literal))
        self._templates = sorted(templates, key=lambda t: -t.literal_segments)
        schemas = document.get("components", {}).get("schemas", {})
        self._error_ref = "#/components/schemas/" + ("error" if "error" in schemas else "TOMP-API-1-CORE--error")

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> TompSpec:
        """One YAML document, or a directory of TOMP 2.0 modules."""
        if Path(path).is_dir():
            return cls(merged_document(path))
        with open(path, encoding="utf-8") as handle:
            return cls(yaml.safe_load(handle))

    # -- lookup ------------------------------------------------------------------------------
    def template_of(self, path: str) -> str | None:
        """The document's path template that `path` (without query) is an instance of."""
        for template in self._templates:
            if template.pattern.match(path.split("?", 1)[0]):
                return template.path
        return None

    def _operation(self, method: str, path: str) -> tuple[str, dict[str, Any]] | tuple[None, None]:
        template = self.template_of(path)
        if template is None:
            return None, None
        item = self.document["paths"][template]
        operation = item.get(method.lower())
        if operation is None:
            return template, None
        return template, {**operation, "_path_parameters": item.get("parameters", [])}

    def _resolve(self, node: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in node and isinstance(node["$ref"], str) and node["$ref"].startswith("#/"):
            target: Any = self.document
            for part in node["$ref"][2:].split("/"):
                target = target[part]
            node = target
        return node

    # -- validation ----------------------------------------------------------------------------
    def _errors(self, schema: dict[str, Any], body: Any, *, read: bool) -> list[str]:
        kind = OAS30ReadValidator if read else OAS30WriteValidator
        # The schema is checked as part of a document holding the components, so "#/components/..." resolves.
        validator = kind({**schema, "components": self.document.get("components", {})},
                         format_checker=oas30_format_checker)
        errors = sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))
        lines = []
        for error in errors[:5]:
            deepest = best_match([error]) or error
            where = "/".join(str(p) for p in deepest.absolute_path) or "body"
            lines.append(f"{where}: {deepest.message}")
        return lines

    def check_request(self, method: str, path: str, headers: Mapping[str, str], body: Any) -> list[str]:
        """What is wrong with a request to `path` (a TOMP path, no prefix); [] when it conforms."""
        template, operation = self._operation(method, path)
        if template is None:
            return [f"{method} {path}: no such path in TOMP {self.version}"]
        if operation is None:
            return [f"{method} {path}: {template} has no {method.upper()} operation in TOMP {self.version}"]
        lowered = {k.lower() for k in headers}
        problems = []
        for parameter in (*operation["_path_parameters"], *operation.get("parameters", [])):
            parameter = self._resolve(parameter)
            if parameter.get("in") == "header" and parameter.get("required") and parameter["name"].lower() not in lowered:
                problems.append(f"header {parameter['name']} is required")
        content = self._resolve(operation.get("requestBody", {})).get("content", {})
        schema = _json_schema(content)
        if schema is not None and body is not None:
            problems += [f"{method.upper()} {template} request {line}" for line in self._errors(schema, body, read=False)]
        elif schema is not None and operation.get("requestBody", {}).get("required"):
            problems.append(f"{method.upper()} {template} needs a JSON body")
        return problems

    def check_response(self, method: str, path: str, status: int, body: Any) -> list[str]:
        """What is wrong with an answer of `status` to a request to `path`; [] when it conforms."""
        template, operation = self._operation(method, path)
        if template is None or operation is None:
            return [f"{method} {path}: not an operation of TOMP {self.version}"]
        responses = operation.get("responses", {})
        declared = responses.get(str(status)) or responses.get(f"{status // 100}XX") or responses.get("default")
        if declared is None:
            return [f"{method.upper()} {template} answered {status}, which TOMP {self.version} does not list "
                    f"({', '.join(sorted(responses))})"]
        content = self._resolve(declared).get("content")
        if not content:
            if body in (None, b"", ""):
                return []
            if status < 400:
                return [f"{method.upper()} {template} {status} has no body in TOMP {self.version}, got one"]
            # 404, 409 and 410 declare no body; the spec's wiki (Error handling in TOMP) gives
            # every error the `error` object, so that is what such a body must be.
            return [f"{method.upper()} {template} {status} {line}"
                    for line in self._errors({"$ref": self._error_ref}, body, read=True)]
        schema = _json_schema(content)
        if schema is None:
            return []
        if body is None:
            return [f"{method.upper()} {template} {status} needs a JSON body"]
        return [f"{method.upper()} {template} {status} {line}" for line in self._errors(schema, body, read=True)]
