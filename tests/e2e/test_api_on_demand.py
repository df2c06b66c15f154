"""のりあい号 through the API, wired as `make run` wires it (maas-operators.json, rides in the
database): riders and call-centre staff quote, book, see and cancel; the operator's system
fetches manifests and reports pickups, drop-offs and no-shows; bad input gets a 4xx envelope
and stores nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from maas.domain.accounts import Role
from tests.e2e.vans_app import HOME, HOSPITAL, NOW, vans_app

pytestmark = pytest.mark.sqlite_only  # PostgreSQL adds nothing here: docs/guide.md, section 5

VALLEY = {"lat": 36.4245, "lon": 138.8655}
BASE = "/v1/on-demand/noriai"


@pytest.fixture
async def api(aiohttp_client, database_url, tmp_path, fast_hasher):
    app = await vans_app(aiohttp_client, database_url, tmp_path, fast_hasher)

    async def session(role: Role, email: str) -> dict[str, str]:
        account_id, headers = await app.sign_up(email, role)
        return {**headers, "X-Account": account_id}

    yield {"client": app.client, "clock": app.clock, "session": session, "driver": await app.noriai_key()}


def quote_body(**extra) -> dict:
    return {"origin": HOME, "destination": HOSPITAL, "depart_at": "2026-11-24T11:00:00+09:00", **extra}


async def quote_and_book(client, headers, key: str, **extra) -> dict:
    quoted = await client.post(f"{BASE}/quotes", json=quote_body(**extra), headers=headers)
    assert quoted.status == 200, await quoted.text()
    offer = await quoted.json()
    booked = await client.post(f"{BASE}/rides", json={"offer_id": offer["offer_id"], "rider_name": "山田花子"},
                               headers={**headers, "Idempotency-Key": key})
    assert booked.status == 201, await booked.text()
    return await booked.json()


async def test_a_rider_books_sees_and_cancels_a_ride(api) -> None:
    client = api["client"]
    rider = await api["session"](Role.RIDER, "hanako@example.jp")
    quoted = await client.post(f"{BASE}/quotes", json=quote_body(), headers={**rider, "Accept-Language": "en"})
    offer = await quoted.json()
    assert quoted.status == 200 and offer["price"] == {"amount_minor": 300, "currency": "JPY"}
    assert offer["conditions"]["notes"][0].startswith("pickup between 11:00")
    headers = {**rider, "Idempotency-Key": "tap-1"}
    booked = await client.post(f"{BASE}/rides", json={"offer_id": offer["offer_id"]}, headers=headers)
    ride = await booked.json()
    assert booked.status == 201 and ride["state"] == "CONFIRMED"
    assert ride["pickup_from"] <= offer["pickup_at"] <= ride["pickup_until"]
    retry = await client.post(f"{BASE}/rides", json={"offer_id": offer["offer_id"]}, headers=headers)
    assert retry.status == 201 and (await retry.json())["id"] == ride["id"]  # the same ride, not a second
    listed = await (await client.get(f"{BASE}/rides?date=2026-11-24", headers=rider)).json()
    assert [r["id"] for r in listed["items"]] == [ride["id"]]
    seen = await client.get(f"{BASE}/rides/{ride['id']}", headers=rider)
    assert seen.status == 200 and (await seen.json())["vehicle_id"] in {"noriai-1", "noriai-2"}
    cancelled = await client.post(f"{BASE}/rides/{ride['id']}/cancel", headers=rider)
    assert cancelled.status == 200 and (await cancelled.json())["state"] == "CANCELLED"
    again = await client.post(f"{BASE}/rides/{ride['id']}/cancel", headers=rider)
    assert again.status == 200 and (await again.json())["state"] == "CANCELLED"


async def test_riders_see_only_their_own_rides_and_agents_book_for_them(api) -> None:
    client = api["client"]
    hanako = await api["session"](Role.RIDER, "hanako@example.jp")
    taro = await api["session"](Role.RIDER, "taro@example.jp")
    agent = await api["session"](Role.AGENT, "callcentre@example.jp")
    ride = await quote_and_book(client, hanako, "h1")
    assert (await client.get(f"{BASE}/rides/{ride['id']}", headers=taro)).status == 404
    assert (await client.post(f"{BASE}/rides/{ride['id']}/cancel", headers=taro)).status == 404
    assert (await (await client.get(f"{BASE}/rides", headers=taro)).json())["items"] == []
    # The call centre books for Taro by phone, and sees everybody's rides. A quote the agent took for
    # themselves is not Taro's (403); one taken for him is.
    own = await (await client.post(f"{BASE}/quotes", json=quote_body(), headers=agent)).json()
    refused = await client.post(f"{BASE}/rides", json={"offer_id": own["offer_id"], "for_rider": taro["X-Account"]},
                                headers={**agent, "Idempotency-Key": "phone-0"})
    assert refused.status == 403 and (await refused.json())["error"]["code"] == "offer_not_yours"
    quoted = await (await client.post(f"{BASE}/quotes", json=quote_body(for_rider=taro["X-Account"]),
                                      headers=agent)).json()
    booked = await client.post(f"{BASE}/rides", json={"offer_id": quoted["offer_id"], "for_rider": taro["X-Account"],
                                                      "rider_name": "佐藤太郎"},
                               headers={**agent, "Idempotency-Key": "phone-1"})
    assert booked.status == 201, await booked.text()
    taros = await (await client.get(f"{BASE}/rides", headers=taro)).json()
    assert [r["id"] for r in taros["items"]] == [(await booked.json())["id"]]
    everyone = await (await client.get(f"{BASE}/rides", headers=agent)).json()
    assert len(everyone["items"]) == 2
    # A rider cannot book for somebody else.
    other = await (await client.post(f"{BASE}/quotes", json=quote_body(), headers=hanako)).json()
    refused = await client.post(f"{BASE}/rides", json={"offer_id": other["offer_id"], "for_rider": taro["X-Account"]},
                                headers={**hanako, "Idempotency-Key": "h2"})
    assert refused.status == 422


async def test_drivers_fetch_manifests_and_report(api) -> None:
    client, driver = api["client"], api["driver"]
    rider = await api["session"](Role.RIDER, "hanako@example.jp")
    a = await quote_and_book(client, rider, "a")
    b = await quote_and_book(client, rider, "b", depart_at="2026-11-24T11:05:00+09:00")
    response = await client.get(f"{BASE}/manifests?date=2026-11-24", headers=driver)
    assert response.status == 200, await response.text()
    manifests = (await response.json())["items"]
    stops = [s for m in manifests for s in m["stops"] if s["kind"] != "break"]
    # Each driver's hour of rest at the depot is on the run, starting between 11:30 and 13:30.
    assert all(sum(s["kind"] == "break" for s in m["stops"]) <= 1 for m in manifests)
    assert {(s["ride_id"], s["kind"]) for s in stops} == {(a["id"], "pickup"), (a["id"], "drop_off"),
                                                          (b["id"], "pickup"), (b["id"], "drop_off")}
    assert all(s["rider_name"] == "山田花子" for s in stops)
    # Riders and other operators do not see manifests.
    assert (await client.get(f"{BASE}/manifests?date=2026-11-24", headers=rider)).status == 403
    api["clock"].at = dt.datetime.fromisoformat(a["pickup_from"])
    picked = await client.post(f"{BASE}/rides/{a['id']}/reports", json={"kind": "picked_up"}, headers=driver)
    assert picked.status == 200 and (await picked.json())["state"] == "STARTED"
    no_show = await client.post(f"{BASE}/rides/{b['id']}/reports", json={"kind": "no_show"},
                                headers={**driver, "Accept-Language": "en"})
    assert no_show.status == 200 and (await no_show.json())["reason"] == "no-show"
    late_no_show = await client.post(f"{BASE}/rides/{a['id']}/reports", json={"kind": "no_show"}, headers=driver)
    assert late_no_show.status == 409
    dropped = await client.post(f"{BASE}/rides/{a['id']}/reports", json={"kind": "dropped_off"}, headers=driver)
    assert dropped.status == 200 and (await dropped.json())["state"] == "FINISHED"
    assert (await client.post(f"{BASE}/rides/{a['id']}/reports", json={"kind": "picked_up"},
                              headers=rider)).status == 403
    one = await client.get(f"{BASE}/manifests?date=2026-11-24&vehicle_id=noriai-9", headers=driver)
    assert one.status == 404


@pytest.mark.parametrize("body, status, code", [
    (quote_body(origin=VALLEY), 422, "ride_refused"),
    (quote_body(depart_at="2026-11-24T09:30:00+09:00"), 422, "ride_refused"),  # under 60 min notice
    (quote_body(depart_at="2026-11-28T10:00:00+09:00"), 422, "ride_refused"),  # Saturday
    (quote_body(travellers=9), 422, "ride_refused"),  # no van has 9 seats
    (quote_body(travellers=0), 422, "invalid_request"),
    (quote_body(needs=["jetpack"]), 422, "invalid_request"),
    (quote_body(origin={"lat": 95, "lon": 138.9}), 422, "invalid_request"),
    (quote_body(depart_at="2026-11-24T11:00:00"), 422, "invalid_request"),  # no UTC offset
    ({"origin": HOME}, 422, "invalid_request"),
])
async def test_bad_quotes_get_clear_errors_and_store_nothing(api, body, status, code) -> None:
    client = api["client"]
    rider = await api["session"](Role.RIDER, "hanako@example.jp")
    response = await client.post(f"{BASE}/quotes", json=body, headers=rider)
    assert response.status == status, await response.text()
    error = (await response.json())["error"]
    assert error["code"] == code
    if code == "ride_refused":
        assert error["fields"]["refusal"] in {"outside_area", "notice_too_short", "outside_hours", "party_too_large"}
    assert (await (await client.get(f"{BASE}/rides", headers=rider)).json())["items"] == []


async def test_bad_bookings_get_clear_errors(api) -> None:
    client = api["client"]
    rider = await api["session"](Role.RIDER, "hanako@example.jp")
    offer = await (await client.post(f"{BASE}/quotes", json=quote_body(), headers=rider)).json()
    no_key = await client.post(f"{BASE}/rides", json={"offer_id": offer["offer_id"]}, headers=rider)
    assert no_key.status == 422 and (await no_key.json())["error"]["fields"] == {"Idempotency-Key": "required"}
    unknown = await client.post(f"{BASE}/rides", json={"offer_id": "noriai-offer-x"},
                                headers={**rider, "Idempotency-Key": "u"})
    assert unknown.status == 404
    api["clock"].at = NOW + dt.timedelta(minutes=6)
    expired = await client.post(f"{BASE}/rides", json={"offer_id": offer["offer_id"]},
                                headers={**rider, "Idempotency-Key": "late"})
    assert expired.status == 409 and (await expired.json())["error"]["code"] == "offer_expired"
    assert (await client.post("/v1/on-demand/yamabuki-kotsu-taxi/quotes", json=quote_body(),
                              headers=rider)).status == 404
    assert (await client.post(f"{BASE}/quotes", json=quote_body())).status == 401
    assert (await (await client.get(f"{BASE}/rides", headers=rider)).json())["items"] == []


async def test_door_to_door_offers_the_van_to_the_station_and_direct(api) -> None:
    """From the north of the zone to 桐原, outside it: the van takes the rider to 山吹駅 for the train."""
    client = api["client"]
    response = await client.post("/v1/plan/door-to-door", headers={"Accept-Language": "en"}, json={
        "from": {"lat": 36.4150, "lon": 138.9100, "name": "若葉台の自宅"},
        "to": {"lat": 36.3850, "lon": 138.9410, "name": "桐原の診療所"},
        "depart_at": "2026-11-24T10:00:00+09:00", "max_options": 10})
    assert response.status == 200, await response.text()
    plan = await response.json()
    feeders = [o for o in plan["options"] if o["kind"] == "first_mile"
               and o["legs"][0]["mode"] == "on_demand" and o["legs"][0]["operator_id"] == "noriai"]
    assert feeders, [(o["kind"], [leg["mode"] for leg in o["legs"]]) for o in plan["options"]]
    van, *rest = feeders[0]["legs"]
    assert van["price"] == {"amount_minor": 300, "currency": "JPY"} and van["offer_id"].startswith("noriai-offer-")
    assert van["conditions"]["notes"][0].startswith("pickup between")
    assert any(leg["mode"] == "transit" for leg in rest)
    assert van["arrival"] <= next(leg for leg in rest if leg["mode"] == "transit")["departure"]
    # Inside the zone, the van also goes door to door.
    inside = await client.post("/v1/plan/door-to-door", json={
        "from": {"lat": 36.4005, "lon": 138.9000}, "to": {"lat": 36.412526, "lon": 138.91438},
        "depart_at": "2026-11-24T10:00:00+09:00"})
    options = (await inside.json())["options"]
    assert any(o["kind"] == "direct" and o["legs"][0]["mode"] == "on_demand" for o in options)


async def test_a_rider_quotes_the_van_to_arrive_by_a_time(api) -> None:
    client = api["client"]
    rider = await api["session"](Role.RIDER, "hanako@example.jp")
    quoted = await client.post(f"{BASE}/quotes", json=quote_body(arrive_by="2026-11-24T11:12:00+09:00"), headers=rider)
    assert quoted.status == 200, await quoted.text()
    offer = await quoted.json()
    assert offer["arrival"] <= offer["latest_arrival"] == "2026-11-24T11:12:00+09:00"
    plain = await (await client.post(f"{BASE}/quotes", json=quote_body(), headers=rider)).json()
    assert plain["latest_arrival"] > "2026-11-24T11:12:00+09:00"  # without arrive_by, the longest ride
    booked = await client.post(f"{BASE}/rides", json={"offer_id": offer["offer_id"]},
                               headers={**rider, "Idempotency-Key": "by-12"})
    ride = await booked.json()
    assert booked.status == 201 and ride["arrive_by"] == "2026-11-24T11:12:00+09:00"
    assert ride["latest_dropoff"] <= ride["arrive_by"]
    too_soon = await client.post(f"{BASE}/quotes", json=quote_body(arrive_by="2026-11-24T11:05:00+09:00"),
                                 headers={**rider, "Accept-Language": "en"})
    error = (await too_soon.json())["error"]
    assert too_soon.status == 422 and error["code"] == "ride_refused"
    assert error["fields"]["refusal"] == "cannot_arrive_in_time" and "cannot set you down by 11:05" in error["message"]
    in_japanese = await client.post(f"{BASE}/quotes", json=quote_body(arrive_by="2026-11-24T11:05:00+09:00"),
                                    headers={**rider, "Accept-Language": "ja"})
    assert (await in_japanese.json())["error"]["message"] == "ご希望の到着時刻までにお送りできません。早い時刻でお試しください。"
    naive = await client.post(f"{BASE}/quotes", json=quote_body(arrive_by="2026-11-24T11:12:00"), headers=rider)
    assert naive.status == 422 and "body.arrive_by" in (await naive.json())["error"]["fields"]
    assert [r["id"] for r in (await (await client.get(f"{BASE}/rides", headers=rider)).json())["items"]] == [ride["id"]]


async def test_a_direct_booking_shows_who_booked_and_a_refusal_names_offer_id(api) -> None:
    client = api["client"]
    hanako = await api["session"](Role.RIDER, "hanako@example.jp")
    taro = await api["session"](Role.RIDER, "taro@example.jp")
    ride = await quote_and_book(client, hanako, "h1")
    assert ride["booked_by"] == hanako["X-Account"]
    hers = await (await client.post(f"{BASE}/quotes", json=quote_body(), headers=hanako)).json()
    refused = await client.post(f"{BASE}/rides", json={"offer_id": hers["offer_id"]},
                                headers={**taro, "Idempotency-Key": "t1"})
    error = (await refused.json())["error"]
    assert refused.status == 403 and error["code"] == "offer_not_yours"
    assert error["fields"] == {"offer_id": hers["offer_id"]}
