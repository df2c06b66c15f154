"""Security headers on every response: no MIME sniffing, no framing, no referrer, a strict CSP for
the JSON API (the docs page sets its own, which lets the local Swagger UI run), and HSTS when the
request came over TLS (directly or as a proxy's X-Forwarded-Proto says) and the setting allows."""

from __future__ import annotations

from aiohttp import web

from maas.api.keys import SETTINGS

_API_CSP = "default-src 'none'; frame-ancestors 'none'"
HSTS = "max-age=31536000; includeSubDomains"


def behind_tls(request: web.Request) -> bool:
    forwarded = request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip().lower()
    return request.secure or forwarded == "https"


async def add(request: web.Request, response: web.StreamResponse) -> None:
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "no-referrer")
    if response.content_type == "application/json":
        headers.setdefault("Content-Security-Policy", _API_CSP)
    if request.app[SETTINGS].hsts and behind_tls(request):
        headers.setdefault("Strict-Transport-Security", HSTS)
