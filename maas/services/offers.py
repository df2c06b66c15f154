"""Asking every enabled operator for offers at once, each within its own time budget.

A slow or failing operator only loses its own options: the search returns what the others
offered and lists the operators that did not answer, with why, so the rider sees a complete
answer about what is missing rather than an error.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence

from pydantic import BaseModel, ConfigDict

from maas.domain.errors import DomainError, NotFound
from maas.domain.mobility import Offer, OfferQuery
from maas.domain.ports import Clock, OperatorAdapter, UnitOfWorkFactory
from maas.domain.riders import RiderContext, issued_for

logger = logging.getLogger(__name__)
# Told of every operator call: operator id, the call, seconds taken, and ok / timeout / error.
OperatorObserver = Callable[[str, str, float, str], None]


class OperatorFailure(BaseModel):
    model_config = ConfigDict(frozen=True)
    operator_id: str
    reason: str  # timeout, unavailable, invalid_response, error
    message: str


class OfferSearch(BaseModel):
    model_config = ConfigDict(frozen=True)
    offers: tuple[Offer, ...]
    failures: tuple[OperatorFailure, ...]


class OfferService:
    """With a unit of work, every offer handed out is remembered, so that a booking is priced
    from what the operator offered and never from what a client sends back."""

    def __init__(self, adapters: Mapping[str, OperatorAdapter], *, budget_s: float = 3.0,
                 uow: UnitOfWorkFactory | None = None, clock: Clock | None = None,
                 observe: OperatorObserver | None = None) -> None:
        if budget_s <= 0:
            raise ValueError("budget_s must be positive")
        self._adapters = dict(adapters)
        self._budget_s = budget_s
        self._uow, self._clock = uow, clock
        self._observe = observe
        self._batch: list[Offer] = []  # offers waiting for the next write
        self._batch_done: asyncio.Future[None] | None = None  # resolved once that write is over
        self._writer: asyncio.Task[None] | None = None

    async def remember(self, offers: Sequence[Offer]) -> None:
        """Stores the offers before it returns. Requests at the same time share one transaction
        (a group commit): while one batch is written the next gathers, so twenty plans at once
        cost a couple of writes, not twenty queued on SQLite's write lock."""
        if self._uow is None or self._clock is None or not offers:
            return
        if self._batch_done is None:
            self._batch_done = asyncio.get_running_loop().create_future()
        self._batch.extend(offers)
        done = self._batch_done
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_batches())
        await asyncio.shield(done)

    async def _write_batches(self) -> None:
        assert self._uow is not None and self._clock is not None
        while self._batch:
            batch, done = self._batch, self._batch_done
            self._batch, self._batch_done = [], None
            try:
                async with self._uow() as uow:
                    await uow.offers.remember(batch, now=self._clock.now())
                    await uow.commit()
            except Exception:  # the rider still sees the offers; booking one says to plan again
                logger.exception("could not remember %d offers for booking", len(batch))
            finally:
                if done is not None and not done.done():
                    done.set_result(None)

    async def warm_up(self) -> list[str]:
        """Lets each operator that can (an optional `warm_up()`, e.g. compiling a dispatch
        engine) get ready before the first rider asks; failures are logged only. Returns the
        operators warmed up."""
        warmed = []
        for operator_id, adapter in sorted(self._adapters.items()):
            warm = getattr(adapter, "warm_up", None)
            if not callable(warm):
                continue
            try:
                await asyncio.to_thread(warm)
                warmed.append(operator_id)
            except Exception:  # an operator's warm-up must never keep the API from serving
                logger.exception("%s: warm-up failed", operator_id)
        return warmed

    @property
    def operator_ids(self) -> list[str]:
        return sorted(self._adapters)

    def get_adapter(self, operator_id: str) -> OperatorAdapter:
        try:
            return self._adapters[operator_id]
        except KeyError:
            raise NotFound(f"no enabled operator {operator_id!r}") from None

    async def search(self, query: OfferQuery, *, operator_ids: list[str] | None = None,
                     budget_s: float | None = None, rider: RiderContext | None = None) -> OfferSearch:
        """With a rider, operators are asked for their needs and concessions, and every offer is
        issued for them: nobody else can book it."""
        if rider is not None:
            query = rider.apply(query)
        chosen = self.operator_ids if operator_ids is None else operator_ids
        adapters = {oid: self.get_adapter(oid) for oid in chosen}
        budget = self._budget_s if budget_s is None else budget_s
        answers = await asyncio.gather(
            *(self._timed(oid, asyncio.wait_for(a.search_offers(query), budget)) for oid, a in adapters.items()),
            return_exceptions=True)
        offers: list[Offer] = []
        failures: list[OperatorFailure] = []
        for operator_id, answer in zip(adapters, answers):
            if isinstance(answer, BaseException):
                failures.append(_failure(operator_id, answer, budget))
                continue
            foreign = [o for o in answer if o.operator_id != operator_id]
            if foreign:
                failures.append(OperatorFailure(operator_id=operator_id, reason="invalid_response",
                                                message="offers named another operator"))
                continue
            offers.extend(issued_for(answer, rider))
        await self.remember(offers)
        return OfferSearch(offers=tuple(offers), failures=tuple(failures))

    async def _timed(self, operator_id: str, call: Awaitable[list[Offer]]) -> list[Offer]:
        started = time.perf_counter()
        outcome = "error"
        try:
            answer = await call
            outcome = "ok"
            return answer
        except TimeoutError:
            outcome = "timeout"
            raise
        finally:
            if self._observe is not None:
                self._observe(operator_id, "search_offers", time.perf_counter() - started, outcome)


def _failure(operator_id: str, exc: BaseException, budget_s: float) -> OperatorFailure:
    if isinstance(exc, TimeoutError):
        return OperatorFailure(operator_id=operator_id, reason="timeout",
                               message=f"no answer within {budget_s:g} s")
    if isinstance(exc, DomainError):
        reason = "unavailable" if exc.code == "operator_unavailable" else exc.code
        return OperatorFailure(operator_id=operator_id, reason=reason, message=str(exc))
    if isinstance(exc, Exception):
        logger.error("operator %s failed while searching offers", operator_id, exc_info=exc)
        return OperatorFailure(operator_id=operator_id, reason="error",
                               message="the operator's adapter failed")
    raise exc  # cancellation and other BaseExceptions are not the operator's fault
