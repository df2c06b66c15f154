"""What aiohttp refuses before any middleware runs still gets the JSON envelope and no traceback, on a
real server as `maas serve` runs it."""

from __future__ import annotations

import asyncio
import json
import logging

import pytest
from aiohttp import web

from maas.api.app import create_app
from maas.api.server import ApiRunner


@pytest.fixture
async def server(settings, container):
    runner = ApiRunner(create_app(settings, container_factory=lambda _s: container))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    yield host, port
    await runner.cleanup()


async def _send(server, raw: bytes) -> tuple[int, dict[str, str], bytes]:
    reader, writer = await asyncio.open_connection(*server)
    writer.write(raw)
    await writer.drain()
    data = await asyncio.wait_for(reader.read(), 30)
    writer.close()
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)}
    return int(status_line.split()[1]), headers, body


def _get(target: bytes, *extra: bytes) -> bytes:
    return b"GET " + target + b" HTTP/1.1\r\nHost: maas\r\n" + b"".join(extra) + b"Connection: close\r\n\r\n"


REFUSED = {
    "raw UTF-8 in the query": (_get("/v1/stops?q=やまぶき".encode()), 400, "malformed_url"),
    "a broken request line": (b"GE T /health HTTP/1.1\r\n\r\n", 400, "bad_request"),
    "an oversized header": (_get(b"/health", b"X-Big: " + b"a" * 10_000 + b"\r\n"), 400, "bad_request"),
    "too many headers": (_get(b"/health", *(b"X-%d: 1\r\n" % i for i in range(200))), 400, "bad_request"),
    "TLS on the plain port": (b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 64, 400, "bad_request"),
    "invalid UTF-8 percent-encoded": (_get(b"/v1/stops?q=%E3%82"), 400, "malformed_query"),
    "an unknown method": (b"BREW /health HTTP/1.1\r\nHost: maas\r\nConnection: close\r\n\r\n", 400,
                          "bad_request"),
    "a method the route lacks": (b"PATCH /health HTTP/1.1\r\nHost: maas\r\nContent-Length: 0\r\n"
                                 b"Connection: close\r\n\r\n", 405, "method_not_allowed"),
    "a body past the limit": (b"POST /v1/auth/token HTTP/1.1\r\nHost: maas\r\nContent-Type: application/json\r\n"
                              b"Content-Length: 2000000\r\nConnection: close\r\n\r\n" + b" " * 2_000_000, 413,
                              "payload_too_large"),
}


@pytest.mark.parametrize("case", list(REFUSED))
async def test_refused_requests_get_the_envelope_and_no_traceback(server, case: str,
                                                                  caplog: pytest.LogCaptureFixture) -> None:
    raw, status, code = REFUSED[case]
    with caplog.at_level(logging.DEBUG):
        got, headers, body = await _send(server, raw)
    assert got == status
    assert headers["content-type"] == "application/json; charset=utf-8"
    error = json.loads(body)["error"]
    assert error["code"] == code and error["message"] and set(error) == {"code", "message", "fields"}
    assert headers["content-language"] == "ja"
    assert not [r for r in caplog.records if r.exc_info], "a refused request logged a traceback"
    assert all(r.levelno < logging.ERROR for r in caplog.records)
    if status == 400 and code != "malformed_query":  # refused by the parser, not by the app
        assert [r.name for r in caplog.records if r.getMessage().startswith("refused a malformed request")] == [
            "maas.api.server"]  # one line, naming the problem


async def test_the_readme_form_of_a_japanese_query_works(server) -> None:
    status, headers, body = await _send(server, _get(b"/v1/stops?q=%E3%82%84%E3%81%BE%E3%81%B6%E3%81%8D",
                                                     b"Accept-Language: en\r\n"))
    assert status == 200 and headers["content-language"] == "en" and json.loads(body) == {"items": []}


@pytest.mark.parametrize("header", ["Accept-Language: 日本語".encode(), b"Accept-Language: \xff\xfe;q=\x00",
                                    b"Accept-Language: " + b"en;q=0.5," * 2000])
async def test_an_unreadable_accept_language_gets_the_default(server, header: bytes) -> None:
    status, headers, body = await _send(server, _get(b"/v1/no-such-thing", header + b"\r\n"))
    assert status in (400, 404) and headers["content-language"] == "ja"
    assert not json.loads(body)["error"]["message"].isascii()  # Japanese, the default
