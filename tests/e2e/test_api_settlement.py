"""From booking to settlement in the demo region: an elderly resident books the van and a
shuttle ride home as one booking, the town's fare rules lower their share, the driver reports
the ride, the final amount is taken, and the operators' statements and the town's subsidy
statement add up to the money that moved."""

from __future__ import annotations

import datetime as dt

import pytest

from maas.domain.mobility import TripEvent, TripEventKind
from tests.e2e.demo_bookings import NOW, SYSTEM, book_trip

PERIOD = "from=2026-11-24T00:00:00%2B09:00&to=2026-11-25T00:00:00%2B09:00"

@pytest.fixture
def town(settled_town):
    """The `settled_town` of tests/e2e/conftest.py, under the name these tests use."""
    return settled_town



async def test_the_money_adds_up(town) -> None:
    client, container = town["client"], town["container"]
    booking = await book_trip(town, "trip")
    van, shuttle = booking["legs"]
    # The town's rules: 85-year-old resident rides the van for 100 yen, the taxi voucher takes 500 off.
    assert (van["price"]["amount_minor"], van["rider_price"]["amount_minor"], van["subsidy"]["amount_minor"],
            van["rules"]) == (300, 100, 200, ["noriai-senior-copay"])
    assert (shuttle["price"]["amount_minor"], shuttle["rider_price"]["amount_minor"],
            shuttle["subsidy"]["amount_minor"], shuttle["rules"]) == (1500, 1000, 500, ["taxi-voucher"])
    assert booking["total"]["amount_minor"] == 1100 and booking["payment"]["authorised"]["amount_minor"] == 1100

    # The driver picks Haru up and sets her down at the hospital; the booking follows.
    ride_id = van["operator_booking_id"]
    town["clock"].at = NOW + dt.timedelta(hours=2)
    for kind in ("picked_up", "dropped_off"):
        reported = await client.post(f"/v1/on-demand/noriai/rides/{ride_id}/reports", json={"kind": kind},
                                     headers=town["driver"])
        assert reported.status == 200, await reported.text()
    mid = await (await client.get(f"/v1/bookings/{booking['id']}", headers=town["haru"])).json()
    assert mid["state"] == "STARTED"
    # The shuttle home: its own system records the ride but tells nobody; once the trip should be
    # over, the service's periodic check asks the operator, and the booking is settled.
    leg_id = shuttle["operator_booking_id"]
    for kind in (TripEventKind.STARTED, TripEventKind.FINISHED):
        await town["shuttle"].receive_event(TripEvent(booking_id=leg_id, kind=kind, at=town["clock"].at))
    await container.bookings.check_all()
    assert (await container.bookings.get(SYSTEM, booking["id"])).state.value == "STARTED"  # not over yet
    town["clock"].at = NOW + dt.timedelta(hours=4)
    await container.bookings.check_all()
    settled = await container.bookings.get(SYSTEM, booking["id"])
    assert settled.state.value == "SETTLED"
    assert settled.payment.state.value == "CAPTURED" and settled.payment.captured_minor == 1100

    noriai = await (await client.get(f"/v1/settlement/operators/noriai?{PERIOD}", headers=town["driver"])).json()
    assert (noriai["legs"], noriai["due"]["amount_minor"], noriai["from_riders"]["amount_minor"],
            noriai["from_municipality"]["amount_minor"]) == (1, 300, 100, 200)
    other = await client.get(f"/v1/settlement/operators/shuttle?{PERIOD}", headers=town["driver"])
    assert other.status == 403  # an operator sees only its own statement
    shuttle_statement = await (await client.get(f"/v1/settlement/operators/shuttle?{PERIOD}",
                                                headers=town["analyst"])).json()
    subsidies = await (await client.get(f"/v1/settlement/subsidies?{PERIOD}", headers=town["analyst"])).json()
    assert subsidies["total"]["amount_minor"] == 700
    assert subsidies["by_rule"] == {"noriai-senior-copay": 200, "taxi-voucher": 500}
    assert subsidies["by_operator"] == {"noriai": 200, "shuttle": 500}
    # The riders' money went to the operators, one transfer each; the town's share is invoiced.
    transfers = sorted((t.operator_account, t.amount.amount_minor) for t in town["payments"].list_transfers(booking["id"]))
    assert transfers == [("acct_noriai", 100), ("acct_shuttle", 1000)]
    assert sum(amount for _, amount in transfers) == settled.payment.captured_minor
    owed = noriai["due"]["amount_minor"] + shuttle_statement["due"]["amount_minor"]
    assert owed == settled.payment.captured_minor + subsidies["total"]["amount_minor"]  # 1800 = 1100 + 700
    assert (await client.get(f"/v1/settlement/subsidies?{PERIOD}", headers=town["haru"])).status == 403
    # Settling twice changes nothing.
    again = await container.bookings.refresh(booking["id"])
    assert again.state.value == "SETTLED" and len(town["payments"].list_transfers(booking["id"])) == 2
    assert (await (await client.get(f"/v1/settlement/subsidies?{PERIOD}", headers=town["analyst"])).json())[
        "total"]["amount_minor"] == 700


async def test_a_cancelled_trip_moves_no_money_and_owes_nothing(town) -> None:
    client = town["client"]
    booking = await book_trip(town, "cancel-me")
    cancelled = await (await client.post(f"/v1/bookings/{booking['id']}/cancel", headers=town["haru"])).json()
    assert cancelled["state"] == "CANCELLED" and cancelled["payment"]["state"] == "CANCELLED"
    assert cancelled["payment"]["captured_minor"] == 0
    subsidies = await (await client.get(f"/v1/settlement/subsidies?{PERIOD}", headers=town["analyst"])).json()
    assert subsidies["total"]["amount_minor"] == 0 and subsidies["legs"] == 0
    bad = await client.get("/v1/settlement/subsidies?from=2026-11-25T00:00:00%2B09:00&to=2026-11-24T00:00:00%2B09:00",
                           headers=town["analyst"])
    assert bad.status == 422

