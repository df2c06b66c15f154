"""The rider's data under their control (docs/privacy.md), in the settled town of tests/e2e/conftest.py:
concessions only on verified claims, export, correction, deletion leaving nothing of theirs in a
full dump of the database while the settlement still adds up, and the access log."""

from __future__ import annotations

import datetime as dt

import pytest

from maas.domain.accounts import NewAccount, Principal, Role
from maas.domain.mobility import TripEvent, TripEventKind
from tests.databases import dump_database
from tests.e2e.demo_bookings import HOSPITAL, NOW, PASSWORD, SYSTEM, book_trip

PERIOD = "from=2026-11-24T00:00:00%2B09:00&to=2026-11-25T00:00:00%2B09:00"
HOME = {"lat": 36.40537, "lon": 138.90213}  # precise, so a dump would show it; near the demo's HOME
NAME, PHONE = "佐藤 ハル", "0274529876"


@pytest.fixture
def town(settled_town):
    return settled_town


async def _staff(town, email: str, role: Role = Role.AGENT) -> tuple[str, dict[str, str]]:
    account = await town["container"].auth.register(NewAccount(email=email, display_name="Agent Ito", role=role,
                                                               password=PASSWORD), by=SYSTEM)
    token = (await (await town["client"].post("/v1/auth/token", json={"email": email, "password": PASSWORD})).json())
    return account.id, {"Authorization": f"Bearer {token['token']}"}


async def _van_price(town, headers: dict[str, str], depart_at: str, key: str) -> dict:
    client = town["client"]
    quote = await client.post("/v1/on-demand/noriai/quotes", headers=headers, json={
        "origin": HOME, "destination": HOSPITAL, "depart_at": depart_at})
    assert quote.status == 200, await quote.text()
    booked = await client.post("/v1/bookings", json={"offer_ids": [(await quote.json())["offer_id"]]},
                               headers={**headers, "Idempotency-Key": key})
    assert booked.status == 201, await booked.text()
    return await booked.json()


async def test_a_self_declared_85_pays_full_fare_until_an_agent_verifies_the_claim(town) -> None:
    client = town["client"]
    signup = await client.post("/v1/auth/register", json={
        "email": "kiyo@example.jp", "password": PASSWORD, "display_name": "Kiyo", "birth_date": "1941-03-03",
        "resident": True})
    assert signup.status == 201
    kiyo_id = (await signup.json())["id"]
    token = (await (await client.post("/v1/auth/token", json={"email": "kiyo@example.jp",
                                                              "password": PASSWORD})).json())["token"]
    kiyo = {"Authorization": f"Bearer {token}"}
    first = await _van_price(town, kiyo, "2026-11-24T11:00:00+09:00", "k1")
    assert (first["legs"][0]["rider_price"]["amount_minor"], first["legs"][0]["subsidy"]["amount_minor"]) == (300, 0)

    claims = (await (await client.get("/v1/me/claims", headers=kiyo)).json())["items"]
    assert {(c["type"], c["value"], c["status"]) for c in claims} == {("age", "1941-03-03", "declared"),
                                                                      ("residency", "resident", "declared")}
    agent_id, agent = await _staff(town, "ito@example.jp")
    url = f"/v1/accounts/{kiyo_id}/claims"
    # A rider cannot verify (not even their own); staff must name the document.
    own = await client.post(f"{url}/{claims[0]['id']}/verify", json={"document_type": "my_number_card"}, headers=kiyo)
    assert own.status == 403
    bare = await client.post(f"{url}/{claims[0]['id']}/verify", json={}, headers=agent)
    assert bare.status == 422 and "body.document_type" in (await bare.json())["error"]["fields"]
    for claim in claims:
        done = await client.post(f"{url}/{claim['id']}/verify", headers=agent,
                                 json={"document_type": "my_number_card", "valid_until": "2027-03-31"})
        assert done.status == 200 and (await done.json())["decided_by"] == agent_id
    again = await client.post(f"{url}/{claims[0]['id']}/verify", json={"document_type": "passport"}, headers=agent)
    assert again.status == 409 and (await again.json())["error"]["code"] == "claim_not_pending"

    second = await _van_price(town, kiyo, "2026-11-24T11:30:00+09:00", "k2")
    assert (second["legs"][0]["rider_price"]["amount_minor"], second["legs"][0]["rules"]) == (100, ["noriai-senior-copay"])
    # Correcting the birth date is a new claim: declared, worth nothing until verified again.
    patched = await client.patch("/v1/me", json={"birth_date": "1961-03-03"}, headers=kiyo)
    assert patched.status == 200 and (await patched.json())["birth_date"] == "1961-03-03"
    statuses = {(c["value"], c["status"]) for c in (await (await client.get("/v1/me/claims", headers=kiyo)).json())["items"]
                if c["type"] == "age"}
    assert statuses == {("1941-03-03", "verified"), ("1961-03-03", "declared")}
    log = (await (await client.get("/v1/me/access-log", headers=kiyo)).json())["items"]
    assert {e["action"] for e in log} >= {"verify_claim:age", "verify_claim:residency"}
    assert {e["actor_id"] for e in log} == {agent_id}


async def _settle(town, booking: dict) -> None:
    client = town["client"]
    van, shuttle = booking["legs"]
    town["clock"].at = NOW + dt.timedelta(hours=2)
    for kind in ("picked_up", "dropped_off"):
        reported = await client.post(f"/v1/on-demand/noriai/rides/{van['operator_booking_id']}/reports",
                                     json={"kind": kind}, headers=town["driver"])
        assert reported.status == 200, await reported.text()
    for kind in (TripEventKind.STARTED, TripEventKind.FINISHED):
        await town["shuttle"].receive_event(TripEvent(booking_id=shuttle["operator_booking_id"], kind=kind,
                                                      at=town["clock"].at))
    town["clock"].at = NOW + dt.timedelta(hours=4)
    await town["container"].bookings.check_all()
    assert (await town["container"].bookings.get(SYSTEM, booking["id"])).state.value == "SETTLED"


async def _statements(town) -> tuple:
    client = town["client"]
    noriai = await (await client.get(f"/v1/settlement/operators/noriai?{PERIOD}", headers=town["driver"])).json()
    town_hall = await (await client.get(f"/v1/settlement/subsidies?{PERIOD}", headers=town["analyst"])).json()
    return noriai["due"], noriai["from_riders"], noriai["from_municipality"], town_hall["total"], town_hall["legs"]


async def test_deleting_a_rider_leaves_none_of_their_data_and_the_books_balanced(town) -> None:
    client, container, haru = town["client"], town["container"], town["haru"]
    patched = await client.patch("/v1/me", headers=haru, json={"display_name": NAME, "phone": "0274-52-9876",
                                                                "home": HOME})
    assert patched.status == 200, await patched.text()
    haru_id = (await patched.json())["id"]
    await _settle(town, await book_trip(town, "settled"))
    town["clock"].at = NOW + dt.timedelta(hours=4, minutes=5)
    open_booking = await _van_price(town, haru, "2026-11-24T15:00:00+09:00", "open")
    assert open_booking["state"] in ("CONFIRMED", "CONDITIONAL_CONFIRMED")
    rider = Principal(subject_id=haru_id, role=Role.RIDER)
    started = await container.payment_methods.start(rider, idempotency_key="card")
    saved = await container.payment_methods.confirm(rider, started.setup_id)
    assert saved.payment_method and container.payments._saved  # the gateway holds the card
    hook = await client.post("/v1/webhooks", headers=haru, json={"url": "https://haru-app.example.jp/hooks"})
    assert hook.status == 201, await hook.text()
    before = await _statements(town)
    dump = await dump_database(container.engine)
    assert "haru-app.example.jp" in dump and f"'{haru_id}'" in dump.split("\nrider_events\n")[1].split("\nwebhook_")[0]
    assert NAME in dump and "haru@example.jp" in dump and str(HOME["lat"]) in dump
    assert PHONE not in dump and "enc1:" in dump  # phone, home and needs are encrypted at rest

    exported = await client.get("/v1/me/export", headers=haru)
    assert exported.status == 200
    mine = await exported.json()
    assert mine["account"]["display_name"] == NAME and "password_hash" not in mine["account"]
    assert {b["id"] for b in mine["bookings"]} >= {open_booking["id"]} and len(mine["bookings"]) == 2
    # This town's vans keep their rides in the operator's own memory, not the service's tables.
    assert len(mine["payments"]) >= 4 and mine["payment_profiles"][0]["payment_method"] == saved.payment_method
    assert {e["booking_id"] for e in mine["payments"]} <= {b["id"] for b in mine["bookings"]}
    assert all(b["account_id"] == haru_id for b in mine["bookings"])
    assert mine["events"] and all(e["rider_id"] == haru_id for e in mine["events"])
    assert [w["url"] for w in mine["webhook_endpoints"]] == ["https://haru-app.example.jp/hooks"]
    assert "secret_sealed" not in mine["webhook_endpoints"][0]

    gone = await client.delete("/v1/me", headers=haru)
    assert gone.status == 200, await gone.text()
    assert (await gone.json())["cancelled_bookings"] == [open_booking["id"]]
    assert (await client.get("/v1/me", headers=haru)).status == 401  # sessions revoked
    assert not container.payments._saved  # the saved method was forgotten at the gateway
    dump = await dump_database(container.engine)
    for secret in (NAME, "佐藤", "ハル", "haru@example.jp", PHONE, str(HOME["lat"]), str(HOME["lon"]),
                   "haru-app.example.jp"):
        assert secret not in dump, secret
    # The outbox kept nothing of theirs either (their events, and deliveries of them to any endpoint).
    assert f"'{haru_id}'" not in dump.split("\nrider_events\n")[1].split("\nwebhook_")[0]
    assert await _statements(town) == before
    # Deleting twice: staff acting for the erased rider are told it is gone.
    _, agent = await _staff(town, "ito@example.jp")
    twice = await client.delete(f"/v1/me?for_rider={haru_id}", headers={**agent, "X-Access-Reason": "caller asked"})
    assert twice.status == 410 and (await twice.json())["error"]["code"] == "account_erased"


async def test_staff_need_a_reason_and_riders_see_only_their_own(town) -> None:
    client, haru = town["client"], town["haru"]
    haru_id = (await (await client.get("/v1/me", headers=haru)).json())["subject_id"]
    other = await client.post("/v1/auth/register", json={"email": "ken@example.jp", "password": PASSWORD,
                                                         "display_name": "Ken"})
    ken = {"Authorization": "Bearer " + (await (await client.post("/v1/auth/token", json={
        "email": "ken@example.jp", "password": PASSWORD})).json())["token"]}
    assert (await client.get(f"/v1/me/export?for_rider={haru_id}", headers=ken)).status == 403
    assert (await other.json())["id"] != haru_id
    agent_id, agent = await _staff(town, "ito@example.jp")
    silent = await client.get(f"/v1/me/export?for_rider={haru_id}", headers=agent)
    assert silent.status == 422 and (await silent.json())["error"]["code"] == "reason_required"
    exported = await client.get(f"/v1/me/export?for_rider={haru_id}",
                                headers={**agent, "X-Access-Reason": "caller asked for her data"})
    assert exported.status == 200 and (await exported.json())["account_id"] == haru_id
    log = (await (await client.get("/v1/me/access-log", headers=haru)).json())["items"]
    assert [(e["actor_id"], e["action"], e["reason"]) for e in log][0] == (agent_id, "export",
                                                                           "caller asked for her data")
    assert (await client.get("/v1/me/access-log", headers=ken)).json is not None
    assert (await (await client.get("/v1/me/access-log", headers=ken)).json())["items"] == []


async def test_security_headers_on_every_response(town) -> None:
    client = town["client"]
    for path in ("/v1/me", "/openapi.json", "/docs"):
        response = await client.get(path)
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert "Strict-Transport-Security" not in response.headers
    assert "script-src 'self'" in (await client.get("/docs")).headers["Content-Security-Policy"]
    tls = await client.get("/v1/me", headers={"X-Forwarded-Proto": "https"})
    assert tls.headers["Strict-Transport-Security"].startswith("max-age=")


async def test_consents_are_versioned_and_bad_corrections_are_refused(town) -> None:
    client, haru = town["client"], town["haru"]
    answered = await client.put("/v1/me/consents", headers=haru, json={"terms": True, "municipal_analyses": True})
    assert answered.status == 200
    withdrawn = await client.put("/v1/me/consents", headers=haru, json={"municipal_analyses": False})
    items = (await withdrawn.json())["items"]
    assert [(c["kind"], c["granted"]) for c in items] == [("terms", True), ("municipal_analyses", True),
                                                         ("municipal_analyses", False)]
    assert all(c["version"] == "2026-12" and dt.datetime.fromisoformat(c["at"]).utcoffset() is not None for c in items)
    assert (await client.put("/v1/me/consents", headers=haru, json={"newsletter": True})).status == 422
    for bad in ({"email": "ha\u200bru@example.jp"}, {"display_name": "佐藤\u202eハル"}, {"needs": ["jetpack"]},
                {"password_hash": "x"}, {"birth_date": "yesterday"}):
        response = await client.patch("/v1/me", headers=haru, json=bad)
        assert response.status == 422, (bad, await response.text())
        assert (await response.json())["error"]["fields"]
    me = (await (await client.get("/v1/me", headers=haru)).json())["account"]
    assert me["display_name"] == "haru" and me["needs"] == []  # nothing of the refused changes stuck
    taken = await client.patch("/v1/me", headers=haru, json={"email": "town-hall@example.jp"})
    assert taken.status == 409
