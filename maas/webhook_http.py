"""Webhook delivery over HTTP (the WebhookSender port): one long-lived aiohttp client session, a
short timeout, no redirects followed (a redirect is a failed delivery, as Stripe treats it)."""

from __future__ import annotations

import aiohttp


class AiohttpWebhookSender:
    def __init__(self, *, timeout_s: float = 5.0) -> None:
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._session: aiohttp.ClientSession | None = None

    async def post(self, url: str, body: bytes, headers: dict[str, str]) -> int:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self._timeout, headers={"User-Agent": "maas-webhooks/1"})
        try:
            async with self._session.post(url, data=body, headers=headers, allow_redirects=False) as response:
                await response.read()  # the connection is reused only once the body is read
                return response.status
        except aiohttp.ClientError as exc:
            raise OSError(str(exc) or type(exc).__name__) from exc

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
