"""The on-board gateway, the default without a Stripe account: the rider pays the driver or the
municipality is invoiced, so no money moves through the system. It keeps the same books as a
card gateway (holds, captures up to the hold, cancellations, refunds, operator transfers) in
memory, with the same checks and idempotency: the same key gives the first answer again, and
the same key for a different request is a Conflict."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from maas.domain.errors import Conflict, InvalidRequest, NotFound
from maas.domain.payments import (
    GatewayEvent,
    Payment,
    PaymentState,
    SavedMethod,
    Transfer,
    WebhookRejected,
)
from maas.domain.planning import Money

T = TypeVar("T")


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class OnBoardGateway:
    """PaymentGateway without a payment provider. State lives in this object; the payment a caller
    passes in (kept with its booking) stands for it after a restart."""

    name = "on_board"
    hold_life_s = None  # nothing is held with a provider, so nothing lapses

    def __init__(self, *, now: Callable[[], dt.datetime] = _utc_now) -> None:
        self._now = now
        self._payments: dict[str, Payment] = {}
        self._answers: dict[str, tuple[tuple[Any, ...], Any]] = {}  # key -> (request, first answer)
        self._transfers: list[Transfer] = []
        self._saved: dict[str, SavedMethod] = {}

    async def aclose(self) -> None:
        """Nothing to release; here so the composition root can close any gateway alike."""

    async def authorise(self, *, booking_id: str, amount: Money, idempotency_key: str,
                        customer_ref: str | None = None, payment_method: str | None = None) -> Payment:
        def hold() -> Payment:
            if amount.amount_minor <= 0:
                raise InvalidRequest(f"nothing to hold: {amount.amount_minor} {amount.currency}")
            payment = Payment(id=f"onb_{uuid.uuid4().hex}", gateway=self.name, booking_id=booking_id,
                              state=PaymentState.AUTHORISED, authorised=amount, created_at=self._now())
            self._payments[payment.id] = payment
            return payment

        return self._once(idempotency_key, ("authorise", booking_id, amount, customer_ref, payment_method), hold)

    async def capture(self, payment: Payment, amount: Money, *, idempotency_key: str) -> Payment:
        def take() -> Payment:
            current = self._known(payment)
            current.check_capture(amount)
            return self._store(current, state=PaymentState.CAPTURED, captured_minor=amount.amount_minor)

        return self._once(idempotency_key, ("capture", payment.id, amount), take)

    async def cancel(self, payment: Payment, *, idempotency_key: str) -> Payment:
        def release() -> Payment:
            current = self._known(payment)
            if current.state is not PaymentState.AUTHORISED:
                raise Conflict(f"payment {current.id} is {current.state.value}; only a hold can be cancelled")
            return self._store(current, state=PaymentState.CANCELLED)

        return self._once(idempotency_key, ("cancel", payment.id), release)

    async def refund(self, payment: Payment, amount: Money, *, idempotency_key: str) -> Payment:
        def give_back() -> Payment:
            current = self._known(payment)
            current.check_refund(amount)
            return self._store(current, refunded_minor=current.refunded_minor + amount.amount_minor)

        return self._once(idempotency_key, ("refund", payment.id, amount), give_back)

    async def get(self, payment_id: str) -> Payment:
        return self._get(payment_id)

    async def save_method(self, customer_ref: str, *, idempotency_key: str) -> SavedMethod:
        # Nothing to confirm with the rider: no client secret; the "method" is the invoice itself.
        def made() -> SavedMethod:
            setup_id = f"onb_seti_{uuid.uuid4().hex}"
            saved = SavedMethod(setup_id=setup_id, customer_ref=customer_ref, payment_method=f"onb_invoice_{setup_id}")
            self._saved[setup_id] = saved
            return saved
        return self._once(idempotency_key, ("save_method", customer_ref), made)

    async def saved_method(self, setup_id: str) -> SavedMethod:
        try:
            return self._saved[setup_id]
        except KeyError:
            raise NotFound(f"no saved method {setup_id}") from None

    async def forget_method(self, customer_ref: str, payment_method: str | None) -> None:
        for setup_id in [k for k, saved in self._saved.items() if saved.customer_ref == customer_ref
                         or saved.payment_method == payment_method]:
            del self._saved[setup_id]

    async def transfer(self, *, operator_account: str, amount: Money, booking_id: str,
                       idempotency_key: str) -> Transfer:
        def record() -> Transfer:
            made = Transfer(id=f"onb_tr_{uuid.uuid4().hex}", operator_account=operator_account,
                            amount=amount, booking_id=booking_id)
            self._transfers.append(made)  # settled outside the system (invoice, cash on board)
            return made

        return self._once(idempotency_key, ("transfer", operator_account, amount, booking_id), record)

    def list_transfers(self, booking_id: str | None = None) -> list[Transfer]:
        return [t for t in self._transfers if booking_id is None or t.booking_id == booking_id]

    def verify_event(self, raw_body: bytes, signature_header: str) -> GatewayEvent:
        raise WebhookRejected("the on-board gateway receives no webhooks")

    def _once(self, key: str, request: tuple[Any, ...], act: Callable[[], T]) -> T:
        # No await between the lookup and the store: a retry racing the first call on the same
        # loop cannot slip in between, so nothing is moved twice.
        if key in self._answers:
            first_request, answer = self._answers[key]
            if first_request != request:
                raise Conflict(f"idempotency key {key!r} was used for a different request")
            return answer
        answer = act()  # a failed call records nothing: the same key may be tried again
        self._answers[key] = (request, answer)
        return answer

    def _known(self, payment: Payment) -> Payment:
        """This gateway's record of the payment; after a restart (no record, no money ever
        moved through a provider) the caller's copy, kept with its booking, is the record."""
        if payment.id in self._payments:
            return self._payments[payment.id]
        if payment.gateway != self.name:
            raise NotFound(f"no payment {payment.id}")
        return payment

    def _get(self, payment_id: str) -> Payment:
        try:
            return self._payments[payment_id]
        except KeyError:
            raise NotFound(f"no payment {payment_id}") from None

    def _store(self, current: Payment, **changes: Any) -> Payment:
        updated = current.model_copy(update=changes)
        self._payments[updated.id] = updated
        return updated
