"""`/openapi.json` and a human-readable API page at `/docs`, with Swagger UI served from its package, not a CDN."""

from __future__ import annotations

from aiohttp import web
from swagger_ui.utils import SWAGGER_UI_PY_ROOT

from maas.api.keys import OPENAPI_DOCUMENT

STATIC_PREFIX = "/docs/static"

_PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>MaaS backend API</title>
  <link rel="stylesheet" href="{static}/swagger-ui.css">
  <link rel="icon" type="image/png" href="{static}/favicon-32x32.png">
</head>
<body>
  <noscript>This page needs JavaScript; the raw document is at <a href="/openapi.json">/openapi.json</a>.</noscript>
  <div id="swagger-ui"></div>
  <script src="{static}/swagger-ui-bundle.js"></script>
  <script src="{static}/swagger-ui-standalone-preset.js"></script>
  <script src="/docs/init.js"></script>
</body>
</html>
"""

# Kept out of the page itself so a strict Content-Security-Policy (no inline script) holds.
_INIT = """window.ui = SwaggerUIBundle({
  url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true, displayRequestDuration: true,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset], layout: "StandaloneLayout",
  validatorUrl: null
});
"""

_CSP = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'"


async def openapi_json(request: web.Request) -> web.Response:
    return web.json_response(request.app[OPENAPI_DOCUMENT], headers={"Content-Language": "en"})


async def docs_page(request: web.Request) -> web.Response:
    return web.Response(text=_PAGE.format(static=STATIC_PREFIX), content_type="text/html",
                        headers={"Content-Security-Policy": _CSP, "Content-Language": "en"})


async def docs_init(request: web.Request) -> web.Response:
    return web.Response(text=_INIT, content_type="application/javascript")


def install(app: web.Application) -> None:
    app.router.add_get("/openapi.json", openapi_json)
    app.router.add_get("/docs", docs_page)
    app.router.add_get("/docs/init.js", docs_init)
    app.router.add_static(STATIC_PREFIX, SWAGGER_UI_PY_ROOT / "static")
