"""Places riders travel to, per region."""

from __future__ import annotations

from collections.abc import Sequence

from maas.domain.places import Place
from maas.domain.ports import UnitOfWorkFactory


class PlaceService:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def save(self, places: Sequence[Place]) -> int:
        async with self._uow() as uow:
            count = await uow.places.upsert(places)
            await uow.commit()
        return count

    async def list_places(self, *, region_id: str | None = None, category: str | None = None) -> list[Place]:
        async with self._uow() as uow:
            return await uow.places.list_places(region_id=region_id, category=category)
