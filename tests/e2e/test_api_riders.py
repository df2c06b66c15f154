"""Riders' identity through the API, with the demo's operators and fare rules: the call centre finds
callers and acts for riders only; an offer is booked only by the rider it was issued for; a van ride is
one record at one price whichever way it was booked; bad input stores nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from maas.domain.accounts import Role
from payments.on_board import OnBoardGateway
from tests.e2e.vans_app import DEMO, HOME, HOSPITAL, PASSWORD, vans_app

RIDES = "/v1/on-demand/noriai/rides"
PEOPLE = {
    "haru": dict(display_name="佐藤 ハル", role=Role.RIDER, birth_date=dt.date(1941, 5, 12), resident=True,
                 needs=("walking_aid",), phone="0274-52-1101", member_no="YMB-01001"),
    "shigeru": dict(display_name="高橋 茂", role=Role.RIDER, birth_date=dt.date(1948, 9, 3), resident=True,
                    needs=("wheelchair",), phone="0274-52-1112", member_no="YMB-01002"),
    "misaki": dict(display_name="鈴木 美咲", role=Role.RIDER, birth_date=dt.date(1990, 7, 15), resident=True),
    "agent": dict(display_name="中村 さくら", role=Role.AGENT),
    "analyst": dict(display_name="山田 浩二", role=Role.ANALYST),
}


@pytest.fixture
async def api(aiohttp_client, database_url, tmp_path, fast_hasher):
    app = await vans_app(aiohttp_client, database_url, tmp_path, fast_hasher, fare_rules=DEMO / "fare-rules.json",
                         payments=lambda clock: OnBoardGateway(now=clock.now))
    people = {}
    for name, values in PEOPLE.items():
        account_id, headers = await app.sign_up(f"{name}@example.jp", **values)
        people[name] = {"id": account_id, "headers": headers}
    yield {"client": app.client, "container": app.container, **people}


async def quote(api, who: str, **extra) -> dict:
    body = {"origin": HOME, "destination": HOSPITAL, "depart_at": "2026-11-24T11:00:00+09:00", **extra}
    answer = await api["client"].post("/v1/on-demand/noriai/quotes", json=body, headers=api[who]["headers"])
    assert answer.status == 200, await answer.text()
    return await answer.json()


async def book(api, who: str, offer_ids: list[str], key: str, **extra):
    return await api["client"].post("/v1/bookings", json={"offer_ids": offer_ids, **extra},
                                    headers={**api[who]["headers"], "Idempotency-Key": key})


async def test_the_call_centre_finds_a_caller_by_name_phone_or_member_number(api) -> None:
    client, agent = api["client"], api["agent"]["headers"]

    async def search(q: str, headers=agent) -> list[str]:
        found = await client.get("/v1/accounts", params={"q": q}, headers=headers)
        assert found.status == 200, await found.text()
        return [a["display_name"] for a in (await found.json())["items"]]

    assert await search("ハル") == await search("佐藤ハル") == await search("佐藤 ハル") == ["佐藤 ハル"]
    assert await search("0274521112") == await search("0274-52-1112") == ["高橋 茂"]
    assert await search("YMB-01001") == ["佐藤 ハル"]
    assert await search("HARU@EXAMPLE") == ["佐藤 ハル"]
    assert await search("%%") == await search("__") == await search("YMB") == []  # no wildcards, no prefixes
    assert sorted(await search("0274")) == ["佐藤 ハル", "高橋 茂"]
    assert (await client.get("/v1/accounts", params={"q": "ハ"}, headers=agent)).status == 422
    assert (await client.get("/v1/accounts", params={"q": "ハル"}, headers=api["haru"]["headers"])).status == 403
    # A member number is one person's; a phone number is digits.
    taken = await client.post("/v1/accounts", headers=agent, json={
        "email": "other@example.jp", "password": PASSWORD, "display_name": "他人", "member_no": "YMB-01001"})
    assert taken.status == 409 and (await taken.json())["error"]["fields"] == {"member_no": "already registered"}
    bad = await client.post("/v1/accounts", headers=agent, json={
        "email": "other@example.jp", "password": PASSWORD, "display_name": "他人", "phone": "call me"})
    assert bad.status == 422
    assert await search("他人") == []


async def test_a_quote_is_for_the_rider_and_nobody_else_books_it(api) -> None:
    client = api["client"]
    offer = await quote(api, "agent", for_rider=api["shigeru"]["id"])
    assert offer["vehicle_type"] == "wheelchair_van"  # his account's wheelchair, not asked for by the agent
    for who, extra in (("misaki", {}), ("haru", {}), ("agent", {"for_rider": api["haru"]["id"]})):
        taken = await client.post(RIDES, json={"offer_id": offer["offer_id"], **extra},
                                  headers={**api[who]["headers"], "Idempotency-Key": f"steal-{who}"})
        assert taken.status == 403 and (await taken.json())["error"]["code"] == "offer_not_yours", who
        stolen = await book(api, who, [offer["offer_id"]], f"steal-trip-{who}", **extra)
        assert stolen.status == 403 and (await stolen.json())["error"]["code"] == "offer_not_yours", who
    agent_rides = await (await client.get(RIDES, headers=api["agent"]["headers"])).json()
    assert agent_rides["items"] == []  # nothing was booked by the refusals
    booked = await client.post(RIDES, json={"offer_id": offer["offer_id"], "for_rider": api["shigeru"]["id"]},
                               headers={**api["agent"]["headers"], "Idempotency-Key": "phone-1"})
    assert booked.status == 201, await booked.text()
    ride = await booked.json()
    assert ride["wheelchairs"] == 1 and ride["needs"] == ["wheelchair"]
    assert (ride["rider_name"], ride["booked_by"]) == ("高橋 茂", api["agent"]["id"])
    mine = (await (await client.get(RIDES, headers=api["shigeru"]["headers"])).json())["items"]
    assert [(r["id"], r["booked_by"]) for r in mine] == [(ride["id"], api["agent"]["id"])]
    container = api["container"]
    await container.operators.register(operator_id="noriai", name="のりあい号", name_en="Noriai", mode="shuttle",
                                       kind="on-demand")
    driver = {"Authorization": f"Bearer {(await container.auth.issue_api_key('noriai', 'tablet')).secret}"}
    manifests = await (await client.get("/v1/on-demand/noriai/manifests?date=2026-11-24", headers=driver)).json()
    names = {s["rider_name"] for m in manifests["items"] for s in m["stops"] if s["ride_id"] == ride["id"]}
    assert names == {"高橋 茂"}


async def test_staff_act_only_for_riders_and_riders_only_for_themselves(api) -> None:
    client = api["client"]
    offer = await quote(api, "haru")
    for who, for_rider, status, code in (("agent", api["analyst"]["id"], 422, "not_a_rider"),
                                         ("agent", api["agent"]["id"], 201, None),  # herself: not acting
                                         ("agent", "acc_nobody", 404, "not_found"),
                                         ("misaki", api["haru"]["id"], 422, "invalid_request")):
        refused = await book(api, who, [offer["offer_id"]], f"k-{who}-{for_rider}", for_rider=for_rider)
        if status == 201:  # booking the offer as herself is booking someone else's offer
            assert refused.status == 403, await refused.text()
            continue
        assert refused.status == status and (await refused.json())["error"]["code"] == code, await refused.text()
        quoted = await client.post("/v1/on-demand/noriai/quotes", headers=api[who]["headers"], json={
            "origin": HOME, "destination": HOSPITAL, "depart_at": "2026-11-24T11:00:00+09:00", "for_rider": for_rider})
        assert quoted.status == status, await quoted.text()
    planned = await client.post("/v1/plan/door-to-door", headers=api["agent"]["headers"], json={
        "from": HOME, "to": HOSPITAL, "depart_at": "2026-11-24T11:00:00+09:00", "modes": ["on_demand"],
        "for_rider": api["haru"]["id"]})
    vans = [leg for o in (await planned.json())["options"] for leg in o["legs"] if leg["mode"] == "on_demand"]
    assert vans and all(v["rider_price"]["amount_minor"] == 100 for v in vans), await planned.text()
    plain = await client.post("/v1/plan/door-to-door", json={
        "from": HOME, "to": HOSPITAL, "depart_at": "2026-11-24T11:00:00+09:00", "modes": ["on_demand"]})
    vans = [leg for o in (await plain.json())["options"] for leg in o["legs"] if leg["mode"] == "on_demand"]
    assert vans and all(v["rider_price"] == v["price"] for v in vans)
    anonymous = await client.post("/v1/plan/door-to-door", json={
        "from": HOME, "to": HOSPITAL, "depart_at": "2026-11-24T11:00:00+09:00", "for_rider": api["haru"]["id"]})
    assert anonymous.status == 401
    assert (await client.get("/v1/bookings", params={"rider": api["haru"]["id"]},
                             headers=api["misaki"]["headers"])).status == 422
    assert (await (await client.get("/v1/bookings", params={"rider": api["haru"]["id"]},
                                    headers=api["agent"]["headers"])).json())["items"] == []


async def test_a_van_ride_is_one_record_at_one_price_whichever_way_it_is_booked(api) -> None:
    client, haru = api["client"], api["haru"]["headers"]
    quoted = await quote(api, "haru")
    assert (quoted["price"]["amount_minor"], quoted["rider_price"]["amount_minor"]) == (300, 100)
    direct = await client.post(RIDES, json={"offer_id": quoted["offer_id"]},
                               headers={**haru, "Idempotency-Key": "direct"})
    assert direct.status == 201, await direct.text()
    ride = await direct.json()
    assert ride["price"]["amount_minor"] == 300 and ride["rider_price"]["amount_minor"] == 100
    assert ride["subsidy"]["amount_minor"] == 200
    trip = await book(api, "haru", [(await quote(api, "haru", depart_at="2026-11-24T13:00:00+09:00"))["offer_id"]],
                      "trip")
    assert trip.status == 201, await trip.text()
    leg = (await trip.json())["legs"][0]
    assert leg["rider_price"]["amount_minor"] == 100
    mine = (await (await client.get(RIDES, headers=haru)).json())["items"]
    assert {r["id"]: r["rider_price"]["amount_minor"] for r in mine} == {ride["id"]: 100,
                                                                         leg["operator_booking_id"]: 100}
    seen = await client.get(f"{RIDES}/{leg['operator_booking_id']}", headers=haru)
    assert seen.status == 200 and (await seen.json())["state"] == "CONFIRMED"
    # The trip's ride is cancelled with its trip, never alone behind the booking's back.
    alone = await client.post(f"{RIDES}/{leg['operator_booking_id']}/cancel", headers=haru)
    assert alone.status == 409 and (await alone.json())["error"]["fields"] == {"booking_id": (await trip.json())["id"]}
    assert (await (await client.get(f"{RIDES}/{leg['operator_booking_id']}", headers=haru)).json())["state"] == "CONFIRMED"
    assert (await client.get(f"{RIDES}/{leg['operator_booking_id']}", headers=api["misaki"]["headers"])).status == 404
    # A younger rider pays the operator's fare on either path.
    misaki_ride = await client.post(RIDES, json={"offer_id": (await quote(api, "misaki"))["offer_id"]},
                                    headers={**api["misaki"]["headers"], "Idempotency-Key": "m"})
    assert (await misaki_ride.json())["rider_price"]["amount_minor"] == 300


async def test_an_agent_books_cancels_and_buys_passes_for_a_rider_and_is_recorded(api) -> None:
    client, agent, haru_id = api["client"], api["agent"]["headers"], api["haru"]["id"]
    offer = await quote(api, "agent", for_rider=haru_id)
    booked = await book(api, "agent", [offer["offer_id"]], "call-1", for_rider=haru_id)
    assert booked.status == 201, await booked.text()
    trip = await booked.json()
    assert (trip["account_id"], trip["booked_by"], trip["legs"][0]["rider_price"]["amount_minor"]) == (
        haru_id, api["agent"]["id"], 100)
    again = await book(api, "agent", [offer["offer_id"]], "call-1", for_rider=haru_id)
    assert again.status == 200 and (await again.json())["id"] == trip["id"]
    # Cancelling names the rider: someone else's booking is not found, and nothing changes.
    wrong = await client.post(f"/v1/bookings/{trip['id']}/cancel", params={"for_rider": api["misaki"]["id"]},
                              headers=agent)
    assert wrong.status == 404
    assert (await (await client.get(f"/v1/bookings/{trip['id']}", headers=agent)).json())["state"] == "CONFIRMED"
    done = await client.post(f"/v1/bookings/{trip['id']}/cancel", params={"for_rider": haru_id}, headers=agent)
    assert done.status == 200 and (await done.json())["cancelled_by"] == api["agent"]["id"]
    # Passes: bought for a rider on the rider's eligibility; never by staff for themselves.
    silver = {"product_id": "silver-30"}
    assert (await client.post("/v1/passes", json=silver, headers={**agent, "Idempotency-Key": "p0"})).status == 403
    young = await client.post("/v1/passes", json={**silver, "for_rider": api["misaki"]["id"]},
                              headers={**agent, "Idempotency-Key": "p1"})
    assert young.status == 403
    bought = await client.post("/v1/passes", json={**silver, "for_rider": haru_id},
                               headers={**agent, "Idempotency-Key": "p2"})
    assert bought.status == 201, await bought.text()
    pass_ = await bought.json()
    assert (pass_["account_id"], pass_["bought_by"]) == (haru_id, api["agent"]["id"])
    hers = await (await client.get("/v1/passes", headers=api["haru"]["headers"])).json()
    assert [p["id"] for p in hers["items"]] == [pass_["id"]]
    listed = await (await client.get("/v1/passes", params={"rider": haru_id}, headers=agent)).json()
    assert [p["id"] for p in listed["items"]] == [pass_["id"]]
    assert (await client.get("/v1/passes", params={"rider": haru_id}, headers=api["misaki"]["headers"])).status == 422
