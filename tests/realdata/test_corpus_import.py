"""Real feeds through the whole import path into SQLite and PostgreSQL: the Gunma prefecture network and broken cases."""

from __future__ import annotations

from pathlib import Path

import pytest

from maas.domain.errors import FeedRejected

pytestmark = pytest.mark.corpus


class ReadOnce:
    """The real GTFS reader, remembering each feed it read: the SQLite and PostgreSQL runs of a
    test store the same snapshots, and reading 97 feeds is most of the time either run takes.
    Within one container a feed read again is read again (a re-import reads the file)."""

    def __init__(self, shared: dict | None = None) -> None:
        from maas.routing_adapter.gtfs_reader import GtfsFeedReader

        self._reader, self._shared, self._mine = GtfsFeedReader(), {} if shared is None else shared, set()

    def for_another_container(self) -> ReadOnce:
        return ReadOnce(self._shared)

    def read(self, path: Path, *, name: str | None = None, strict: bool = False):
        key = (Path(path).resolve(), name, strict)
        if key not in self._shared or key in self._mine:
            self._shared[key] = self._reader.read(path, name=name, strict=strict)
        self._mine.add(key)
        return self._shared[key]


@pytest.fixture(scope="module")
def read_once() -> ReadOnce:
    return ReadOnce()


@pytest.fixture
async def container(settings, fast_hasher, read_once: ReadOnce):
    """The real composition root (as tests/conftest.py builds it) reading each feed once per module."""
    from maas.bootstrap import build_container

    built = build_container(settings, hasher=fast_hasher, feed_reader=read_once.for_another_container())
    yield built
    await built.aclose()


def gunma_feeds(corpus_dir: Path) -> list[Path]:
    """The Gunma prefecture bus network: the ~30 gtfs.0xxx/1xxx/2xxx feeds of the 2019 corpus."""
    feeds = sorted((corpus_dir / "gtfs-jp" / "kuwayama-gtfsjp-corpus-2019").glob("gtfs.[0-9]*.zip"))
    assert len(feeds) >= 30, feeds
    return feeds


async def test_gunma_network_imports_and_reimports_unchanged(container, corpus_dir: Path) -> None:
    feeds = gunma_feeds(corpus_dir)
    outcomes = [await container.feeds.import_feed(path) for path in feeds]
    assert all(not o.unchanged for o in outcomes)
    stored = await container.feeds.list_feeds()
    assert len(stored) == len(feeds)
    assert {f.name for f in stored} == {p.name.removesuffix(".zip") for p in feeds}
    assert all(f.stop_count > 0 and f.trip_count > 0 and f.timezone == "Asia/Tokyo" for f in stored)
    # Counts are the feed's own: spot-check two against the corpus manifest (data rows).
    by_name = {f.name: f for f in stored}
    assert by_name["gtfs.1034.uenomura_com"].trip_count == 8
    assert by_name["gtfs.1001.kanetsu_kotu"].stop_time_count == 48748
    again = await container.feeds.import_feed(feeds[0])
    assert again.unchanged and again.feed.id == outcomes[0].feed.id


async def test_japanese_text_and_ids_survive_the_round_trip(container, corpus_dir: Path) -> None:
    outcome = await container.feeds.import_feed(corpus_dir / "gtfs-jp" / "kumagaya-yuyubus")
    feed, _ = await container.feeds.get_feed(outcome.feed.id)
    assert feed.agencies == ("熊谷市ゆうゆうバス",)
    assert (feed.service_start.isoformat(), feed.service_end.isoformat()) == ("2024-04-01", "2025-03-31")


@pytest.mark.parametrize("case", ["missing_stops", "missing_trips", "missing_agency"])
async def test_broken_feeds_are_rejected_and_leave_the_database_unchanged(container, corpus_dir: Path,
                                                                           case: str) -> None:
    good = await container.feeds.import_feed(corpus_dir / "gtfs-testsuites" / "transitfeed-testdata" / "good_feed")
    with pytest.raises(FeedRejected) as info:
        await container.feeds.import_feed(corpus_dir / "gtfs-testsuites" / "transitfeed-testdata" / case)
    assert info.value.fields.get("file", "").endswith(".txt")
    assert await container.feeds.list_feeds() == [good.feed]


async def test_stop_search_uses_kana_from_both_translation_layouts(container, corpus_dir: Path) -> None:
    # Donan bus uses the GTFS-JP v1 layout (trans_id, lang); Kawasaki's platforms inherit their station's kana.
    await container.feeds.import_feed(corpus_dir / "gtfs-jp" / "donan-bus-muroran")
    await container.feeds.import_feed(corpus_dir / "gtfs-jp" / "rinko-bus-kawasaki")
    found = await container.stops.search("えともだんち")
    assert found and all(m.stop.name == "絵鞆団地" for m in found)
    platforms = await container.stops.search("カワサキエキニシグチ", limit=50)
    assert {m.stop.stop_id for m in platforms} >= {"1510", "1510-51"}
