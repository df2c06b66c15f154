"""Where an adapter's feed comes from: a `gbfs.json` path (a snapshot folder) or its URL."""

from __future__ import annotations

from pathlib import Path

import aiohttp

from maas.domain.ports import Clock
from operators.gbfs import DirectorySource, Discovery, FeedSource, HttpSource, RawFile


class OwnedHttpSource:
    """An HttpSource over a ClientSession this source opens on first use and closes in aclose()."""

    def __init__(self, url: str, *, preferred_language: str | None, clock: Clock,
                 timeout_s: float = 10.0) -> None:
        self.url, self._language, self._clock, self._timeout_s = url, preferred_language, clock, timeout_s
        self._session: aiohttp.ClientSession | None = None
        self._source: HttpSource | None = None

    def _http(self) -> HttpSource:
        if self._source is None:
            self._session = aiohttp.ClientSession()
            self._source = HttpSource(self._session, self.url, preferred_language=self._language,
                                      timeout_s=self._timeout_s, clock=self._clock.now)
        return self._source

    async def discover(self) -> Discovery:
        return await self._http().discover()

    async def fetch(self, discovery: Discovery, name: str) -> RawFile:
        return await self._http().fetch(discovery, name)

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session, self._source = None, None


def source_for(location: str, base_dir: Path, *, language: str | None, clock: Clock,
               timeout_s: float = 10.0) -> FeedSource:
    """An http(s) URL of gbfs.json, or a path to gbfs.json (or to its folder) relative to `base_dir`."""
    if location.startswith(("http://", "https://")):
        return OwnedHttpSource(location, preferred_language=language, clock=clock, timeout_s=timeout_s)
    path = (base_dir / location).resolve()
    folder = path.parent if path.suffix == ".json" else path
    if not folder.is_dir():
        raise ValueError(f"no GBFS folder at {folder}")
    if path.suffix == ".json" and not path.is_file():
        raise ValueError(f"no {path.name} at {folder}")
    return DirectorySource(folder, preferred_language=language, clock=clock.now)
