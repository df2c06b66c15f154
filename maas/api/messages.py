"""The message catalogue: what the error envelope says for each error code, in Japanese and English.

Japanese riders read the catalogue's sentence; English readers get the error's own, more specific
English message when it has one. A code missing here (a new error not yet translated) falls back to
the error's own message and is logged once, so a gap is found without failing a rider's request."""

from __future__ import annotations

import logging

from maas.api.language import Language

log = logging.getLogger(__name__)

CATALOGUE: dict[str, dict[Language, str]] = {
    # Generic outcomes, also those of the HTTP layer itself.
    "bad_request": {"ja": "リクエストの形式が正しくありません。", "en": "The request is malformed."},
    "malformed_json": {"ja": "送信された JSON を読み取れません。", "en": "The body is not valid JSON."},
    "malformed_url": {"ja": "URL に使えない文字があります（日本語などは UTF-8 でパーセントエンコードしてください）。",
                      "en": "The URL has characters that must be percent-encoded as UTF-8."},
    "malformed_query": {"ja": "URL のクエリ文字列を読み取れません（UTF-8 でパーセントエンコードしてください）。",
                        "en": "The query string cannot be read; percent-encode it as UTF-8."},
    "invalid_request": {"ja": "入力内容に誤りがあります。", "en": "Some of the input is not valid."},
    "unauthenticated": {"ja": "ログインが必要です。もう一度ログインしてください。",
                        "en": "Please sign in (again)."},
    "forbidden": {"ja": "この操作を行う権限がありません。", "en": "You are not allowed to do this."},
    "not_found": {"ja": "お探しのものが見つかりません。", "en": "No such resource."},
    "method_not_allowed": {"ja": "この URL ではその操作はできません。", "en": "This method is not allowed here."},
    "conflict": {"ja": "ほかの操作と重なりました。最新の状態を確認してください。",
                 "en": "This conflicts with the current state; check it and try again."},
    "payload_too_large": {"ja": "送信されたデータが大きすぎます。", "en": "The request is too large."},
    "unsupported_media_type": {"ja": "本文は application/json で送ってください。",
                               "en": "Send the body as application/json."},
    "too_many_requests": {"ja": "リクエストが多すぎます。しばらくしてからお試しください。",
                          "en": "Too many requests; try again shortly."},
    "payment_required": {"ja": "お支払いが必要です。", "en": "Payment is required."},
    "service_unavailable": {"ja": "ただいまサービスを利用できません。しばらくしてからお試しください。",
                            "en": "The service is unavailable; try again shortly."},
    "http_error": {"ja": "リクエストを処理できませんでした。", "en": "The request could not be handled."},
    "internal_error": {"ja": "システムで問題が起きました。しばらくしてからお試しください。",
                       "en": "Internal server error."},
    "domain_error": {"ja": "リクエストを処理できませんでした。", "en": "The request could not be handled."},
    # Feeds and trip planning.
    "feed_rejected": {"ja": "時刻表データ（GTFS）を取り込めませんでした。", "en": "The GTFS feed was rejected."},
    "unknown_stop": {"ja": "その停留所・駅は見つかりません。", "en": "Unknown stop."},
    "no_stop_nearby": {"ja": "歩ける距離に停留所・駅がありません。", "en": "No stop within walking distance."},
    "no_service": {"ja": "その日は運行がありません。", "en": "No service runs on that date."},
    "outside_region": {"ja": "地点が対象地域の外にあります。緯度と経度の順序を確かめてください。",
                       "en": "A point lies outside the region; check the order of latitude and longitude."},
    # Offers, operators and bookings.
    "booking_data_required": {"ja": "この事業者の予約には、ご本人の情報（メールアドレス・電話番号など）が必要です。入力してからもう一度お試しください。",
                              "en": "This operator needs some of your personal details to book; add them and try again."},
    "offer_expired": {"ja": "この案内の有効期限が切れました。もう一度検索してください。",
                      "en": "The offer has expired; search again."},
    "operator_rejected": {"ja": "事業者が予約をお受けできませんでした。", "en": "The operator refused the booking."},
    "operator_unavailable": {"ja": "事業者と連絡が取れません。しばらくしてからお試しください。",
                             "en": "The operator is not answering; try again shortly."},
    "offer_not_yours": {"ja": "この案内は別の方のために出されたものです。ご本人の名前で検索し直してください。",
                        "en": "The offer was issued for another rider."},
    "not_a_rider": {"ja": "その方は利用者として登録されていません。", "en": "That account is not a rider."},
    # Personal data and concession claims (docs/privacy.md).
    "own_claim": {"ja": "ご自身の申請を確認・却下することはできません。", "en": "You cannot decide your own claim."},
    "claim_not_pending": {"ja": "この申請はすでに確認済みまたは却下済みです。", "en": "This claim was already decided."},
    "account_erased": {"ja": "このアカウントはご本人の依頼により削除されています。",
                       "en": "This account was deleted at its holder's request."},
    "erasure_refused": {"ja": "ご利用中の予約があるため、今はアカウントを削除できません。",
                        "en": "The account cannot be deleted while a trip is under way."},
    "reason_required": {"ja": "利用者の情報を扱う理由を入力してください。",
                        "en": "Say why you are accessing this rider's data."},
    "booking_rejected": {"ja": "予約できませんでした。料金は請求されていません。",
                         "en": "The booking was refused; nothing was charged."},
    "booking_expired": {"ja": "案内の期限が切れたため予約できませんでした。料金は請求されていません。",
                        "en": "The offer lapsed before the booking; nothing was charged."},
    "implausible_event_time": {"ja": "運行予定の時刻から離れすぎた報告は受け付けられません。",
                               "en": "The report is too far from the trip's scheduled time."},
    "implausible_event_time.too_early": {"ja": "運行予定の時刻より早すぎる報告です。時刻を確かめてください。",
                                         "en": "The report is too early for the trip's scheduled time."},
    "implausible_event_time.too_late": {"ja": "運行予定の時刻を大きく過ぎた報告です。時刻を確かめてください。",
                                        "en": "The report is too late for the trip's scheduled time."},
    "implausible_event_time.in_the_future": {"ja": "まだ来ていない時刻の報告は受け付けられません。",
                                             "en": "The report is for a time still to come."},
    "ride_refused": {"ja": "その条件ではのりあい便をお受けできません。", "en": "The ride cannot be offered."},
    # Why a van cannot take a ride (`fields.refusal` of ride_refused), so a rider knows what to change.
    "ride_refused.outside_area": {"ja": "のりあい号の運行区域の外です。", "en": "Outside the service area."},
    "ride_refused.outside_hours": {"ja": "のりあい号の運行時間外です。", "en": "Outside the service hours."},
    "ride_refused.notice_too_short": {"ja": "予約の締め切りを過ぎています。もっと遅い時刻でお試しください。",
                                      "en": "Too short notice; try a later time."},
    "ride_refused.too_early": {"ja": "その日の予約はまだ受け付けていません。", "en": "Booking for that day is not open yet."},
    "ride_refused.party_too_large": {"ja": "人数が多すぎて一台に乗れません。", "en": "The party is too large for one van."},
    "ride_refused.no_capacity": {"ja": "その時間は満席です。別の時間をお試しください。",
                                 "en": "No seat free then; try another time."},
    "ride_refused.cannot_arrive_in_time": {"ja": "ご希望の到着時刻までにお送りできません。早い時刻でお試しください。",
                                           "en": "The van cannot arrive by the time asked; try an earlier time."},
    "stale_plan": {"ja": "配車計画が更新されました。もう一度お試しください。",
                   "en": "The vehicle plan changed meanwhile; try again."},
    # Tickets and payments.
    "ticket_invalid": {"ja": "この乗車券は無効です。", "en": "The ticket is not valid."},
    "ticket_revoked": {"ja": "この乗車券は取り消されています（予約の取消など）。",
                       "en": "The ticket has been revoked (the booking was cancelled)."},
    "too_early_to_unlock": {"ja": "この車両はまだご予約の時間になっていません。予約開始時刻から解錠できます。",
                            "en": "The vehicle is reserved for you from a later time; unlock it then."},
    "no_ticket": {"ja": "この予約には乗車券がありません（取り消された、成立しなかった、または乗車済みの予約です）。",
                  "en": "This booking has no ticket: it was cancelled, not completed or is over."},
    "ticket_not_valid_now": {"ja": "この乗車券は今は使えません。", "en": "The ticket is not valid now."},
    "payment_declined": {"ja": "お支払いができませんでした。別の方法をお試しください。",
                         "en": "The payment was declined."},
    "payment_unavailable": {"ja": "ただいま決済を利用できません。しばらくしてからお試しください。",
                            "en": "Payments are unavailable; try again shortly."},
    "webhook_rejected": {"ja": "通知を受け付けられませんでした。", "en": "The webhook was rejected."},
}

_reported: set[str] = set()


def message(code: str, language: Language, own: str | None = None, reason: str | None = None) -> str:
    """The envelope's message for `code` (or for `code.reason`, when the catalogue has it): the
    catalogue's Japanese, or the error's own English."""
    entry = CATALOGUE.get(f"{code}.{reason}") if reason else None
    entry = entry or CATALOGUE.get(code)
    if entry is None:
        if code not in _reported:
            _reported.add(code)
            log.warning("error code %r has no entry in the message catalogue", code)
        return own or code
    if language == "en" and own:
        return own
    return entry.get(language) or own or entry["en"]
