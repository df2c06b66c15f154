"""One booking for a whole trip, through the API, with the demo's operators and the on-board
gateway: the saga reserves, holds the payment, commits and confirms; a refusal anywhere is
compensated; a retry with the same Idempotency-Key does nothing twice; a crash between steps
is finished or compensated by recovery, leaving no leg held that nobody pays for."""

from __future__ import annotations

import datetime as dt

import pytest

from maas.domain.accounts import GeoPoint, Principal, Role
from maas.domain.mobility import BookingState, OfferQuery
from maas.services.bookings import BookingService
from tests.e2e.demo_bookings import HOME, HOSPITAL, NOW, SYSTEM, TOKYO, van_offer

class Crash(BaseException):
    """Stands for the process dying: nothing catches it, nothing after it runs."""


async def shuttle_offer(api, depart_at: dt.datetime = dt.datetime(2026, 11, 24, 12, 0, tzinfo=TOKYO)) -> str:
    """The way home, asked of the shuttle alone (as the planner asks every operator)."""
    query = OfferQuery(origin=GeoPoint(**HOSPITAL), destination=GeoPoint(**HOME), depart_at=depart_at)
    found = await api["container"].offers.search(query, operator_ids=["shuttle"])
    return found.offers[0].id


async def book(api, offer_ids: list[str], key: str, language: str = "ja"):
    return await api["client"].post("/v1/bookings", json={"offer_ids": offer_ids},
                                    headers={**api["rider"], "Idempotency-Key": key, "Accept-Language": language})


async def test_a_two_operator_trip_is_one_confirmed_booking(api) -> None:
    van, shuttle = await van_offer(api), await shuttle_offer(api)
    response = await book(api, [shuttle, van["offer_id"]], "trip-1")
    assert response.status == 201, await response.text()
    booking = await response.json()
    assert booking["state"] == "CONFIRMED" and booking["reason"] == ""
    assert [leg["operator_id"] for leg in booking["legs"]] == ["noriai", "shuttle"]  # in time order
    assert [leg["state"] for leg in booking["legs"]] == ["CONFIRMED", "CONFIRMED"]
    assert booking["total"] == {"amount_minor": 300 + 1500, "currency": "JPY"}
    assert booking["payment"]["gateway"] == "on_board" and booking["payment"]["state"] == "AUTHORISED"
    # A retry with the same key and body: the same booking, 200, and nothing done twice.
    again = await book(api, [shuttle, van["offer_id"]], "trip-1")
    assert again.status == 200 and (await again.json())["id"] == booking["id"]
    assert len(await api["container"].on_demand.list_rides(SYSTEM, "noriai")) == 1
    other = await book(api, [van["offer_id"]], "trip-1")
    assert other.status == 409 and (await other.json())["error"]["fields"] == {"Idempotency-Key": "reused with another body"}
    journal = await (await api["client"].get(f"/v1/bookings/{booking['id']}/journal", headers=api["rider"])).json()
    names = [(s["name"], s["status"]) for s in journal["steps"]]
    assert names == [("reserve:0", "started"), ("reserve:0", "done"), ("reserve:1", "started"),
                     ("reserve:1", "done"), ("authorise", "started"), ("authorise", "done"),
                     ("commit:0", "started"), ("commit:0", "done"), ("commit:1", "started"), ("commit:1", "done")]
    mine = await (await api["client"].get("/v1/bookings", headers=api["rider"])).json()
    assert [b["id"] for b in mine["items"]] == [booking["id"]]


async def test_a_refused_commit_releases_everything_already_held(api) -> None:
    van, shuttle = await van_offer(api), await shuttle_offer(api)
    api["shuttle"].refuse_commit = True
    response = await book(api, [van["offer_id"], shuttle], "trip-2", "en")
    body = await response.json()
    assert (response.status, body["error"]["code"]) == (409, "booking_rejected"), body
    booking = body["booking"]
    assert booking["state"] == "REJECTED" and "the shuttle is full" in booking["reason"]
    assert body["error"]["fields"] == {"booking_id": booking["id"], "state": "REJECTED", "reason": booking["reason"]}
    # A retry with the same key is the same answer, not a success; the booking can be read again.
    again = await book(api, [van["offer_id"], shuttle], "trip-2", "en")
    assert (again.status, await again.json()) == (409, body)
    seen = await api["client"].get(f"/v1/bookings/{booking['id']}", headers=api["rider"])
    assert seen.status == 200 and (await seen.json())["state"] == "REJECTED"
    assert booking["legs"][0]["state"] in {"CANCELLED", "RELEASED"}  # the van's seat is given back
    assert booking["legs"][1]["state"] in {"CANCELLED", "RELEASED"}
    assert booking["payment"]["state"] == "CANCELLED"  # the hold is released: nobody is charged
    rides = await api["container"].on_demand.list_rides(SYSTEM, "noriai")
    assert [r.booking.state for r in rides] in ([BookingState.CANCELLED], [BookingState.RELEASED])


async def test_a_lapsed_offer_ends_the_booking_expired_with_a_409(api) -> None:
    van, shuttle = await van_offer(api), await shuttle_offer(api)
    api["shuttle"].lapsed = True
    response = await book(api, [van["offer_id"], shuttle], "trip-4")
    body = await response.json()
    assert (response.status, body["error"]["code"]) == (409, "booking_expired"), body
    booking = body["booking"]
    assert booking["state"] == "EXPIRED" and body["error"]["fields"]["booking_id"] == booking["id"]
    assert "lapsed at the shuttle" in body["error"]["fields"]["reason"]
    assert booking["legs"][0]["state"] in {"CANCELLED", "RELEASED"}  # the van's seat is given back
    again = await book(api, [van["offer_id"], shuttle], "trip-4")
    assert (again.status, await again.json()) == (409, body)


async def test_the_openapi_document_says_what_a_rejected_booking_answers(api) -> None:
    document = await (await api["client"].get("/openapi.json")).json()
    operation = document["paths"]["/v1/bookings"]["post"]
    assert "booking_rejected" in operation["description"] and "booking_expired" in operation["description"]
    assert {"201", "409"} <= set(operation["responses"])


async def test_bad_booking_requests(api) -> None:
    client, rider = api["client"], api["rider"]
    van = await van_offer(api)
    assert (await client.post("/v1/bookings", json={"offer_ids": [van["offer_id"]]}, headers=rider)).status == 422
    unknown = await book(api, ["no-such-offer"], "u")
    assert unknown.status == 404
    twice = await book(api, [van["offer_id"], van["offer_id"]], "t")
    assert twice.status == 422
    tampered = await client.post("/v1/bookings", json={"offer_ids": [van["offer_id"]], "price": 1},
                                 headers={**rider, "Idempotency-Key": "p"})
    assert tampered.status == 422  # prices come from the offer as issued, never from the client
    api["clock"].at = NOW + dt.timedelta(minutes=6)
    expired = await book(api, [van["offer_id"]], "late")
    assert expired.status == 409 and (await expired.json())["error"]["code"] == "offer_expired"
    assert (await (await client.get("/v1/bookings", headers=rider)).json())["items"] == []
    assert (await client.post("/v1/bookings", json={"offer_ids": ["x"]})).status == 401


async def test_cancelling_releases_the_legs_and_the_hold(api) -> None:
    van = await van_offer(api)
    booking = await (await book(api, [van["offer_id"]], "c")).json()
    cancelled = await api["client"].post(f"/v1/bookings/{booking['id']}/cancel",
                                         headers={**api["rider"], "Accept-Language": "en"})
    body = await cancelled.json()
    assert cancelled.status == 200 and body["state"] == "CANCELLED" and body["reason"] == "cancelled free of charge"
    assert body["legs"][0]["state"] == "CANCELLED" and body["payment"]["state"] == "CANCELLED"
    again = await api["client"].post(f"/v1/bookings/{booking['id']}/cancel", headers=api["rider"])
    assert again.status == 200 and (await again.json())["state"] == "CANCELLED"


@pytest.mark.parametrize("crash_at", ["reserve:1", "authorise", "commit:0", "commit:1"])
async def test_a_crash_between_steps_is_finished_by_recovery(api, crash_at: str) -> None:
    container = api["container"]
    van, shuttle = await van_offer(api), await shuttle_offer(api)

    async def die(booking_id: str, step: str) -> None:
        if step == crash_at:
            raise Crash(step)

    dying = BookingService(container.uow, container.operator_adapters, container.payments, api["clock"],
                           step_hook=die)
    rider = Principal(subject_id=(await container.auth.authenticate(api["rider"]["Authorization"])).subject_id,
                      role=Role.RIDER)
    with pytest.raises(Crash):
        await dying.book(rider, [van["offer_id"], shuttle], idempotency_key="crash")
    [left] = await container.bookings.list_mine(rider)
    assert left.state.value == "PENDING"
    [recovered] = await container.bookings.recover()
    assert recovered.state.value == "CONFIRMED", recovered.reason
    assert all(leg.booking.state is BookingState.CONFIRMED for leg in recovered.legs)
    rides = await container.on_demand.list_rides(SYSTEM, "noriai")
    assert len(rides) == 1 and rides[0].booking.state is BookingState.CONFIRMED  # booked once, not twice
    assert len(api["shuttle"].bookings) == 1
    # A retry of the request after the crash answers with the recovered booking.
    again = await book(api, [van["offer_id"], shuttle], "crash")
    assert again.status == 200 and (await again.json())["id"] == recovered.id


async def test_a_crash_then_a_refusal_is_compensated_by_recovery(api) -> None:
    container = api["container"]
    van, shuttle = await van_offer(api), await shuttle_offer(api)

    async def die(booking_id: str, step: str) -> None:
        if step == "commit:0":
            raise Crash(step)

    dying = BookingService(container.uow, container.operator_adapters, container.payments, api["clock"],
                           step_hook=die)
    rider = Principal(subject_id=(await container.auth.authenticate(api["rider"]["Authorization"])).subject_id,
                      role=Role.RIDER)
    with pytest.raises(Crash):
        await dying.book(rider, [van["offer_id"], shuttle], idempotency_key="crash-2")
    api["shuttle"].refuse_commit = True
    [recovered] = await container.bookings.recover()
    assert recovered.state.value == "REJECTED"
    assert all(leg.booking.state in {BookingState.CANCELLED, BookingState.RELEASED} for leg in recovered.legs)
    assert recovered.payment is not None and recovered.payment.state.value == "CANCELLED"


async def test_a_compensation_an_operator_cannot_answer_is_finished_by_recovery(api) -> None:
    van, shuttle = await van_offer(api), await shuttle_offer(api)
    api["shuttle"].refuse_commit = True
    api["shuttle"].down = True  # and then cannot even release its held leg
    booking = await (await book(api, [van["offer_id"], shuttle], "trip-3", "en")).json()
    assert booking["state"] == "PENDING" and "compensation pending" in booking["reason"]
    assert booking["legs"][0]["state"] in {"CANCELLED", "RELEASED"}  # what could be released, was
    async with api["container"].uow() as uow:
        stalled = await uow.bookings.get(booking["id"])
    assert stalled.compensation is not None and stalled.compensation.pending  # why, and what is left, as fields
    assert booking["reason"].startswith(stalled.compensation.reason + "; compensation pending")
    api["shuttle"].down = False
    [finished] = await api["container"].bookings.recover()
    assert finished.state.value == "REJECTED" and finished.compensate_to is None
    assert finished.reason == stalled.compensation.reason and finished.compensation is None
    assert all(leg.booking.state in {BookingState.CANCELLED, BookingState.RELEASED} for leg in finished.legs)
    assert finished.payment.state.value == "CANCELLED"
