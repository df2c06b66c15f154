"""Fakes shared by the tests: a clock the tests move by hand (adapters and use cases read it,
the conformance kit's `wait_until` jumps it forward instead of sleeping); an in-memory unit of
work, transactional like the SQL one; and a conforming operator in a few lines."""

from __future__ import annotations

import datetime as dt
import itertools
from types import TracebackType
from typing import Any

from maas.domain.errors import Conflict, NotFound, OfferExpired, OperatorRejected
from maas.domain.mobility import EVENT_TARGET, BookingState, LegBooking, Offer, OfferQuery, TripEvent
from maas.domain.planning import Money
from tests import memory_directory as directory
from tests import memory_privacy as privacy
from tests import memory_repositories as repos


class SteppedClock:
    def __init__(self, at: dt.datetime) -> None:
        self.at = at

    def now(self) -> dt.datetime:
        return self.at

    def advance(self, seconds: float) -> None:
        self.at += dt.timedelta(seconds=seconds)

    async def wait_until(self, when: dt.datetime) -> None:
        self.at = max(self.at, when)


class InMemoryStore:
    """What the in-memory units of work commit to: one dict per table. Rows are immutable values
    (frozen models, tuples), so a transaction's working copy is a shallow copy of each table."""

    def __init__(self) -> None:
        self.tables: dict[str, dict[Any, Any]] = {}
        self.reachable = True  # False: ping() raises, as a database that went away
        self.log: list[tuple[str, Any, Any]] = []  # (table, key, row or None) as committed, in order

    def table(self, name: str) -> dict[Any, Any]:
        return self.tables.setdefault(name, {})


_GONE = object()


class InMemoryUnitOfWork:
    """One transaction over an InMemoryStore: reads see the store as it was on entry plus this
    transaction's own writes; `commit()` applies the writes; leaving without it discards them.
    A booking saved from a stale version raises Conflict, here or at commit, as SqlBookings does."""

    def __init__(self, store: InMemoryStore) -> None:
        self._store = store
        self._work: dict[str, dict[Any, Any]] | None = None
        self._read: dict[str, dict[Any, Any]] = {}

    def table(self, name: str) -> dict[Any, Any]:
        assert self._work is not None, "use the unit of work inside `async with`"
        if name not in self._work:
            self._read[name] = dict(self._store.table(name))
            self._work[name] = dict(self._read[name])
        return self._work[name]

    def committed(self, name: str) -> dict[Any, Any]:
        """Rows other transactions committed since this one first read the table."""
        self.table(name)
        read = self._read[name]
        return {k: v for k, v in self._store.table(name).items() if read.get(k, _GONE) is not v}

    async def __aenter__(self) -> InMemoryUnitOfWork:
        self._work, self._read = {}, {}
        self.accounts = directory.MemoryAccounts(self)
        self.operators = directory.MemoryOperators(self)
        self.feeds = directory.MemoryFeeds(self)
        self.places = directory.MemoryPlaces(self)
        self.bookings = repos.MemoryBookings(self)
        self.offers = repos.MemoryOffers(self)
        self.payment_events = repos.MemoryPaymentEvents(self)
        self.ledger = repos.MemoryLedger(self)
        self.transit_tickets = repos.MemoryTransitTickets(self)
        self.passes = repos.MemoryPasses(self)
        self.payment_profiles = repos.MemoryPaymentProfiles(self)
        self.analyses = repos.MemoryAnalyses(self)
        self.ride_refusals = repos.MemoryRideRefusals(self)
        self.ridership = repos.MemoryRidership(self)
        self.tickets_issued = repos.MemoryTicketsIssued(self)
        self.claims = privacy.MemoryClaims(self)
        self.consents = privacy.MemoryConsents(self)
        self.audit = privacy.MemoryAudit(self)
        self.events = repos.MemoryEventOutbox(self)
        self.webhooks = repos.MemoryWebhooks(self)
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        self._work, self._read = None, {}  # whatever was not committed is gone

    async def commit(self) -> None:
        assert self._work is not None
        changes = {name: {k: work.get(k, _GONE) for k in {*work, *self._read[name]}
                          if work.get(k, _GONE) is not self._read[name].get(k, _GONE)}
                   for name, work in self._work.items()}
        for booking_id, booking in changes.get("bookings", {}).items():
            read = self._read["bookings"].get(booking_id, _GONE)
            if self._store.table("bookings").get(booking_id, _GONE) is not read and booking is not _GONE:
                raise Conflict(f"booking {booking_id} changed since version "
                               f"{getattr(read, 'version', None)} was read; read it again")
        for name, rows in changes.items():
            table = self._store.table(name)
            for key, row in rows.items():
                if row is _GONE:
                    table.pop(key, None)
                else:
                    table[key] = row
                self._store.log.append((name, key, None if row is _GONE else row))
        self._read = {name: dict(self._store.table(name)) for name in self._work}
        self._work = {name: dict(rows) for name, rows in self._read.items()}

    async def ping(self) -> None:
        if not self._store.reachable:
            raise ConnectionError("the in-memory store is marked unreachable")


class InMemoryUnitOfWorkFactory:
    """UnitOfWorkFactory over one store; `build_container(settings, uow=...)` takes it."""

    def __init__(self, store: InMemoryStore | None = None) -> None:
        self.store = store or InMemoryStore()

    def __call__(self) -> InMemoryUnitOfWork:
        return InMemoryUnitOfWork(self.store)


class MemoryOperator:
    """A conforming operator in a few lines: offers valid 60 s, one booking per key."""

    operator_id = "memory"

    def __init__(self, clock: Any) -> None:
        self.clock, self.offers, self.bookings, self.keys = clock, {}, {}, {}
        self.ids = itertools.count(1)

    async def search_offers(self, query: OfferQuery) -> list[Offer]:
        offer = Offer(id=f"o{next(self.ids)}", operator_id=self.operator_id, mode="taxi",
                      price=Money(amount_minor=1500, currency="JPY"),
                      valid_until=self.clock.now() + dt.timedelta(seconds=60),
                      departure=query.depart_at, arrival=query.depart_at + dt.timedelta(minutes=9),
                      origin=query.origin, destination=query.destination, distance_m=2000)
        self.offers[offer.id] = (offer, query.travellers <= 4)
        return [offer]

    def _remembered(self, key: str, what: str) -> LegBooking | None:
        if key in self.keys:
            if self.keys[key][0] != what:
                raise Conflict("idempotency key reused for another request")
            return self.bookings[self.keys[key][1]]
        return None

    async def book(self, offer_id: str, *, idempotency_key: str) -> LegBooking:
        if (done := self._remembered(idempotency_key, f"book:{offer_id}")) is not None:
            return done
        if offer_id not in self.offers:
            raise NotFound("no such offer")
        offer, possible = self.offers[offer_id]
        if not offer.is_valid_at(self.clock.now()):
            raise OfferExpired("offer expired")
        if not possible:
            raise OperatorRejected("no car for that many")
        booking = LegBooking(id=f"b{next(self.ids)}", operator_id=self.operator_id, offer_id=offer.id,
                             state=BookingState.PENDING, price=offer.price, departure=offer.departure,
                             arrival=offer.arrival)
        self.bookings[booking.id] = booking
        self.keys[idempotency_key] = (f"book:{offer_id}", booking.id)
        return booking

    async def _move(self, booking_id: str, key: str, op: str, state: BookingState) -> LegBooking:
        if (done := self._remembered(key, f"{op}:{booking_id}")) is not None:
            return done
        if booking_id not in self.bookings:
            raise NotFound("no such booking")
        self.bookings[booking_id] = self.bookings[booking_id].moved_to(state)
        self.keys[key] = (f"{op}:{booking_id}", booking_id)
        return self.bookings[booking_id]

    async def confirm(self, booking_id: str, *, idempotency_key: str) -> LegBooking:
        return await self._move(booking_id, idempotency_key, "confirm", BookingState.CONFIRMED)

    async def cancel(self, booking_id: str, *, idempotency_key: str) -> LegBooking:
        return await self._move(booking_id, idempotency_key, "cancel", BookingState.CANCELLED)

    async def get_booking(self, booking_id: str) -> LegBooking:
        if booking_id not in self.bookings:
            raise NotFound("no such booking")
        return self.bookings[booking_id]

    async def receive_event(self, event: TripEvent) -> LegBooking:
        booking = await self.get_booking(event.booking_id)
        target = EVENT_TARGET[event.kind]
        if target is not None:
            self.bookings[booking.id] = booking.moved_to(target)
        return self.bookings[booking.id]

    async def aclose(self) -> None:
        pass


def verified_claims(account_id: str, *, birth_date: dt.date | None = None, resident: bool = False,
                    at: dt.datetime | None = None) -> list:
    """Concession claims as if staff had verified them on a My Number card (maas.domain.entitlements)."""
    from maas.domain.entitlements import Claim, ClaimStatus, ClaimType

    at = at or dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    wanted = ([(ClaimType.AGE, birth_date.isoformat())] if birth_date else []) + \
        ([(ClaimType.RESIDENCY, "resident")] if resident else [])
    return [Claim(id=f"clm_{account_id}_{kind.value}", account_id=account_id, type=kind, value=value,
                  status=ClaimStatus.VERIFIED, declared_by=account_id, declared_at=at, decided_by="acc_staff",
                  decided_at=at, document_type="my_number_card") for kind, value in wanted]


async def verify_all_claims(container: Any, account_id: str) -> None:
    """Staff verify every declared claim of the account (the town hall saw the rider's card)."""
    from maas.domain.accounts import Principal, Role
    from maas.domain.entitlements import ClaimStatus

    staff = Principal(subject_id="system:town-hall", role=Role.ADMIN)
    for claim in await container.entitlements.list_claims(staff, account_id, reason="test"):
        if claim.status is ClaimStatus.DECLARED:
            await container.entitlements.decide(staff, account_id, claim.id, verified=True,
                                                document_type="my_number_card", valid_until=None, reason="test")
