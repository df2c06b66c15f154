"""Tickets a driver can trust, through the real app wired as `make run` wires のりあい号, on both
databases: one ticket per booking until it changes, the signing key named, times in +09:00, and a
cancelled booking's ticket refused online, in the signed revocation list and by `maas tickets
check` fetching keys and list from the service's URLs. The clock: Tuesday 2026-11-24 09:00; the
van ride is booked for 11:00."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import json

import pytest

from maas import cli, ticket_check
from maas.domain.accounts import Role
from tests.e2e.vans_app import NOW, vans_app

TRIP = {"origin": {"lat": 36.4005, "lon": 138.9000}, "destination": {"lat": 36.412526, "lon": 138.91438},
        "depart_at": "2026-11-24T11:00:00+09:00"}


@pytest.fixture
async def api(aiohttp_client, database_url, tmp_path, fast_hasher):
    app = await vans_app(aiohttp_client, database_url, tmp_path, fast_hasher)
    _, rider = await app.sign_up("hanako@example.jp", display_name="hanako@example.jp")
    _, agent = await app.sign_up("desk@example.jp", Role.AGENT, display_name="desk@example.jp")
    yield {"client": app.client, "clock": app.clock, "rider": rider, "agent": agent, "driver": await app.noriai_key()}


async def booked(api, key: str = "trip") -> dict:
    client, rider = api["client"], api["rider"]
    offer = await (await client.post("/v1/on-demand/noriai/quotes", json=TRIP, headers=rider)).json()
    response = await client.post("/v1/bookings", json={"offer_ids": [offer["offer_id"]]},
                                 headers={**rider, "Idempotency-Key": key})
    assert response.status == 201, await response.text()
    return await response.json()


async def ticket_of(api, booking_id: str) -> dict:
    response = await api["client"].get(f"/v1/bookings/{booking_id}/ticket", headers=api["rider"])
    assert response.status == 200, await response.text()
    return await response.json()


def header(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


async def test_one_ticket_per_booking_until_it_changes(api) -> None:
    client = api["client"]
    booking = await booked(api)
    first, again = await ticket_of(api, booking["id"]), await ticket_of(api, booking["id"])
    api["clock"].advance(600)  # asked for later: still the same ticket
    later = await ticket_of(api, booking["id"])
    assert first == again == later
    ticket = first["ticket"]
    keys = await (await client.get("/v1/tickets/keys")).json()
    assert ticket["key_id"] == keys["current_key_id"] == header(first["token"])["k"]
    assert ticket["key_id"] in keys["keys"]
    times = [ticket["issued_at"], ticket["valid_from"], ticket["valid_until"],
             *(leg[k] for leg in ticket["legs"] for k in ("valid_from", "valid_until"))]
    assert all(t.endswith("+09:00") for t in times), times
    assert ticket["valid_from"].startswith("2026-11-24T1")  # 30 min before an 11:00-ish pickup, Tokyo time
    # The driver picks the rider up: the booking has moved on, so the ticket is issued anew.
    ride_id = booking["legs"][0]["operator_booking_id"]
    api["clock"].at = dt.datetime.fromisoformat(ticket["legs"][0]["valid_from"]) + dt.timedelta(minutes=30)
    picked = await client.post(f"/v1/on-demand/noriai/rides/{ride_id}/reports", json={"kind": "picked_up"},
                               headers=api["driver"])
    assert picked.status == 200, await picked.text()
    moved = await ticket_of(api, booking["id"])
    assert moved["ticket"]["id"] != ticket["id"] and moved["ticket"]["booking_id"] == booking["id"]
    # The earlier token is still genuine for the trip under way.
    checked = await client.post("/v1/tickets/verify", json={"token": first["token"]}, headers=api["driver"])
    assert checked.status == 200, await checked.text()


async def test_a_cancelled_bookings_ticket_is_refused_online_offline_and_by_the_cli(api, tmp_path) -> None:
    client, clock = api["client"], api["clock"]
    kept, cancelled = await booked(api, "kept"), await booked(api, "cancelled")
    kept_token = (await ticket_of(api, kept["id"]))["token"]
    issued = await ticket_of(api, cancelled["id"])
    token, ticket = issued["token"], issued["ticket"]
    empty = await (await client.get("/v1/tickets/revocations")).json()
    assert empty["revoked"] == [] and empty["format"] == "MT1-revocations"
    response = await client.post(f"/v1/bookings/{cancelled['id']}/cancel", headers=api["rider"])
    assert (await response.json())["state"] == "CANCELLED"
    assert (await client.get(f"/v1/bookings/{cancelled['id']}/ticket", headers=api["rider"])).status == 409

    # Online, at the stop, in the ticket's validity: the service looks at the booking.
    clock.at = dt.datetime.fromisoformat(ticket["legs"][0]["valid_from"]) + dt.timedelta(minutes=10)
    for who in ("driver", "agent"):
        refused = await client.post("/v1/tickets/verify", json={"token": token}, headers=api[who])
        error = (await refused.json())["error"]
        assert (refused.status, error["code"], error["fields"]["reason"]) == (422, "ticket_revoked", "revoked")
    assert (await client.post("/v1/tickets/verify", json={"token": kept_token}, headers=api["driver"])).status == 200

    # Offline: the published list is signed, names the booking, and says when it was made.
    listed = await (await client.get("/v1/tickets/revocations")).json()
    keys = (await (await client.get("/v1/tickets/keys")).json())["keys"]
    assert [r["booking_id"] for r in listed["revoked"]] == [cancelled["id"]]
    assert listed["revoked"][0]["until"] == ticket["valid_until"] and listed["generated_at"].endswith("+09:00")
    assert listed["key_id"] in keys
    revoked = ticket_check.verify_revocations(listed, keys)
    with pytest.raises(ticket_check.TicketRejected) as caught:
        ticket_check.verify_ticket(token, keys, at=clock.at, operator_id="noriai", revoked=revoked)
    assert caught.value.reason == "revoked"
    assert ticket_check.verify_ticket(kept_token, keys, at=clock.at, revoked=revoked)["booking_id"] == kept["id"]

    # A driver's laptop: `maas tickets check` fetching keys and list from the service's URLs.
    at = clock.at.isoformat()
    urls = ["--keys", str(client.make_url("/v1/tickets/keys")),
            "--revocations", str(client.make_url("/v1/tickets/revocations")), "--at", at]
    assert await asyncio.to_thread(cli.main, ["tickets", "check", token, *urls]) == 1
    assert await asyncio.to_thread(cli.main, ["tickets", "check", kept_token, *urls, "--operator", "noriai"]) == 0
    # Without the list the cancelled ticket still looks genuine: that is what the list is for.
    assert await asyncio.to_thread(cli.main, ["tickets", "check", token, *urls[:2], "--at", at]) == 0

    # Once the ticket would have expired anyway, the list forgets it.
    clock.at = dt.datetime.fromisoformat(ticket["valid_until"]) + dt.timedelta(seconds=1)
    assert (await (await client.get("/v1/tickets/revocations")).json())["revoked"] == []


async def test_an_expired_token_and_a_token_of_an_unknown_key_are_refused_online(api) -> None:
    from maas.domain.tickets import Ticket, TicketLeg
    from maas.ticketing import Ed25519TicketSigner

    client, clock = api["client"], api["clock"]
    booking = await booked(api)
    issued = await ticket_of(api, booking["id"])
    clock.at = dt.datetime.fromisoformat(issued["ticket"]["valid_until"])
    late = await client.post("/v1/tickets/verify", json={"token": issued["token"]}, headers=api["driver"])
    assert (await late.json())["error"]["fields"]["reason"] == "expired"
    leg = TicketLeg(index=0, operator_id="noriai", mode="on_demand", valid_from=NOW,
                    valid_until=NOW + dt.timedelta(hours=3))
    forged = Ed25519TicketSigner.generate().sign(Ticket(
        id="tkt_forged", booking_id=booking["id"], holder_ref="R", issued_at=NOW, valid_from=NOW,
        valid_until=NOW + dt.timedelta(hours=3), legs=(leg,)))
    clock.at = NOW + dt.timedelta(hours=1)
    refused = await client.post("/v1/tickets/verify", json={"token": forged}, headers=api["driver"])
    error = (await refused.json())["error"]
    assert (refused.status, error["code"], error["fields"]["reason"]) == (422, "ticket_invalid", "unknown_key")
