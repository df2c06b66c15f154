"""Saving a rider's way to pay for bookings made days ahead: the gateway's setup (a Stripe
SetupIntent the app confirms with the rider's card), then the confirmed method kept with the
account, so a booking beyond the life of a card hold is authorised without the rider, a day
before it starts (maas.services.bookings)."""

from __future__ import annotations

from maas.domain.accounts import Principal
from maas.domain.errors import Conflict, NotFound
from maas.domain.payments import PaymentGateway, PaymentProfile, SavedMethod
from maas.domain.ports import Clock, UnitOfWorkFactory


class PaymentMethodService:
    def __init__(self, uow: UnitOfWorkFactory, payments: PaymentGateway, clock: Clock) -> None:
        self._uow, self._payments, self._clock = uow, payments, clock

    async def start(self, caller: Principal, *, idempotency_key: str) -> SavedMethod:
        """A setup for the app to confirm; the rider's gateway customer is made on the first one."""
        async with self._uow() as uow:
            known = await uow.payment_profiles.get(caller.subject_id)
        customer = known.customer_ref if known is not None and known.gateway == self._payments.name else caller.subject_id
        saved = await self._payments.save_method(customer, idempotency_key=f"{caller.subject_id}:{idempotency_key}")
        async with self._uow() as uow:
            current = await uow.payment_profiles.get(caller.subject_id)
            if current is None or current.setup_id != saved.setup_id:  # a retry keeps what it confirmed
                await uow.payment_profiles.put(PaymentProfile(
                    account_id=caller.subject_id, gateway=self._payments.name, customer_ref=saved.customer_ref,
                    setup_id=saved.setup_id, payment_method=current.payment_method if current else None,
                    updated_at=self._clock.now()))
                await uow.commit()
        return saved

    async def confirm(self, caller: Principal, setup_id: str) -> PaymentProfile:
        """After the app confirmed the setup with the rider: keep the method it saved."""
        async with self._uow() as uow:
            profile = await uow.payment_profiles.get(caller.subject_id)
        if profile is None or profile.setup_id != setup_id:
            raise NotFound(f"no payment setup {setup_id} for this account")
        saved = await self._payments.saved_method(setup_id)
        if saved.payment_method is None:
            raise Conflict("the card is not confirmed yet: confirm the setup in the app first",
                           fields={"setup_id": "not confirmed"})
        confirmed = profile.model_copy(update={"payment_method": saved.payment_method, "updated_at": self._clock.now()})
        async with self._uow() as uow:
            await uow.payment_profiles.put(confirmed)
            await uow.commit()
        return confirmed

    async def get(self, caller: Principal) -> PaymentProfile:
        async with self._uow() as uow:
            profile = await uow.payment_profiles.get(caller.subject_id)
        if profile is None:
            raise NotFound("no saved payment method")
        return profile
