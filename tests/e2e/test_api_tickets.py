"""A booking's ticket: signed, shown as a QR code, verified by the service and offline by an
operator with only the public key; forged, tampered and out-of-date tickets are refused."""

from __future__ import annotations

import base64
import datetime as dt

import pytest

from maas.domain.accounts import NewAccount, Role
from maas.ticket_check import TicketRejected, verify_ticket
from tests.e2e.demo_bookings import SYSTEM, book, van_offer

pytestmark = pytest.mark.sqlite_only  # PostgreSQL adds nothing here: docs/guide.md, section 5

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


async def test_a_confirmed_booking_has_a_verifiable_ticket(api) -> None:
    client, rider = api["client"], api["rider"]
    van = await van_offer(api)
    booking = await (await book(api, [van["offer_id"]], "t1")).json()
    issued = await client.get(f"/v1/bookings/{booking['id']}/ticket", headers=rider)
    assert issued.status == 200, await issued.text()
    body = await issued.json()
    ticket, token = body["ticket"], body["token"]
    assert ticket["booking_id"] == booking["id"] and [leg["operator_id"] for leg in ticket["legs"]] == ["noriai"]
    assert body["qr_svg"].lstrip().startswith("<?xml") or "<svg" in body["qr_svg"]
    png = await client.get(f"/v1/bookings/{booking['id']}/ticket.png", headers=rider)
    assert png.status == 200 and png.content_type == "image/png" and (await png.read()).startswith(PNG_SIGNATURE)
    # Offline, on a driver's tablet: only the public keys and the token.
    keys = (await (await client.get("/v1/tickets/keys")).json())["keys"]
    at = dt.datetime.fromisoformat(ticket["legs"][0]["valid_from"]) + dt.timedelta(minutes=10)
    claims = verify_ticket(token, keys, at=at, operator_id="noriai")
    assert claims["booking_id"] == booking["id"]
    try:
        verify_ticket(token, keys, at=at, operator_id="yamabuki-kotsu-taxi")
    except TicketRejected as exc:
        assert exc.reason == "no_leg_for_operator"
    else:
        raise AssertionError("a ticket without a taxi leg passed the taxi's check")
    # Through the service (an agent checking for a rider on the phone).
    api["clock"].at = at
    await api["container"].auth.register(NewAccount(email="agent@example.jp", display_name="Agent", role=Role.AGENT,
                                                    password="correct horse battery"), by=SYSTEM)
    agent_token = (await (await client.post("/v1/auth/token", json={
        "email": "agent@example.jp", "password": "correct horse battery"})).json())["token"]
    agent = {"Authorization": f"Bearer {agent_token}"}
    checked = await client.post("/v1/tickets/verify", json={"token": token, "operator_id": "noriai"}, headers=agent)
    assert checked.status == 200 and (await checked.json())["booking_id"] == booking["id"]
    # A tampered payload, a forged signature, garbage: refused with the reason.
    prefix, payload, signature = token.split(".")
    tampered = ".".join([prefix, base64.urlsafe_b64encode(base64.urlsafe_b64decode(payload + "==")
                                                          .replace(b"noriai", b"noriaj")).rstrip(b"=").decode(), signature])
    for bad, reason in ((tampered, "bad_signature"), (token[:-4] + "AAAA", "bad_signature"), ("MT1.x.y", "malformed")):
        refused = await client.post("/v1/tickets/verify", json={"token": bad}, headers=agent)
        assert refused.status == 422 and (await refused.json())["error"]["fields"]["reason"] == reason
    api["clock"].at = at + dt.timedelta(hours=5)  # past the ride, within the agent's session
    late = await client.post("/v1/tickets/verify", json={"token": token}, headers=agent)
    assert late.status == 422 and (await late.json())["error"]["code"] == "ticket_not_valid_now"
    assert (await client.post("/v1/tickets/verify", json={"token": token}, headers=rider)).status == 403


async def test_no_ticket_for_a_cancelled_booking(api) -> None:
    client, rider = api["client"], api["rider"]
    van = await van_offer(api)
    booking = await (await book(api, [van["offer_id"]], "t2")).json()
    await client.post(f"/v1/bookings/{booking['id']}/cancel", headers=rider)
    assert (await client.get(f"/v1/bookings/{booking['id']}/ticket", headers=rider)).status == 409
    assert (await client.get("/v1/bookings/bkg_unknown/ticket", headers=rider)).status == 404
