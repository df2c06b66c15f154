"""The のりあい号 van driver's day: before the shift, with a connection, the driver's laptop reads
the manifest and saves the published ticket keys and revocation list; at each stop, offline, it
checks the rider's ticket with `maas tickets check` (a cancelled booking's ticket is refused);
the driver reports the pickup and the drop-off when they happen, and a report for a ride two days
ahead is refused."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from maas import cli
from tests.journeys.conftest import HARU, HOSPITAL, MISAKI, STATION, TOWN_HALL, TRAVEL_DAY, Town, iso

BASE = "/v1/on-demand/noriai"


async def book_van(town: Town, email: str, depart_at: str, key: str, origin: dict = STATION) -> dict:
    rider = await town.sign_in(email)
    quoted = await town.client.post(f"{BASE}/quotes", headers=rider,
                                    json={"origin": origin, "destination": HOSPITAL, "depart_at": depart_at})
    assert quoted.status == 200, await quoted.text()
    response = await town.client.post("/v1/bookings", headers={**rider, "Idempotency-Key": key},
                                      json={"offer_ids": [(await quoted.json())["offer_id"]],
                                            "payment_method": "pm_card_visa"})
    assert response.status == 201, await response.text()
    return await response.json()


async def ticket_token(town: Town, email: str, booking_id: str) -> str:
    response = await town.client.get(f"/v1/bookings/{booking_id}/ticket", headers=await town.sign_in(email))
    assert response.status == 200, await response.text()
    return (await response.json())["token"]


def check(token: str, keys: Path, revocations: Path, at: dt.datetime) -> int:
    """What the driver runs on the laptop, offline."""
    return cli.main(["tickets", "check", token, "--keys", str(keys), "--revocations", str(revocations),
                     "--operator", "noriai", "--at", at.isoformat()])


async def test_the_van_driver_checks_tickets_offline_and_reports_the_ride(town: Town, tmp_path: Path,
                                                                        capsys) -> None:
    client, driver = town.client, town.operator_keys["noriai"]
    haru = await book_van(town, HARU, iso("10:00"), "haru-van", origin=TOWN_HALL)
    misaki = await book_van(town, MISAKI, iso("10:15"), "misaki-van")
    thursday = await book_van(town, MISAKI, iso("10:00", TRAVEL_DAY + dt.timedelta(days=2)), "misaki-thursday")
    haru_token = await ticket_token(town, HARU, haru["id"])
    misaki_token = await ticket_token(town, MISAKI, misaki["id"])
    # Misaki's meeting is called off: she cancels, after her ticket was on her phone.
    cancelled = await client.post(f"/v1/bookings/{misaki['id']}/cancel", headers=await town.sign_in(MISAKI))
    assert (await cancelled.json())["state"] == "CANCELLED"

    # 07:50, at the depot: the manifest, the keys and the revocation list, saved for the day.
    town.clock.at = dt.datetime.fromisoformat(iso("07:50"))
    response = await client.get(f"{BASE}/manifests?date={TRAVEL_DAY.isoformat()}", headers=driver)
    assert response.status == 200, await response.text()
    stops = [s for m in (await response.json())["items"] for s in m["stops"] if s["kind"] != "break"]
    haru_ride = haru["legs"][0]["operator_booking_id"]
    pickup = next(s for s in stops if s["ride_id"] == haru_ride and s["kind"] == "pickup")
    assert pickup["window_from"] >= iso("10:00") and pickup["window_from"].endswith("+09:00")
    assert misaki["legs"][0]["operator_booking_id"] not in {s["ride_id"] for s in stops}  # cancelled: not driven to
    keys, revocations = tmp_path / "keys.json", tmp_path / "revocations.json"
    keys.write_text(await (await client.get("/v1/tickets/keys")).text(), encoding="utf-8")
    revocations.write_text(await (await client.get("/v1/tickets/revocations")).text(), encoding="utf-8")
    assert [r["booking_id"] for r in json.loads(revocations.read_text())["revoked"]] == [misaki["id"]]

    # A ride two days ahead, tapped by mistake: refused, and the ride is untouched.
    thursday_ride = thursday["legs"][0]["operator_booking_id"]
    early = await client.post(f"{BASE}/rides/{thursday_ride}/reports", json={"kind": "picked_up"},
                              headers={**driver, "Accept-Language": "en"})  # the detail is English
    error = (await early.json())["error"]
    assert (early.status, error["code"], error["fields"]["reason"]) == (422, "implausible_event_time", "too_early")
    assert "2 days" not in error["message"] and "more than 120 min early" in error["message"]

    # At Haru's stop, offline: her ticket is good; the cancelled booking's ticket is refused.
    town.clock.at = dt.datetime.fromisoformat(pickup["planned_at"])
    capsys.readouterr()
    assert check(haru_token, keys, revocations, town.clock.at) == 0
    assert capsys.readouterr().out.startswith("VALID ticket tkt_")
    assert check(misaki_token, keys, revocations, town.clock.at) == 1
    assert capsys.readouterr().err.startswith("REFUSED (revoked)")

    # The pickup and the drop-off, reported as they happen.
    picked = await client.post(f"{BASE}/rides/{haru_ride}/reports", json={"kind": "picked_up"}, headers=driver)
    assert picked.status == 200, await picked.text()
    assert (await picked.json())["state"] == "STARTED"
    drop_off = next(s for s in stops if s["ride_id"] == haru_ride and s["kind"] == "drop_off")
    town.clock.at = max(town.clock.at, dt.datetime.fromisoformat(drop_off["planned_at"]))
    dropped = await client.post(f"{BASE}/rides/{haru_ride}/reports", json={"kind": "dropped_off"}, headers=driver)
    assert dropped.status == 200 and (await dropped.json())["state"] == "FINISHED"
    seen = await (await client.get(f"/v1/bookings/{haru['id']}", headers=await town.sign_in(HARU))).json()
    assert seen["state"] in {"FINISHED", "SETTLED"}
    # The ride is over: the ticket does not carry her on another van today.
    reused = await client.post("/v1/tickets/verify", json={"token": haru_token}, headers=driver)
    error = (await reused.json())["error"]
    assert (reused.status, error["code"], error["fields"]["reason"]) == (422, "ticket_not_valid_now", "trip_over")
    # Reporting again later that week, the same drop-off stays as it was.
    town.clock.at += dt.timedelta(days=1)
    again = await client.post(f"{BASE}/rides/{haru_ride}/reports", json={"kind": "dropped_off"}, headers=driver)
    assert (await again.json())["error"]["fields"]["reason"] == "too_late"
