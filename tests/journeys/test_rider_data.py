"""Haru, 85, asks the town what it keeps about her. She has booked the van to the hospital and
holds its ticket; the call centre looked her account up when she phoned. Her export has every
booking, ride, ticket and audit entry of hers, her claims as the town hall verified them, and
nothing of Misaki, who booked a van the same morning. Then she deletes her account."""

from __future__ import annotations

import json

from tests.databases import dump_database
from tests.journeys.conftest import AGENT, HARU, HOSPITAL, MISAKI, STATION, Town, iso


async def _van(town: Town, headers: dict[str, str], origin: dict, key: str, depart: str) -> dict:
    quote = await town.client.post("/v1/on-demand/noriai/quotes", headers=headers, json={
        "origin": origin, "destination": HOSPITAL, "depart_at": iso(depart)})
    assert quote.status == 200, await quote.text()
    booked = await town.client.post("/v1/bookings", headers={**headers, "Idempotency-Key": key}, json={
        "offer_ids": [(await quote.json())["offer_id"]], "payment_method": "pm_card_visa"})
    assert booked.status == 201, await booked.text()
    return await booked.json()


async def test_haru_downloads_everything_the_town_keeps_about_her_then_deletes_it(town: Town) -> None:
    haru, misaki, agent = await town.sign_in(HARU), await town.sign_in(MISAKI), await town.sign_in(AGENT)
    me = (await (await town.client.get("/v1/me", headers=haru)).json())["account"]
    booking = await _van(town, haru, me["home"], "haru-hospital", "10:00")
    assert booking["legs"][0]["rider_price"]["amount_minor"] == 100  # her verified age and residency
    ticket = await town.client.get(f"/v1/bookings/{booking['id']}/ticket", headers=haru)
    assert ticket.status == 200, await ticket.text()
    other = await _van(town, misaki, STATION, "misaki-hospital", "10:30")
    misaki_id = (await (await town.client.get("/v1/me", headers=misaki)).json())["subject_id"]
    looked = await town.client.get(f"/v1/accounts/{me['id']}", headers={**agent, "X-Access-Reason": "she phoned"})
    assert looked.status == 200

    response = await town.client.get("/v1/me/export", headers=haru)
    assert response.status == 200 and "attachment" in response.headers["Content-Disposition"]
    export = await response.json()
    assert export["account"]["id"] == me["id"] and export["account"]["email"] == HARU
    assert [b["id"] for b in export["bookings"]] == [booking["id"]]
    assert [r["payload"]["rider_ref"] for r in export["rides"]] == [me["id"]]
    assert [t["booking_id"] for t in export["tickets"]] == [booking["id"]]
    assert {e["booking_id"] for e in export["payments"]} <= {booking["id"]}
    # The town hall's verification of her claims at the demo's load, then the agent's look.
    audit = [(e["actor_role"], e["action"], e["reason"]) for e in export["audit_entries"]]
    assert ("agent", "read_account", "she phoned") in audit
    assert {a for a in audit if a[1] != "read_account"} == {
        ("admin", "list_claims", "demo load"),
        *{("admin", f"verify_claim:{c['type']}", "demo load: card seen at the town hall") for c in export["claims"]}}
    assert all(e["subject_id"] == me["id"] for e in export["audit_entries"])
    assert {(c["type"], c["status"]) for c in export["claims"]} >= {("age", "verified"), ("residency", "verified")}
    text = json.dumps(export, ensure_ascii=False)
    for theirs in (misaki_id, MISAKI, other["id"], other["legs"][0]["operator_booking_id"]):
        assert theirs not in text, theirs
    log = (await (await town.client.get("/v1/me/access-log", headers=haru)).json())["items"]
    assert [(e["actor_role"], e["action"]) for e in log][0] == ("agent", "read_account")  # newest first
    assert len(log) == len(audit)

    # Then she deletes her account. The van to the hospital and a van ride booked on its own are
    # open: cancelled under their terms; afterwards neither her name, reading, email, phone,
    # member number nor home is anywhere in the database.
    quote = await town.client.post("/v1/on-demand/noriai/quotes", headers=haru, json={
        "origin": me["home"], "destination": STATION, "depart_at": iso("14:00")})
    ride = await town.client.post("/v1/on-demand/noriai/rides", headers={**haru, "Idempotency-Key": "own-ride"},
                                  json={"offer_id": (await quote.json())["offer_id"]})
    assert ride.status == 201, await ride.text()
    ride_id = (await ride.json())["id"]
    before = await dump_database(town.container.engine)
    assert me["display_name"] in before and me["member_no"] in before

    gone = await town.client.delete("/v1/me", headers=haru)
    assert gone.status == 200, await gone.text()
    assert set((await gone.json())["cancelled_bookings"]) == {booking["id"], ride_id}
    assert (await town.client.get(f"/v1/bookings/{other['id']}", headers=misaki)).status == 200  # hers untouched
    dump = await dump_database(town.container.engine)
    for secret in (me["display_name"], "佐藤", "サトウ", HARU, "0274521101", me["member_no"],
                   str(me["home"]["lat"]), str(me["home"]["lon"])):
        assert secret not in dump, secret
    again = await town.client.get(f"/v1/me/export?for_rider={me['id']}", headers={**agent, "X-Access-Reason": "x"})
    assert again.status == 410
