"""What a rider reads that adapters and the domain write: offer notes and descriptions, booking
reasons, the driver's manifest, rendered in the request's language.

Adapters and stored bookings say these things as English sentences of a known shape. Each shape has
a code, an English template whose `{parameters}` are read back out of the sentence, and a Japanese
template they are put into; so bookings stored before this catalogue read in Japanese too, and
English readers get the sentence unchanged. Times are shown as HH:MM in the feed's time zone
(+09:00); a sentence of no known shape is shown as written (an operator's own words)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

from maas.api.language import Language, current
from maas.api.messages import CATALOGUE

_ZONE = dt.timezone(dt.timedelta(hours=9), "JST")  # the demo feeds' Asia/Tokyo; no daylight saving

# code: (English template, Japanese template). Longer, more specific shapes first.
TEXTS: dict[str, tuple[str, str]] = {
    # のりあい号 (on-demand van) offers.
    "van.pickup_window": ("pickup between {pickup_from} and {pickup_until}",
                          "{pickup_from}〜{pickup_until}の間にお迎え"),
    "van.arrival_by": ("arrival by {latest_arrival} at the latest", "遅くとも{latest_arrival}までに到着"),
    "van.concession": ("{concession} fare for the rider: show the certificate on board",
                       "{concession}運賃です。乗車時に証明書をお見せください"),
    "van.description": ("{operator}: pickup between {pickup_from} and {pickup_until}",
                        "{operator}：{pickup_from}〜{pickup_until}の間にお迎え"),
    # Taxi offers.
    "taxi.name": ("Taxi", "タクシー"),
    "taxi.wheelchair_name": ("Wheelchair taxi", "車いす対応タクシー"),
    "taxi.estimate": ("Estimated meter fare; the fare charged is what the meter shows.",
                      "メーター料金の見込みです。お支払いはメーターの表示額です。"),
    "taxi.wheelchair_fee": ("Includes the wheelchair taxi booking fee of {fee} {currency}.",
                            "車いす対応車両の予約料 {fee} {currency} を含みます。"),
    "taxi.discount": ("{discount}: {percent}% off the meter fare ({requires}).",
                      "{discount}：メーター料金から{percent}%引き（{requires}）。"),
    # Bike-share offers.
    "bike.reserved_after_booking": (
        "The vehicle is reserved for {minutes} min after booking; an unused reservation lapses.",
        "予約から{minutes}分間、車両を確保します。使われない予約は失効します。"),
    "bike.reserved_from": (
        "The vehicle is reserved from {reserved_from} for {minutes} min; an unused reservation lapses.",
        "{reserved_from}から{minutes}分間、車両を確保します。使われない予約は失効します。"),
    "bike.price_estimate": (
        "Price estimated with plan {plan} for a {minutes}-min ride; the operator charges for the actual ride.",
        "料金プラン {plan} で{minutes}分乗った場合の見込みです。実際の利用分が請求されます。"),
    "bike.walk_both": ("Walk {walk_to_m} m to the vehicle and {walk_from_m} m from the return station.",
                       "車両まで{walk_to_m} m、返却ステーションから{walk_from_m} m歩きます。"),
    "bike.walk_to": ("Walk {walk_to_m} m to the vehicle.", "車両まで{walk_to_m} m歩きます。"),
    "bike.from_station": ("{party}{vehicle} from {station} {walk_m} m away {to}",
                          "{walk_m} m先の{station}から{party}{vehicle}で{to}"),
    "bike.parked": ("{party}{vehicle} {vehicle_id} parked {walk_m} m away {to}",
                    "{walk_m} m先に停めてある{party}{vehicle}（{vehicle_id}）で{to}"),
    "bike.to_destination": ("to the destination", "目的地まで"),
    "bike.to_station": ("to {station}", "{station}まで"),
    "bike.party": ("{count} x ", "{count}台の"),
    # Why a booking or a leg ended as it did.
    "booking.compensation_pending": ("{why}; compensation pending: {failure}", "{why}（取り消し処理中: {failure}）"),
    "booking.cancelled_free_why": ("{why}; cancelled free of charge", "{why}のため取り消しました。料金はかかりません"),
    "booking.cancelled_fees_why": ("{why}; cancelled; fees {fees} {currency}",
                                   "{why}のため取り消しました。取消料 {fees} {currency}"),
    "booking.cancelled_free": ("cancelled free of charge", "取り消しました。料金はかかりません"),
    "booking.cancelled_fees": ("cancelled; fees {fees} {currency}", "取り消しました。取消料 {fees} {currency}"),
    "booking.operator_cancelled_why": ("{operator} cancelled leg {leg} ({why})",
                                       "{operator}が区間{leg}を取り消しました（{why}）"),
    "booking.operator_cancelled": ("{operator} cancelled leg {leg}", "{operator}が区間{leg}を取り消しました"),
    "booking.leg_refused": ("{operator} refused leg {leg}: {why}",
                            "{operator}が区間{leg}の予約をお受けできませんでした（{why}）"),
    "booking.leg_not_committed": ("{operator} did not commit leg {leg}: {why}",
                                  "{operator}が区間{leg}の予約を確定できませんでした（{why}）"),
    "leg.released_no_fee": ("released before confirmation; no fee", "確定前に取り消しました。料金はかかりません"),
    "leg.not_confirmed": ("not confirmed in time", "期限までに確定されませんでした"),
    "leg.no_show": ("no-show", "乗車されませんでした（ノーショー）"),
    "leg.trip_left": ("the trip has left", "便はすでに出発しました"),
    "leg.released": ("released", "取り消しました"),
    "leg.cancelled_by_rider": ("cancelled by the rider", "ご本人が取り消しました"),
    # The driver's manifest.
    "manifest.break": ("{minutes} min break", "{minutes}分の休憩"),
}

# Words that fill the templates' parameters.
WORDS: dict[str, str] = {
    "senior": "高齢者", "disability": "障害者", "Disability discount": "障害者割引", "JPY": "円",
    "bicycle": "自転車", "e-bike": "電動アシスト自転車", "scooter": "キックボード",
}
_CODED = re.compile(r"^([a-z_]+): (.+)$", re.DOTALL)
_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})$")


_PARAM = {"party": r"(?:\d+ x )?"}  # a bike count, or nothing for one bike


def _compile(template: str) -> re.Pattern[str]:
    parts = re.split(r"\{(\w+)\}", template)
    pattern = "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>{_PARAM.get(p, '.+?')})"
                      for i, p in enumerate(parts))
    return re.compile(f"^{pattern}$", re.DOTALL)


_SHAPES: list[tuple[str, re.Pattern[str]]] = [(code, _compile(en)) for code, (en, _) in TEXTS.items()
                                              if not en.startswith("{why}; ")]
_WRAPPING: list[tuple[str, re.Pattern[str]]] = [(code, _compile(en)) for code, (en, _) in TEXTS.items()
                                                if en.startswith("{why}; ")]


def _value(value: str, language: Language) -> str:
    if _TIME.match(value):
        return dt.datetime.fromisoformat(value).astimezone(_ZONE).strftime("%H:%M")
    inner = _render(value, language)
    if inner is not None:
        return inner
    return WORDS.get(value, value.strip("'\""))


def _shaped(text: str, language: Language, shapes: list[tuple[str, re.Pattern[str]]]) -> str | None:
    for code, shape in shapes:
        found = shape.match(text)
        if found is not None:
            params = {name: _value(value, language) for name, value in found.groupdict().items()}
            return TEXTS[code][1].format(**params)
    return None


def _render(text: str, language: Language) -> str | None:
    wrapped = _shaped(text, language, _WRAPPING)  # "...; cancelled free of charge" around any reason
    if wrapped is not None:
        return wrapped
    coded = _CODED.match(text)  # "{error code}: {its English message}", as the booking saga records a failure
    if coded is not None and coded[1] in CATALOGUE:
        said = CATALOGUE[coded[1]].get(language, "").rstrip("。")
        return f"{said}（{_value(coded[2], language)}）" if said else None
    return _shaped(text, language, _SHAPES)


def text(sentence: str, language: Language | None = None) -> str:
    """`sentence` for a reader of `language` (the request's by default)."""
    language = language or current()
    if language == "en" or not sentence:
        return sentence
    return _render(sentence, language) or sentence


def texts(sentences: Iterable[str]) -> list[str]:
    return [text(s) for s in sentences]


# pydantic's validation error types, for `fields` of invalid_request in Japanese.
VALIDATION: dict[str, str] = {
    "missing": "必須項目です",
    "extra_forbidden": "この項目は使えません",
    "string_type": "文字列で指定してください",
    "string_too_short": "{min_length}文字以上で入力してください",
    "string_too_long": "{max_length}文字以内で入力してください",
    "string_pattern_mismatch": "形式が正しくありません",
    "too_short": "{min_length}件以上指定してください",
    "too_long": "{max_length}件以内で指定してください",
    "int_parsing": "整数で指定してください",
    "int_type": "整数で指定してください",
    "int_from_float": "整数で指定してください",
    "float_parsing": "数値で指定してください",
    "float_type": "数値で指定してください",
    "bool_parsing": "true か false で指定してください",
    "bool_type": "true か false で指定してください",
    "greater_than": "{gt}より大きい値にしてください",
    "greater_than_equal": "{ge}以上にしてください",
    "less_than": "{lt}より小さい値にしてください",
    "less_than_equal": "{le}以下にしてください",
    "literal_error": "{expected} のいずれかを指定してください",
    "enum": "{expected} のいずれかを指定してください",
    "date_parsing": "日付（YYYY-MM-DD）で指定してください",
    "date_from_datetime_parsing": "日付（YYYY-MM-DD）で指定してください",
    "datetime_parsing": "日時（ISO 8601、時差付き）で指定してください",
    "datetime_from_date_parsing": "日時（ISO 8601、時差付き）で指定してください",
    "timezone_aware": "時差（+09:00 など）付きの日時で指定してください",
    "time_parsing": "時刻（HH:MM）で指定してください",
    "list_type": "配列で指定してください",
    "dict_type": "オブジェクトで指定してください",
    "model_type": "オブジェクトで指定してください",
    "json_invalid": "JSON として読み取れません",
}


def validation_message(kind: str, english: str, ctx: dict[str, object] | None,
                       language: Language | None = None) -> str:
    """pydantic's message for an error of type `kind`, in the reader's language."""
    language = language or current()
    template = VALIDATION.get(kind)
    if language == "en" or template is None:
        return english
    try:
        return template.format(**{k: str(v) for k, v in (ctx or {}).items()})
    except (KeyError, IndexError):
        return english

