"""Buying and cancelling passes through PassService over the in-memory unit of work and the
on-board gateway: paid at once, replayed by key, refused for the ineligible and for bad days, a
declined card, a purchase cut short by a crash finished by recovery, refunds on cancelling."""

from __future__ import annotations

import datetime as dt

import pytest

from maas.domain.accounts import NewAccount, Principal, Role
from maas.domain.entitlements import ClaimStatus
from maas.domain.errors import Conflict, InvalidRequest, NotFound, PermissionDenied
from maas.domain.fare_rules import FareRules, PassProduct
from maas.domain.passes import PassState
from maas.domain.payments import PaymentDeclined
from maas.services.passes import PassService
from payments.on_board import OnBoardGateway
from tests.fakes import InMemoryUnitOfWorkFactory, SteppedClock, verified_claims

JST = dt.timezone(dt.timedelta(hours=9))
NOW = dt.datetime(2026, 12, 1, 10, 0, tzinfo=JST)
SILVER = PassProduct.model_validate({"id": "silver-30", "name": "シルバーパス", "price": 3000, "days": 30,
                                     "modes": ["bus"], "eligibility": {"min_age": 70, "resident": True}})
HARU, YOUNG = Principal(subject_id="acc_haru", role=Role.RIDER), Principal(subject_id="acc_young", role=Role.RIDER)


class Flaky(OnBoardGateway):
    """Declines the card, or dies before answering, once each when told to."""

    decline = crash = False
    holds = 0  # authorisations that reached the gateway's books

    async def authorise(self, **kw):  # type: ignore[override]
        if self.decline:
            raise PaymentDeclined("card declined")
        if self.crash:
            self.crash = False
            raise RuntimeError("the process died")
        self.holds += 1
        return await super().authorise(**kw)


async def shop() -> tuple[PassService, InMemoryUnitOfWorkFactory, Flaky, SteppedClock]:
    clock, uow = SteppedClock(NOW), InMemoryUnitOfWorkFactory()
    async with uow() as u:
        for account_id, born in (("acc_haru", dt.date(1941, 5, 1)), ("acc_young", dt.date(1990, 5, 1))):
            await u.accounts.add(NewAccount(email=f"{account_id}@example.jp", display_name=account_id, role=Role.RIDER,
                                            password="x" * 12, birth_date=born, resident=True),
                                 account_id=account_id, password_hash="h", now=NOW)
            for claim in verified_claims(account_id, birth_date=born, resident=True):
                await u.claims.add(claim)
        await u.commit()
    gateway = Flaky(now=clock.now)
    return PassService(uow, gateway, clock, FareRules(passes=(SILVER,))), uow, gateway, clock


async def test_a_pass_is_paid_in_full_at_once_and_a_retry_replays_it() -> None:
    service, _, _, _ = await shop()
    bought, made = await service.buy(HARU, "silver-30", idempotency_key="k1")
    assert made and bought.state is PassState.ACTIVE and bought.payment.captured_minor == 3000
    assert bought.valid_from == dt.datetime(2026, 12, 1, tzinfo=bought.valid_from.tzinfo)
    again, made_again = await service.buy(HARU, "silver-30", idempotency_key="k1")
    assert not made_again and again == bought
    with pytest.raises(Conflict):
        await service.buy(HARU, "silver-30", idempotency_key="k1", first_day=dt.date(2026, 12, 2))
    assert await service.valid_for("acc_haru") == [bought]


@pytest.mark.parametrize("who, product, first_day, error", [
    (YOUNG, "silver-30", None, PermissionDenied),
    (HARU, "gold-1", None, NotFound),
    (HARU, "silver-30", dt.date(2026, 11, 30), InvalidRequest),  # yesterday
    (HARU, "silver-30", dt.date(2027, 1, 2), InvalidRequest),  # beyond a month ahead
    (Principal(subject_id="acc_agent", role=Role.AGENT), "silver-30", None, PermissionDenied),
])
async def test_refused_purchases_store_nothing_and_take_nothing(who, product, first_day, error) -> None:
    service, uow, gateway, _ = await shop()
    with pytest.raises(error):
        await service.buy(who, product, idempotency_key="k1", first_day=first_day)
    assert uow.store.table("passes") == {} and gateway.holds == 0


async def test_a_declined_card_fails_the_pass_and_takes_nothing() -> None:
    service, uow, gateway, _ = await shop()
    gateway.decline = True
    with pytest.raises(PaymentDeclined):
        await service.buy(HARU, "silver-30", idempotency_key="k1")
    (failed,) = uow.store.table("passes").values()
    assert failed.state is PassState.FAILED and failed.payment is None
    assert await service.valid_for("acc_haru") == []


async def test_a_purchase_cut_short_is_finished_by_recovery_and_charged_once() -> None:
    service, _, gateway, _ = await shop()
    gateway.crash = True
    with pytest.raises(RuntimeError):
        await service.buy(HARU, "silver-30", idempotency_key="k1")
    (pending,) = await service.list_mine(HARU)
    assert pending.state is PassState.PENDING
    (finished,) = await service.recover()
    assert finished.id == pending.id and finished.state is PassState.ACTIVE
    assert finished.payment.captured_minor == 3000 and gateway.holds == 1 and await service.recover() == []


async def test_cancelling_refunds_in_full_before_the_first_day_then_the_unused_days() -> None:
    service, _, _, clock = await shop()
    ahead, _ = await service.buy(HARU, "silver-30", idempotency_key="k1", first_day=dt.date(2026, 12, 5))
    cancelled = await service.cancel(HARU, ahead.id)
    assert cancelled.state is PassState.CANCELLED and cancelled.refunded.amount_minor == 3000
    assert cancelled.payment.refunded_minor == 3000 and cancelled.cancelled_by == HARU.subject_id
    assert await service.cancel(HARU, ahead.id) == cancelled
    running, _ = await service.buy(HARU, "silver-30", idempotency_key="k2")
    clock.advance(10 * 86400)  # ten days in: 19 whole days are left of 30
    assert (await service.cancel(HARU, running.id)).refunded.amount_minor == 3000 * 19 // 30
    with pytest.raises(NotFound):
        await service.cancel(YOUNG, running.id)


async def test_a_self_declared_or_expired_age_opens_no_senior_pass() -> None:
    service, uow, _, _ = await shop()
    async with uow() as u:
        for claim in await u.claims.list_for("acc_haru"):
            await u.claims.save(claim.model_copy(update={"status": ClaimStatus.DECLARED}))
        await u.commit()
    with pytest.raises(PermissionDenied):
        await service.buy(HARU, "silver-30", idempotency_key="declared")
    async with uow() as u:
        for claim in await u.claims.list_for("acc_haru"):
            await u.claims.save(claim.model_copy(update={"status": ClaimStatus.VERIFIED,
                                                         "valid_until": NOW.date() - dt.timedelta(days=1)}))
        await u.commit()
    with pytest.raises(PermissionDenied):
        await service.buy(HARU, "silver-30", idempotency_key="expired")
