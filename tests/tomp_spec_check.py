"""Every TOMP message a test exchanges, checked against the TOMP-API 1.6.1 document of the corpus
(or the 2.0 modules, `tomp_spec("2.0")`).

`spec_middleware(recorder)` sits in front of a TOMP service (a reference operator, or the
platform's own TOMP endpoints with `prefix="/tomp/v1"`) and validates each request it receives
and each answer it gives; `recorder.assert_clean()` fails the test with every violation. The
spec is loaded once per session; without the corpus the test skips (fails under CI=true).
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web

from operators.tomp.spec import SPEC_1_6, SPEC_2_0, TompSpec
from tests.conftest import IN_CI, corpus_path


@functools.cache
def _load(path: str) -> TompSpec:
    return TompSpec.load(path)


def tomp_spec(version: str = "1.6") -> TompSpec:
    path = corpus_path() / (SPEC_2_0 if version == "2.0" else SPEC_1_6)
    if not path.exists():
        if IN_CI:
            pytest.fail(f"the TOMP spec is not at {path} (set MAAS_CORPUS); required under CI=true")
        pytest.skip(f"the TOMP spec is not at {path} (set MAAS_CORPUS)")
    return _load(str(path))


@dataclass
class SpecRecorder:
    spec: TompSpec
    checked: int = 0
    problems: list[str] = field(default_factory=list)

    def assert_clean(self, *, at_least: int = 1) -> None:
        assert not self.problems, "TOMP messages that break the spec:\n" + "\n".join(self.problems)
        assert self.checked >= at_least, f"only {self.checked} TOMP exchanges were checked"


def _json(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode(errors="replace")


def spec_middleware(recorder: SpecRecorder, *, prefix: str = "") -> Any:
    @web.middleware
    async def check(request: web.Request, handler: Any) -> web.StreamResponse:
        path = request.path
        if not path.startswith(prefix):
            return await handler(request)
        tomp_path = path[len(prefix):] or "/"
        if recorder.spec.template_of(tomp_path) is None:  # not a TOMP path (a token endpoint)
            return await handler(request)
        raw = await request.read()
        seen = f"{request.method} {path}"
        body = _json(raw) if request.method in ("POST", "PUT", "PATCH") else None
        recorder.problems += [f"{seen}: {p}" for p in
                              recorder.spec.check_request(request.method, tomp_path, request.headers, body)]
        response = await handler(request)
        if isinstance(response, web.Response):
            answer = _json(response.body) if isinstance(response.body, bytes) else None
            recorder.problems += [f"{seen} → {response.status}: {p}" for p in
                                  recorder.spec.check_response(request.method, tomp_path, response.status,
                                                               answer)]
        recorder.checked += 1
        return response

    return check


TOMP_PREFIX = "/tomp/v1"


def tomp_headers(api_key: str, **extra: str) -> dict[str, str]:
    """What an operator's system sends the platform's TOMP endpoints: the spec's headers and its key."""
    return {"Accept-Language": "ja", "Api": "TOMP", "Api-Version": "1.6.1", "maas-id": "yamabuki-maas",
            "X-API-Key": api_key, **extra}


async def tomp_call(client: Any, recorder: SpecRecorder, path: str, body: Any, headers: dict[str, str]) -> Any:
    """POST a TOMP callback to the platform (`path` without the /tomp/v1 prefix); the request and
    the platform's answer are both checked against the spec. Returns the aiohttp response."""
    recorder.problems += [f"POST {path}: {p}" for p in recorder.spec.check_request("POST", path, headers, body)]
    response = await client.post(TOMP_PREFIX + path, json=body, headers=headers)
    raw = await response.read()
    recorder.problems += [f"POST {path} → {response.status}: {p}" for p in
                          recorder.spec.check_response("POST", path, response.status, _json(raw))]
    recorder.checked += 1
    return response
