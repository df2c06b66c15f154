"""Discovery through `gbfs.json`: which files a system publishes, where, and in which language."""

from __future__ import annotations

from dataclasses import dataclass

from operators.gbfs.errors import FeedNotListed, MalformedFeed

FALLBACK_LANGUAGES = ("ja", "en")


@dataclass(frozen=True, slots=True)
class FeedRef:
    name: str
    url: str


@dataclass(frozen=True, slots=True)
class Discovery:
    """The published files of one system.

    `language` is the v1-v2.3 block chosen (None for v3.0); `version` is None when there was no
    `gbfs.json` to read (a bare snapshot directory), and each file's own `version` then decides.
    """

    version: str | None
    language: str | None
    feeds: tuple[FeedRef, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(feed.name for feed in self.feeds)

    def url_for(self, name: str) -> str:
        for feed in self.feeds:
            if feed.name == name:
                return feed.url
        raise FeedNotListed(f"the feed does not publish {name}")


def choose_language(available: list[str], preferred: str | None) -> str:
    """The configured language if published, else Japanese, else English, else the first."""
    for candidate in (preferred, *FALLBACK_LANGUAGES):
        if candidate and candidate in available:
            return candidate
    return available[0]


def _feed_refs(feeds: object) -> tuple[FeedRef, ...]:
    if not isinstance(feeds, list) or not feeds:
        raise MalformedFeed("gbfs", "no feeds listed")
    refs = []
    for feed in feeds:
        if not (isinstance(feed, dict) and isinstance(feed.get("name"), str) and isinstance(feed.get("url"), str)):
            raise MalformedFeed("gbfs", f"feed entry without name and url: {feed!r}")
        refs.append(FeedRef(feed["name"], feed["url"]))
    return tuple(refs)


def parse_discovery(doc: object, preferred_language: str | None = None) -> Discovery:
    """A `gbfs.json` document in v3.0 shape (`data.feeds`) or v1-v2.3 shape (`data.{lang}.feeds`)."""
    if not isinstance(doc, dict) or not isinstance(doc.get("data"), dict):
        raise MalformedFeed("gbfs", "not a GBFS document (no `data` object)")
    data = doc["data"]
    # v1.0 feeds carry no version field; their layout is that of v2.
    version = str(doc.get("version", "1.0"))
    if "feeds" in data:
        return Discovery(version, None, _feed_refs(data["feeds"]))
    languages = [key for key, value in data.items() if isinstance(value, dict)]
    if not languages:
        raise MalformedFeed("gbfs", "no language block under `data`")
    language = choose_language(languages, preferred_language)
    return Discovery(version, language, _feed_refs(data[language].get("feeds")))
