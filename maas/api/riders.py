"""The rider a request is for, resolved once from the caller and an optional `for_rider`."""

from __future__ import annotations

from maas.api.endpoints import Call
from maas.domain.riders import RiderContext


async def rider_of(call: Call, for_rider: str | None = None) -> RiderContext | None:
    """On an open endpoint a signed-in caller is still known: their token is read if sent."""
    caller = call.principal
    header = call.request.headers.get("Authorization")
    if caller is None and header:
        caller = await call.container.auth.authenticate(header)
    return await call.container.riders.resolve(caller, for_rider,
                                               reason=call.request.headers.get("X-Access-Reason"))
