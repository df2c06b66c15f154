"""Seams found walking the demo: the call centre cancels Haru's van early in the morning, hours
before her ticket would become valid; the taxi-van driver's tablet and the online check must say
the ticket is revoked (it never will be valid), and the offline check's refusal must read in
Japan's time, as the ticket shows it."""

from __future__ import annotations

import argparse
import json

from maas import ticket_check
from tests.journeys.conftest import AGENT, HARU, HOSPITAL, Town, iso


async def _haru_books_a_van_then_the_agent_cancels(town: Town) -> tuple[str, str]:
    haru, agent = await town.sign_in(HARU), await town.sign_in(AGENT)
    me = await (await town.client.get("/v1/me", headers=haru)).json()
    quoted = await town.client.post("/v1/on-demand/noriai/quotes", headers=haru, json={
        "origin": me["account"]["home"], "destination": HOSPITAL, "depart_at": iso("10:00"),
        "travellers": 1, "needs": ["walking_aid"]})
    assert quoted.status == 200, await quoted.text()
    booked = await town.client.post("/v1/bookings", headers={**haru, "Idempotency-Key": "seam-ticket"},
                                    json={"offer_ids": [(await quoted.json())["offer_id"]],
                                          "payment_method": "pm_card_visa"})
    assert booked.status == 201, await booked.text()
    booking_id = (await booked.json())["id"]
    ticket = await (await town.client.get(f"/v1/bookings/{booking_id}/ticket", headers=haru)).json()
    cancelled = await town.client.post(f"/v1/bookings/{booking_id}/cancel", headers=agent)
    assert cancelled.status == 200, await cancelled.text()
    return booking_id, ticket["token"]


async def test_a_cancelled_ticket_is_revoked_online_even_before_it_would_be_valid(town: Town) -> None:
    booking_id, token = await _haru_books_a_van_then_the_agent_cancels(town)
    # 08:00: the ticket's validity (from 30 min before the van) has not begun, and never will.
    for headers in (town.operator_keys["noriai"], await town.sign_in(HARU)):
        refused = await town.client.post("/v1/tickets/verify", headers=headers, json={"token": token})
        assert refused.status in (403, 422), await refused.text()
        if refused.status == 422:
            error = (await refused.json())["error"]
            assert (error["code"], error["fields"]["reason"]) == ("ticket_revoked", "revoked"), error
    # A bad token is still refused as not genuine, and nothing about the booking changed.
    forged = await town.client.post("/v1/tickets/verify", headers=town.operator_keys["noriai"],
                                    json={"token": token[:-4] + "AAAA"})
    assert forged.status == 422 and (await forged.json())["error"]["code"] == "ticket_invalid"


async def test_the_offline_check_reads_times_in_japan_time(town: Town, tmp_path, capsys) -> None:
    _, token = await _haru_books_a_van_then_the_agent_cancels(town)
    keys = tmp_path / "keys.json"
    keys.write_text(await (await town.client.get("/v1/tickets/keys")).text(), encoding="utf-8")
    parser = ticket_check.add_arguments(argparse.ArgumentParser())
    # Without the list the genuine ticket is refused as not yet valid, its time as Haru's ticket says it.
    assert ticket_check.run(parser.parse_args([token, "--keys", str(keys), "--at", "2026-01-01T00:00:00Z"])) == 1
    refusal = capsys.readouterr().err
    assert "not_yet_valid" in refusal and "+09:00" in refusal and "+00:00" not in refusal, refusal
    # With the signed list it is revoked.
    revocations = tmp_path / "revocations.json"
    revocations.write_text(json.dumps(await (await town.client.get("/v1/tickets/revocations")).json()),
                           encoding="utf-8")
    assert ticket_check.run(parser.parse_args([token, "--keys", str(keys), "--revocations", str(revocations),
                                               "--at", "2026-01-01T00:00:00Z"])) == 1
    assert "REFUSED (revoked)" in capsys.readouterr().err


async def test_haru_asking_for_her_cancelled_trips_ticket_is_told_why_there_is_none(town: Town) -> None:
    booking_id, _ = await _haru_books_a_van_then_the_agent_cancels(town)
    haru = await town.sign_in(HARU)
    for language, words in (("ja", "取り消"), ("en", "cancelled")):
        answer = await town.client.get(f"/v1/bookings/{booking_id}/ticket",
                                       headers={**haru, "Accept-Language": language})
        assert answer.status == 409, await answer.text()
        error = (await answer.json())["error"]
        assert error["code"] == "no_ticket" and error["fields"] == {"booking_state": "CANCELLED"}, error
        assert words in error["message"], error  # not "this clashed with another operation"
    assert (await town.client.get("/v1/bookings/bkg_unknown/ticket", headers=haru)).status == 404
