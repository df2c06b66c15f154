"""The taxi company's system (山吹交通, operator `yamabuki-kotsu-taxi`, its API key): a commuter
books a taxi from 檜沢 to the hospital through /v1/bookings; the company's system sees the leg on
the ticket the rider shows, sends TOMP leg events STARTED and FINISHED when they happen (one sent
two days late is refused), and its settlement statement shows the leg's price."""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote

from tests.journeys.conftest import HINOKISAWA, HOSPITAL, MISAKI, TRAVEL_DAY, Town, at, iso

TAXI = "yamabuki-kotsu-taxi"


async def book_a_taxi(town: Town) -> dict:
    misaki = await town.sign_in(MISAKI)
    planned = await town.client.post("/v1/plan/door-to-door", headers=misaki, json={
        "from": {**HINOKISAWA, "name": "檜沢"}, "to": {**HOSPITAL, "name": "山吹町立病院"},
        "depart_at": iso("09:30"), "modes": ["taxi"]})
    assert planned.status == 200, await planned.text()
    options = [o for o in (await planned.json())["options"]
               if o["kind"] == "direct" and [leg["mode"] for leg in o["legs"]] == ["taxi"]]
    assert options, "the taxi company offers a ride"
    offer_id = options[0]["legs"][0]["offer_id"]
    response = await town.client.post("/v1/bookings", json={"offer_ids": [offer_id], "payment_method": "pm_card_visa"},
                                      headers={**misaki, "Idempotency-Key": "misaki-taxi"})
    assert response.status == 201, await response.text()
    booking = await response.json()
    assert booking["state"] == "CONFIRMED" and booking["legs"][0]["operator_id"] == TAXI
    return booking


async def test_the_taxi_company_reports_its_leg_and_is_paid_for_it(town: Town) -> None:
    client, taxi = town.client, town.operator_keys[TAXI]
    booking = await book_a_taxi(town)
    leg = booking["legs"][0]
    leg_id, price = leg["operator_booking_id"], leg["price"]["amount_minor"]
    departure = dt.datetime.fromisoformat(leg["departure"])
    arrival = dt.datetime.fromisoformat(leg["arrival"])
    assert departure.utcoffset() == dt.timedelta(hours=9)

    # The rider shows her ticket; the driver's app checks it with the company's key and sees the leg.
    misaki = await town.sign_in(MISAKI)
    ticket = await (await client.get(f"/v1/bookings/{booking['id']}/ticket", headers=misaki)).json()
    town.clock.at = departure - dt.timedelta(minutes=5)
    checked = await client.post("/v1/tickets/verify", json={"token": ticket["token"]}, headers=taxi)
    assert checked.status == 200, await checked.text()
    seen = await checked.json()
    assert [(leg["operator_id"], leg["operator_booking_id"]) for leg in seen["legs"]] == [(TAXI, leg_id)]
    assert seen["legs"][0]["valid_from"].endswith("+09:00")

    events = f"/v1/operators/{TAXI}/legs/{leg_id}/events"
    # A FINISHED stamped two days after the ride, sent by a misconfigured system: refused, nothing changes.
    late = await client.post(events, headers=taxi, json={"kind": "FINISHED",
                                                         "at": (arrival + dt.timedelta(days=2)).isoformat()})
    error = (await late.json())["error"]
    assert (late.status, error["code"], error["fields"]["reason"]) == (422, "implausible_event_time", "in_the_future")
    early = await client.post(events, headers=taxi, json={"kind": "STARTED", "at": iso("06:00")})
    assert (await early.json())["error"]["fields"]["reason"] == "too_early"
    assert (await (await client.get(f"/v1/bookings/{booking['id']}", headers=misaki)).json())["state"] == "CONFIRMED"

    # The taxi picks her up and sets her down: the booking follows and is settled.
    town.clock.at = departure + dt.timedelta(minutes=2)
    started = await client.post(events, headers=taxi, json={"kind": "STARTED"})
    assert started.status == 200, await started.text()
    assert (await started.json())["booking_state"] == "STARTED"
    town.clock.at = arrival + dt.timedelta(minutes=3)
    finished = await client.post(events, headers=taxi, json={"kind": "FINISHED", "at": arrival.isoformat()})
    assert finished.status == 200, await finished.text()
    assert (await finished.json())["booking_state"] == "SETTLED"

    period = f"from={quote(iso('00:00'))}&to={quote(iso('00:00', TRAVEL_DAY + dt.timedelta(days=1)))}"
    statement = await client.get(f"/v1/settlement/operators/{TAXI}?{period}", headers=taxi)
    assert statement.status == 200, await statement.text()
    body = await statement.json()
    assert (body["legs"], body["due"]["amount_minor"], body["due"]["currency"]) == (1, price, "JPY")
    noriai = await client.get(f"/v1/settlement/operators/noriai?{period}", headers=taxi)
    assert noriai.status == 403  # another operator's statement is not the taxi company's business
    assert at("08:00") < departure
