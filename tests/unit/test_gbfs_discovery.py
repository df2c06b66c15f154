"""Discovery through gbfs.json, v2.3 (per-language blocks) and v3.0 (one feed list)."""

from __future__ import annotations

import pytest

from operators.gbfs import FeedNotListed, MalformedFeed, choose_language, parse_discovery


def _v23(*languages: str) -> dict:
    return {"last_updated": 1712444484, "ttl": 60, "version": "2.3", "data": {
        lang: {"feeds": [{"name": "station_information", "url": f"https://x.example/{lang}/station_information.json"},
                         {"name": "station_status", "url": f"https://x.example/{lang}/station_status.json"}]}
        for lang in languages}}


V30 = {"last_updated": "2025-05-21T07:47:43+00:00", "ttl": 600, "version": "3.0", "data": {"feeds": [
    {"name": "system_information", "url": "https://y.example/system_information.json"},
    {"name": "vehicle_status", "url": "https://y.example/vehicle_status.json"}]}}


def test_v23_prefers_the_configured_language_then_japanese_then_english_then_the_first() -> None:
    assert parse_discovery(_v23("en", "ja", "fr"), preferred_language="fr").language == "fr"
    assert parse_discovery(_v23("en", "ja")).language == "ja"
    assert parse_discovery(_v23("nb", "en")).language == "en"
    assert parse_discovery(_v23("nb", "sv")).language == "nb"
    assert parse_discovery(_v23("en", "ja"), preferred_language="de").language == "ja"


def test_v23_lists_the_feeds_of_the_chosen_language() -> None:
    discovery = parse_discovery(_v23("en", "ja"))
    assert discovery.version == "2.3"
    assert discovery.names == ("station_information", "station_status")
    assert discovery.url_for("station_status") == "https://x.example/ja/station_status.json"


def test_v30_reads_the_single_feed_list() -> None:
    discovery = parse_discovery(V30, preferred_language="ja")
    assert (discovery.version, discovery.language) == ("3.0", None)
    assert discovery.url_for("vehicle_status") == "https://y.example/vehicle_status.json"


def test_a_file_the_feed_does_not_publish_is_a_named_lookup_error() -> None:
    with pytest.raises(FeedNotListed):
        parse_discovery(V30).url_for("station_status")
    with pytest.raises(LookupError):
        parse_discovery(V30).url_for("system_pricing_plans")


def test_a_version_1_feed_without_a_version_field_reads_as_1_0() -> None:
    doc = _v23("en")
    del doc["version"]
    assert parse_discovery(doc).version == "1.0"


@pytest.mark.parametrize("doc", [
    [],
    {"ttl": 0},
    {"data": {}},
    {"data": {"feeds": []}},
    {"data": {"en": {"feeds": [{"name": "station_status"}]}}},
])
def test_malformed_discovery_documents_are_named_errors(doc: object) -> None:
    with pytest.raises(MalformedFeed):
        parse_discovery(doc)


def test_choose_language_falls_back_in_order() -> None:
    assert choose_language(["de", "en", "ja"], None) == "ja"
    assert choose_language(["de", "it"], "it") == "it"
