"""Payment webhooks: a verified gateway event applied to the booking whose payment it names.

Gateways deliver events at least once and in no particular order, so handling is idempotent
and monotonic. Each event id is recorded in the same transaction that applies it (a redelivery
is a "duplicate" and changes nothing), and an event only ever moves a payment forward:
AUTHORISED, then CANCELLED or CAPTURED (a capture wins), amounts only grow. A late
"authorised" after a capture, or a refund total lower than one already seen, changes nothing.

Outcomes: applied (the payment changed), unchanged (known, but nothing new), recorded (a
failure notice, kept for the record only), ignored (no booking has that payment, or a type we
do not act on), duplicate (handled before).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from maas.domain.errors import Conflict
from maas.domain.payments import GatewayEvent, Payment, PaymentGateway, PaymentState
from maas.domain.ports import Clock, UnitOfWorkFactory
from maas.services.rider_events import record_booking_change

log = logging.getLogger(__name__)
S = PaymentState
APPLIED, UNCHANGED, RECORDED, IGNORED, DUPLICATE = "applied", "unchanged", "recorded", "ignored", "duplicate"
_AUTHORISED = frozenset({"payment_intent.amount_capturable_updated", "payment_intent.requires_capture"})
_REFUNDED = ("charge.refunded", "charge.refund.", "refund.")


class PaymentEventService:
    def __init__(self, uow: UnitOfWorkFactory, gateway: PaymentGateway, clock: Clock, *, attempts: int = 5) -> None:
        self._uow, self._gateway, self._clock, self._attempts = uow, gateway, clock, attempts
        self.on_events: Callable[[], None] | None = None  # told after rider events were committed

    async def handle(self, raw_body: bytes, signature: str) -> str:
        """The outcome of one webhook delivery; WebhookRejected if it does not verify, Conflict
        if the booking kept changing under us (the gateway delivers it again later)."""
        event = self._gateway.verify_event(raw_body, signature)
        for attempt in range(1, self._attempts + 1):
            try:
                outcome = await self._handle_once(event)
            except Conflict:
                # Another writer (the saga, a concurrent event) saved the booking first: the whole
                # transaction, event record included, was rolled back; read it again and redo.
                if attempt == self._attempts:
                    raise
                continue
            log.info("payment event %s (%s) for %s: %s", event.id, event.type, event.payment_id, outcome)
            return outcome
        raise AssertionError("unreachable")  # pragma: no cover

    async def _handle_once(self, event: GatewayEvent) -> str:
        now = self._clock.now()
        async with self._uow() as uow:
            booking = await uow.bookings.find_by_payment(event.payment_id) if event.payment_id else None
            changed = None
            if booking is None or booking.payment is None:
                outcome = IGNORED
            else:
                payment, outcome = applied(booking.payment, event)
                if outcome == APPLIED:
                    changed = booking.model_copy(update={"payment": payment, "updated_at": now})
            # After the read, yet in the same transaction: the unique key decides, not the read.
            if not await uow.payment_events.add(event, outcome, received_at=now):
                return DUPLICATE
            recorded = 0
            if changed is not None:
                saved = await uow.bookings.save(changed)  # Conflict if the version moved since the read
                assert booking is not None
                recorded = await record_booking_change(uow, booking, saved, now)
            await uow.commit()
        if recorded and self.on_events is not None:
            self.on_events()
        return outcome


def applied(payment: Payment, event: GatewayEvent) -> tuple[Payment, str]:
    """The payment once `event` is taken into account, and the outcome (APPLIED only if it changed)."""
    kind, data = event.type, event.data
    if kind in _AUTHORISED:
        if payment.state in (S.CAPTURED, S.CANCELLED):  # a later state is already known
            return payment, UNCHANGED
        return _changed(payment, state=S.AUTHORISED)
    if kind == "payment_intent.succeeded":
        return _changed(payment, state=S.CAPTURED, captured_minor=max(payment.captured_minor, _captured(data)))
    if kind == "payment_intent.canceled":
        return (payment, UNCHANGED) if payment.state is S.CAPTURED else _changed(payment, state=S.CANCELLED)
    if kind.startswith(_REFUNDED):
        return _refunded(payment, data)
    if kind == "payment_intent.payment_failed":
        # A failure never undoes a hold or a capture we know of: it is an earlier attempt's news.
        return payment, RECORDED
    return payment, IGNORED


def _captured(intent: dict[str, Any]) -> int:
    if "amount_received" in intent:
        return _amount(intent, "amount_received")
    charge = intent.get("latest_charge")
    if not isinstance(charge, dict) or charge.get("captured") is not True:
        return 0
    if "amount_captured" in charge:
        return _amount(charge, "amount_captured")
    # localstripe reports neither amount; it records the released part of a partial capture as
    # a refund made on the charge alone (refunds made by us name the payment intent).
    refunds = (charge.get("refunds") or {}).get("data") or []
    released = sum(_amount(r, "amount") for r in refunds if isinstance(r, dict) and not r.get("payment_intent"))
    return max(0, _amount(charge, "amount") - released)


def _refunded(payment: Payment, data: dict[str, Any]) -> tuple[Payment, str]:
    # Only a charge carries the running total (amount_refunded); a refund object carries its own
    # amount alone, which cannot be applied without knowing which refunds were counted already.
    if "amount_refunded" not in data:
        return payment, UNCHANGED
    update: dict[str, Any] = {}
    captured = payment.captured_minor
    if data.get("captured") is True and "amount_captured" in data:
        # A refund implies a capture, even if the capture's own event has not arrived yet.
        captured = max(captured, _amount(data, "amount_captured"))
        update = {"state": S.CAPTURED, "captured_minor": captured}
    elif payment.state is not S.CAPTURED:
        return payment, UNCHANGED
    # Stripe counts the released remainder of a partial capture in the charge's amount_refunded.
    released = max(0, _amount(data, "amount") - captured) if "amount" in data else 0
    refunded = min(captured, max(0, _amount(data, "amount_refunded") - released))
    return _changed(payment, **update, refunded_minor=max(payment.refunded_minor, refunded))


def _changed(payment: Payment, **update: Any) -> tuple[Payment, str]:
    after = payment.model_copy(update=update)
    return after, (UNCHANGED if after == payment else APPLIED)


def _amount(data: dict[str, Any], key: str) -> int:
    value = data.get(key)
    # bool is an int in Python; a signed event is trusted, but not to be oddly shaped.
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0
