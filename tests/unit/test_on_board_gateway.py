"""The on-board gateway: its payment state machine, the capture and refund checks, idempotency,
transfers, saved methods and the refusal of webhooks; and the choice of gateway from settings."""

from __future__ import annotations

import datetime as dt

import pytest

from maas.domain.errors import Conflict, InvalidRequest, NotFound
from maas.domain.payments import PaymentState, WebhookRejected
from maas.domain.planning import Money
from payments.config import gateway_from_settings
from payments.on_board import OnBoardGateway

NOON = dt.datetime(2025, 6, 1, 3, 0, tzinfo=dt.UTC)


def yen(amount: int) -> Money:
    return Money(amount_minor=amount, currency="JPY")


@pytest.fixture
def gateway() -> OnBoardGateway:
    return OnBoardGateway(now=lambda: NOON)


async def hold(gateway: OnBoardGateway, amount: int = 1000, key: str = "auth-1"):
    return await gateway.authorise(booking_id="bk-1", amount=yen(amount), idempotency_key=key)


async def test_authorise_holds_without_taking(gateway: OnBoardGateway) -> None:
    payment = await hold(gateway)
    assert (payment.gateway, payment.state, payment.authorised) == ("on_board", PaymentState.AUTHORISED, yen(1000))
    assert (payment.captured_minor, payment.refunded_minor, payment.created_at) == (0, 0, NOON)
    assert await gateway.get(payment.id) == payment


async def test_nothing_to_hold_is_invalid(gateway: OnBoardGateway) -> None:
    with pytest.raises(InvalidRequest):
        await hold(gateway, amount=0)


async def test_capture_at_most_the_hold(gateway: OnBoardGateway) -> None:
    held = await hold(gateway)
    with pytest.raises(InvalidRequest):
        await gateway.capture(held, yen(1001), idempotency_key="cap-too-much")
    with pytest.raises(InvalidRequest):
        await gateway.capture(held, Money(amount_minor=5, currency="EUR"), idempotency_key="cap-euro")
    assert (await gateway.get(held.id)).state is PaymentState.AUTHORISED
    captured = await gateway.capture(held, yen(800), idempotency_key="cap-1")
    assert (captured.state, captured.captured_minor) == (PaymentState.CAPTURED, 800)
    with pytest.raises(Conflict):
        await gateway.capture(held, yen(100), idempotency_key="cap-2")  # the gateway's state counts


async def test_cancel_only_a_hold(gateway: OnBoardGateway) -> None:
    held = await hold(gateway)
    cancelled = await gateway.cancel(held, idempotency_key="cancel-1")
    assert cancelled.state is PaymentState.CANCELLED
    for attempt in (gateway.capture(held, yen(10), idempotency_key="cap-after-cancel"),
                    gateway.cancel(held, idempotency_key="cancel-2"),
                    gateway.refund(held, yen(10), idempotency_key="refund-after-cancel")):
        with pytest.raises(Conflict):
            await attempt
    paid = await gateway.capture(await hold(gateway, key="auth-2"), yen(500), idempotency_key="cap-3")
    with pytest.raises(Conflict):
        await gateway.cancel(paid, idempotency_key="cancel-3")


async def test_partial_refunds_up_to_the_captured_amount(gateway: OnBoardGateway) -> None:
    held = await hold(gateway)
    with pytest.raises(Conflict):
        await gateway.refund(held, yen(100), idempotency_key="refund-early")
    await gateway.capture(held, yen(800), idempotency_key="cap-1")
    first = await gateway.refund(held, yen(300), idempotency_key="refund-1")
    second = await gateway.refund(first, yen(200), idempotency_key="refund-2")
    assert (first.refunded_minor, second.refunded_minor, second.refundable_minor) == (300, 500, 300)
    with pytest.raises(InvalidRequest):
        await gateway.refund(second, yen(301), idempotency_key="refund-3")
    with pytest.raises(InvalidRequest):
        await gateway.refund(second, yen(0), idempotency_key="refund-zero")
    assert (await gateway.get(held.id)).refunded_minor == 500
    final = await gateway.refund(second, yen(300), idempotency_key="refund-4")
    assert final.refundable_minor == 0 and final.state is PaymentState.CAPTURED


async def test_the_same_key_gives_the_first_answer_and_moves_nothing_twice(gateway: OnBoardGateway) -> None:
    held = await hold(gateway)
    assert await hold(gateway) == held
    await gateway.capture(held, yen(1000), idempotency_key="cap-1")
    first = await gateway.refund(held, yen(400), idempotency_key="refund-1")
    again = await gateway.refund(held, yen(400), idempotency_key="refund-1")
    assert again == first and (await gateway.get(held.id)).refunded_minor == 400
    assert await gateway.capture(held, yen(1000), idempotency_key="cap-1") != await gateway.get(held.id)


async def test_a_key_reused_for_another_request_is_a_conflict(gateway: OnBoardGateway) -> None:
    held = await hold(gateway)
    with pytest.raises(Conflict, match="different request"):
        await hold(gateway, amount=1200)
    with pytest.raises(Conflict):
        await gateway.authorise(booking_id="bk-2", amount=yen(1000), idempotency_key="auth-1")
    await gateway.capture(held, yen(500), idempotency_key="cap-1")
    with pytest.raises(Conflict):
        await gateway.capture(held, yen(600), idempotency_key="cap-1")


async def test_a_failed_call_records_nothing_so_its_key_can_be_retried(gateway: OnBoardGateway) -> None:
    held = await hold(gateway)
    with pytest.raises(InvalidRequest):
        await gateway.capture(held, yen(2000), idempotency_key="cap-1")
    assert (await gateway.capture(held, yen(900), idempotency_key="cap-1")).captured_minor == 900


async def test_unknown_payment_is_not_found(gateway: OnBoardGateway) -> None:
    with pytest.raises(NotFound):
        await gateway.get("onb_missing")
    held = await hold(gateway)
    stranger = held.model_copy(update={"id": "pi_elsewhere", "gateway": "stripe"})
    with pytest.raises(NotFound):
        await gateway.capture(stranger, yen(10), idempotency_key="cap-stranger")


async def test_after_a_restart_the_bookings_copy_of_a_hold_is_the_record(gateway: OnBoardGateway) -> None:
    held = await hold(gateway)
    restarted = OnBoardGateway()
    taken = await restarted.capture(held, yen(700), idempotency_key="cap-after-restart")
    assert (taken.id, taken.state, taken.captured_minor) == (held.id, PaymentState.CAPTURED, 700)
    with pytest.raises(InvalidRequest):
        await OnBoardGateway().capture(held, yen(held.authorised.amount_minor + 1), idempotency_key="too-much")


async def test_transfers_are_recorded_once(gateway: OnBoardGateway) -> None:
    made = await gateway.transfer(operator_account="taxi-co", amount=yen(1200), booking_id="bk-1",
                                  idempotency_key="transfer-1")
    assert await gateway.transfer(operator_account="taxi-co", amount=yen(1200), booking_id="bk-1",
                                  idempotency_key="transfer-1") == made
    await gateway.transfer(operator_account="bus-co", amount=yen(300), booking_id="bk-2", idempotency_key="transfer-2")
    assert gateway.list_transfers("bk-1") == [made] and len(gateway.list_transfers()) == 2
    with pytest.raises(Conflict):
        await gateway.transfer(operator_account="taxi-co", amount=yen(1300), booking_id="bk-1",
                               idempotency_key="transfer-1")


async def test_saved_method_has_nothing_to_confirm(gateway: OnBoardGateway) -> None:
    saved = await gateway.save_method("rider-1", idempotency_key="save-1")
    # The invoice is the method: confirmed at once, no client secret for an app.
    assert (saved.customer_ref, saved.client_secret) == ("rider-1", "")
    assert saved.payment_method is not None and saved.payment_method.startswith("onb_invoice_")
    assert await gateway.save_method("rider-1", idempotency_key="save-1") == saved
    assert await gateway.saved_method(saved.setup_id) == saved
    with pytest.raises(NotFound):
        await gateway.saved_method("seti_nope")


def test_no_webhooks(gateway: OnBoardGateway) -> None:
    with pytest.raises(WebhookRejected):
        gateway.verify_event(b"{}", "t=1,v1=00")


async def test_settings_choose_the_gateway() -> None:
    assert isinstance(gateway_from_settings(None, None, None), OnBoardGateway)
    assert isinstance(gateway_from_settings("", "whsec_x", None), OnBoardGateway)
    with pytest.raises(ValueError, match="webhook"):
        gateway_from_settings("sk_test_x", None, None)
    stripe_gateway = gateway_from_settings("sk_test_x", "whsec_x", "http://127.0.0.1:9")
    assert stripe_gateway.name == "stripe"
    await stripe_gateway.aclose()
