"""Where GBFS documents come from: a snapshot directory, a zip of snapshots, or an operator over HTTP."""

from __future__ import annotations

import asyncio
import json
import logging
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

import aiohttp

from operators.gbfs.discovery import Discovery, FeedRef, parse_discovery
from operators.gbfs.errors import (
    FeedHttpError,
    FeedNotListed,
    FeedTimeout,
    FeedUnavailable,
    GbfsError,
    MalformedFeed,
)

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class RawFile:
    """One fetched document before parsing; `origin` is the path or URL it came from."""

    name: str
    doc: dict
    fetched_at: datetime
    origin: str


def decode_document(name: str, body: bytes) -> dict:
    """JSON bytes to a document object, or MalformedFeed naming the file."""
    try:
        doc = json.loads(body)
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError
        raise MalformedFeed(name, f"not valid JSON ({exc})") from exc
    if not isinstance(doc, dict):
        raise MalformedFeed(name, f"expected a JSON object, got {type(doc).__name__}")
    return doc


class FeedSource(Protocol):
    async def discover(self) -> Discovery: ...

    async def fetch(self, discovery: Discovery, name: str) -> RawFile: ...


class DirectorySource:
    """Snapshot files `<name>.json` in one directory, with or without their `gbfs.json`.

    The URLs inside a snapshot's `gbfs.json` point at the producer, so only the names are used.
    """

    def __init__(self, path: Path, *, preferred_language: str | None = None, clock: Clock = utc_now) -> None:
        self._path = Path(path)
        self._language = preferred_language
        self._clock = clock

    def read(self, name: str) -> RawFile:
        path = self._path / f"{name}.json"
        if not path.is_file():
            raise FeedNotListed(f"no {name}.json in {self._path}")
        return RawFile(name, decode_document(name, path.read_bytes()), self._clock(), str(path))

    def read_discovery(self) -> Discovery:
        if (self._path / "gbfs.json").is_file():
            return parse_discovery(self.read("gbfs").doc, self._language)
        names = sorted(p.stem for p in self._path.glob("*.json"))
        return Discovery(None, None, tuple(FeedRef(n, str(self._path / f"{n}.json")) for n in names))

    async def discover(self) -> Discovery:
        return await asyncio.to_thread(self.read_discovery)

    async def fetch(self, discovery: Discovery, name: str) -> RawFile:
        if name not in discovery.names:
            raise FeedNotListed(f"the feed does not publish {name}")
        return await asyncio.to_thread(self.read, name)


def iter_zip_documents(path: Path) -> Iterator[tuple[str, dict]]:
    """Every `*.json` member of a zip of snapshots, in name order (a time series when names are times)."""
    with zipfile.ZipFile(path) as archive:
        for member in sorted(n for n in archive.namelist() if n.endswith(".json")):
            yield member, decode_document(member, archive.read(member))


class HttpSource:
    """A live feed over HTTP through the caller's long-lived `aiohttp.ClientSession`.

    GETs are idempotent, so a timeout, connection error or 5xx is retried `retries` times;
    a 4xx or a malformed body is not, since asking again would return the same answer.
    """

    def __init__(self, session: aiohttp.ClientSession, discovery_url: str, *,
                 preferred_language: str | None = None, timeout_s: float = 10.0, retries: int = 1,
                 clock: Clock = utc_now) -> None:
        self._session = session
        self._discovery_url = discovery_url
        self._language = preferred_language
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._retries = retries
        self._clock = clock

    async def discover(self) -> Discovery:
        return parse_discovery((await self._get("gbfs", self._discovery_url)).doc, self._language)

    async def fetch(self, discovery: Discovery, name: str) -> RawFile:
        return await self._get(name, discovery.url_for(name))

    async def _get(self, name: str, url: str) -> RawFile:
        error: GbfsError = FeedUnavailable(url, "not attempted")
        for attempt in range(self._retries + 1):
            try:
                return await self._get_once(name, url)
            except TimeoutError:
                error = FeedTimeout(url, f"no answer within {self._timeout.total} s")
            except aiohttp.ClientError as exc:
                error = FeedUnavailable(url, f"{type(exc).__name__}: {exc}")
            except FeedHttpError as exc:
                if exc.status < 500:
                    raise
                error = exc
            log.warning("GBFS GET %s failed (attempt %d): %s", url, attempt + 1, error)
        raise error

    async def _get_once(self, name: str, url: str) -> RawFile:
        async with self._session.get(url, timeout=self._timeout, headers={"Accept": "application/json"}) as resp:
            if resp.status != 200:
                raise FeedHttpError(url, resp.status)
            # An HTML body is a login wall or error page; other types are read as JSON because
            # static hosts often serve feed files as text/plain or octet-stream.
            if resp.content_type == "text/html":
                raise MalformedFeed(name, f"{url} returned HTML, not JSON")
            body = await resp.read()
        return RawFile(name, decode_document(name, body), self._clock(), url)
