"""Accept-Language negotiation: q-values, regional tags, wildcards, refusals, and garbage never an error."""

from __future__ import annotations

import pytest

from maas.api.language import language_var, negotiate, parse_accept_language, pick


@pytest.mark.parametrize(("header", "expected"), [
    ("ja", "ja"), ("ja-JP", "ja"), ("en", "en"), ("en-US", "en"), ("EN-gb", "en"),
    ("en-US,en;q=0.9,ja;q=0.8", "en"),
    ("ja-JP,ja;q=0.9,en-US;q=0.8,en;q=0.7", "ja"),
    ("fr-FR,fr;q=0.9,en;q=0.5,ja;q=0.4", "en"),  # the best supported one, not the first one listed
    ("ja;q=0.2, en;q=0.8", "en"),  # order in the header does not beat weight
    ("en;q=0, ja", "ja"),
    ("ja;q=0, *", "en"),  # anything but Japanese
    ("*", "ja"),
])
def test_the_preferred_supported_language_wins(header: str, expected: str) -> None:
    assert negotiate(header, "ja") == expected


@pytest.mark.parametrize("header", [
    None, "", "de", "zh-Hant-TW", "klingon-tlh-x-y-zzzzzzzzz", ";;;", ",,,", "ja;q=2", "en;q=abc", "en;q=-1",
    "日本語", "en_US", "*;q=0", "x" * 5000, "ja;q=0.5" + ",en" * 2000,
])
def test_unknown_or_malformed_headers_fall_back_to_the_default(header: str | None) -> None:
    assert negotiate(header, "en") == "en"
    assert negotiate(header, "ja") == "ja"


def test_weights_are_parsed_strictly() -> None:
    assert parse_accept_language("en;q=0.5, ja;q=1.000, de;q=1.0001, fr;q=0.") == [("ja", 1.0), ("en", 0.5),
                                                                                      ("fr", 0.0)]


def test_pick_shows_the_english_name_only_when_asked_and_known() -> None:
    assert pick("山吹駅", "Yamabuki Station") == "山吹駅"
    token = language_var.set("en")
    try:
        assert pick("山吹駅", "Yamabuki Station") == "Yamabuki Station"
        assert pick("檜沢", "") == "檜沢"  # no translation: the name as the feed has it
    finally:
        language_var.reset(token)
