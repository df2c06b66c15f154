"""Durable copies of imported feeds for the journey planner, and the network's feed set.

`DirectoryFeedArchive` keeps each imported feed as a folder `<root>/<name>/` holding its .txt
files and a `feed.json` (name, digest, timezone); a re-import replaces the folder. The folder's
name becomes the feed key in global ids ("<name>:<stop_id>"). `NetworkSources` lists the demo
region's feed first (key "gtfs", from `<demo_dir>/gtfs`) and then every archived feed whose
digest differs from those before it, so the demo imported again under its own name is not
loaded twice.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import threading
import uuid
from pathlib import Path

from routing.gtfs import feed_digest
from routing.gtfs.source import digest_members, read_members
from routing.plan import FeedSource
from routing.plan.network import feed_timezone

log = logging.getLogger(__name__)
MARKER = "feed.json"


def folder_name(name: str) -> str:
    """A feed name as a safe folder name (letters of any script, digits, '.', '-', '_')."""
    cleaned = re.sub(r"[^\w.-]+", "_", name).strip("._")
    return cleaned or "feed"


class DirectoryFeedArchive:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def keep(self, path: Path, *, name: str, digest: str) -> None:
        """Copy a feed's files under root (no-op when the same digest is already kept)."""
        target = self.root / folder_name(name)
        if self._marker(target).get("digest") == digest:
            return
        members = read_members(path)
        actual = digest_members(members)
        if actual != digest:
            log.warning("feed %s changed on disk since it was read; keeping what is there now", path)
        self.root.mkdir(parents=True, exist_ok=True)
        incoming = self.root / f".incoming-{uuid.uuid4().hex}"
        incoming.mkdir()
        try:
            for member, data in members.items():
                (incoming / member).write_bytes(data)
            marker = {"name": name, "digest": actual, "timezone": feed_timezone(incoming)}
            (incoming / MARKER).write_text(json.dumps(marker, ensure_ascii=False), encoding="utf-8")
            old = self.root / f".old-{uuid.uuid4().hex}"
            if target.exists():
                target.rename(old)
            incoming.rename(target)
        except BaseException:
            shutil.rmtree(incoming, ignore_errors=True)
            raise
        shutil.rmtree(old, ignore_errors=True)
        log.info("kept a copy of feed %s for the journey planner in %s", name, target)

    def sources(self) -> list[FeedSource]:
        """Every kept feed, by folder name."""
        if not self.root.is_dir():
            return []
        found = []
        for folder in sorted(self.root.iterdir()):
            if folder.name.startswith(".") or not folder.is_dir():
                continue
            marker = self._marker(folder)
            if isinstance(marker.get("digest"), str):
                found.append(FeedSource(folder, marker["digest"], str(marker.get("timezone", ""))))
        return found

    @staticmethod
    def _marker(folder: Path) -> dict:
        try:
            value = json.loads((folder / MARKER).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return value if isinstance(value, dict) else {}


class NetworkSources:
    """The feed set the planner routes over, read again on every call (cheap: no hashing
    except the demo feed's, once)."""

    def __init__(self, demo_feed: Path | None, archive: DirectoryFeedArchive) -> None:
        self._demo_feed = demo_feed
        self._archive = archive
        self._demo: FeedSource | None = None
        self._lock = threading.Lock()

    def __call__(self) -> tuple[FeedSource, ...]:
        sources = [] if (demo := self._demo_source()) is None else [demo]
        seen = {s.digest for s in sources}
        for source in self._archive.sources():
            if source.digest not in seen:
                sources.append(source)
                seen.add(source.digest)
        return tuple(sources)

    def _demo_source(self) -> FeedSource | None:
        if self._demo_feed is None or not self._demo_feed.exists():
            return None
        with self._lock:
            if self._demo is None:
                self._demo = FeedSource(self._demo_feed, feed_digest(self._demo_feed))
            return self._demo
