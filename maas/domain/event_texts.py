"""The sentence of each rider event type in Japanese and English, filled from the event's data;
times are shown as HH:MM in Asia/Tokyo, amounts in yen or the event's currency."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

_ZONE = ZoneInfo("Asia/Tokyo")

# type: (English template, Japanese template)
TEMPLATES: dict[str, tuple[str, str]] = {
    "booking.confirmed": ("Your trip departing at {departure} is booked.", "{departure}出発の旅程の予約が確定しました。"),
    "booking.changed": ("Your trip has changed: leg {leg} now departs at {departure}.",
                        "旅程が変更されました。区間{leg}は{departure}出発になりました。"),
    "booking.cancelled": ("Your booking was cancelled ({cancelled_by_en}).", "予約が取り消されました（{cancelled_by_ja}）。"),
    "booking.failed": ("Your trip could not be booked; nothing was charged.",
                       "予約できませんでした。料金は請求されていません。"),
    "payment.captured": ("{amount} was charged for your trip.", "旅程の料金として{amount}をお支払いいただきました。"),
    "payment.refunded": ("{amount} was refunded.", "{amount}を払い戻しました。"),
    "booking.settled": ("Your trip is complete. Thank you for travelling.", "ご利用ありがとうございました。旅程が完了しました。"),
    "ride.van_assigned": ("A vehicle is assigned to pick you up at {departure}.", "{departure}のお迎えの車両が決まりました。"),
    "ride.pickup_window_changed": ("Your pickup time changed to {departure}.", "お迎えの時刻が{departure}に変わりました。"),
    "ride.pickup_approaching": ("Your vehicle arrives in about {minutes} min.", "お迎えの車両があと約{minutes}分で到着します。"),
    "ride.driver_arrived": ("Your vehicle has arrived.", "お迎えの車両が到着しました。"),
    "ride.picked_up": ("You were picked up. Have a good trip.", "ご乗車ありがとうございます。"),
    "ride.dropped_off": ("You have arrived.", "目的地に到着しました。"),
    "ride.no_show": ("The vehicle could not find you at the pickup and left.",
                     "お迎えの場所でお会いできなかったため、車両は出発しました。"),
    "trip.disruption": ("A disruption affects your trip: {summary_en}", "旅程に影響する運行の乱れがあります：{summary_ja}"),
    "trip.delay": ("Your trip is delayed by about {minutes} min.", "旅程に約{minutes}分の遅れが出ています。"),
}

_BY = {"rider": ("by you", "ご本人による取消"), "staff": ("by the call centre", "窓口による取消"),
       "operator": ("by the operator", "事業者による取消")}


def sentence(kind: str, data: dict[str, Any]) -> dict[str, str]:
    english, japanese = TEMPLATES[kind]
    en_by, ja_by = _BY.get(str(data.get("cancelled_by", "")), _BY["operator"])
    given = data.get("summary")
    summary: dict[str, Any] = given if isinstance(given, dict) else {}
    extra = {"cancelled_by_en": en_by, "cancelled_by_ja": ja_by, "summary_en": str(summary.get("en", "")),
             "summary_ja": str(summary.get("ja", ""))}
    texts = {}
    for language, template in (("ja", japanese), ("en", english)):
        values = {k: _shown(v, language) for k, v in data.items()} | extra
        texts[language] = template.format_map(_Missing(values))
    return texts


def _shown(value: Any, language: str) -> str:
    if isinstance(value, dict) and "amount_minor" in value:
        currency = value.get("currency", "JPY")
        if currency == "JPY" and language == "ja":
            return f"{value['amount_minor']}円"
        return f"{currency} {value['amount_minor']}"
    if isinstance(value, str) and len(value) >= 16 and value[4:5] == "-" and "T" in value:
        try:
            return dt.datetime.fromisoformat(value).astimezone(_ZONE).strftime("%H:%M")
        except ValueError:
            return value
    return str(value)


class _Missing(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "?"
