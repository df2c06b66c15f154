"""The reference operator's calls to the MaaS provider's TOMP endpoints (`/tomp/v1` of the platform):
what happened in the operator's own system, reported as TOMP 1.6.1 says: leg events, booking
notifications (a no-show), its own booking operations (a cancellation, the answer to a postponed
commit), confirmation requests and support progress. Authenticated with the API key the
platform issued to the operator (`X-API-Key`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import aiohttp

from operators.tomp import wire


class MaasRefused(Exception):
    """The platform answered a callback with a TOMP error."""

    def __init__(self, status: int, body: Any) -> None:
        super().__init__(f"HTTP {status}: {body}")
        self.status, self.body = status, body


@dataclass
class MaasReporter:
    base_url: str  # the platform's TOMP root, e.g. https://maas.example/tomp/v1
    api_key: str
    system_id: str  # sent as maas-id: the sender's id
    timeout_s: float = 5.0

    async def _post(self, path: str, body: dict[str, Any]) -> Any:
        headers = {"Accept-Language": "ja", "Api": wire.API, "Api-Version": "1.6.1", "maas-id": self.system_id,
                   "X-API-Key": self.api_key}
        timeout = aiohttp.ClientTimeout(total=self.timeout_s)
        async with aiohttp.ClientSession(timeout=timeout) as session, session.post(
                self.base_url.rstrip("/") + path, json=body, headers=headers) as response:
            raw = await response.read()
            answer = await response.json(content_type=None) if raw else None
            if response.status >= 400:
                raise MaasRefused(response.status, answer)
            return answer

    async def leg_event(self, leg_id: str, event: str, at: dt.datetime, comment: str | None = None) -> None:
        body = wire.dump(wire.LegEvent(time=at, event=event, comment=comment))
        await self._post(f"/legs/{quote(leg_id, safe='')}/events", body)

    async def notification(self, booking_id: str, kind: str, comment: str | None = None) -> None:
        body = wire.dump(wire.Notification(type=kind, comment=comment))
        await self._post(f"/bookings/{quote(booking_id, safe='')}/notifications", body)

    async def booking_operation(self, booking_id: str, operation: str) -> Any:
        body = wire.dump(wire.BookingOperation(operation=operation, origin="TO"))
        return await self._post(f"/bookings/{quote(booking_id, safe='')}/events", body)

    async def confirmation(self, leg_id: str, kind: str = "START_LEG") -> bool:
        body = wire.dump(wire.ConfirmationRequest(type=kind))
        return bool(await self._post(f"/legs/{quote(leg_id, safe='')}/confirmation", body))

    async def support_status(self, booking_id: str, status: str, comment: str | None = None) -> None:
        await self._post(f"/support/{quote(booking_id, safe='')}/status",
                         {"id": booking_id, "status": status, **({"comment": comment} if comment else {})})
