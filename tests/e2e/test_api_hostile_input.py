"""Input that used to crash the API with a 500 (issue 16's known failures) now gets a 4xx with the
error envelope, on SQLite and PostgreSQL: very deep JSON, an integer past Python's 4,300 digits, a
byte that is not UTF-8 in the bearer token or the Idempotency-Key, a NUL in a path id, a query or a body."""

from __future__ import annotations

import asyncio

import pytest

from maas.domain.accounts import Role


def assert_envelope(body: dict, code: str) -> None:
    assert set(body) == {"error"} and body["error"]["code"] == code and body["error"]["message"], body


async def raw_request(client, head: bytes) -> tuple[int, bytes]:
    """Send bytes as they are (aiohttp's client would encode the header), read the status line and body."""
    reader, writer = await asyncio.open_connection(client.server.host, client.server.port)
    writer.write(head)
    await writer.drain()
    answer = await reader.read()
    writer.close()
    await writer.wait_closed()
    status = int(answer.split(b" ", 2)[1])
    return status, answer.partition(b"\r\n\r\n")[2]


@pytest.mark.sqlite_only  # refused before anything reaches a database
async def test_bodies_that_crashed_the_parser_are_400(client) -> None:
    for body in (b"[" * 100_000 + b"]" * 100_000,  # past the recursion limit
                 b'{"email": ' + b"9" * 5000 + b', "password": "x"}'):  # past int_max_str_digits
        response = await client.post("/v1/auth/token", data=body, headers={"Content-Type": "application/json"})
        assert response.status == 400, await response.text()
        assert_envelope(await response.json(), "malformed_json")


@pytest.mark.sqlite_only
async def test_a_nul_in_a_body_string_is_422(client) -> None:
    response = await client.post("/v1/auth/token", json={"email": "a\u0000@example.jp", "password": "x" * 12})
    assert response.status == 422
    assert_envelope(await response.json(), "invalid_request")


@pytest.mark.sqlite_only
async def test_a_token_that_is_not_utf8_is_401(client) -> None:
    for header in (b"Bearer mt_\xff\xfe", b"Bearer \xe3\x81", b"Bearer mk_abc\xc0_x"):
        head = (b"GET /v1/bookings HTTP/1.1\r\nHost: test\r\nConnection: close\r\nAuthorization: " + header
                + b"\r\n\r\n")
        status, body = await raw_request(client, head)
        assert status == 401 and b'"unauthenticated"' in body, (header, body)


@pytest.mark.sqlite_only
async def test_an_idempotency_key_that_is_not_utf8_is_422(client, sign_in) -> None:
    rider = await sign_in(Role.RIDER)
    head = (b"POST /v1/passes HTTP/1.1\r\nHost: test\r\nConnection: close\r\nContent-Type: application/json\r\n"
            b"Authorization: Bearer " + rider.token.encode() + b"\r\nIdempotency-Key: k\xff\r\n"
            b"Content-Length: 27\r\n\r\n" + b'{"product_id": "silver-30"}')
    status, body = await raw_request(client, head)
    assert status == 422, body


async def test_a_nul_or_broken_byte_in_a_path_id_or_query_is_a_4xx(client, sign_in) -> None:
    """On PostgreSQL too, which refuses NUL in text: these once reached it and came back as 500."""
    rider = await sign_in(Role.RIDER)
    for path in ("/v1/bookings/bk_%00x", "/v1/passes/pass_%00", "/v1/bookings/%FF%FE"):
        response = await client.get(path, headers=rider.headers)
        assert response.status == 404, (path, await response.text())
        assert_envelope(await response.json(), "not_found")
    response = await client.get("/v1/stops?q=%E7%94%BA%00")
    assert response.status == 422, await response.text()
    assert_envelope(await response.json(), "invalid_request")
