"""POST /v1/payments/stripe/webhook through the real app and composition root, with the Stripe
gateway verifying signatures locally (no network) and bookings stored directly: an event is
applied to the booking whose payment it names, once; a bad signature, a stale or tampered body
records nothing; events arriving late or twice never move a payment backwards; and a webhook
that localstripe itself sends for a real PaymentIntent flows through."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import time
from itertools import count

import aiohttp
import pytest
from sqlalchemy import text

from maas.api.app import create_app
from maas.bootstrap import build_container
from maas.domain.bookings import BookedLeg, Booking, TripState
from maas.domain.errors import Conflict
from maas.domain.payments import Payment, PaymentState
from maas.domain.planning import Money
from maas.services.payment_events import PaymentEventService
from maas.settings import load_settings
from maas.storage import migrate
from maas.storage.engine import create_engine
from maas.storage.unit_of_work import SqlUnitOfWorkFactory
from payments.stripe_gateway import StripeGateway
from tests.localstripe import API_KEY, WEBHOOK_SECRET, _free_port, signed
from tests.fakes import SteppedClock

URL = "/v1/payments/stripe/webhook"
JST = dt.timezone(dt.timedelta(hours=9))
NOW = dt.datetime(2026, 11, 26, 9, 0, tzinfo=JST)
_event_ids = count(1)


def yen(amount: int) -> Money:
    return Money(amount_minor=amount, currency="JPY")


def booking(n: int, payment_id: str, *, hold: int = 2000) -> Booking:
    start = NOW + dt.timedelta(hours=1)
    leg = BookedLeg(index=0, operator_id="town-bus", offer_id=f"offer-{n}", mode="bus", price=yen(hold),
                    departure=start, arrival=start + dt.timedelta(minutes=30))
    payment = Payment(id=payment_id, gateway="stripe", booking_id=f"bk-{n}", state=PaymentState.AUTHORISED,
                      authorised=yen(hold), created_at=NOW)
    return Booking(id=f"bk-{n}", account_id="acc-1", state=TripState.CONFIRMED, legs=(leg,), total=yen(hold),
                   payment=payment, payment_gateway="stripe", idempotency_key=f"key-{n}",
                   request_digest=f"digest-{n}", created_at=NOW, updated_at=NOW)


def intent(pi: str, status: str, **fields: object) -> dict:
    return {"id": pi, "object": "payment_intent", "amount": 2000, "currency": "jpy", "status": status,
            "capture_method": "manual", "metadata": {"booking_id": "bk-1"}, **fields}


def charge(pi: str, *, amount_captured: int, amount_refunded: int, amount: int = 2000) -> dict:
    return {"id": f"ch_{pi}", "object": "charge", "payment_intent": pi, "amount": amount, "captured": True,
            "amount_captured": amount_captured, "amount_refunded": amount_refunded, "currency": "jpy"}


def event(kind: str, obj: dict, event_id: str | None = None) -> bytes:
    return json.dumps({"id": event_id or f"evt_{next(_event_ids)}", "object": "event", "type": kind,
                       "created": int(time.time()), "api_version": "2025-01-01", "livemode": False,
                       "data": {"object": obj}}).encode()


@pytest.fixture
async def api(aiohttp_client, database_url, tmp_path, fast_hasher):
    settings = load_settings({}, database_url=database_url, data_dir=tmp_path, planner_warmup=False,
                             max_body_bytes=64 * 1024)
    # verify_event is local: the API base is a port nothing listens on, so no call could succeed.
    gateway = StripeGateway("sk_test_dummy", webhook_secret=WEBHOOK_SECRET,
                            api_base=f"http://127.0.0.1:{_free_port()}", max_network_retries=0)
    container = build_container(settings, hasher=fast_hasher, clock=SteppedClock(NOW), operator_adapters={},
                                payments=gateway)
    await migrate.upgrade(container.engine)
    client = await aiohttp_client(create_app(settings, container_factory=lambda _s: container))
    return client, container


async def store(container, *bookings: Booking) -> None:
    async with container.uow() as uow:
        for b in bookings:
            await uow.bookings.add(b)
        await uow.commit()


async def stored(container, booking_id: str) -> Booking:
    async with container.uow() as uow:
        return await uow.bookings.get(booking_id)


async def recorded(container) -> list[tuple]:
    async with container.engine.connect() as conn:
        rows = await conn.execute(text(
            "SELECT event_id, type, payment_id, outcome FROM payment_events ORDER BY event_id"))
        return [tuple(r) for r in rows]


async def deliver(client, body: bytes, header: str | None = None):
    return await client.post(URL, data=body, headers={"Content-Type": "application/json; charset=utf-8",
                                                      "Stripe-Signature": signed(body) if header is None else header})


async def outcome_of(client, body: bytes) -> str:
    response = await deliver(client, body)
    assert response.status == 200, await response.text()
    answer = await response.json()
    assert answer["received"] is True
    return answer["outcome"]


async def test_a_good_event_updates_the_payment_and_the_same_event_again_is_a_duplicate(api) -> None:
    client, container = api
    await store(container, booking(1, "pi_1"))
    body = event("payment_intent.succeeded", intent("pi_1", "succeeded", amount_received=1500), "evt_ok")
    response = await deliver(client, body)
    assert response.status == 200
    assert await response.json() == {"received": True, "outcome": "applied"}
    after = await stored(container, "bk-1")
    assert (after.payment.state, after.payment.captured_minor, after.payment.refunded_minor) == (
        PaymentState.CAPTURED, 1500, 0)
    assert after.version == 1 and after.updated_at == NOW and after.state is TripState.CONFIRMED
    assert await recorded(container) == [("evt_ok", "payment_intent.succeeded", "pi_1", "applied")]

    assert await outcome_of(client, body) == "duplicate"
    assert await stored(container, "bk-1") == after
    assert len(await recorded(container)) == 1


@pytest.mark.parametrize("case", ["forged", "tampered", "stale", "no signature", "not json"])
async def test_a_bad_webhook_is_rejected_and_nothing_is_recorded(api, case: str) -> None:
    client, container = api
    await store(container, booking(1, "pi_1"))
    before = await stored(container, "bk-1")
    body = event("payment_intent.succeeded", intent("pi_1", "succeeded", amount_received=2000))
    header = signed(body)
    if case == "forged":
        header = signed(body, secret="whsec_someone_else")
    elif case == "tampered":
        header, body = signed(body), body.replace(b'"amount_received": 2000', b'"amount_received": 1')
    elif case == "stale":
        header = signed(body, at=int(time.time()) - 301)
    elif case == "no signature":
        header = ""
    elif case == "not json":
        body = b"amount_received=2000"  # signed correctly, but not an event
        header = signed(body)
    response = await deliver(client, body, header)
    assert response.status == 400
    error = (await response.json())["error"]
    assert error["code"] == "webhook_rejected" and error["message"] and error["fields"] == {}
    assert await stored(container, "bk-1") == before
    assert await recorded(container) == []


async def test_events_out_of_order_never_move_the_payment_backwards(api) -> None:
    client, container = api
    await store(container, booking(1, "pi_1"))
    assert await outcome_of(client, event("payment_intent.succeeded",
                                          intent("pi_1", "succeeded", amount_received=1500))) == "applied"
    # The hold's notice, delivered late: the capture is already known.
    assert await outcome_of(client, event("payment_intent.amount_capturable_updated",
                                          intent("pi_1", "requires_capture", amount_capturable=2000))) == "unchanged"
    assert await outcome_of(client, event("payment_intent.canceled", intent("pi_1", "canceled"))) == "unchanged"
    assert await outcome_of(client, event("payment_intent.payment_failed",
                                          intent("pi_1", "requires_payment_method"))) == "recorded"
    # Stripe counts the 500 released by the partial capture in amount_refunded: 800 - 500 = 300.
    assert await outcome_of(client, event("charge.refunded", charge(
        "pi_1", amount_captured=1500, amount_refunded=800))) == "applied"
    # An older refund total (the first of two refunds), delivered after the second one.
    assert await outcome_of(client, event("charge.refunded", charge(
        "pi_1", amount_captured=1500, amount_refunded=600))) == "unchanged"
    # A retried capture notice with a smaller amount does not lower what was captured.
    assert await outcome_of(client, event("payment_intent.succeeded",
                                          intent("pi_1", "succeeded", amount_received=1000))) == "unchanged"
    payment = (await stored(container, "bk-1")).payment
    assert (payment.state, payment.captured_minor, payment.refunded_minor) == (PaymentState.CAPTURED, 1500, 300)
    assert sorted(r[3] for r in await recorded(container)) == [
        "applied", "applied", "recorded", "unchanged", "unchanged", "unchanged", "unchanged"]


async def test_a_cancelled_hold_stays_cancelled_and_a_refund_before_its_capture_captures(api) -> None:
    client, container = api
    await store(container, booking(1, "pi_1"), booking(2, "pi_2"))
    assert await outcome_of(client, event("payment_intent.canceled", intent("pi_1", "canceled"))) == "applied"
    assert await outcome_of(client, event("payment_intent.amount_capturable_updated",
                                          intent("pi_1", "requires_capture"))) == "unchanged"
    assert (await stored(container, "bk-1")).payment.state is PaymentState.CANCELLED
    # The refund's event overtakes the capture's: the charge says what was captured.
    assert await outcome_of(client, event("charge.refunded", charge(
        "pi_2", amount_captured=2000, amount_refunded=700))) == "applied"
    assert await outcome_of(client, event("payment_intent.succeeded",
                                          intent("pi_2", "succeeded", amount_received=2000))) == "unchanged"
    payment = (await stored(container, "bk-2")).payment
    assert (payment.state, payment.captured_minor, payment.refunded_minor) == (PaymentState.CAPTURED, 2000, 700)


async def test_an_event_for_an_unknown_payment_is_ignored_but_remembered(api) -> None:
    client, container = api
    await store(container, booking(1, "pi_1"))
    body = event("payment_intent.succeeded", intent("pi_elsewhere", "succeeded", amount_received=900), "evt_x")
    assert await outcome_of(client, body) == "ignored"
    assert await outcome_of(client, body) == "duplicate"
    assert await outcome_of(client, event("customer.created", {"id": "cus_1", "object": "customer"})) == "ignored"
    assert (await stored(container, "bk-1")).version == 0
    assert {(r[1], r[2], r[3]) for r in await recorded(container)} == {
        ("payment_intent.succeeded", "pi_elsewhere", "ignored"), ("customer.created", None, "ignored")}


async def test_racing_deliveries_apply_each_event_once(api) -> None:
    client, container = api
    await store(container, booking(1, "pi_1"))
    capture = event("payment_intent.succeeded", intent("pi_1", "succeeded", amount_received=1800), "evt_cap")
    refund = event("charge.refunded", charge("pi_1", amount_captured=1800, amount_refunded=400), "evt_ref")
    outcomes = await asyncio.gather(*(outcome_of(client, body) for body in (capture, capture, refund, refund)))
    # One delivery of each is handled, the other is a duplicate. The capture may find itself
    # "unchanged": a refund handled first already carried the capture (the charge's amount_captured).
    assert sorted(outcomes[2:]) == ["applied", "duplicate"]
    assert sorted(outcomes[:2]) in (["applied", "duplicate"], ["duplicate", "unchanged"])
    after = await stored(container, "bk-1")
    assert (after.payment.state, after.payment.captured_minor, after.payment.refunded_minor) == (
        PaymentState.CAPTURED, 1800, 200)
    assert after.version == outcomes.count("applied") and len(await recorded(container)) == 2


class StaleReads:
    """Units of work whose first `stale` booking lookups answer with the version before the stored
    one, as if another writer had saved the booking between the read and the save."""

    def __init__(self, factory, stale: int) -> None:
        self._factory, self.stale = factory, stale

    def __call__(self):
        return _StaleWork(self, self._factory())


class _StaleWork:
    def __init__(self, owner: StaleReads, work) -> None:
        self._owner, self._work = owner, work

    async def __aenter__(self):
        uow = await self._work.__aenter__()
        real = uow.bookings.find_by_payment

        async def find_by_payment(payment_id: str):
            found = await real(payment_id)
            if found is not None and self._owner.stale:
                self._owner.stale -= 1
                return found.model_copy(update={"version": found.version - 1})
            return found

        uow.bookings.find_by_payment = find_by_payment
        return uow

    async def __aexit__(self, *exc) -> None:
        await self._work.__aexit__(*exc)


async def test_a_conflicting_save_is_retried_from_a_fresh_read(api) -> None:
    _client, container = api
    await store(container, booking(1, "pi_1"))
    async with container.uow() as uow:  # version 1, so a stale read sees version 0
        await uow.bookings.save(await uow.bookings.get("bk-1"))
        await uow.commit()
    body = event("payment_intent.succeeded", intent("pi_1", "succeeded", amount_received=2000), "evt_retry")
    service = PaymentEventService(StaleReads(container.uow, stale=2), container.payments, SteppedClock(NOW))
    # The failed attempts' event records were rolled back with them: the retry is not a "duplicate".
    assert await service.handle(body, signed(body)) == "applied"
    assert (await stored(container, "bk-1")).version == 2
    assert [r[3] for r in await recorded(container)] == ["applied"]

    again = event("charge.refunded", charge("pi_1", amount_captured=2000, amount_refunded=500), "evt_gives_up")
    stubborn = PaymentEventService(StaleReads(container.uow, stale=99), container.payments, SteppedClock(NOW), attempts=3)
    with pytest.raises(Conflict):
        await stubborn.handle(again, signed(again))
    assert len(await recorded(container)) == 1 and (await stored(container, "bk-1")).payment.refunded_minor == 0


async def test_the_body_size_limit_applies(api) -> None:
    client, container = api
    body = event("payment_intent.succeeded", intent("pi_1", "succeeded", padding="x" * 70_000))
    response = await deliver(client, body)
    assert response.status == 413
    assert (await response.json())["error"]["code"] == "payload_too_large"
    assert await recorded(container) == []


async def test_the_openapi_document_shows_an_unauthenticated_raw_body_endpoint(api) -> None:
    client, _container = api
    document = await (await client.get("/openapi.json")).json()
    operation = document["paths"][URL]["post"]
    assert "security" not in operation and "Stripe-Signature" in operation["description"]
    assert list(operation["requestBody"]["content"]) == ["application/json"]
    assert {"200", "400", "409", "413"} <= set(operation["responses"])


async def test_the_migration_fills_payment_id_from_existing_bookings(empty_database_url: str) -> None:
    engine = create_engine(empty_database_url)
    try:
        await migrate.upgrade(engine, "0004")
        paid, unpaid = booking(1, "pi_old"), booking(2, "pi_x").model_copy(update={"payment": None})
        async with engine.begin() as conn:
            for b in (paid, unpaid):
                await conn.execute(text(
                    "INSERT INTO bookings (id, account_id, state, idempotency_key, request_digest, total_minor, "
                    "currency, version, created_at, updated_at, payload) VALUES (:id, 'acc-1', 'CONFIRMED', "
                    ":key, 'd', 2000, 'JPY', 0, :at, :at, :payload)"),
                    {"id": b.id, "key": b.idempotency_key, "at": NOW, "payload": b.model_dump_json()})
        await migrate.upgrade(engine)
        async with SqlUnitOfWorkFactory(engine)() as uow:
            assert await uow.bookings.find_by_payment("pi_old") == paid
            assert await uow.bookings.find_by_payment("pi_x") is None
        await migrate.downgrade(engine, "0004")
        async with engine.connect() as conn:
            assert (await conn.execute(text("SELECT count(*) FROM bookings"))).scalar_one() == 2
    finally:
        await engine.dispose()


# --- a webhook localstripe sends for a real PaymentIntent ------------------------------------------

async def test_localstripes_own_webhook_for_a_real_capture_flows_through(api, localstripe_url: str) -> None:
    client, container = api
    real = StripeGateway(API_KEY, webhook_secret=WEBHOOK_SECRET, api_base=localstripe_url, timeout_s=5,
                         max_network_retries=0)
    try:
        async with aiohttp.ClientSession() as session:
            hook = {"url": str(client.make_url(URL)), "secret": WEBHOOK_SECRET,
                    "events": ["payment_intent.succeeded"]}
            async with session.post(f"{localstripe_url}/_config/webhooks/maas-{id(client)}", json=hook) as answer:
                assert answer.status == 200, await answer.text()
        held = await real.authorise(booking_id="bk-1", amount=yen(2000), idempotency_key="auth-bk-1",
                                    payment_method="pm_card_visa")
        await store(container, booking(1, held.id).model_copy(update={"payment": held}))
        await real.capture(held, yen(1600), idempotency_key="cap-bk-1")  # localstripe then sends the event
    finally:
        await real.aclose()
    deadline = time.monotonic() + 15  # localstripe waits a second before it sends
    while not await recorded(container) and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    [(event_id, kind, payment_id, outcome)] = await recorded(container)
    assert (event_id.startswith("evt_"), kind, payment_id, outcome) == (True, "payment_intent.succeeded", held.id,
                                                                        "applied")
    payment = (await stored(container, "bk-1")).payment
    assert (payment.state, payment.captured_minor, payment.refunded_minor) == (PaymentState.CAPTURED, 1600, 0)
