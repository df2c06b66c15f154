"""The rider-text catalogue (maas/api/texts.py): every shape it knows reads back in Japanese, English
stays as written, and a sentence of no known shape is shown unchanged rather than garbled."""

from __future__ import annotations

import re

import pytest
from pydantic import BaseModel, Field, ValidationError

from maas.api.texts import TEXTS, text, validation_message

_SAMPLE = {"pickup_from": "09:44", "pickup_until": "09:54", "reserved_from": "2026-12-08T00:30:00+00:00",
           "party": "2 x ", "currency": "JPY"}


def _filled(template: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: _SAMPLE.get(m[1], f"P{m[1]}"), template)


@pytest.mark.parametrize("code", sorted(TEXTS))
def test_every_shape_reads_in_japanese_and_stays_english_for_english_readers(code: str) -> None:
    english, japanese = TEXTS[code]
    sentence = _filled(english)
    assert text(sentence, "en") == sentence
    rendered = text(sentence, "ja")
    assert rendered != sentence and not re.search(r"\b(?:the|and|for|min|from|between|fare|fees)\b", rendered), rendered
    for name in re.findall(r"\{(\w+)\}", japanese):
        if name not in _SAMPLE:
            assert f"P{name}" in rendered, (code, rendered)


def test_times_are_read_in_tokyo_time_and_words_are_translated() -> None:
    note = "The vehicle is reserved from 2026-12-08T00:30+00:00 for 30 min; an unused reservation lapses."
    assert text(note, "ja").startswith("09:30から30分間")
    assert text("senior fare for the rider: show the certificate on board", "ja").startswith("高齢者運賃")
    assert text("Includes the wheelchair taxi booking fee of 500 JPY.", "ja") == "車いす対応車両の予約料 500 円 を含みます。"


def test_reasons_built_by_the_domain_read_in_japanese_nested() -> None:
    reason = "payment_declined: card declined; cancelled; fees 300 JPY; compensation pending: gateway down"
    assert text(reason, "ja") == ("お支払いができませんでした。別の方法をお試しください（card declined）のため取り消しました。"
                                  "取消料 300 円（取り消し処理中: gateway down）")
    assert text("shuttle cancelled leg 1 (driver ill)", "ja") == "shuttleが区間1を取り消しました（driver ill）"
    assert text("offer_expired: offer o-1 expired", "ja") == "この案内の有効期限が切れました。もう一度検索してください（offer o-1 expired）"
    assert text("not_a_code: left as written", "ja") == "not_a_code: left as written"
    assert text("cancelled free of charge", "ja") == "取り消しました。料金はかかりません"


@pytest.mark.parametrize("unknown", ["", "山吹交通からのお知らせ", "Bring your own helmet.", "pickup between",
                                     "released before confirmation; no fee!"])
def test_a_sentence_of_no_known_shape_is_shown_as_written(unknown: str) -> None:
    assert text(unknown, "ja") == unknown and text(unknown, "en") == unknown


class _Body(BaseModel):
    name: str = Field(min_length=2)
    count: int = Field(ge=1, le=5)


@pytest.mark.parametrize(("body", "field", "ja"), [
    ({"count": 1}, "name", "必須項目です"), ({"name": "a", "count": 1}, "name", "2文字以上で入力してください"),
    ({"name": "ab", "count": 9}, "count", "5以下にしてください"), ({"name": "ab", "count": "x"}, "count", "整数で指定してください"),
])
def test_validation_messages_in_japanese_english_unchanged(body: dict, field: str, ja: str) -> None:
    with pytest.raises(ValidationError) as raised:
        _Body.model_validate(body)
    (error,) = [e for e in raised.value.errors(include_url=False) if e["loc"] == (field,)]
    assert validation_message(error["type"], error["msg"], error.get("ctx"), "ja") == ja
    assert validation_message(error["type"], error["msg"], error.get("ctx"), "en") == error["msg"]
    assert validation_message("some_new_type", "Whatever pydantic says", None, "ja") == "Whatever pydantic says"
