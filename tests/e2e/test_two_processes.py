"""Two API processes behind one load balancer, sharing one database: two apps, each built by
build_container on the same database with its own adapters (nothing shared in memory). A van
ride quoted on one is booked on the other; a third app started afterwards (a restart) books a
quote the first made and sees both rides; one offer is never sold twice across processes."""

from __future__ import annotations

import pytest

from maas.domain.accounts import Role
from tests.e2e.vans_app import HOME, HOSPITAL, vans_app

BASE = "/v1/on-demand/noriai"
QUOTE = {"origin": HOME, "destination": HOSPITAL, "depart_at": "2026-11-24T11:00:00+09:00"}


async def test_a_quote_made_on_one_process_is_booked_on_another(aiohttp_client, database_url, tmp_path,
                                                                 fast_hasher) -> None:
    first = await vans_app(aiohttp_client, database_url, tmp_path, fast_hasher)
    second = await vans_app(aiohttp_client, database_url, tmp_path, fast_hasher)
    assert first.container is not second.container
    _, rider = await first.sign_up("hanako@example.jp", Role.RIDER)

    quoted = await first.client.post(f"{BASE}/quotes", json=QUOTE, headers=rider)
    assert quoted.status == 200, await quoted.text()
    offer_id = (await quoted.json())["offer_id"]
    booked = await second.client.post(f"{BASE}/rides", json={"offer_id": offer_id},
                                      headers={**rider, "Idempotency-Key": "k1"})
    assert booked.status == 201, await booked.text()
    ride = await booked.json()
    replay = await first.client.post(f"{BASE}/rides", json={"offer_id": offer_id},
                                     headers={**rider, "Idempotency-Key": "k1"})
    assert replay.status in (200, 201) and (await replay.json())["id"] == ride["id"]
    again = await first.client.post(f"{BASE}/rides", json={"offer_id": offer_id},
                                    headers={**rider, "Idempotency-Key": "k2"})
    assert again.status == 409, await again.text()

    later = await first.client.post(f"{BASE}/quotes", json={**QUOTE, "depart_at": "2026-11-24T13:00:00+09:00"},
                                     headers=rider)
    restarted = await vans_app(aiohttp_client, database_url, tmp_path, fast_hasher)  # a restart: new memory
    booked_later = await restarted.client.post(f"{BASE}/rides", json={"offer_id": (await later.json())["offer_id"]},
                                               headers={**rider, "Idempotency-Key": "k3"})
    assert booked_later.status == 201, await booked_later.text()
    mine = await (await restarted.client.get(f"{BASE}/rides", headers=rider)).json()
    assert sorted(r["id"] for r in mine["items"]) == sorted([ride["id"], (await booked_later.json())["id"]])


@pytest.mark.sqlite_only
async def test_an_unknown_or_expired_offer_is_refused_on_any_process(aiohttp_client, database_url, tmp_path,
                                                                     fast_hasher) -> None:
    first = await vans_app(aiohttp_client, database_url, tmp_path, fast_hasher)
    second = await vans_app(aiohttp_client, database_url, tmp_path, fast_hasher)
    _, rider = await first.sign_up("hanako@example.jp", Role.RIDER)
    unknown = await second.client.post(f"{BASE}/rides", json={"offer_id": "noriai-offer-nope"},
                                       headers={**rider, "Idempotency-Key": "u"})
    assert unknown.status == 404 and (await unknown.json())["error"]["code"] == "not_found"
    offer_id = (await (await first.client.post(f"{BASE}/quotes", json=QUOTE, headers=rider)).json())["offer_id"]
    second.clock.advance(3600)
    expired = await second.client.post(f"{BASE}/rides", json={"offer_id": offer_id},
                                       headers={**rider, "Idempotency-Key": "late"})
    assert expired.status == 409 and (await expired.json())["error"]["code"] == "offer_expired"


async def test_two_processes_publish_and_sign_with_the_same_ticket_key_after_a_rotation(
        aiohttp_client, database_url, tmp_path, fast_hasher) -> None:
    first = await vans_app(aiohttp_client, database_url, tmp_path, fast_hasher)
    second = await vans_app(aiohttp_client, database_url, tmp_path / "other", fast_hasher)
    one = await (await first.client.get("/v1/tickets/keys")).json()
    two = await (await second.client.get("/v1/tickets/keys")).json()
    assert one == two and list(one["keys"]) == [one["current_key_id"]]
    new = await first.container.ticket_keys.rotate()  # signs two minutes from now
    await second.container.ticket_keys.refresh()
    published = await (await second.client.get("/v1/tickets/keys")).json()
    assert published["current_key_id"] == one["current_key_id"] and set(published["keys"]) == {new, one["current_key_id"]}
    for app in (first, second):
        app.clock.advance(150)
        await app.container.ticket_keys.refresh()
    assert {(await (await app.client.get("/v1/tickets/keys")).json())["current_key_id"] for app in (first, second)} == {new}
