"""The remote TOMP adapter against the reference operator services on 127.0.0.1, for real:
the conformance kit for both operators, time limits, safe retries, malformed answers and the
mapping of operator errors to domain errors."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from maas.domain.accounts import GeoPoint
from maas.domain.errors import (Conflict, InvalidRequest, NotFound, OfferExpired, OperatorUnavailable)
from maas.domain.mobility import BookingState, OfferQuery, TripEvent, TripEventKind
from operators.conformance import CHECKS, ConformanceScenario, run_conformance
from operators.reference.app import ReferenceOperator, make_app
from operators.reference.bikeshare import bikeshare_operator
from operators.reference.serve import SystemClock
from operators.reference.taxi import taxi_operator
from operators.tomp import RemoteTompAdapter
from operators.tomp.recording import Recording
from tests.fakes import SteppedClock
from tests.tomp_spec_check import SpecRecorder, spec_middleware, tomp_spec

T0 = dt.datetime(2026, 11, 24, 1, 0, tzinfo=dt.UTC)  # 10:00 in Tokyo
DEMO = Path(__file__).resolve().parents[2] / "fixtures" / "demo-region"
YAMABUKI = GeoPoint(lat=36.40, lon=138.90)
NORTH = GeoPoint(lat=36.415, lon=138.905)


def query(depart_at: dt.datetime, travellers: int = 1) -> OfferQuery:
    return OfferQuery(origin=YAMABUKI, destination=NORTH, depart_at=depart_at, travellers=travellers)


RECORDER: SpecRecorder | None = None


@pytest.fixture(autouse=True)
def spec_checked() -> Iterator[SpecRecorder]:
    """Every exchange with a reference operator in this module is checked against TOMP 1.6.1."""
    global RECORDER
    RECORDER = SpecRecorder(tomp_spec())
    yield RECORDER
    recorder, RECORDER = RECORDER, None
    recorder.assert_clean(at_least=0)


def tomp_app(operator: ReferenceOperator, *faults: Callable) -> web.Application:
    """The reference operator's service, its messages checked inside any injected faults."""
    assert RECORDER is not None
    return make_app(operator, middlewares=[*faults, spec_middleware(RECORDER)])


@asynccontextmanager
async def serving(app: web.Application) -> AsyncIterator[str]:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()


@asynccontextmanager
async def remote(url: str, **options: object) -> AsyncIterator[RemoteTompAdapter]:
    adapter = RemoteTompAdapter("remote-op", url, aiohttp.ClientSession(), **{"backoff_s": 0.05, **options})
    try:
        yield adapter
    finally:
        await adapter.aclose()


def taxi(clock=None, **options) -> ReferenceOperator:
    return taxi_operator(DEMO, clock or SteppedClock(T0), **options)


# -- the conformance kit over real HTTP -------------------------------------------------------
async def test_the_reference_taxi_conforms_through_the_remote_adapter() -> None:
    clock = SteppedClock(T0)
    async with serving(tomp_app(taxi(clock, offer_validity_s=60))) as url, \
            serving(tomp_app(taxi(clock, delay_s=1.5))) as slow_url, \
            remote(url) as adapter, remote(slow_url, timeout_s=0.5, retries=0) as slow:
        scenario = ConformanceScenario(query(T0 + dt.timedelta(minutes=30)),
                                       rejected_query=query(T0 + dt.timedelta(minutes=30), travellers=9),
                                       timeout_s=0.5)
        adapter.client.recording = Recording(tomp_spec())
        report = await run_conformance(adapter, scenario, now=clock.now, wait_until=clock.wait_until,
                                       slow_adapter=slow, exchanges=adapter.client.recording)
    assert report.ok, report.summary()
    assert [r.name for r in report.results if r.status == "passed"] == list(CHECKS), report.summary()


async def test_the_reference_bikeshare_conforms_with_real_expiry() -> None:
    clock = SystemClock()
    async with serving(tomp_app(bikeshare_operator(DEMO, clock, offer_validity_s=1))) as url, \
            serving(tomp_app(bikeshare_operator(DEMO, clock, delay_s=1.5))) as slow_url, \
            remote(url) as adapter, remote(slow_url, timeout_s=0.5, retries=0) as slow:
        depart = clock.now() + dt.timedelta(minutes=10)
        scenario = ConformanceScenario(query(depart), rejected_query=query(depart, travellers=9),
                                       max_expiry_wait_s=2.0, timeout_s=0.5)
        adapter.client.recording = Recording(tomp_spec())
        report = await run_conformance(adapter, scenario, slow_adapter=slow, exchanges=adapter.client.recording)
    assert report.ok, report.summary()
    assert [r.name for r in report.results if r.status == "passed"] == list(CHECKS), report.summary()


async def test_bike_offers_carry_stations_prices_and_terms() -> None:
    operator = bikeshare_operator(DEMO, SteppedClock(T0))
    async with serving(tomp_app(operator)) as url, remote(url) as adapter:
        offers = await adapter.search_offers(query(T0 + dt.timedelta(minutes=5)))
        assert {o.vehicle_type for o in offers} == {"bike", "ebike"}
        assert {o.price.amount_minor for o in offers} == {130, 200}  # one started half hour
        assert all(o.mode == "bike" and o.operator_id == "remote-op" for o in offers)
        assert all("山吹駅前" in o.description for o in offers)
        booking = await adapter.book(offers[0].id, idempotency_key="k1")
        assert booking.state is BookingState.PENDING and booking.expires_at is not None
        assert booking.id == offers[0].id  # a TOMP booking keeps its option's id
        dock = operator.adapter.docks["cy-01"]
        held = dock.bikes[offers[0].vehicle_type]
        released = await adapter.cancel(booking.id, idempotency_key="k2")
        assert released.state is BookingState.RELEASED
        assert dock.bikes[offers[0].vehicle_type] == held + 1


async def test_trip_events_no_show_and_issue_reach_the_operator() -> None:
    clock = SteppedClock(T0)
    operator = taxi(clock)
    async with serving(tomp_app(operator)) as url, remote(url) as adapter:
        offer = (await adapter.search_offers(query(T0 + dt.timedelta(minutes=30))))[0]
        booking = await adapter.book(offer.id, idempotency_key="b")
        issue = await adapter.receive_event(TripEvent(booking_id=booking.id, kind=TripEventKind.ISSUE,
                                                      at=T0, detail="rider cannot find the car"))
        assert issue.state is BookingState.CONFIRMED
        gone = await adapter.receive_event(TripEvent(booking_id=booking.id, kind=TripEventKind.NO_SHOW, at=T0))
        assert gone.state is BookingState.FINISHED and "no-show" in gone.reason
    assert [e.kind for e in operator.adapter.events] == [TripEventKind.ISSUE, TripEventKind.NO_SHOW]
    assert operator.adapter.events[0].detail == "rider cannot find the car"


# -- time limits and retries ------------------------------------------------------------------
async def test_a_slow_operator_is_unavailable_within_the_time_limit() -> None:
    async with serving(tomp_app(taxi(delay_s=2.0))) as url, remote(url, timeout_s=0.3) as adapter:
        started = time.monotonic()
        with pytest.raises(OperatorUnavailable, match=r"no answer to POST /planning/offers within 0.3 s"):
            await adapter.search_offers(query(T0 + dt.timedelta(minutes=30)))
        assert time.monotonic() - started < 1.5  # one attempt: a search carries no key


def fault(path: str, counter: Counter, *, times: int, mode: str) -> Callable:
    """A middleware that spoils the first `times` answers to POSTs on `path`: `503` after the
    operator did the work, `slow` answers after the client gave up, `before` fails before it."""

    @web.middleware
    async def middleware(request: web.Request, handler):
        if request.path != path:
            return await handler(request)
        counter[request.method] += 1
        if counter[request.method] > times:
            return await handler(request)
        if mode == "before":
            return web.Response(status=503, text="down for maintenance")
        response = await handler(request)
        if mode == "slow":
            await asyncio.sleep(0.8)
            return response
        return web.Response(status=503, text="lost the answer")

    return middleware


@pytest.mark.parametrize("mode", ["503", "slow"])
async def test_a_keyed_booking_is_retried_and_books_exactly_once(mode: str) -> None:
    clock, attempts = SteppedClock(T0), Counter()
    operator = taxi(clock)
    app = tomp_app(operator, fault("/bookings", attempts, times=1, mode=mode))
    async with serving(app) as url, remote(url, timeout_s=0.4, retries=2) as adapter:
        offer = (await adapter.search_offers(query(T0 + dt.timedelta(minutes=30))))[0]
        booking = await adapter.book(offer.id, idempotency_key="once")
    assert attempts["POST"] == 2
    assert booking.state is BookingState.CONFIRMED
    assert list(operator.booking_ids) == [offer.id]
    assert len(operator.adapter._bookings) == 1  # the dispatcher holds one car, not two


async def test_a_post_without_a_key_is_never_retried_but_a_get_is() -> None:
    attempts = Counter()
    app = tomp_app(taxi(), fault("/planning/offers", attempts, times=5, mode="before"))
    async with serving(app) as url, remote(url, retries=3) as adapter:
        with pytest.raises(OperatorUnavailable, match="HTTP 503: down for maintenance"):
            await adapter.search_offers(query(T0 + dt.timedelta(minutes=30)))
    assert attempts["POST"] == 1

    gets = Counter()

    async def flaky(request: web.Request) -> web.Response:
        gets["GET"] += 1
        return web.Response(status=503) if gets["GET"] < 3 else web.json_response(
            {"systemId": "x", "language": ["ja"], "name": "X", "timezone": "Asia/Tokyo",
             "typeOfSystem": "STATION_BASED"})

    app = web.Application()
    app.router.add_get("/operator/information", flaky)
    async with serving(app) as url, remote(url, retries=3) as adapter:
        assert (await adapter.information()).systemId == "x"
    assert gets["GET"] == 3


async def test_a_repeated_key_replays_and_a_reused_key_is_refused() -> None:
    async with serving(tomp_app(taxi())) as url, remote(url) as adapter:
        first, second = (await adapter.search_offers(query(T0 + dt.timedelta(minutes=30),
                                                           travellers=1)))[0], None
        more = await adapter.search_offers(query(T0 + dt.timedelta(minutes=40)))
        second = more[0]
        booking = await adapter.book(first.id, idempotency_key="same")
        assert (await adapter.book(first.id, idempotency_key="same")).id == booking.id
        with pytest.raises(Conflict, match="HTTP 409"):
            await adapter.book(second.id, idempotency_key="same")


# -- errors of the operator ---------------------------------------------------------------------
async def test_operator_errors_map_to_domain_errors() -> None:
    clock = SteppedClock(T0)
    async with serving(tomp_app(taxi(clock, offer_validity_s=60))) as url, remote(url) as adapter:
        with pytest.raises(NotFound, match="HTTP 404"):
            await adapter.book("no-such-offer", idempotency_key="a")
        with pytest.raises(NotFound, match="HTTP 404"):
            await adapter.get_booking("no/such booking")
        offers = await adapter.search_offers(query(T0 + dt.timedelta(minutes=30)))
        booking = await adapter.book(offers[0].id, idempotency_key="b")
        with pytest.raises(Conflict, match="HTTP 409"):  # the same option under another key
            await adapter.book(offers[0].id, idempotency_key="c")
        await adapter.cancel(booking.id, idempotency_key="d")
        with pytest.raises(Conflict, match="HTTP 403"):  # TOMP: commit of a cancelled booking
            await adapter.confirm(booking.id, idempotency_key="e")
        later = await adapter.search_offers(query(T0 + dt.timedelta(minutes=30)))
        clock.at += dt.timedelta(seconds=61)
        with pytest.raises(OfferExpired, match="HTTP 410: Availability expired"):
            await adapter.book(later[0].id, idempotency_key="f")



@pytest.mark.parametrize("status", [400, 422])
async def test_a_refused_request_is_invalid(status: int) -> None:
    error = {"errorcode": status, "title": "Bad request", "status": status, "detail": "to is outside our area"}
    app = fake_operator({"/planning/offers": lambda: web.json_response(error, status=status)})
    async with serving(app) as url, remote(url) as adapter:
        with pytest.raises(InvalidRequest, match=f"HTTP {status}: Bad request: to is outside our area"):
            await adapter.search_offers(query(T0))


async def test_the_reference_service_insists_on_the_subset_headers(spec_checked: SpecRecorder) -> None:
    async with serving(tomp_app(taxi())) as url, aiohttp.ClientSession() as session:
        headers = {"Accept-Language": "ja", "Api": "TOMP", "Api-Version": "1.6", "maas-id": "t"}
        async with session.post(f"{url}/bookings", json={"id": "x"}, headers=headers) as response:
            assert response.status == 400
            assert "Idempotency-Key" in (await response.json())["title"]
        async with session.get(f"{url}/operator/information", headers={"Accept-Language": "ja"}) as response:
            body = await response.json()
            assert response.status == 400 and body["status"] == 400 and "maas-id" in body["detail"]
        async with session.get(f"{url}/operator/ping", headers={"Accept-Language": "ja"}) as response:
            assert response.status == 200
    # The spec check saw the same two requests lacking the spec's required headers.
    assert [p.split(": ", 1)[1] for p in spec_checked.problems] == [
        "header Api is required", "header Api-Version is required", "header maas-id is required"]
    spec_checked.problems.clear()


def fake_operator(answers: dict[str, web.Response | Callable[[], web.Response]]) -> web.Application:
    async def handle(request: web.Request) -> web.Response:
        answer = answers[request.path]
        return answer() if callable(answer) else answer

    app = web.Application()
    for path in answers:
        app.router.add_route("*", path, handle)
    return app


@pytest.mark.parametrize(("body", "kind", "message"), [
    ("<html><body>Login</body></html>", "text/html", r"not JSON \(text/html.*<html><body>Login"),
    ('{"validUntil": "2026-11-24T01:05:00Z", "options": "none"}', "application/json",
     r"not a TOMP Planning \(options: Input should be a valid list"),
    ('{"validUntil": "2026-11-24T01:05:00", "options": []}', "application/json",
     r"not a TOMP Planning \(validUntil: Input should have timezone info"),
    ('{"validUntil": "2026-11-24T01:05:00Z", "options": [{"id": "o1", "legs": []}]}', "application/json",
     r"unusable: option o1 lacks from, to, departureTime, arrivalTime, pricing"),
    ("[1, 2", "application/json", r"not JSON"),
])
async def test_malformed_plannings_are_operator_unavailable(body: str, kind: str, message: str) -> None:
    app = fake_operator({"/planning/offers": lambda: web.Response(status=201, text=body, content_type=kind)})
    async with serving(app) as url, remote(url) as adapter:
        with pytest.raises(OperatorUnavailable, match=message):
            await adapter.search_offers(query(T0))


async def test_malformed_bookings_and_error_bodies() -> None:
    app = fake_operator({
        "/bookings": lambda: web.json_response({"id": "o1", "state": "BOOKED"}, status=201),
        "/bookings/o2": lambda: web.json_response({"id": "o2", "state": "CONFIRMED"}),
        "/bookings/o3/events": lambda: web.json_response(
            {"errorcode": 3003, "title": "Availability expired.", "status": 410, "detail": "too late"},
            status=410),
        "/bookings/o4/events": lambda: web.Response(status=502, text="<h1>Bad gateway</h1>",
                                                    content_type="text/html"),
    })
    async with serving(app) as url, remote(url, retries=1) as adapter:
        with pytest.raises(OperatorUnavailable, match=r"not a TOMP Booking \(state: Input should be"):
            await adapter.book("o1", idempotency_key="k")
        with pytest.raises(OperatorUnavailable, match="booking o2 lacks its times or pricing"):
            await adapter.get_booking("o2")
        with pytest.raises(Conflict, match="HTTP 410: Availability expired.: too late") as gone:
            await adapter.confirm("o3", idempotency_key="k")
        assert not isinstance(gone.value, OfferExpired)  # only a booking attempt expires an offer
        with pytest.raises(OperatorUnavailable, match=r"HTTP 502: <h1>Bad gateway</h1> \(after 2 attempts\)"):
            await adapter.cancel("o4", idempotency_key="k")


async def test_nothing_listening_is_operator_unavailable() -> None:
    async with serving(web.Application()) as url:
        pass  # the port is free again
    async with remote(url, retries=1) as adapter:
        with pytest.raises(OperatorUnavailable, match=r"cannot reach .* \(after 2 attempts\)"):
            await adapter.get_booking("b1")


# -- Retry-After and OAuth2 toward the operator ---------------------------------------------------
def busy(counter: Counter, *, times: int, retry_after: str) -> Callable:
    """The first `times` offer searches are answered 429 with Retry-After."""

    @web.middleware
    async def middleware(request: web.Request, handler):
        if request.path == "/bookings":
            counter["POST"] += 1
            if counter["POST"] <= times:
                return web.json_response({"errorcode": 429, "title": "Too many requests", "status": 429},
                                         status=429, headers={"Retry-After": retry_after})
        return await handler(request)

    return middleware


async def test_retry_after_is_honoured_and_a_long_one_is_not_waited_for() -> None:
    attempts = Counter()
    operator = taxi()
    async with serving(tomp_app(operator, busy(attempts, times=1, retry_after="1"))) as url, \
            remote(url, backoff_s=0.01) as adapter:
        offer = (await adapter.search_offers(query(T0 + dt.timedelta(minutes=30))))[0]
        started = time.monotonic()
        booking = await adapter.book(offer.id, idempotency_key="busy")
        assert time.monotonic() - started >= 1.0  # not the 0.01 s backoff: the operator's second
    assert attempts["POST"] == 2 and booking.state is BookingState.CONFIRMED
    attempts.clear()
    async with serving(tomp_app(taxi(), busy(attempts, times=5, retry_after="120"))) as url, \
            remote(url, backoff_s=0.01) as adapter:
        offer = (await adapter.search_offers(query(T0 + dt.timedelta(minutes=30))))[0]
        with pytest.raises(OperatorUnavailable, match=r"HTTP 429.*asks to retry after 120 s"):
            await adapter.book(offer.id, idempotency_key="busy")
    assert attempts["POST"] == 1


async def test_oauth2_client_credentials_toward_the_operator() -> None:
    clock = SteppedClock(T0)
    operator = taxi(clock)
    operator.clients = {"maas": "s3cret"}
    async with serving(tomp_app(operator)) as url:
        async with remote(url, token_url=f"{url}/oauth/token", client_id="maas", client_secret="s3cret") as adapter:
            assert (await adapter.information()).systemId
            first = next(iter(operator.tokens))
            clock.at += dt.timedelta(seconds=operator.token_ttl_s + 1)  # the operator's token lapses early
            offers = await adapter.search_offers(query(T0 + dt.timedelta(minutes=30)))
            assert offers and len(operator.tokens) == 2 and first in operator.tokens
        async with remote(url) as anonymous:
            with pytest.raises(OperatorUnavailable, match="refuses our credentials"):
                await anonymous.information()
        async with remote(url, token_url=f"{url}/oauth/token", client_id="maas", client_secret="wrong") as wrong:
            with pytest.raises(OperatorUnavailable, match="refuses our client credentials"):
                await wrong.information()


async def test_a_failed_check_shows_its_section_and_the_exchange_as_sent() -> None:
    """An operator whose option breaks the spec (a leg in a state TOMP has not, which the
    adapter refuses too): the report names the check, the spec section and the
    exact request and answer."""
    planning = {"validUntil": "2026-11-24T01:05:00Z", "options": [{
        "id": "o1", "from": {"coordinates": {"lat": 36.4, "lng": 138.9}},
        "to": {"coordinates": {"lat": 36.41, "lng": 138.91}}, "departureTime": "2026-11-24T01:10:00Z",
        "arrivalTime": "2026-11-24T01:20:00Z", "pricing": {"estimated": True, "parts": [
            {"amount": 1000, "currencyCode": "JPY", "type": "FIXED"}]},
        "legs": [{"id": "o1", "from": {"coordinates": {"lat": 36.4, "lng": 138.9}},
                  "assetType": {"id": "taxi", "assetClass": "TAXI"}, "state": "WAITING"}]}]}
    app = fake_operator({"/planning/offers": lambda: web.json_response(planning, status=201),
                         "/bookings/no-such-booking": lambda: web.json_response(
                             {"errorcode": 4004, "title": "Not found", "status": 404}, status=404)})
    async with serving(app) as url, remote(url) as adapter:
        adapter.client.recording = Recording(tomp_spec())
        report = await run_conformance(adapter, ConformanceScenario(query(T0), dry_run=True),
                                       exchanges=adapter.client.recording)
    search, spec = report.results[0], report.results[-1]
    assert search.status == "failed" and "not a TOMP Planning" in search.detail
    assert search.section == "planning — POST /planning/offers"
    assert search.exchanges[0].startswith("> POST /planning/offers\nAccept-Language: ja, en;q=0.8\nApi: TOMP")
    assert "< HTTP 201" in search.exchanges[0] and '"state":"WAITING"' in search.exchanges[0].replace(" ", "")
    assert spec.status == "failed" and "legs/0/state" in spec.detail
    assert [r.name for r in report.results] == ["search", "unknown_ids", "rejection", "timeout", "spec"]


async def test_extend_expiry_time_holds_the_bikes_longer_once() -> None:
    clock = SteppedClock(T0)
    operator = bikeshare_operator(DEMO, clock)
    async with serving(tomp_app(operator)) as url, remote(url) as adapter:
        offer = (await adapter.search_offers(query(T0 + dt.timedelta(minutes=5))))[0]
        booking = await adapter.book(offer.id, idempotency_key="hold")
        assert booking.expires_at == T0 + dt.timedelta(minutes=10)
        longer = await adapter.extend_hold(booking.id, idempotency_key="extend")
        assert longer.state is BookingState.PENDING and longer.expires_at == T0 + dt.timedelta(minutes=20)
        assert (await adapter.extend_hold(booking.id, idempotency_key="extend")).expires_at == longer.expires_at
        with pytest.raises(Conflict, match="HTTP 410: Not extended"):  # the spec's refusal
            await adapter.extend_hold(booking.id, idempotency_key="again")
        clock.at = T0 + dt.timedelta(minutes=15)  # past the first limit, inside the extended one
        assert (await adapter.confirm(booking.id, idempotency_key="commit")).state is BookingState.CONFIRMED


async def test_booking_conditions_are_shown_and_required_data_is_named() -> None:
    operator = bikeshare_operator(DEMO, SteppedClock(T0))
    operator.conditions = [
        {"conditionType": "conditionReturnArea", "id": "return", "stationId": "cy-02"},
        {"conditionType": "conditionDeposit", "id": "deposit", "amount": 3000, "currencyCode": "JPY"},
        {"conditionType": "conditionUpfrontPayment", "id": "upfront"},
        {"conditionType": "conditionRequireBookingData", "id": "data", "requiredFields": ["EMAIL", "BIRTHDATE"]}]
    async with serving(tomp_app(operator)) as url, remote(url) as adapter:
        offer = (await adapter.search_offers(query(T0 + dt.timedelta(minutes=5))))[0]
    assert offer.conditions.required_data == ("EMAIL", "BIRTHDATE")
    assert offer.conditions.notes[-4:] == (
        "Return the vehicle to station cy-02.", "The operator takes a deposit of 3000 JPY.",
        "The operator is paid in advance, when the booking is made.",
        "The operator requires the rider's EMAIL, BIRTHDATE.")


async def test_a_remote_bike_is_unlocked_through_tomp_and_a_taxi_has_no_lock() -> None:
    clock = SteppedClock(T0)
    bikes, cars = bikeshare_operator(DEMO, clock), taxi(clock)
    async with serving(tomp_app(bikes)) as bike_url, serving(tomp_app(cars)) as taxi_url, \
            remote(bike_url) as bike_adapter, remote(taxi_url) as taxi_adapter:
        offer = (await bike_adapter.search_offers(query(T0 + dt.timedelta(minutes=5))))[0]
        booked = await bike_adapter.book(offer.id, idempotency_key="ride")
        await bike_adapter.confirm(booked.id, idempotency_key="commit")
        await bike_adapter.unlock(booked.id)
        assert (await bike_adapter.get_booking(booked.id)).state is BookingState.STARTED
        assert [e.kind for e in bikes.adapter.events] == [TripEventKind.STARTED]
        ride = (await taxi_adapter.search_offers(query(T0 + dt.timedelta(minutes=30))))[0]
        car = await taxi_adapter.book(ride.id, idempotency_key="car")
        with pytest.raises(Conflict, match="a TAXI has no lock to open"):
            await taxi_adapter.unlock(car.id)
        assert (await taxi_adapter.get_booking(car.id)).state is BookingState.CONFIRMED
