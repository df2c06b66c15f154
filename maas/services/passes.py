"""Selling passes: the catalogue from the town's fare data, buying one (paid in full at once, with
an Idempotency-Key), listing a rider's passes, and cancelling one with its refund.

A purchase is stored PENDING before any money moves, and every gateway call carries a key made
from the pass id, so a purchase cut short by a crash is finished by `recover()` (or by the
rider's retry) without charging twice.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from zoneinfo import ZoneInfo

from maas.domain.accounts import Principal, Role
from maas.domain.entitlements import Entitlements
from maas.domain.errors import Conflict, DomainError, InvalidRequest, NotFound, PermissionDenied
from maas.domain.fare_rules import FareRules, PassProduct
from maas.domain.ids import new_id
from maas.domain.passes import PassState, RiderPass
from maas.domain.payments import PaymentDeclined, PaymentGateway
from maas.domain.planning import Money
from maas.domain.ports import Clock, UnitOfWorkFactory
from maas.domain.riders import RiderContext

log = logging.getLogger(__name__)
MAX_DAYS_AHEAD = 31  # a pass may start up to a month ahead
IN_PROGRESS = dt.timedelta(seconds=30)  # a PENDING pass younger than this is being paid by another request


def _digest(product_id: str, first_day: dt.date, payment_method: str | None) -> str:
    body = json.dumps({"product": product_id, "first_day": first_day.isoformat(), "payment_method": payment_method},
                      sort_keys=True)
    return hashlib.sha256(body.encode()).hexdigest()


class PassService:
    def __init__(self, uow: UnitOfWorkFactory, payments: PaymentGateway, clock: Clock, rules: FareRules, *,
                 timezone: str = "Asia/Tokyo") -> None:
        self._uow, self._payments, self._clock, self._rules = uow, payments, clock, rules
        self._tz = ZoneInfo(timezone)

    def catalogue(self) -> list[PassProduct]:
        today = self._clock.now().astimezone(self._tz).date()
        return [p for p in self._rules.passes if p.on_sale(today)]

    async def buy(self, caller: Principal, product_id: str, *, idempotency_key: str, first_day: dt.date | None = None,
                  payment_method: str | None = None, rider: RiderContext | None = None) -> tuple[RiderPass, bool]:
        """The pass, and whether this call bought it (False: a retry got the first answer). With a
        `rider` (staff acting for them) it is theirs, on their eligibility; staff buy only for a rider."""
        if caller.role is not Role.RIDER and (rider is None or rider.agent_id is None):
            raise PermissionDenied("call-centre staff buy a pass for a rider: give for_rider",
                                   fields={"for_rider": "required"})
        owner = rider.account_id if rider is not None else caller.subject_id
        now = self._clock.now()
        today = now.astimezone(self._tz).date()
        first_day = first_day or today
        digest = _digest(product_id, first_day, payment_method)
        # The replay is answered after the transaction ends: paying writes in a transaction of its
        # own, and on SQLite one opened inside another waits for itself until the busy timeout.
        stored, made = await self._store_pending(caller, owner, product_id, idempotency_key, first_day, today, now,
                                                 digest, payment_method)
        if stored.state is not PassState.PENDING:
            return stored, made
        if not made and now - stored.updated_at < IN_PROGRESS:
            # Another request is paying for it now; paying beside it would race at the gateway.
            raise Conflict("this purchase is still being paid for: retry in a moment",
                           fields={"Idempotency-Key": "in progress"})
        return await self._pay(stored, stored.payment_method), made

    async def _store_pending(self, caller: Principal, owner: str, product_id: str, idempotency_key: str,
                             first_day: dt.date, today: dt.date, now: dt.datetime, digest: str,
                             payment_method: str | None) -> tuple[RiderPass, bool]:
        """The PENDING pass stored now (True), or the one stored first under this key (a replay)."""
        async with self._uow() as uow:
            first = await uow.passes.find_by_key(owner, idempotency_key)
            if first is not None:
                if first.request_digest != digest:
                    raise Conflict("this Idempotency-Key was used for a different purchase",
                                   fields={"Idempotency-Key": "reused with another body"})
                return first, False
            product = self._product(product_id, first_day, today)
            await uow.accounts.get(owner)
            entitled = Entitlements.of(await uow.claims.list_for(owner))
            if not product.may_buy(entitled.rider_on(first_day)):
                raise PermissionDenied(f"{product.name}: this account is not eligible",
                                       fields={"product_id": "not eligible"})
            start = dt.datetime.combine(first_day, dt.time(), self._tz)
            bought = RiderPass(id=new_id("pass"), account_id=owner, bought_by=caller.subject_id, product=product,
                               state=PassState.PENDING,
                               valid_from=start, valid_until=start + dt.timedelta(days=product.days),
                               price=Money(amount_minor=product.price, currency=product.currency),
                               payment_method=payment_method, idempotency_key=idempotency_key,
                               request_digest=digest, created_at=now, updated_at=now)
            try:
                await uow.passes.add(bought)
            except Conflict:  # the same key raced us: answer with the winner's pass
                winner = await uow.passes.find_by_key(owner, idempotency_key)
                if winner is None:
                    raise
                if winner.request_digest != digest:
                    raise Conflict("this Idempotency-Key was used for a different purchase",
                                   fields={"Idempotency-Key": "reused with another body"}) from None
                return winner, False
            await uow.commit()
        return bought, True

    def _product(self, product_id: str, first_day: dt.date, today: dt.date) -> PassProduct:
        product = self._rules.pass_product(product_id)
        if product is None:
            raise NotFound(f"no pass {product_id!r} on sale", fields={"product_id": "unknown"})
        if not today <= first_day <= today + dt.timedelta(days=MAX_DAYS_AHEAD):
            raise InvalidRequest(f"a pass starts between today and {MAX_DAYS_AHEAD} days ahead",
                                 fields={"first_day": "out of range"})
        if not product.on_sale(first_day):
            raise Conflict(f"{product.name} is not on sale for {first_day.isoformat()}",
                           fields={"first_day": "not on sale"})
        return product

    async def _pay(self, bought: RiderPass, payment_method: str | None) -> RiderPass:
        """Take the price at once: authorise, then capture in full; declined → FAILED, nothing taken."""
        try:
            held = await self._payments.authorise(booking_id=bought.id, amount=bought.price,
                                                  idempotency_key=f"{bought.id}:authorise", payment_method=payment_method)
            paid = await self._payments.capture(held, bought.price, idempotency_key=f"{bought.id}:capture")
        except PaymentDeclined as declined:
            log.info("pass %s: payment declined (%s)", bought.id, declined.message)
            await self._store(bought.model_copy(update={"state": PassState.FAILED}))
            raise
        return await self._store(bought.model_copy(update={"state": PassState.ACTIVE, "payment": paid}))

    async def _store(self, rider_pass: RiderPass) -> RiderPass:
        saved = rider_pass.model_copy(update={"updated_at": self._clock.now()})
        async with self._uow() as uow:
            await uow.passes.save(saved)
            await uow.commit()
        return saved

    async def recover(self) -> list[RiderPass]:
        """Finish purchases left PENDING by a crash: the gateway replays its answers to the same keys."""
        async with self._uow() as uow:
            pending = await uow.passes.pending()
        done = []
        for bought in pending:
            try:
                done.append(await self._pay(bought, bought.payment_method))
            except DomainError as exc:
                log.warning("pass %s: purchase not finished (%s)", bought.id, exc.message)
        return done

    async def list_mine(self, caller: Principal, rider: str | None = None) -> list[RiderPass]:
        """The caller's passes; staff see one rider's with `rider`."""
        if rider is not None and rider != caller.subject_id and caller.role not in (Role.AGENT, Role.ADMIN):
            raise InvalidRequest("only call-centre staff may list another rider's passes", fields={"rider": "not allowed"})
        async with self._uow() as uow:
            return await uow.passes.list_for(rider or caller.subject_id)

    async def get(self, caller: Principal, pass_id: str) -> RiderPass:
        async with self._uow() as uow:
            found = await uow.passes.get(pass_id)
        if caller.role not in (Role.AGENT, Role.ADMIN) and found.account_id != caller.subject_id:
            raise NotFound(f"no pass {pass_id}")
        return found

    async def cancel(self, caller: Principal, pass_id: str, *, for_rider: str | None = None) -> RiderPass:
        """Refund in full before the first day, then the unused whole days' share; cancelling a
        cancelled pass again answers it as it is. Staff naming the rider get 404 for another's pass."""
        held = await self.get(caller, pass_id)
        if for_rider is not None and held.account_id != for_rider:
            raise NotFound(f"no pass {pass_id} for rider {for_rider}")
        if held.state is PassState.CANCELLED:
            return held
        if held.state is not PassState.ACTIVE or held.payment is None:
            raise Conflict(f"pass {pass_id} is {held.state.value} and cannot be cancelled")
        back = held.refund_due(self._clock.now())
        payment = held.payment
        if back.amount_minor > 0:
            payment = await self._payments.refund(payment, back, idempotency_key=f"{held.id}:refund")
        return await self._store(held.model_copy(update={"state": PassState.CANCELLED, "payment": payment,
                                                         "refunded": back, "cancelled_by": caller.subject_id}))

    async def valid_for(self, account_id: str) -> list[RiderPass]:
        """The rider's paid passes (the booking prices each leg against them at its departure)."""
        async with self._uow() as uow:
            return [p for p in await uow.passes.list_for(account_id) if p.state is PassState.ACTIVE]

