"""The conformance kit: checks any OperatorAdapter, in-process or remote, against the contract.

`run_conformance(adapter, scenario)` walks the TOMP-API phases the way the booking saga will:
search, book, book again with the same key, confirm, cancel after confirmation, trip events,
unknown ids, an expired offer, a refused booking and, given an adapter pointed at a slow
operator, a timeout. Each check is reported on its own (passed, failed with the reason, or
skipped when the scenario cannot exercise it), so `maas operators check URL` can print the
report and the tests can assert that nothing failed.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol

from maas.domain.errors import (Conflict, NotFound, OfferExpired, OperatorRejected,
                                OperatorUnavailable)
from maas.domain.mobility import (FINAL_STATES, HELD_STATES, BookingState, Offer, OfferQuery,
                                  TripEvent, TripEventKind)
from maas.domain.ports import OperatorAdapter

WaitUntil = Callable[[dt.datetime], Awaitable[None]]


class CheckFailed(AssertionError):
    pass


class CheckSkipped(Exception):
    pass


@dataclass(frozen=True)
class ConformanceScenario:
    query: OfferQuery  # answered with at least one offer
    rejected_query: OfferQuery | None = None  # the operator refuses it (no offer or a rejection)
    max_expiry_wait_s: float = 0.0  # longest the kit may wait for an offer to lapse; 0 skips
    timeout_s: float = 5.0  # the slow adapter must give up within this (plus a small margin)
    dry_run: bool = False  # search and read only: nothing is booked
    version: str = "1.6"  # the TOMP-API version whose sections the report names


# Where each check's rules are written: the TOMP 1.6.1 operations, or the subset's conventions.
SECTIONS = {
    "search": "planning — POST /planning/offers",
    "book_confirm_cancel": "booking — POST /bookings; POST /bookings/{id}/events COMMIT, CANCEL; GET /bookings/{id}",
    "trip_events": "trip execution — POST /legs/{id}/events SET_IN_USE, FINISH",
    "unknown_ids": "error handling — 404 for an unknown booking or option",
    "same_key_other_offer": "booking — Idempotency-Key (subset convention, docs/tomp.md)",
    "rejection": "booking — a refused booking is REJECTED (or 428)",
    "timeout": "time limits (subset convention)",
    "expiry": "booking — 410 for an expired option (errorcode 3003)",
    "spec": "every exchange against the TOMP-API 1.6.1 OpenAPI document",
}
SECTIONS_2_0 = {
    "search": "offers — POST /processes/search-offers/execution",
    "book_confirm_cancel": "purchase — purchase-offers, confirm-purchase, rollback-purchase or cancel-package; "
                           "GET /collections/packages/items",
    "trip_events": "execution — POST /processes/start-leg/execution, end-leg",
    "unknown_ids": "error handling — 404 for an unknown package or offer",
    "same_key_other_offer": "purchase — Idempotency-Key (subset convention, docs/tomp.md)",
    "rejection": "purchase — a refused purchase is an error (428)",
    "timeout": "time limits (subset convention)",
    "expiry": "purchase — 410 for an expired offer (errorcode 3003)",
    "spec": "every exchange against the TOMP-API 2.0 modules (with the errata of docs/tomp.md)",
}


@dataclass(frozen=True)
class CheckResult:
    name: str
    status: str  # passed, failed, skipped
    detail: str = ""
    section: str = ""
    exchanges: tuple[str, ...] = ()  # the requests and answers of a failed check, as sent


@dataclass(frozen=True)
class ConformanceReport:
    operator_id: str
    results: tuple[CheckResult, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return all(r.status != "failed" for r in self.results)

    def failed(self) -> list[CheckResult]:
        return [r for r in self.results if r.status == "failed"]

    def summary(self) -> str:
        lines = [f"{self.operator_id}: {'conforms' if self.ok else 'DOES NOT CONFORM'}"]
        for r in self.results:
            lines.append(f"  {r.status:7} {r.name}{': ' + r.detail if r.detail else ''}")
            if r.section:
                lines.append(f"          [{r.section}]")
            lines += ["          " + line for exchange in r.exchanges for line in exchange.splitlines()]
        return "\n".join(lines)


def _expect(condition: bool, message: str) -> None:
    if not condition:
        raise CheckFailed(message)


def _key() -> str:
    return f"conformance-{uuid.uuid4().hex}"


class _Kit:
    def __init__(self, adapter: OperatorAdapter, scenario: ConformanceScenario,
                 now: Callable[[], dt.datetime], wait_until: WaitUntil | None,
                 slow_adapter: OperatorAdapter | None, exchanges: Exchanges | None) -> None:
        self.adapter, self.scenario, self.now = adapter, scenario, now
        self.wait_until, self.slow_adapter, self.exchanges = wait_until, slow_adapter, exchanges
        self.notes: list[str] = []  # what a check booked and undid, said in its report line
        self.shown: list[str] = []  # exchanges a failed check names itself

    def spec(self) -> None:
        if self.exchanges is None:
            raise CheckSkipped("no record of the exchanges (or no TOMP document) to check")
        bad = self.exchanges.problems()
        self.shown = [text for text, _ in bad[:3]]
        problems = [problem for _, found in bad for problem in found]
        _expect(not problems, f"{len(bad)} exchanges break the spec: " + "; ".join(problems[:5]))
        self.notes.append(f"{self.exchanges.count()} exchanges checked")

    async def offer(self) -> Offer:
        offers = await self.adapter.search_offers(self.scenario.query)
        _expect(bool(offers), "search_offers found no offer for the scenario's query")
        return offers[0]

    async def search(self) -> None:
        offers = await self.adapter.search_offers(self.scenario.query)
        _expect(bool(offers), "no offer for the scenario's query")
        now = self.now()
        for offer in offers:
            _expect(offer.operator_id == self.adapter.operator_id,
                    f"offer {offer.id} names operator {offer.operator_id}")
            _expect(offer.is_valid_at(now), f"offer {offer.id} is already expired")
            _expect(offer.price.amount_minor >= 0 and len(offer.price.currency) == 3,
                    f"offer {offer.id} has a bad price {offer.price}")
        _expect(len({o.id for o in offers}) == len(offers), "offer ids repeat")

    async def book_confirm_cancel(self) -> None:
        offer = await self.offer()
        key = _key()
        booking = await self.adapter.book(offer.id, idempotency_key=key)
        _expect(booking.offer_id == offer.id, "the booking names another offer")
        _expect(booking.state in HELD_STATES | {BookingState.CONFIRMED},
                f"a new booking is {booking.state.value}")
        again = await self.adapter.book(offer.id, idempotency_key=key)
        _expect(again.id == booking.id, "booking again with the same key made a second booking")
        if booking.state != BookingState.CONFIRMED:
            confirm_key = _key()
            booking = await self.adapter.confirm(booking.id, idempotency_key=confirm_key)
            _expect(booking.state == BookingState.CONFIRMED, f"confirm gave {booking.state.value}")
            repeat = await self.adapter.confirm(booking.id, idempotency_key=confirm_key)
            _expect(repeat.state == BookingState.CONFIRMED, "a repeated confirm changed state")
        fetched = await self.adapter.get_booking(booking.id)
        _expect(fetched.state == BookingState.CONFIRMED, f"get_booking says {fetched.state.value}")
        cancel_key = _key()
        cancelled = await self.adapter.cancel(booking.id, idempotency_key=cancel_key)
        _expect(cancelled.state == BookingState.CANCELLED, f"cancel gave {cancelled.state.value}")
        self.notes.append(f"booked {booking.id} and cancelled it")
        repeat = await self.adapter.cancel(booking.id, idempotency_key=cancel_key)
        _expect(repeat.state == BookingState.CANCELLED, "a repeated cancel changed state")
        try:
            await self.adapter.confirm(booking.id, idempotency_key=_key())
        except Conflict:
            pass
        else:
            raise CheckFailed("a cancelled booking could be confirmed")

    async def trip_events(self) -> None:
        offer = await self.offer()
        booking = await self.adapter.book(offer.id, idempotency_key=_key())
        if booking.state != BookingState.CONFIRMED:
            booking = await self.adapter.confirm(booking.id, idempotency_key=_key())
        at = self.now()
        started = await self.adapter.receive_event(
            TripEvent(booking_id=booking.id, kind=TripEventKind.STARTED, at=at))
        _expect(started.state == BookingState.STARTED, f"STARTED gave {started.state.value}")
        finished = await self.adapter.receive_event(
            TripEvent(booking_id=booking.id, kind=TripEventKind.FINISHED, at=at))
        _expect(finished.state == BookingState.FINISHED, f"FINISHED gave {finished.state.value}")
        _expect(finished.state in FINAL_STATES, "a finished booking is not final")
        self.notes.append(f"booked {booking.id} and rode it to FINISHED (a finished booking cannot be cancelled)")
        try:
            await self.adapter.cancel(booking.id, idempotency_key=_key())
        except Conflict:
            pass
        else:
            raise CheckFailed("a finished booking could be cancelled")

    async def unknown_ids(self) -> None:
        calls = [lambda: self.adapter.get_booking("no-such-booking")]
        if not self.scenario.dry_run:
            calls += [lambda: self.adapter.book("no-such-offer", idempotency_key=_key()),
                      lambda: self.adapter.cancel("no-such-booking", idempotency_key=_key())]
        for call in calls:
            try:
                await call()
            except NotFound:
                continue
            raise CheckFailed("an unknown id did not raise NotFound")

    async def same_key_other_offer(self) -> None:
        offers = await self.adapter.search_offers(self.scenario.query)
        more = await self.adapter.search_offers(self.scenario.query)
        pool = {o.id: o for o in offers + more}
        if len(pool) < 2:
            raise CheckSkipped("the operator gave only one offer to compare")
        first, second = list(pool)[:2]
        key = _key()
        booking = await self.adapter.book(first, idempotency_key=key)
        try:
            other = await self.adapter.book(second, idempotency_key=key)
        except Conflict:
            await self.adapter.cancel(booking.id, idempotency_key=_key())
            self.notes.append(f"booked {booking.id} and cancelled it")
            return
        for made in (booking, other):
            await self.adapter.cancel(made.id, idempotency_key=_key())
        raise CheckFailed(f"the same idempotency key booked a different offer ({other.id}; both cancelled)")

    async def expiry(self) -> None:
        offer = await self.offer()
        wait_s = (offer.valid_until - self.now()).total_seconds()
        if self.wait_until is None and wait_s > self.scenario.max_expiry_wait_s:
            raise CheckSkipped(f"offers stay valid {wait_s:.0f} s, longer than the kit may wait")
        if self.wait_until is not None:
            await self.wait_until(offer.valid_until + dt.timedelta(seconds=1))
        else:
            await asyncio.sleep(max(wait_s, 0) + 1.0)
        try:
            await self.adapter.book(offer.id, idempotency_key=_key())
        except (OfferExpired, NotFound):
            return
        raise CheckFailed("an expired offer could be booked")

    async def rejection(self) -> None:
        if self.scenario.rejected_query is None:
            raise CheckSkipped("the scenario has no query the operator refuses")
        offers = await self.adapter.search_offers(self.scenario.rejected_query)
        if offers and self.scenario.dry_run:
            raise CheckSkipped("the refused party got offers; only booking one would tell (not in a dry run)")
        for offer in offers:
            try:
                booking = await self.adapter.book(offer.id, idempotency_key=_key())
            except OperatorRejected:
                continue
            if booking.state != BookingState.REJECTED:
                await self.adapter.cancel(booking.id, idempotency_key=_key())
                raise CheckFailed(f"a refused trip was booked as {booking.state.value} ({booking.id}, cancelled)")

    async def timeout(self) -> None:
        if self.slow_adapter is None:
            raise CheckSkipped("no slow operator to time out against")
        started = time.monotonic()
        try:
            await self.slow_adapter.search_offers(self.scenario.query)
        except OperatorUnavailable:
            elapsed = time.monotonic() - started
            _expect(elapsed <= self.scenario.timeout_s + 2.0,
                    f"gave up only after {elapsed:.1f} s")
            return
        raise CheckFailed("a slow operator did not raise OperatorUnavailable")


CHECKS = ("search", "book_confirm_cancel", "trip_events", "unknown_ids", "same_key_other_offer",
          "rejection", "timeout", "expiry", "spec")
DRY_RUN_CHECKS = ("search", "unknown_ids", "rejection", "timeout", "spec")


class Exchanges(Protocol):
    """What the adapter sent and got, for the report (a remote adapter's recording)."""

    def count(self) -> int: ...

    def since(self, start: int) -> list[str]:
        """The exchanges after the first `start`, each as its request and answer text."""

    def problems(self) -> list[tuple[str, list[str]]]:
        """Each exchange that breaks the spec, as (its request and answer text, what is wrong)."""


async def run_conformance(adapter: OperatorAdapter, scenario: ConformanceScenario, *,
                          now: Callable[[], dt.datetime] | None = None,
                          wait_until: WaitUntil | None = None,
                          slow_adapter: OperatorAdapter | None = None,
                          exchanges: Exchanges | None = None) -> ConformanceReport:
    """Run every check (the read-only ones in a dry run); `now` and `wait_until` let a test drive
    a fake clock instead of sleeping. A failed check carries the exchanges it made."""
    kit = _Kit(adapter, scenario, now or (lambda: dt.datetime.now(dt.UTC)), wait_until,
               slow_adapter, exchanges)
    results = []
    for name in DRY_RUN_CHECKS if scenario.dry_run else CHECKS:
        start = exchanges.count() if exchanges is not None else 0
        kit.notes.clear()
        kit.shown = []
        status, detail = "passed", ""
        try:
            outcome = getattr(kit, name)()
            if asyncio.iscoroutine(outcome):
                await outcome
        except CheckSkipped as exc:
            status, detail = "skipped", str(exc)
        except CheckFailed as exc:
            status, detail = "failed", str(exc)
        except Exception as exc:  # an adapter that crashes fails the check, not the kit
            status, detail = "failed", f"{type(exc).__name__}: {exc}"
        detail = "; ".join([d for d in (detail, *kit.notes) if d])
        shown: tuple[str, ...] = ()
        if status == "failed" and exchanges is not None:
            shown = tuple(kit.shown or exchanges.since(start)[-3:])
        sections = SECTIONS_2_0 if scenario.version.startswith("2") else SECTIONS
        results.append(CheckResult(name, status, detail, sections[name], shown))
    return ConformanceReport(adapter.operator_id, tuple(results))
