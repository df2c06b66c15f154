"""Importing GTFS feeds: read off the event loop, then store all of it in one transaction or none."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from maas.domain.feeds import FeedIssue, FeedRecord
from maas.domain.ids import new_id
from maas.domain.ports import Clock, FeedArchive, FeedReader, UnitOfWorkFactory

Progress = Callable[[str], None]


class ImportOutcome(BaseModel):
    model_config = ConfigDict(frozen=True)
    feed: FeedRecord
    unchanged: bool


class FeedService:
    def __init__(self, uow: UnitOfWorkFactory, reader: FeedReader, clock: Clock,
                 archive: FeedArchive | None = None) -> None:
        self._uow = uow
        self._reader = reader
        self._clock = clock
        self._archive = archive

    async def import_feed(
        self, path: Path, *, name: str | None = None, strict: bool = False, progress: Progress | None = None
    ) -> ImportOutcome:
        """Read and store a feed; the same content imported again is a no-op. Raises FeedRejected.

        With an archive, a copy of the feed's files is kept (after the commit) for the journey
        planner, which picks up a changed feed set on its next search.
        """
        report = progress or (lambda _stage: None)
        report("reading")
        snapshot = await asyncio.to_thread(self._reader.read, path, name=name, strict=strict)
        report("storing")
        async with self._uow() as uow:
            existing = await uow.feeds.find_by_name(snapshot.name)
            unchanged = existing is not None and existing.digest == snapshot.digest
            if existing is not None and unchanged:
                record = existing
            else:
                feed_id = existing.id if existing is not None else new_id("feed")
                record = await uow.feeds.replace(snapshot, feed_id=feed_id, now=self._clock.now())
                await uow.commit()
        if self._archive is not None:  # also when unchanged: the copy may have been removed
            await asyncio.to_thread(self._archive.keep, path, name=snapshot.name, digest=snapshot.digest)
        if not unchanged:
            report("done")
        return ImportOutcome(feed=record, unchanged=unchanged)

    async def list_feeds(self) -> list[FeedRecord]:
        async with self._uow() as uow:
            return await uow.feeds.list_feeds()

    async def get_feed(self, feed_id: str, *, issue_limit: int = 100) -> tuple[FeedRecord, list[FeedIssue]]:
        async with self._uow() as uow:
            return await uow.feeds.get(feed_id), await uow.feeds.list_issues(feed_id, limit=issue_limit)
