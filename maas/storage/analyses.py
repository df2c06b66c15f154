"""Municipal analyses in the unit of work's session: the Analysis as JSON beside its state, and the
per-cell results as a JSON list in their own column, read only when downloaded."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from maas.domain.analyses import Analysis, AnalysisState
from maas.domain.errors import NotFound
from maas.storage.payloads import ANALYSIS, dump, load
from maas.storage.repositories import utc
from maas.storage.tables import AnalysisRow

_ANALYSES = AnalysisRow.__table__  # type: ignore[attr-defined]


class SqlAnalyses:
    """AnalysisStore on the unit of work's session."""

    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add(self, analysis: Analysis) -> None:
        await self._s.execute(insert(_ANALYSES).values(
            id=analysis.id, kind=analysis.kind.value, state=analysis.state.value,
            created_at=utc(analysis.created_at), payload=dump(ANALYSIS, analysis)))

    async def get(self, analysis_id: str) -> Analysis:
        payload = (await self._s.execute(select(_ANALYSES.c.payload).where(_ANALYSES.c.id == analysis_id))
                   ).scalar_one_or_none()
        if payload is None:
            raise NotFound(f"no analysis {analysis_id}")
        return load(ANALYSIS, payload, row=analysis_id)

    async def list_analyses(self, *, limit: int = 100) -> list[Analysis]:
        rows = await self._s.execute(select(_ANALYSES.c.payload)
                                     .order_by(_ANALYSES.c.created_at.desc(), _ANALYSES.c.id).limit(limit))
        return [load(ANALYSIS, payload) for (payload,) in rows]

    async def list_in_states(self, states: Sequence[AnalysisState]) -> list[Analysis]:
        rows = await self._s.execute(select(_ANALYSES.c.payload)
                                     .where(_ANALYSES.c.state.in_([s.value for s in states]))
                                     .order_by(_ANALYSES.c.created_at, _ANALYSES.c.id))
        return [load(ANALYSIS, payload) for (payload,) in rows]

    async def save(self, analysis: Analysis) -> None:
        done = await self._s.execute(update(_ANALYSES).where(_ANALYSES.c.id == analysis.id).values(
            state=analysis.state.value, payload=dump(ANALYSIS, analysis)))
        if done.rowcount != 1:
            raise NotFound(f"no analysis {analysis.id}")

    async def save_cells(self, analysis_id: str, cells: list[dict[str, Any]]) -> None:
        text = json.dumps(cells, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
        done = await self._s.execute(update(_ANALYSES).where(_ANALYSES.c.id == analysis_id).values(cells=text))
        if done.rowcount != 1:
            raise NotFound(f"no analysis {analysis_id}")

    async def cells(self, analysis_id: str) -> list[dict[str, Any]] | None:
        found = (await self._s.execute(select(_ANALYSES.c.cells).where(_ANALYSES.c.id == analysis_id))).one_or_none()
        if found is None:
            raise NotFound(f"no analysis {analysis_id}")
        return None if found[0] is None else json.loads(found[0])
