"""The Stripe gateway driving the real stripe SDK over HTTP on 127.0.0.1: against localstripe (holds,
captures, cancels, refunds, declines, saved methods, idempotency through a Stripe-like replay
proxy), against small recording servers (Connect transfers, retries, timeouts, Stripe-shaped
amounts), and webhooks signed here exactly as Stripe signs them."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from urllib.parse import parse_qsl

import aiohttp
import pytest
import stripe
from aiohttp import web

from maas.domain.errors import Conflict, InvalidRequest, NotFound
from maas.domain.payments import Payment, PaymentDeclined, PaymentState, PaymentUnavailable, WebhookRejected
from maas.domain.planning import Money
from payments.stripe_gateway import StripeGateway
from tests.localstripe import API_KEY, WEBHOOK_SECRET, signed

DECLINING_CARD = "4000000000000341"  # localstripe declines charges on this one (see the report)


def yen(amount: int) -> Money:
    return Money(amount_minor=amount, currency="JPY")


# --- localstripe (tests/localstripe.py starts it; imported here as this module's fixture) -------

@pytest.fixture
async def gateway(localstripe_url: str) -> AsyncIterator[StripeGateway]:
    gw = StripeGateway(API_KEY, webhook_secret=WEBHOOK_SECRET, api_base=localstripe_url,
                       timeout_s=5, max_network_retries=0)
    yield gw
    await gw.aclose()


@pytest.fixture
async def rider_app(localstripe_url: str) -> AsyncIterator[stripe.StripeClient]:
    """What the rider's app does with Stripe directly: enter a card, confirm a SetupIntent."""
    http = stripe.AIOHTTPClient()
    yield stripe.StripeClient(API_KEY, base_addresses={"api": localstripe_url}, http_client=http)
    await http.close_async()


async def card(app: stripe.StripeClient, number: str = "4242424242424242") -> str:
    method = await app.v1.payment_methods.create_async(
        {"type": "card", "card": {"number": number, "exp_month": 12, "exp_year": 2034, "cvc": "123"}})
    return method.id


async def test_authorise_holds_the_amount_for_the_booking(gateway: StripeGateway) -> None:
    payment = await gateway.authorise(booking_id="bk-1", amount=yen(1200), idempotency_key="auth-bk-1",
                                      payment_method="pm_card_visa")
    assert payment.id.startswith("pi_") and payment.gateway == "stripe"
    assert (payment.state, payment.authorised, payment.booking_id) == (PaymentState.AUTHORISED, yen(1200), "bk-1")
    assert (payment.captured_minor, payment.refunded_minor) == (0, 0)
    assert await gateway.get(payment.id) == payment


async def test_capture_less_than_the_hold(gateway: StripeGateway) -> None:
    held = await gateway.authorise(booking_id="bk-2", amount=yen(1000), idempotency_key="auth-bk-2",
                                   payment_method="pm_card_visa")
    captured = await gateway.capture(held, yen(800), idempotency_key="cap-bk-2")
    assert (captured.state, captured.captured_minor, captured.refunded_minor) == (PaymentState.CAPTURED, 800, 0)
    assert captured.refundable_minor == 800
    assert await gateway.get(held.id) == captured


async def test_capture_above_the_hold_is_refused_and_nothing_is_taken(gateway: StripeGateway) -> None:
    held = await gateway.authorise(booking_id="bk-3", amount=yen(1000), idempotency_key="auth-bk-3",
                                   payment_method="pm_card_visa")
    with pytest.raises(InvalidRequest, match="the hold is 1000"):
        await gateway.capture(held, yen(1001), idempotency_key="cap-bk-3")
    # Past the local check (a stale or forged Payment), Stripe's own refusal maps the same way.
    forged = held.model_copy(update={"authorised": yen(5000)})
    with pytest.raises(InvalidRequest):
        await gateway.capture(forged, yen(1500), idempotency_key="cap-bk-3b")
    again = await gateway.get(held.id)
    assert (again.state, again.captured_minor) == (PaymentState.AUTHORISED, 0)


async def test_cancel_releases_the_hold_and_ends_it(gateway: StripeGateway) -> None:
    held = await gateway.authorise(booking_id="bk-4", amount=yen(700), idempotency_key="auth-bk-4",
                                   payment_method="pm_card_visa")
    cancelled = await gateway.cancel(held, idempotency_key="cancel-bk-4")
    assert (cancelled.state, cancelled.captured_minor) == (PaymentState.CANCELLED, 0)
    assert (await gateway.get(held.id)).state is PaymentState.CANCELLED
    with pytest.raises(Conflict):
        await gateway.capture(cancelled, yen(700), idempotency_key="cap-bk-4")
    with pytest.raises(Conflict):
        await gateway.cancel(cancelled, idempotency_key="cancel-bk-4b")


async def test_partial_refunds_up_to_what_was_captured(gateway: StripeGateway) -> None:
    held = await gateway.authorise(booking_id="bk-5", amount=yen(1500), idempotency_key="auth-bk-5",
                                   payment_method="pm_card_visa")
    paid = await gateway.capture(held, yen(1000), idempotency_key="cap-bk-5")
    with pytest.raises(Conflict):
        await gateway.refund(held, yen(100), idempotency_key="ref-bk-5-early")  # not captured yet
    once = await gateway.refund(paid, yen(300), idempotency_key="ref-bk-5-a")
    twice = await gateway.refund(once, yen(200), idempotency_key="ref-bk-5-b")
    assert (once.refunded_minor, twice.refunded_minor, twice.captured_minor) == (300, 500, 1000)
    assert twice.refundable_minor == 500
    with pytest.raises(InvalidRequest, match="500 is refundable"):
        await gateway.refund(twice, yen(501), idempotency_key="ref-bk-5-c")
    with pytest.raises(InvalidRequest):
        await gateway.refund(twice, Money(amount_minor=100, currency="EUR"), idempotency_key="ref-bk-5-d")
    assert (await gateway.get(held.id)).refunded_minor == 500


async def test_a_declined_card_is_payment_declined_with_stripes_message(
        gateway: StripeGateway, rider_app: stripe.StripeClient) -> None:
    method = await card(rider_app, DECLINING_CARD)
    with pytest.raises(PaymentDeclined, match="Your card was declined") as caught:
        await gateway.authorise(booking_id="bk-6", amount=yen(900), idempotency_key="auth-bk-6",
                                payment_method=method)
    assert caught.value.fields == {"code": "card_declined"}


async def test_no_payment_method_is_declined_before_calling_stripe(gateway: StripeGateway) -> None:
    with pytest.raises(PaymentDeclined):
        await gateway.authorise(booking_id="bk-7", amount=yen(900), idempotency_key="auth-bk-7")


async def test_an_unknown_payment_is_not_found(gateway: StripeGateway) -> None:
    with pytest.raises(NotFound):
        await gateway.get("pi_doesnotexist")


async def test_saved_method_then_off_session_authorise(
        localstripe_url: str, rider_app: stripe.StripeClient, aiohttp_server) -> None:
    proxy = await aiohttp_server(replay_proxy(localstripe_url, seen := []), host="127.0.0.1")
    gw = StripeGateway(API_KEY, webhook_secret=WEBHOOK_SECRET, api_base=str(proxy.make_url("")).rstrip("/"),
                       timeout_s=5, max_network_retries=0)
    try:
        saved = await gw.save_method("rider-42", idempotency_key="save-rider-42")
        assert saved.setup_id.startswith("seti_") and saved.customer_ref.startswith("cus_")
        assert saved.client_secret.startswith(saved.setup_id) and saved.payment_method is None
        # The app confirms the SetupIntent with the rider's card.
        method = await card(rider_app)
        confirmed = await rider_app.v1.setup_intents.confirm_async(saved.setup_id, {"payment_method": method})
        assert (confirmed.status, confirmed.payment_method) == ("succeeded", method)
        # Days later, without the rider.
        payment = await gw.authorise(booking_id="bk-8", amount=yen(2400), idempotency_key="auth-bk-8",
                                     customer_ref=saved.customer_ref, payment_method=confirmed.payment_method)
        assert payment.state is PaymentState.AUTHORISED
        # A customer id is used as it is.
        again = await gw.save_method(saved.customer_ref, idempotency_key="save-rider-42-card-2")
        assert again.customer_ref == saved.customer_ref
    finally:
        await gw.aclose()
    posts = [(path, form, key) for method_, path, form, key in seen if method_ == "POST"]
    assert [path for path, _, _ in posts] == ["/v1/customers", "/v1/setup_intents", "/v1/payment_intents",
                                              "/v1/setup_intents"]
    assert posts[0][1]["metadata[maas_customer_ref]"] == "rider-42"
    assert posts[0][2] == "save-rider-42:customer" and posts[1][2] == "save-rider-42"
    assert {k: posts[1][1][k] for k in ("customer", "usage")} == {"customer": saved.customer_ref,
                                                                  "usage": "off_session"}
    intent = posts[2][1]
    assert {k: intent[k] for k in ("amount", "currency", "capture_method", "confirm", "customer",
                                   "off_session", "payment_method", "metadata[booking_id]")} == {
        "amount": "2400", "currency": "jpy", "capture_method": "manual", "confirm": "true",
        "customer": saved.customer_ref, "off_session": "true", "payment_method": method,
        "metadata[booking_id]": "bk-8"}
    assert posts[2][2] == "auth-bk-8"


# --- idempotency: localstripe ignores Idempotency-Key, so a proxy replays like Stripe does -------

def replay_proxy(upstream: str, seen: list) -> web.Application:
    """Forwards to localstripe; a repeated Idempotency-Key gets the first answer, and a key reused
    with other parameters gets Stripe's idempotency_error. Records (method, path, form, key)."""
    first: dict[str, tuple[tuple, int, bytes]] = {}

    async def forward(request: web.Request) -> web.Response:
        body = await request.read()
        key = request.headers.get("Idempotency-Key")
        seen.append((request.method, request.path, dict(parse_qsl(body.decode())), key))
        fingerprint = (request.method, request.path_qs, body)
        if key in first:
            earlier, status, payload = first[key]
            if earlier != fingerprint:
                return web.json_response({"error": {"type": "idempotency_error", "message":
                                                    "Keys for idempotent requests can only be used with "
                                                    "the same parameters they were first used with."}},
                                         status=400)
            return web.Response(status=status, body=payload, content_type="application/json")
        headers = {h: request.headers[h] for h in ("Authorization", "Content-Type") if h in request.headers}
        async with aiohttp.ClientSession() as session, session.request(
                request.method, upstream + request.path_qs, data=body, headers=headers) as answer:
            status, payload = answer.status, await answer.read()
        if key is not None and status < 500:
            first[key] = (fingerprint, status, payload)
        return web.Response(status=status, body=payload, content_type="application/json")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", forward)
    return app


async def test_the_same_key_gives_the_same_payment_and_moves_money_once(
        localstripe_url: str, aiohttp_server) -> None:
    proxy = await aiohttp_server(replay_proxy(localstripe_url, seen := []), host="127.0.0.1")
    gw = StripeGateway(API_KEY, webhook_secret=WEBHOOK_SECRET, api_base=str(proxy.make_url("")).rstrip("/"),
                       timeout_s=5, max_network_retries=0)
    try:
        first = await gw.authorise(booking_id="bk-9", amount=yen(1000), idempotency_key="auth-bk-9",
                                   payment_method="pm_card_visa")
        second = await gw.authorise(booking_id="bk-9", amount=yen(1000), idempotency_key="auth-bk-9",
                                    payment_method="pm_card_visa")
        assert second.id == first.id
        with pytest.raises(Conflict):
            await gw.authorise(booking_id="bk-9", amount=yen(1100), idempotency_key="auth-bk-9",
                               payment_method="pm_card_visa")
        captured = await gw.capture(first, yen(600), idempotency_key="cap-bk-9")
        replayed = await gw.capture(first, yen(600), idempotency_key="cap-bk-9")  # a retry with the old view
        assert replayed.captured_minor == captured.captured_minor == 600
    finally:
        await gw.aclose()
    keys = [key for method, _, _, key in seen if method == "POST"]
    assert keys == ["auth-bk-9", "auth-bk-9", "auth-bk-9", "cap-bk-9", "cap-bk-9"]


# --- recording fake Stripe: Connect transfers, retries, timeouts, Stripe-shaped amounts ----------

@pytest.fixture
async def fake_stripe(aiohttp_server):
    """A server that records every request and answers from a script (path -> list of answers)."""
    requests: list[dict] = []
    script: dict[str, list] = {}
    release = asyncio.Event()

    async def handle(request: web.Request) -> web.StreamResponse:
        body = await request.read()
        requests.append({"method": request.method, "path": request.path, "query": request.query_string,
                         "form": dict(parse_qsl(body.decode())), "headers": dict(request.headers)})
        answers = script.get(request.path) or [(404, {"error": {"type": "invalid_request_error",
                                                                "code": "resource_missing", "message": "No such"}})]
        status, payload = answers.pop(0) if len(answers) > 1 else answers[0]
        if status == "hang":
            await release.wait()
            status, payload = 200, {}
        return web.json_response(payload, status=status)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handle)
    server = await aiohttp_server(app, host="127.0.0.1")
    yield str(server.make_url("")).rstrip("/"), requests, script
    release.set()


async def test_a_transfer_sends_stripes_connect_request(fake_stripe) -> None:
    url, requests, script = fake_stripe
    script["/v1/transfers"] = [(200, {"id": "tr_1", "object": "transfer", "amount": 1200, "currency": "jpy",
                                      "destination": "acct_taxi", "transfer_group": "bk-10"})]
    gw = StripeGateway(API_KEY, webhook_secret=WEBHOOK_SECRET, api_base=url, max_network_retries=0)
    try:
        made = await gw.transfer(operator_account="acct_taxi", amount=yen(1200), booking_id="bk-10",
                                 idempotency_key="transfer-bk-10-taxi")
    finally:
        await gw.aclose()
    assert (made.id, made.operator_account, made.amount, made.booking_id) == ("tr_1", "acct_taxi", yen(1200), "bk-10")
    [sent] = requests
    assert (sent["method"], sent["path"]) == ("POST", "/v1/transfers")
    assert sent["form"] == {"amount": "1200", "currency": "jpy", "destination": "acct_taxi",
                            "transfer_group": "bk-10", "metadata[booking_id]": "bk-10"}
    assert sent["headers"]["Idempotency-Key"] == "transfer-bk-10-taxi"
    assert sent["headers"]["Authorization"] == f"Bearer {API_KEY}"


async def test_a_5xx_is_retried_with_the_same_key_then_unavailable(fake_stripe) -> None:
    url, requests, script = fake_stripe
    script["/v1/transfers"] = [(503, {"error": {"type": "api_error", "message": "try later"}})]
    gw = StripeGateway(API_KEY, webhook_secret=WEBHOOK_SECRET, api_base=url, max_network_retries=1)
    try:
        with pytest.raises(PaymentUnavailable):
            await gw.transfer(operator_account="acct_taxi", amount=yen(500), booking_id="bk-11",
                              idempotency_key="transfer-bk-11")
    finally:
        await gw.aclose()
    assert [r["headers"]["Idempotency-Key"] for r in requests] == ["transfer-bk-11", "transfer-bk-11"]


async def test_a_gateway_that_never_answers_is_unavailable_within_the_timeout(fake_stripe) -> None:
    url, requests, script = fake_stripe
    script["/v1/payment_intents"] = [("hang", None)]
    gw = StripeGateway(API_KEY, webhook_secret=WEBHOOK_SECRET, api_base=url, timeout_s=0.5,
                       max_network_retries=0)
    started = time.monotonic()
    try:
        with pytest.raises(PaymentUnavailable):
            await gw.authorise(booking_id="bk-12", amount=yen(1000), idempotency_key="auth-bk-12",
                               payment_method="pm_card_visa")
    finally:
        await gw.aclose()
    assert time.monotonic() - started < 2
    assert len(requests) == 1


async def test_amounts_are_read_from_a_stripe_shaped_intent(fake_stripe) -> None:
    """Real Stripe reports amount_received, and counts a partial capture's released remainder in the
    charge's amount_refunded: 1000 held, 800 captured, 100 refunded."""
    url, requests, script = fake_stripe
    charge = {"id": "ch_1", "object": "charge", "amount": 1000, "amount_captured": 800,
              "amount_refunded": 300, "captured": True, "payment_intent": "pi_real"}
    script["/v1/payment_intents/pi_real"] = [(200, {
        "id": "pi_real", "object": "payment_intent", "amount": 1000, "amount_received": 800,
        "currency": "jpy", "status": "succeeded", "created": 1764547200, "latest_charge": charge,
        "metadata": {"booking_id": "bk-13"}})]
    gw = StripeGateway(API_KEY, webhook_secret=WEBHOOK_SECRET, api_base=url, max_network_retries=0)
    try:
        payment = await gw.get("pi_real")
    finally:
        await gw.aclose()
    assert payment == Payment(id="pi_real", gateway="stripe", booking_id="bk-13", state=PaymentState.CAPTURED,
                              authorised=yen(1000), captured_minor=800, refunded_minor=100,
                              created_at=payment.created_at)
    assert payment.created_at is not None and payment.created_at.tzinfo is not None
    assert "expand[0]=latest_charge" in requests[0]["query"].replace("%5B", "[").replace("%5D", "]")


# --- webhooks, signed here as Stripe signs them --------------------------------------------------

def event_body(kind: str = "payment_intent.succeeded", obj: dict | None = None) -> bytes:
    obj = obj or {"id": "pi_123", "object": "payment_intent", "amount": 1000, "currency": "jpy",
                  "status": "succeeded", "metadata": {"booking_id": "bk-1"}}
    return json.dumps({"id": "evt_1", "object": "event", "type": kind, "created": 1764547200,
                       "api_version": "2025-01-01", "livemode": False, "data": {"object": obj}}).encode()


@pytest.fixture
def webhook_gateway() -> StripeGateway:
    # No request is made, so no session is opened and none needs closing.
    return StripeGateway(API_KEY, webhook_secret=WEBHOOK_SECRET, api_base="http://127.0.0.1:9")


def test_a_correctly_signed_event_is_accepted(webhook_gateway: StripeGateway) -> None:
    body = event_body()
    event = webhook_gateway.verify_event(body, signed(body))
    assert (event.id, event.type, event.payment_id) == ("evt_1", "payment_intent.succeeded", "pi_123")
    assert event.created.timestamp() == 1764547200 and event.created.tzinfo is not None
    assert event.data["metadata"] == {"booking_id": "bk-1"}


def test_a_refund_event_names_its_payment(webhook_gateway: StripeGateway) -> None:
    body = event_body("charge.refunded", {"id": "ch_9", "object": "charge", "payment_intent": "pi_9"})
    assert webhook_gateway.verify_event(body, signed(body, at=int(time.time()) - 200)).payment_id == "pi_9"


@pytest.mark.parametrize("case", ["forged", "tampered", "stale", "no header", "garbage header",
                                  "not json", "not an event", "not utf-8"])
def test_a_bad_webhook_is_rejected(webhook_gateway: StripeGateway, case: str) -> None:
    body = event_body()
    header = signed(body)
    if case == "forged":
        header = signed(body, secret="whsec_someone_else")
    elif case == "tampered":
        body = body.replace(b"1000", b"1")
    elif case == "stale":
        header = signed(body, at=int(time.time()) - 301)
    elif case == "no header":
        header = ""
    elif case == "garbage header":
        header = "v1=abc"
    elif case == "not json":
        body = b"{not json"
        header = signed(body)
    elif case == "not an event":
        body = b"[1, 2]"
        header = signed(body)
    elif case == "not utf-8":
        body = b"\xff\xfe\x00"
        header = signed(body)
    with pytest.raises(WebhookRejected):
        webhook_gateway.verify_event(body, header)


async def test_forgetting_a_saved_method_detaches_it_and_deletes_the_customer(
        gateway: StripeGateway, rider_app: stripe.StripeClient) -> None:
    """Account deletion (maas.services.privacy): the card no longer belongs to the customer, the
    customer is gone, and forgetting again (a retried deletion) is no error."""
    saved = await gateway.save_method("rider-erase", idempotency_key="save-rider-erase")
    method = await card(rider_app)
    await rider_app.v1.setup_intents.confirm_async(saved.setup_id, {"payment_method": method})
    await gateway.forget_method(saved.customer_ref, method)
    detached = await rider_app.v1.payment_methods.retrieve_async(method)
    assert detached.customer is None
    try:  # Stripe answers a deleted customer as {"deleted": true}; localstripe as not found
        assert (await rider_app.v1.customers.retrieve_async(saved.customer_ref)).get("deleted") is True
    except stripe.InvalidRequestError as gone:
        assert gone.http_status == 404
    await gateway.forget_method(saved.customer_ref, method)
