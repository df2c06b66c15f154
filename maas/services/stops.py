"""Finding stops by name (kanji, kana, English; prefixes) and by position."""

from __future__ import annotations

from maas.domain.errors import InvalidRequest
from maas.domain.feeds import StopMatch
from maas.domain.ports import UnitOfWorkFactory
from maas.domain.text import search_key

MAX_RADIUS_M = 5_000


class StopService:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def search(self, query: str, *, limit: int = 20) -> list[StopMatch]:
        key = search_key(query)
        if not key:
            raise InvalidRequest("give part of a stop name", fields={"q": "must not be blank"})
        async with self._uow() as uow:
            return await uow.feeds.search_stops(key, limit=limit)

    async def nearby(self, lat: float, lon: float, *, radius_m: float = 500, limit: int = 20) -> list[StopMatch]:
        if not 0 < radius_m <= MAX_RADIUS_M:
            raise InvalidRequest("radius out of range", fields={"radius_m": f"between 1 and {MAX_RADIUS_M}"})
        async with self._uow() as uow:
            return await uow.feeds.stops_near(lat, lon, radius_m=radius_m, limit=limit)
