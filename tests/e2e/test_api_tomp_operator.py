"""A standard TOMP operator plugged in with no custom glue: the reference taxi service runs on its
own port, the platform books it through the remote adapter, and the taxi's system reports the
ride through the platform's TOMP endpoints (/tomp/v1) with the key the platform issued. Every
message both ways is checked against the TOMP 1.6.1 document. Bad callbacks (a wrong key,
another operator's leg, an unknown leg, an impossible step, a body that is no `legEvent`) get
the spec's error object and change nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from aiohttp import web

from maas.api.app import create_app
from maas.bootstrap import build_container
from maas.domain.accounts import GeoPoint, NewAccount, Role
from maas.domain.mobility import OfferQuery, TripEvent, TripEventKind
from maas.plugins import build_adapters, load_operators_config
from maas.settings import load_settings
from maas.storage import migrate
from operators.reference.app import make_app
from operators.reference.maas_client import MaasRefused, MaasReporter
from operators.reference.taxi import taxi_operator
from operators.tomp import RemoteTompAdapter
from payments.on_board import OnBoardGateway
from tests.e2e.demo_bookings import DEMO, NOW, PASSWORD, SYSTEM
from tests.fakes import SteppedClock
from tests.tomp_spec_check import SpecRecorder, spec_middleware, tomp_call, tomp_headers, tomp_spec

pytestmark = pytest.mark.sqlite_only  # the storage is the whole-trip tests'; PostgreSQL adds nothing here

HOME = GeoPoint(lat=36.4005, lon=138.9000)
HOSPITAL = GeoPoint(lat=36.412526, lon=138.91438)


@asynccontextmanager
async def platform_with_tomp_taxi(aiohttp_client, database_url, tmp_path, fast_hasher,
                                  **taxi_options: object) -> AsyncIterator[dict]:
    """The platform with the demo region's operators, its own taxi replaced by the reference taxi
    service over HTTP (`tomp-taxi`), which reports back to the platform's TOMP endpoints."""
    spec = SpecRecorder(tomp_spec())
    clock = SteppedClock(NOW)
    taxi = taxi_operator(DEMO, clock, **taxi_options)
    runner = web.AppRunner(make_app(taxi, middlewares=[spec_middleware(spec)]), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    taxi_url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    adapters = build_adapters(load_operators_config(DEMO / "maas-operators.json"), DEMO, clock)
    adapters.pop("yamabuki-kotsu-taxi")
    adapters["tomp-taxi"] = RemoteTompAdapter("tomp-taxi", taxi_url, None, backoff_s=0.05)
    settings = load_settings({}, database_url=database_url, data_dir=tmp_path, planner_warmup=False)
    container = build_container(settings, hasher=fast_hasher, clock=clock, operator_adapters=adapters,
                                payments=OnBoardGateway(now=clock.now), payout_accounts={})
    await migrate.upgrade(container.engine)
    app = create_app(settings, container_factory=lambda _s: container)
    app.middlewares.insert(0, spec_middleware(spec, prefix="/tomp/v1"))  # what the platform answers
    client = await aiohttp_client(app)
    for operator_id in ("tomp-taxi", "noriai"):
        await container.operators.register(operator_id=operator_id, name=operator_id, name_en=operator_id,
                                           mode="taxi", kind="taxi")
    taxi_key = (await container.auth.issue_api_key("tomp-taxi", "dispatch")).secret
    noriai_key = (await container.auth.issue_api_key("noriai", "tablet")).secret
    taxi.reporter = MaasReporter(str(client.make_url("/tomp/v1")), taxi_key, taxi.information.systemId)
    await container.auth.register(NewAccount(email="misaki@example.jp", display_name="misaki", role=Role.RIDER,
                                             password=PASSWORD), by=SYSTEM)
    token = (await (await client.post("/v1/auth/token", json={"email": "misaki@example.jp",
                                                              "password": PASSWORD})).json())["token"]
    try:
        yield {"client": client, "clock": clock, "container": container, "taxi": taxi, "spec": spec,
               "taxi_key": taxi_key, "noriai_key": noriai_key, "rider": {"Authorization": f"Bearer {token}"}}
    finally:
        await runner.cleanup()
    spec.assert_clean()


@pytest.fixture
async def tomp_town(aiohttp_client, database_url, tmp_path, fast_hasher) -> AsyncIterator[dict]:
    async with platform_with_tomp_taxi(aiohttp_client, database_url, tmp_path, fast_hasher) as town:
        yield town


@pytest.fixture
async def slow_dispatcher_town(aiohttp_client, database_url, tmp_path, fast_hasher) -> AsyncIterator[dict]:
    """The reference taxi's dispatcher accepts each job by hand, within 120 s of the latest booking."""
    async with platform_with_tomp_taxi(aiohttp_client, database_url, tmp_path, fast_hasher,
                                       confirmation_required=True, hold_s=120) as town:
        yield town


async def book_taxi(town: dict, key: str, state: str = "CONFIRMED") -> dict:
    query = OfferQuery(origin=HOME, destination=HOSPITAL, depart_at=NOW + dt.timedelta(minutes=30))
    found = await town["container"].offers.search(query, operator_ids=["tomp-taxi"])
    assert found.offers, found.failures
    response = await town["client"].post("/v1/bookings", json={"offer_ids": [found.offers[0].id]},
                                         headers={**town["rider"], "Idempotency-Key": key})
    assert response.status == 201, await response.text()
    booking = await response.json()
    assert booking["state"] == state and booking["legs"][0]["operator_id"] == "tomp-taxi"
    return booking


async def state_of(town: dict, booking: dict) -> tuple[str, str]:
    now = await (await town["client"].get(f"/v1/bookings/{booking['id']}", headers=town["rider"])).json()
    return now["state"], now["legs"][0]["state"]


async def test_the_taxis_system_reports_the_ride_through_tomp_and_it_is_settled(tomp_town) -> None:
    town = tomp_town
    booking = await book_taxi(town, "ride")
    leg = booking["legs"][0]
    # The taxi asks whether it may start; it may.
    assert await town["taxi"].reporter.confirmation(leg["operator_booking_id"]) is True
    town["clock"].at = dt.datetime.fromisoformat(leg["departure"]) + dt.timedelta(minutes=1)
    await town["taxi"].report(leg["operator_booking_id"], TripEventKind.STARTED)
    assert await state_of(town, booking) == ("STARTED", "STARTED")
    town["clock"].at = dt.datetime.fromisoformat(leg["arrival"])
    await town["taxi"].report(leg["operator_booking_id"], TripEventKind.FINISHED)
    assert await state_of(town, booking) == ("SETTLED", "FINISHED")
    journal = await (await town["client"].get(f"/v1/bookings/{booking['id']}/journal",
                                              headers=town["rider"])).json()
    assert "operator:confirmation" in [step["name"] for step in journal["steps"]]
    assert town["spec"].checked >= 8


async def test_a_no_show_arrives_as_the_spec_notification(tomp_town) -> None:
    town = tomp_town
    booking = await book_taxi(town, "no-show")
    leg = booking["legs"][0]
    town["clock"].at = dt.datetime.fromisoformat(leg["departure"]) + dt.timedelta(minutes=10)
    await town["taxi"].report(leg["operator_booking_id"], TripEventKind.NO_SHOW)
    state, leg_state = await state_of(town, booking)
    assert leg_state == "FINISHED" and state in ("FINISHED", "SETTLED")


async def test_the_operator_cancelling_its_booking_cancels_the_trip_free_of_charge(tomp_town) -> None:
    town = tomp_town
    booking = await book_taxi(town, "cancelled")
    await town["taxi"].cancel_own(booking["legs"][0]["operator_booking_id"])
    assert await state_of(town, booking) == ("CANCELLED", "CANCELLED")


async def test_bad_callbacks_get_tomp_errors_and_change_nothing(tomp_town) -> None:
    town, client, spec = tomp_town, tomp_town["client"], tomp_town["spec"]
    booking = await book_taxi(town, "refusals")
    leg_id = booking["legs"][0]["operator_booking_id"]
    events = f"/legs/{leg_id}/events"
    finish = {"time": booking["legs"][0]["arrival"], "event": "FINISH"}
    town["clock"].at = dt.datetime.fromisoformat(finish["time"]) + dt.timedelta(minutes=1)
    cases = [
        (tomp_headers("mk_nope_nope"), events, finish, 401),
        (tomp_headers(town["noriai_key"]), events, finish, 403),  # another operator's leg
        (tomp_headers(town["taxi_key"]), "/legs/no-such-leg/events", finish, 404),
        # The taxi says FINISH but its own booking is still CONFIRMED: an impossible step.
        (tomp_headers(town["taxi_key"]), events, finish, 403),
        (tomp_headers(town["taxi_key"]), events, {"time": "2026-11-24T10:00:00", "event": "FINISH"}, 400),
        (tomp_headers(town["taxi_key"]), events, {"time": finish["time"], "event": "TELEPORT"}, 400),
        (tomp_headers(town["taxi_key"]), f"/bookings/{leg_id}/notifications", {"type": "LOST"}, 400),
        (tomp_headers(town["taxi_key"], **{"Api-Version": "2.0"}), events, finish, 400),
    ]
    for headers, path, body, status in cases:
        before = len(spec.problems)
        answer = await client.post("/tomp/v1" + path, json=body, headers=headers)
        error = await answer.json()
        assert (answer.status, error["status"]) == (status, status), (path, body, error)
        assert error["title"] and error["errorcode"] and "code" not in error  # TOMP's object, not the envelope
        # A deliberately bad request breaks the spec (that is the point); the answer must not.
        assert all(" → " not in p for p in spec.problems[before:]), spec.problems[before:]
        del spec.problems[before:]
        assert await state_of(town, booking) == ("CONFIRMED", "CONFIRMED")
    # The reference taxi's own reporter gets the same refusal for a step its booking cannot take.
    with pytest.raises(MaasRefused) as refused:
        await town["taxi"].reporter.leg_event(leg_id, "FINISH", town["clock"].now())
    assert refused.value.status == 403


async def test_an_operator_token_from_client_credentials_works_until_it_lapses(tomp_town) -> None:
    town, client = tomp_town, tomp_town["client"]
    booking = await book_taxi(town, "oauth")
    leg = booking["legs"][0]
    town["clock"].at = dt.datetime.fromisoformat(leg["departure"]) + dt.timedelta(minutes=1)
    form = {"grant_type": "client_credentials", "client_id": "tomp-taxi", "client_secret": town["taxi_key"]}
    issued = await client.post("/tomp/v1/oauth/token", data=form)
    assert issued.status == 200, await issued.text()
    token = await issued.json()
    assert token["token_type"] == "Bearer" and 0 < token["expires_in"] <= 900
    assert token["access_token"].startswith("mo_")
    wrong = await client.post("/tomp/v1/oauth/token", data={**form, "client_id": "noriai"})
    assert wrong.status == 401 and (await wrong.json())["error"] == "invalid_client"
    grant = await client.post("/tomp/v1/oauth/token", data={**form, "grant_type": "password"})
    assert grant.status == 400 and (await grant.json())["error"] == "invalid_request"

    bearer = {k: v for k, v in tomp_headers("").items() if k != "X-API-Key"}
    bearer["Authorization"] = f"Bearer {token['access_token']}"
    await town["taxi"].adapter.receive_event(  # the taxi's own system: the ride starts
        _event(town, leg["operator_booking_id"], TripEventKind.STARTED))
    started = await tomp_call(client, town["spec"], f"/legs/{leg['operator_booking_id']}/events",
                              {"time": town["clock"].now().isoformat(), "event": "SET_IN_USE"}, bearer)
    assert started.status == 204, await started.text()
    assert await state_of(town, booking) == ("STARTED", "STARTED")
    town["clock"].at += dt.timedelta(seconds=901)
    lapsed = await client.post(f"/tomp/v1/legs/{leg['operator_booking_id']}/events", headers=bearer,
                               json={"time": town["clock"].now().isoformat(), "event": "PAUSE"})
    assert lapsed.status == 401 and "expired" in (await lapsed.json())["detail"]
    forged = {**bearer, "Authorization": bearer["Authorization"][:-4] + "0000"}
    assert (await client.post(f"/tomp/v1/legs/{leg['operator_booking_id']}/events", headers=forged,
                              json={"time": town["clock"].now().isoformat(), "event": "PAUSE"})).status == 401


def _event(town: dict, option_id: str, kind: TripEventKind) -> TripEvent:
    booking_id = town["taxi"].booking_ids[option_id]
    return TripEvent(booking_id=booking_id, kind=kind, at=town["clock"].now())


async def test_an_operator_that_never_confirms_within_its_own_response_time_is_compensated(
        slow_dispatcher_town) -> None:
    town = slow_dispatcher_town
    booking = await book_taxi(town, "waiting", state="CONDITIONAL_CONFIRMED")
    container = town["container"]
    held = await container.bookings.get(SYSTEM, booking["id"])
    respond_by = held.legs[0].booking.conditions.respond_by
    # The operator's ultimateResponseTime (offer validity 300 s + its 120 s), not the platform's 900 s.
    assert respond_by is not None and held.confirm_by == respond_by
    assert respond_by <= NOW + dt.timedelta(seconds=300 + 120)
    town["clock"].at = NOW + dt.timedelta(seconds=60)  # before either deadline
    await container.bookings.check_all()
    assert (await state_of(town, booking))[0] == "CONDITIONAL_CONFIRMED"
    town["clock"].at = respond_by + dt.timedelta(seconds=1)
    await container.bookings.check_all()
    state, leg_state = await state_of(town, booking)
    # Compensated: EXPIRED by the platform's deadline, or REJECTED had the taxi's own hold lapsed first.
    assert state in ("EXPIRED", "REJECTED") and leg_state in ("CANCELLED", "RELEASED", "EXPIRED")
    at_taxi = await town["taxi"].current(booking["legs"][0]["operator_booking_id"])
    assert at_taxi.state.value in ("CANCELLED", "RELEASED", "EXPIRED")  # the car is free again


async def test_the_dispatcher_confirming_through_tomp_confirms_the_trip_at_once(slow_dispatcher_town) -> None:
    town = slow_dispatcher_town
    booking = await book_taxi(town, "accepted", state="CONDITIONAL_CONFIRMED")
    option_id = booking["legs"][0]["operator_booking_id"]
    await town["taxi"].accept(option_id)  # by hand; the taxi's system sends its COMMIT to the platform
    assert await state_of(town, booking) == ("CONFIRMED", "CONFIRMED")
    # COMMIT again, by a confused system: the booking already says so; nothing changes.
    assert await town["taxi"].reporter.booking_operation(option_id, "COMMIT") == {"id": option_id,
                                                                                    "state": "CONFIRMED"}


async def test_an_operator_requiring_personal_data_and_upfront_payment_is_booked_with_them(tomp_town) -> None:
    town, client = tomp_town, tomp_town["client"]
    town["taxi"].conditions = [{"conditionType": "conditionRequireBookingData", "id": "kyc",
                                "requiredFields": ["EMAIL", "PHONE_NUMBERS"]},
                               {"conditionType": "conditionUpfrontPayment", "id": "prepaid"}]
    query = OfferQuery(origin=HOME, destination=HOSPITAL, depart_at=NOW + dt.timedelta(minutes=30))
    offer = (await town["container"].offers.search(query, operator_ids=["tomp-taxi"])).offers[0]
    assert "The operator requires the rider's EMAIL, PHONE_NUMBERS." in offer.conditions.notes
    assert "The operator is paid in advance, when the booking is made." in offer.conditions.notes
    headers = {**town["rider"], "Accept-Language": "en"}
    # The account has her email but no phone: she is asked for it, and nothing is booked.
    asked = await client.post("/v1/bookings", json={"offer_ids": [offer.id]},
                              headers={**headers, "Idempotency-Key": "kyc-1"})
    error = (await asked.json())["error"]
    assert (asked.status, error["code"]) == (422, "booking_data_required")
    assert error["fields"] == {"booking_data.PHONE_NUMBERS": "required by tomp-taxi"}
    assert town["taxi"].booking_ids == {}
    bad = await client.post("/v1/bookings", json={"offer_ids": [offer.id], "booking_data": {"SHOE_SIZE": "24"}},
                            headers={**headers, "Idempotency-Key": "kyc-2"})
    assert bad.status == 422
    # Given, the booking goes through: the operator gets exactly what it asked for, the rider's
    # one payment holds the fare before the operator's booking is committed.
    booked = await client.post("/v1/bookings", json={"offer_ids": [offer.id],
                                                     "booking_data": {"PHONE_NUMBERS": "0279001234"}},
                               headers={**headers, "Idempotency-Key": "kyc-3"})
    body = await booked.json()
    assert booked.status == 201, body
    assert body["state"] == "CONFIRMED" and body["payment"]["state"] == "AUTHORISED"
    assert town["taxi"].customers == {body["legs"][0]["operator_booking_id"]: {
        "EMAIL": "misaki@example.jp", "PHONE_NUMBERS": "0279001234"}}


async def test_an_operator_requiring_data_no_request_can_give_is_refused_with_the_reason(tomp_town) -> None:
    town = tomp_town
    town["taxi"].conditions = [{"conditionType": "conditionRequireBookingData", "id": "kyc",
                                "requiredFields": ["EMAIL", "LICENSES"]}]
    query = OfferQuery(origin=HOME, destination=HOSPITAL, depart_at=NOW + dt.timedelta(minutes=30))
    offer = (await town["container"].offers.search(query, operator_ids=["tomp-taxi"])).offers[0]
    refused = await town["client"].post("/v1/bookings", json={"offer_ids": [offer.id]},
                                        headers={**town["rider"], "Idempotency-Key": "licence", "Accept-Language": "en"})
    body = await refused.json()
    assert refused.status == 409 and body["error"]["code"] == "booking_rejected"
    assert "requires the rider's LICENSES" in body["booking"]["reason"]
    assert town["taxi"].booking_ids == {}  # the operator was never asked to book


async def test_notices_that_move_nothing_are_journaled_and_the_openapi_document_has_them(tomp_town) -> None:
    town, client, spec = tomp_town, tomp_town["client"], tomp_town["spec"]
    booking = await book_taxi(town, "notices")
    leg_id = booking["legs"][0]["operator_booking_id"]
    headers = tomp_headers(town["taxi_key"])
    now = town["clock"].now().isoformat()
    for path, body in ((f"/legs/{leg_id}/events", {"time": now, "event": "PREPARE", "comment": "car on its way"}),
                       (f"/bookings/{leg_id}/notifications", {"type": "ETA", "minutes": 7}),
                       (f"/support/{leg_id}/status", {"id": leg_id, "status": "RESOLVED", "comment": "found her"})):
        answer = await client.post("/tomp/v1" + path, json=body, headers=headers)
        assert answer.status == 204, await answer.text()
    spec.problems = [p for p in spec.problems if "/support/" not in p]  # 1.6.1 has no POST there: our convention
    journal = await (await client.get(f"/v1/bookings/{booking['id']}/journal", headers=town["rider"])).json()
    notes = {step["name"]: step["detail"] for step in journal["steps"] if step["name"].startswith("operator:")}
    assert notes == {"operator:prepare": "car on its way", "operator:notification": "ETA 7 min",
                     "operator:support": "RESOLVED: found her"}
    assert await state_of(town, booking) == ("CONFIRMED", "CONFIRMED")
    document = await (await client.get("/openapi.json")).json()
    operation = document["paths"]["/tomp/v1/legs/{id}/events"]["post"]
    assert operation["responses"]["403"]["content"]["application/json"]["schema"]["$ref"].endswith("/TompError")
    assert {"tompApiKey": []} in operation["security"]
    assert "/tomp/v1/oauth/token" in document["paths"]
