"""An operator cancels its leg in its own system and says so with a TOMP leg event: before the
trip began the whole booking is cancelled free of any fee (the van released, the hold voided),
and a leg the operator still holds cannot be reported cancelled."""

from __future__ import annotations

import pytest

from tests.e2e.demo_bookings import book_trip

@pytest.fixture
def town(settled_town):
    """The `settled_town` of tests/e2e/conftest.py, under the name these tests use."""
    return settled_town



async def shuttle_key(town) -> dict[str, str]:
    container = town["container"]
    await container.operators.register(operator_id="shuttle", name="病院シャトル", name_en="Shuttle", mode="shuttle",
                                       kind="on-demand")
    return {"Authorization": f"Bearer {(await container.auth.issue_api_key('shuttle', 'dispatch')).secret}"}


async def test_an_operator_cancelling_its_leg_cancels_the_trip_free_of_charge(town) -> None:
    client = town["client"]
    dispatch = await shuttle_key(town)
    booking = await book_trip(town, "cancelled-by-shuttle")
    van, shuttle = booking["legs"]
    events = f"/v1/operators/shuttle/legs/{shuttle['operator_booking_id']}/events"
    # Still booked at the shuttle: claiming it is cancelled is refused, and nothing changes.
    premature = await client.post(events, headers=dispatch, json={"kind": "CANCELLED"})
    assert premature.status == 409
    assert (await (await client.get(f"/v1/bookings/{booking['id']}", headers=town["haru"])).json())[
        "state"] == "CONFIRMED"
    # The shuttle's own system cancels the ride (its bus broke down), then tells the service.
    await town["shuttle"].cancel(shuttle["operator_booking_id"], idempotency_key="shuttle-side")
    told = await client.post(events, headers=dispatch, json={"kind": "CANCELLED"})
    assert told.status == 200, await told.text()
    assert (await told.json())["booking_state"] == "CANCELLED"
    after = await (await client.get(f"/v1/bookings/{booking['id']}",
                                    headers={**town["haru"], "Accept-Language": "en"})).json()
    assert after["state"] == "CANCELLED" and after["reason"].startswith("shuttle cancelled leg 1")
    assert [leg["state"] for leg in after["legs"]] == ["CANCELLED", "CANCELLED"]
    assert after["payment"]["state"] == "CANCELLED" and after["payment"]["captured_minor"] == 0
    assert all(leg.get("fee") is None for leg in after["legs"])
    ride = await town["container"].operator_adapters["noriai"].get_booking(van["operator_booking_id"])
    assert ride.state.value == "CANCELLED"  # the van seat is free again
    # Told again: the same answer, nothing moves twice.
    again = await client.post(events, headers=dispatch, json={"kind": "CANCELLED"})
    assert again.status == 200 and (await again.json())["booking_state"] == "CANCELLED"
    # Another operator's key cannot speak for the shuttle.
    assert (await client.post(events, headers=town["driver"], json={"kind": "CANCELLED"})).status == 403
