"""The TOMP 2.0 adapter against the 2.0 reference taxi on 127.0.0.1, for real: the conformance
kit, search, purchase, confirm, cancel (rollback and cancel-package), leg execution, and bad
input (an answer that breaks the schema, an unknown package, an operator's error, no token),
every exchange validated against the TOMP 2.0 modules of the corpus."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from maas.domain.accounts import GeoPoint
from maas.domain.errors import Conflict, InvalidRequest, NotFound, OperatorRejected, OperatorUnavailable
from maas.domain.mobility import BookingState, OfferQuery, TripEvent, TripEventKind
from operators.conformance import CHECKS, ConformanceScenario, run_conformance
from operators.reference.app import ReferenceOperator
from operators.reference.app2 import make_app2
from operators.reference.bikeshare import bikeshare_operator
from operators.reference.taxi import taxi_operator
from operators.tomp.recording import Recording
from operators.tomp2 import RemoteTomp2Adapter
from tests.fakes import SteppedClock
from tests.tomp_spec_check import SpecRecorder, spec_middleware, tomp_spec

T0 = dt.datetime(2026, 11, 24, 1, 0, tzinfo=dt.UTC)  # 10:00 in Tokyo
DEMO = Path(__file__).resolve().parents[2] / "fixtures" / "demo-region"
KEY = "op-key-1"


def query(depart_at: dt.datetime, travellers: int = 1) -> OfferQuery:
    return OfferQuery(origin=GeoPoint(lat=36.40, lon=138.90), destination=GeoPoint(lat=36.415, lon=138.905),
                      depart_at=depart_at, travellers=travellers)


RECORDER: SpecRecorder | None = None


@pytest.fixture(autouse=True)
def spec_checked() -> Iterator[SpecRecorder]:
    """Every exchange with the 2.0 reference service in this module is checked against TOMP 2.0."""
    global RECORDER
    RECORDER = SpecRecorder(tomp_spec("2.0"))
    yield RECORDER
    recorder, RECORDER = RECORDER, None
    recorder.assert_clean(at_least=0)


def taxi(clock: Any = None, **options: Any) -> ReferenceOperator:
    return taxi_operator(DEMO, clock or SteppedClock(T0), **options)


@asynccontextmanager
async def serving(operator: ReferenceOperator, *faults: Callable[..., Any]) -> AsyncIterator[str]:
    assert RECORDER is not None
    runner = web.AppRunner(make_app2(operator, api_keys={KEY}, middlewares=[*faults, spec_middleware(RECORDER)]),
                           access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()


@asynccontextmanager
async def remote(url: str, **options: Any) -> AsyncIterator[RemoteTomp2Adapter]:
    adapter = RemoteTomp2Adapter("remote-op", url, aiohttp.ClientSession(),
                                 **{"backoff_s": 0.05, "api_key": KEY, **options})
    try:
        yield adapter
    finally:
        await adapter.aclose()


async def test_the_2_0_reference_taxi_conforms(spec_checked: SpecRecorder) -> None:
    clock = SteppedClock(T0)
    async with serving(taxi(clock, offer_validity_s=60)) as url, serving(taxi(clock, delay_s=1.0)) as slow_url, \
            remote(url) as adapter, remote(slow_url, timeout_s=0.3, retries=0) as slow:
        scenario = ConformanceScenario(query(T0 + dt.timedelta(minutes=30)),
                                       rejected_query=query(T0 + dt.timedelta(minutes=30), travellers=9),
                                       timeout_s=0.3, version="2.0")
        adapter.client.recording = Recording(tomp_spec("2.0"))
        report = await run_conformance(adapter, scenario, now=clock.now, wait_until=clock.wait_until,  # type: ignore[arg-type]
                                       slow_adapter=slow, exchanges=adapter.client.recording)  # type: ignore[arg-type]
    assert report.ok, report.summary()
    assert [r.name for r in report.results if r.status == "passed"] == list(CHECKS), report.summary()
    assert "start-leg" in report.results[CHECKS.index("trip_events")].section
    spec_checked.assert_clean(at_least=15)


async def test_the_2_0_reference_bikeshare_conforms(spec_checked: SpecRecorder) -> None:
    clock = SteppedClock(T0)
    async with serving(bikeshare_operator(DEMO, clock, offer_validity_s=60)) as url, remote(url) as adapter:
        scenario = ConformanceScenario(query(T0 + dt.timedelta(minutes=10)),
                                       rejected_query=query(T0 + dt.timedelta(minutes=10), travellers=9),
                                       max_expiry_wait_s=120, version="2.0")
        adapter.client.recording = Recording(tomp_spec("2.0"))
        report = await run_conformance(adapter, scenario, now=clock.now, wait_until=clock.wait_until,  # type: ignore[arg-type]
                                       exchanges=adapter.client.recording)  # type: ignore[arg-type]
    assert report.ok, report.summary()
    assert {r.name for r in report.results if r.status == "passed"} == set(CHECKS) - {"timeout"}, report.summary()
    spec_checked.assert_clean(at_least=15)


async def test_search_purchase_confirm_ride_and_cancel(spec_checked: SpecRecorder) -> None:
    clock = SteppedClock(T0)
    async with serving(taxi(clock)) as url, remote(url) as adapter:
        offers = await adapter.search_offers(query(T0 + dt.timedelta(minutes=30)))
        assert offers and all(o.mode == "taxi" and o.operator_id == "remote-op" for o in offers)
        assert offers[0].price.currency == "JPY" and offers[0].price.amount_minor > 0
        assert abs(offers[0].origin.lat - 36.40) < 1e-5 and offers[0].valid_until > T0
        first = await adapter.book(offers[0].id, idempotency_key="p1")
        assert first.state is BookingState.CONFIRMED and first.id == offers[0].id  # the taxi confirms at once
        assert first.price == offers[0].price

        offers = await adapter.search_offers(query(T0 + dt.timedelta(minutes=40)))
        booking = await adapter.book(offers[0].id, idempotency_key="p2")
        assert (await adapter.book(offers[0].id, idempotency_key="p2")).id == booking.id  # the same key: one purchase
        confirmed = await adapter.confirm(booking.id, idempotency_key="k2")
        assert confirmed.state is BookingState.CONFIRMED
        started = await adapter.receive_event(TripEvent(booking_id=booking.id, kind=TripEventKind.STARTED, at=T0))
        assert started.state is BookingState.STARTED
        finished = await adapter.receive_event(TripEvent(booking_id=booking.id, kind=TripEventKind.FINISHED,
                                                         at=T0 + dt.timedelta(minutes=20)))
        assert finished.state is BookingState.FINISHED
        assert (await adapter.get_booking(booking.id)).state is BookingState.FINISHED

        offers = await adapter.search_offers(query(T0 + dt.timedelta(minutes=50)))
        booking = await adapter.book(offers[0].id, idempotency_key="p3")
        await adapter.confirm(booking.id, idempotency_key="k3")
        cancelled = await adapter.cancel(booking.id, idempotency_key="c3")  # purchased: cancel-package
        assert cancelled.state is BookingState.CANCELLED
        issue = await adapter.receive_event(TripEvent(booking_id=booking.id, kind=TripEventKind.ISSUE, at=T0,
                                                      detail="the driver called"))
        assert issue.state is BookingState.CANCELLED  # a support ticket changes no state
    spec_checked.assert_clean(at_least=15)


async def test_a_held_bike_is_extended_rolled_back_and_another_unlocked(spec_checked: SpecRecorder) -> None:
    operator = bikeshare_operator(DEMO, SteppedClock(T0))
    async with serving(operator) as url, remote(url) as adapter:
        offers = await adapter.search_offers(query(T0 + dt.timedelta(minutes=5)))
        assert {o.vehicle_type for o in offers} == {"bike", "ebike"} and all(o.mode == "bike" for o in offers)
        dock = operator.adapter.docks["cy-01"]  # type: ignore[attr-defined]
        before = dock.bikes[offers[0].vehicle_type]
        held = await adapter.book(offers[0].id, idempotency_key="b1")
        assert held.state is BookingState.PENDING and held.expires_at is not None
        assert dock.bikes[offers[0].vehicle_type] == before - 1
        extended = await adapter.extend_hold(held.id, idempotency_key="b3")
        assert extended.state is BookingState.PENDING and extended.expires_at > held.expires_at  # type: ignore[operator]
        released = await adapter.cancel(held.id, idempotency_key="b2")  # pending: rollback-purchase
        assert released.state is BookingState.RELEASED
        assert dock.bikes[offers[0].vehicle_type] == before

        ride = await adapter.book(offers[1].id, idempotency_key="b4")
        await adapter.confirm(ride.id, idempotency_key="b5")
        await adapter.unlock(ride.id)  # unlock-asset starts the ride
        assert (await adapter.get_booking(ride.id)).state is BookingState.STARTED
    async with serving(taxi()) as url, remote(url) as adapter:
        offers = await adapter.search_offers(query(T0 + dt.timedelta(minutes=30)))
        booking = await adapter.book(offers[0].id, idempotency_key="t1")
        with pytest.raises(Conflict, match="TAXI has no lock"):
            await adapter.unlock(booking.id)
    spec_checked.assert_clean(at_least=10)


async def test_unknown_package_refused_party_and_missing_token() -> None:
    async with serving(taxi()) as url, remote(url) as adapter, remote(url, api_key="wrong") as stranger:
        with pytest.raises(NotFound):
            await adapter.get_booking("no-such-package")
        with pytest.raises(NotFound):
            await adapter.book("no-such-offer", idempotency_key="x1")
        with pytest.raises(NotFound):
            await adapter.cancel("no-such-package", idempotency_key="x2")
        offers = await adapter.search_offers(query(T0 + dt.timedelta(minutes=30), travellers=9))
        for offer in offers:  # the taxi seats fewer than nine: a purchase is refused, nothing is booked
            with pytest.raises(OperatorRejected):
                await adapter.book(offer.id, idempotency_key=f"r-{offer.id}")
        with pytest.raises(OperatorUnavailable, match="credentials"):
            await stranger.search_offers(query(T0 + dt.timedelta(minutes=30)))


def answer_with(path: str, body: Any, *, status: int = 200, headers: dict[str, str] | None = None) -> Any:
    @web.middleware
    async def replace(request: web.Request, handler: Any) -> web.StreamResponse:
        if request.path == path:
            return web.json_response(body, status=status, headers=headers, content_type="application/geo+json")
        return await handler(request)

    return replace


async def test_an_answer_that_breaks_the_schema_is_caught_by_the_validator_and_the_adapter() -> None:
    assert RECORDER is not None
    broken = {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"id": "o1"}}]}
    expires = {"Expires": "Tue, 24 Nov 2026 02:00:00 GMT"}
    async with serving(taxi(), answer_with("/processes/search-offers/execution", broken, headers=expires)) as url, \
            remote(url) as adapter:
        with pytest.raises(OperatorUnavailable, match="unusable"):
            await adapter.search_offers(query(T0 + dt.timedelta(minutes=30)))
    assert RECORDER.problems == []  # the fault sits outside the checker; check it directly:
    problems = tomp_spec("2.0").check_response("POST", "/processes/search-offers/execution", 200,
                                               {"type": "FeatureCollection", "features": [{"properties": []}]})
    assert problems and "features" in problems[0]
    bad_request = tomp_spec("2.0").check_request("POST", "/processes/purchase-offers/execution",
                                                 {"Accept-Language": "ja", "authorization": "Bearer k"},
                                                 {"inputs": {"customer": {}}})
    assert any("offer" in p for p in bad_request)
    assert any("authorization" in p for p in tomp_spec("2.0").check_request(
        "POST", "/processes/confirm-purchase/execution", {"Accept-Language": "ja"}, {"inputs": {"package": "p"}}))


async def test_operator_error_responses_map_to_domain_errors() -> None:
    error = {"errors": [{"errorcode": 4000, "title": "Bad trip", "status": 400, "detail": "from is outside"}]}
    async with serving(taxi(), answer_with("/processes/search-offers/execution", error, status=400)) as url, \
            remote(url) as adapter:
        with pytest.raises(InvalidRequest, match="Bad trip: from is outside"):
            await adapter.search_offers(query(T0 + dt.timedelta(minutes=30)))
    no_expiry = {"type": "FeatureCollection", "features": []}
    async with serving(taxi(), answer_with("/processes/search-offers/execution", no_expiry)) as url, \
            remote(url) as adapter:
        with pytest.raises(OperatorUnavailable, match="Expires"):
            await adapter.search_offers(query(T0 + dt.timedelta(minutes=30)))


async def test_the_reference_service_refuses_bad_requests_with_2_0_errors(spec_checked: SpecRecorder) -> None:
    headers = {"Accept-Language": "ja", "Authorization": f"Bearer {KEY}", "Idempotency-Key": "b1"}
    async with serving(taxi()) as url, aiohttp.ClientSession() as session:
        async with session.post(url + "/processes/purchase-offers/execution", json={"inputs": {}},
                                headers=headers) as response:
            assert response.status == 400
            body = await response.json()
            assert body["errors"][0]["status"] == 400 and "offer" in body["errors"][0]["detail"]
        async with session.post(url + "/processes/search-offers/execution", data=b"not json",
                                headers={**headers, "Content-Type": "application/json"}) as response:
            assert response.status == 400
        async with session.get(url + "/collections/packages/items?packageId=nope", headers=headers) as response:
            assert response.status == 404
    # the two malformed requests are reported by the checker; the 404 answer conforms
    assert len(spec_checked.problems) == 2, spec_checked.problems
    spec_checked.problems.clear()
