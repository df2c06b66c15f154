"""What a rider reads, in Japanese by default and in English when asked (issue 13 item 8): the van's,
the taxi's and the bike's offer notes and descriptions, a cancelled booking's reason, the driver's
manifest, validation details, and the call centre finding a caller by the kana reading of a name."""

from __future__ import annotations

import re

from tests.journeys.conftest import AGENT, HARU, HOSPITAL, MISAKI, SHIGERU, STATION, TOWN_HALL, TRAVEL_DAY, Town, iso

BASE = "/v1/on-demand/noriai"
JA, EN = {"Accept-Language": "ja-JP"}, {"Accept-Language": "en"}
BRISK = {"walk_speed_mps": 1.3, "max_walk_m": 800, "min_transfer_s": 120}
WINDOW = re.compile(r"^\d\d:\d\d〜\d\d:\d\dの間にお迎え$")


def _no_english_sentence(text: str) -> bool:
    """Japanese text may name a plan or a vehicle in Latin letters, but has no English words."""
    return not re.search(r"\b(?:the|and|of|for|from|to|min|between|fare|free|cancelled|break)\b", text)


async def _quote_van(town: Town, email: str, language: dict, **extra) -> dict:
    response = await town.client.post(f"{BASE}/quotes", headers={**await town.sign_in(email), **language},
                                      json={"origin": TOWN_HALL, "destination": HOSPITAL,
                                            "depart_at": iso("10:00"), **extra})
    assert response.status == 200, await response.text()
    return await response.json()


async def test_the_vans_pickup_window_reads_in_the_riders_language(town: Town) -> None:
    ja = await _quote_van(town, HARU, JA)
    assert WINDOW.match(ja["conditions"]["notes"][0]), ja["conditions"]["notes"]
    assert ja["description"].startswith("のりあい号：") and ja["description"].endswith("の間にお迎え"), ja
    assert all(_no_english_sentence(note) for note in ja["conditions"]["notes"]), ja["conditions"]["notes"]
    en = await _quote_van(town, HARU, EN)
    assert re.match(r"^pickup between \d\d:\d\d and \d\d:\d\d$", en["conditions"]["notes"][0]), en
    assert en["description"].endswith(en["conditions"]["notes"][0])
    default = await _quote_van(town, HARU, {})  # no header: the town's default, Japanese
    assert WINDOW.match(default["conditions"]["notes"][0])


async def test_the_taxis_name_and_notes_read_in_the_riders_language(town: Town) -> None:
    shigeru = await town.sign_in(SHIGERU)
    taxis = {}
    for name, language in (("ja", JA), ("en", EN)):
        planned = await town.client.post("/v1/plan/door-to-door", headers={**shigeru, **language}, json={
            "from": TOWN_HALL, "to": HOSPITAL, "depart_at": iso("10:00"), "modes": ["taxi"]})
        assert planned.status == 200, await planned.text()
        taxis[name] = next(leg for o in (await planned.json())["options"] for leg in o["legs"] if leg["mode"] == "taxi")
    assert taxis["ja"]["description"] in {"タクシー", "車いす対応タクシー"}, taxis["ja"]
    assert taxis["en"]["description"] in {"Taxi", "Wheelchair taxi"}, taxis["en"]
    assert taxis["ja"]["conditions"]["notes"][0] == "メーター料金の見込みです。お支払いはメーターの表示額です。"
    assert all(_no_english_sentence(note) for note in taxis["ja"]["conditions"]["notes"]), taxis["ja"]
    assert taxis["en"]["conditions"]["notes"][0].startswith("Estimated meter fare")


async def test_a_bike_reserved_ahead_says_from_when_in_the_riders_language(town: Town) -> None:
    misaki = await town.sign_in(MISAKI)
    bikes = {}
    for name, language in (("ja", JA), ("en", EN)):
        planned = await town.client.post("/v1/plan/door-to-door", headers={**misaki, **language}, json={
            "from": TOWN_HALL, "to": STATION, "depart_at": iso("09:30"), "modes": ["bike"], "profile": BRISK})
        assert planned.status == 200, await planned.text()
        bikes[name] = next(leg for o in (await planned.json())["options"] for leg in o["legs"] if leg["mode"] == "bike")
    held = bikes["ja"]["conditions"]["notes"][0]
    assert re.match(r"^09:3\dから\d+分間、車両を確保します。", held), held  # read in Tokyo time, not ISO
    said = [*bikes["ja"]["conditions"]["notes"], bikes["ja"]["description"]]
    assert all(_no_english_sentence(n) for n in said), said
    assert bikes["en"]["conditions"]["notes"][0].startswith("The vehicle is reserved from ")
    assert " m away " in bikes["en"]["description"]


async def test_a_cancelled_bookings_reason_reads_in_the_riders_language(town: Town) -> None:
    haru = await town.sign_in(HARU)
    offer = await _quote_van(town, HARU, JA)
    booked = await town.client.post("/v1/bookings", headers={**haru, "Idempotency-Key": "lang-cancel"},
                                    json={"offer_ids": [offer["offer_id"]], "payment_method": "pm_card_visa"})
    assert booked.status == 201, await booked.text()
    booking_id = (await booked.json())["id"]
    cancelled = await town.client.post(f"/v1/bookings/{booking_id}/cancel", headers={**haru, **JA})
    assert cancelled.status == 200, await cancelled.text()
    assert (await cancelled.json())["reason"] == "取り消しました。料金はかかりません"
    en = await (await town.client.get(f"/v1/bookings/{booking_id}", headers={**haru, **EN})).json()
    assert en["reason"] == "cancelled free of charge"
    ja = await (await town.client.get(f"/v1/bookings/{booking_id}", headers=haru)).json()
    assert all(_no_english_sentence(leg["reason"]) for leg in ja["legs"]), ja["legs"]
    assert [leg["state"] for leg in ja["legs"]] == [leg["state"] for leg in en["legs"]]


async def test_the_drivers_manifest_names_the_break_in_the_drivers_language(town: Town) -> None:
    driver = town.operator_keys["noriai"]
    haru = await town.sign_in(HARU)
    offer = await _quote_van(town, HARU, JA)
    booked = await town.client.post("/v1/bookings", headers={**haru, "Idempotency-Key": "lang-manifest"},
                                    json={"offer_ids": [offer["offer_id"]], "payment_method": "pm_card_visa"})
    assert booked.status == 201, await booked.text()
    url = f"{BASE}/manifests?date={TRAVEL_DAY.isoformat()}"
    breaks = {}
    for name, language in (("ja", JA), ("en", EN)):
        response = await town.client.get(url, headers={**driver, **language})
        assert response.status == 200, await response.text()
        breaks[name] = [s["rider_name"] for m in (await response.json())["items"] for s in m["stops"]
                        if s["kind"] == "break"]
    assert breaks["en"] and all(re.match(r"^\d+ min break$", b) for b in breaks["en"]), breaks
    assert breaks["ja"] == [b.replace(" min break", "分の休憩") for b in breaks["en"]]


async def test_validation_details_read_in_the_riders_language(town: Town) -> None:
    haru = await town.sign_in(HARU)
    bad = {"origin": TOWN_HALL, "destination": HOSPITAL, "travellers": 0}  # no depart_at, too few travellers
    ja = await town.client.post(f"{BASE}/quotes", headers={**haru, **JA}, json=bad)
    en = await town.client.post(f"{BASE}/quotes", headers={**haru, **EN}, json=bad)
    assert ja.status == en.status == 422
    ja_fields, en_fields = (await ja.json())["error"]["fields"], (await en.json())["error"]["fields"]
    assert ja_fields.keys() == en_fields.keys() and "body.depart_at" in ja_fields, ja_fields
    assert en_fields["body.depart_at"] == "Field required" and ja_fields["body.depart_at"] == "必須項目です"
    assert ja_fields["body.travellers"] == "1以上にしてください", ja_fields
    assert en_fields["body.travellers"] == "Input should be greater than or equal to 1"


async def test_the_call_centre_finds_a_caller_by_the_kana_reading(town: Town) -> None:
    agent = await town.sign_in(AGENT)

    async def found(q: str) -> list[str]:
        response = await town.client.get("/v1/accounts", params={"q": q, "role": "rider"}, headers=agent)
        assert response.status == 200, await response.text()
        return [a["email"] for a in (await response.json())["items"]]

    for q in ("さとう", "サトウ", "ｻﾄｳ", "さとう はる", "サトウハル", "佐藤", "sato"):
        assert await found(q) == [HARU], q
    assert await found("すずき　みさき") == [MISAKI]
    haru = await (await town.client.get("/v1/accounts", params={"q": "はる"}, headers=agent)).json()
    assert haru["items"][0]["display_name_kana"] == "サトウ ハル"
    for q in ("さとう%", "さ_う", "ばなな"):  # LIKE wildcards are letters, not patterns
        assert await found(q) == [], q


async def test_a_kana_reading_must_be_kana(town: Town) -> None:
    agent = await town.sign_in(AGENT)
    body = {"email": "hanako.kato@demo.maas.example", "password": "a-long-password", "display_name": "加藤 花子"}
    for wrong in ("Kato Hanako", "加藤", ""):
        refused = await town.client.post("/v1/accounts", headers={**agent, **EN},
                                         json={**body, "display_name_kana": wrong})
        assert refused.status == 422 and "body.display_name_kana" in (await refused.json())["error"]["fields"], wrong
    assert (await town.client.get("/v1/accounts", params={"q": "加藤"}, headers=agent)).status == 200
    assert (await (await town.client.get("/v1/accounts", params={"q": "加藤"}, headers=agent)).json())["items"] == []
    opened = await town.client.post("/v1/accounts", headers=agent, json={**body, "display_name_kana": "かとう はなこ"})
    assert opened.status == 201, await opened.text()
    found = await (await town.client.get("/v1/accounts", params={"q": "カトウ"}, headers=agent)).json()
    assert [a["display_name"] for a in found["items"]] == ["加藤 花子"]
