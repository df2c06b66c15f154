"""Typed application keys for what handlers find on the aiohttp application."""

from __future__ import annotations

import asyncio

from aiohttp import web

from maas.bootstrap import Container
from maas.settings import Settings

SETTINGS = web.AppKey("settings", Settings)
CONTAINER = web.AppKey("container", Container)
OPENAPI_DOCUMENT = web.AppKey("openapi_document", dict)
SHUTDOWN = web.AppKey("shutdown", asyncio.Event)  # set when the server stops: open event streams end
