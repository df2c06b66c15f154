"""The trip, money and record repositories of tests.fakes.InMemoryUnitOfWork (accounts,
operators, feeds and places are in tests.memory_directory): each reads and writes its transaction's
working copy of the tables (`tx.table(name)`) and checks uniqueness and versions against what
other transactions committed meanwhile too (`tx.committed(name)`), so conflicts come out as the
same named errors as from the SQL repositories."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections.abc import Sequence
from typing import Any, Protocol

from maas.domain.analyses import Analysis, AnalysisState
from maas.domain.bookings import CANCEL_STEP, CANCELLABLE, IN_FLIGHT, Booking, SagaStep, TripState
from maas.domain.errors import Conflict, InvalidRequest, NotFound
from maas.domain.ledger import EntryKind, LedgerEntry
from maas.domain.mobility import LegBooking, Offer
from maas.domain.passes import PassState, RiderPass
from maas.domain.payments import GatewayEvent, PaymentProfile
from maas.domain.ride_refusals import RideRefusal
from maas.domain.rider_events import RiderEvent
from maas.domain.ridership import RidershipCount
from maas.domain.tickets import TicketRecord
from maas.domain.webhooks import Claimed, Delivery, WebhookEndpoint

OFFER_RETENTION = dt.timedelta(days=1)  # as maas.storage.bookings: offers expired longer ago are purged
_ROW_IDS = itertools.count(1)  # insertion order, as an autoincrement id keeps it


class Tx(Protocol):
    def table(self, name: str) -> dict[Any, Any]: ...

    def committed(self, name: str) -> dict[Any, Any]: ...


class Repo:
    def __init__(self, tx: Tx) -> None:
        self._tx = tx

    def _both(self, name: str) -> list[Any]:
        """Rows of this transaction and rows others committed meanwhile (for uniqueness checks)."""
        return [*self._tx.table(name).values(), *self._tx.committed(name).values()]


class MemoryBookings(Repo):
    async def add(self, booking: Booking) -> Booking:
        if any(b.id == booking.id or (b.account_id, b.idempotency_key) == (booking.account_id, booking.idempotency_key)
               for b in self._both("bookings")):
            raise Conflict(f"account {booking.account_id} already used idempotency key {booking.idempotency_key}, "
                           f"or booking id {booking.id} is taken", fields={"idempotency_key": "already used"})
        self._check_legs(booking)
        self._tx.table("bookings")[booking.id] = booking
        return booking

    def _check_legs(self, booking: Booking) -> None:
        mine = {(leg.operator_id, leg.booking.id) for leg in booking.legs if leg.booking is not None}
        for other in self._both("bookings"):
            if other.id != booking.id and mine & {(leg.operator_id, leg.booking.id)
                                                   for leg in other.legs if leg.booking is not None}:
                raise Conflict(f"booking {booking.id}: an operator booking belongs to another booking")

    async def get(self, booking_id: str) -> Booking:
        if booking_id not in self._tx.table("bookings"):
            raise NotFound(f"no booking {booking_id}")
        return self._tx.table("bookings")[booking_id]

    async def find_by_key(self, account_id: str, idempotency_key: str) -> Booking | None:
        return next((b for b in self._tx.table("bookings").values()
                     if (b.account_id, b.idempotency_key) == (account_id, idempotency_key)), None)

    async def find_by_leg(self, operator_id: str, leg_booking_id: str) -> Booking | None:
        return next((b for b in self._tx.table("bookings").values() if any(
            leg.booking is not None and (leg.operator_id, leg.booking.id) == (operator_id, leg_booking_id)
            for leg in b.legs)), None)

    async def find_by_payment(self, payment_id: str) -> Booking | None:
        found = sorted((b for b in self._tx.table("bookings").values()
                        if b.payment is not None and b.payment.id == payment_id), key=lambda b: (b.created_at, b.id))
        return found[0] if found else None

    async def save(self, booking: Booking) -> Booking:
        mine, theirs = self._tx.table("bookings").get(booking.id), self._tx.committed("bookings").get(booking.id)
        stale = theirs is not None and theirs.version != booking.version  # another writer committed since
        if mine is None or mine.version != booking.version or stale:
            raise Conflict(f"booking {booking.id} changed since version {booking.version} was read; read it again")
        if any(b.id != booking.id and (b.account_id, b.idempotency_key) == (booking.account_id, booking.idempotency_key)
               for b in self._both("bookings")):
            raise Conflict(f"account {booking.account_id} already used idempotency key {booking.idempotency_key}",
                           fields={"idempotency_key": "already used"})
        saved = booking.model_copy(update={"version": booking.version + 1})
        self._check_legs(saved)
        self._tx.table("bookings")[booking.id] = saved
        return saved

    async def list_for(self, account_id: str, *, limit: int = 50) -> list[Booking]:
        found = [b for b in self._tx.table("bookings").values() if b.account_id == account_id]
        return sorted(found, key=lambda b: (b.created_at, b.id), reverse=True)[:limit]

    async def in_states(self, states: Sequence[TripState], *, limit: int = 500) -> list[Booking]:
        found = [b for b in self._tx.table("bookings").values() if b.state in states]
        return sorted(found, key=lambda b: (b.updated_at, b.id))[:limit]

    async def in_flight(self) -> list[Booking]:
        found = [b for b in self._tx.table("bookings").values() if b.state in IN_FLIGHT]
        return sorted(found, key=lambda b: (b.created_at, b.id))

    async def cancel_begun(self) -> list[Booking]:
        begun = {booking_id for (booking_id, _), step in self._tx.table("steps").items() if step.name == CANCEL_STEP}
        found = [b for b in self._tx.table("bookings").values() if b.state in CANCELLABLE and b.id in begun]
        return sorted(found, key=lambda b: (b.created_at, b.id))

    async def add_step(self, step: SagaStep) -> None:
        if step.booking_id not in self._tx.table("bookings"):
            raise NotFound(f"no booking {step.booking_id}")
        key = (step.booking_id, step.seq)
        if key in self._tx.table("steps") or key in self._tx.committed("steps"):
            raise Conflict(f"booking {step.booking_id} already has journal step {step.seq}",
                           fields={"seq": "already written"})
        self._tx.table("steps")[key] = step

    async def steps(self, booking_id: str) -> list[SagaStep]:
        return [s for (b, _), s in sorted(self._tx.table("steps").items()) if b == booking_id]


class MemoryOffers(Repo):
    async def remember(self, offers: Sequence[Offer], *, now: dt.datetime) -> None:
        table = self._tx.table("offers")
        for offer in offers:
            table[offer.id] = offer
        for offer_id in [i for i, o in table.items() if o.valid_until < now - OFFER_RETENTION]:
            del table[offer_id]

    async def get(self, offer_id: str) -> Offer | None:
        return self._tx.table("offers").get(offer_id)


class MemoryPaymentEvents(Repo):
    async def add(self, event: GatewayEvent, outcome: str, *, received_at: dt.datetime) -> bool:
        if event.id in self._tx.table("payment_events") or event.id in self._tx.committed("payment_events"):
            return False
        self._tx.table("payment_events")[event.id] = (event, outcome, received_at)
        return True


class MemoryLedger(Repo):
    async def add(self, entries: Sequence[LedgerEntry]) -> None:
        if not entries:
            return
        bookings = sorted({e.booking_id for e in entries})
        if len(bookings) > 1:
            raise InvalidRequest(f"ledger entries of one booking at a time, got {', '.join(bookings)}",
                                 fields={"entries": "several bookings"})
        if any("," in rule or not rule for e in entries for rule in e.rules):  # SqlLedger joins them with ","
            raise InvalidRequest("rule ids must be non-empty and without ','", fields={"rules": "invalid rule id"})
        if bookings[0] in self._tx.table("ledger") or bookings[0] in self._tx.committed("ledger"):
            raise Conflict(f"booking {bookings[0]} was settled already", fields={"booking_id": "settled already"})
        self._tx.table("ledger")[bookings[0]] = tuple(entries)

    async def entries(self, *, since: dt.datetime, until: dt.datetime, operator_id: str | None = None,
                      kind: EntryKind | None = None) -> list[LedgerEntry]:
        found = [(e.at, e.booking_id, e.leg_index, n, e) for entries in self._tx.table("ledger").values()
                 for n, e in enumerate(entries) if since <= e.at < until
                 and (operator_id is None or e.operator_id == operator_id) and (kind is None or e.kind is kind)]
        return [row[-1] for row in sorted(found, key=lambda r: r[:4])]


class MemoryTransitTickets(Repo):
    async def add(self, ticket: LegBooking, *, idempotency_key: str, now: dt.datetime) -> None:
        if any(t.id == ticket.id or key == idempotency_key for key, t in
               [*self._tx.table("transit_tickets").items(), *self._tx.committed("transit_tickets").items()]):
            raise Conflict(f"idempotency key {idempotency_key} or ticket id {ticket.id} is already used")
        self._tx.table("transit_tickets")[idempotency_key] = ticket

    async def find_by_key(self, idempotency_key: str) -> LegBooking | None:
        return self._tx.table("transit_tickets").get(idempotency_key)

    async def get(self, ticket_id: str) -> LegBooking:
        found = next((t for t in self._tx.table("transit_tickets").values() if t.id == ticket_id), None)
        if found is None:
            raise NotFound(f"no transit ticket {ticket_id}")
        return found

    async def save(self, ticket: LegBooking, *, now: dt.datetime) -> None:
        table = self._tx.table("transit_tickets")
        key = next((k for k, t in table.items() if t.id == ticket.id), None)
        if key is None:
            raise NotFound(f"no transit ticket {ticket.id}")
        table[key] = ticket


class MemoryPasses(Repo):
    async def add(self, rider_pass: RiderPass) -> None:
        p = rider_pass
        if any(o.id == p.id or (o.account_id, o.idempotency_key) == (p.account_id, p.idempotency_key)
               for o in self._both("passes")):
            raise Conflict(f"account {p.account_id} already used idempotency key {p.idempotency_key}")
        self._tx.table("passes")[p.id] = p

    async def get(self, pass_id: str) -> RiderPass:
        if pass_id not in self._tx.table("passes"):
            raise NotFound(f"no pass {pass_id}")
        return self._tx.table("passes")[pass_id]

    async def find_by_key(self, account_id: str, idempotency_key: str) -> RiderPass | None:
        return next((p for p in self._tx.table("passes").values()
                     if (p.account_id, p.idempotency_key) == (account_id, idempotency_key)), None)

    async def list_for(self, account_id: str) -> list[RiderPass]:
        found = sorted((p for p in self._tx.table("passes").values() if p.account_id == account_id),
                       key=lambda p: p.id)
        return sorted(found, key=lambda p: p.created_at, reverse=True)

    async def pending(self) -> list[RiderPass]:
        return sorted((p for p in self._tx.table("passes").values() if p.state is PassState.PENDING),
                      key=lambda p: p.created_at)

    async def save(self, rider_pass: RiderPass) -> None:
        if rider_pass.id not in self._tx.table("passes"):
            raise NotFound(f"no pass {rider_pass.id}")
        self._tx.table("passes")[rider_pass.id] = rider_pass


class MemoryPaymentProfiles(Repo):
    async def get(self, account_id: str) -> PaymentProfile | None:
        return self._tx.table("payment_profiles").get(account_id)

    async def put(self, profile: PaymentProfile) -> None:
        self._tx.table("payment_profiles")[profile.account_id] = profile


class MemoryAnalyses(Repo):
    async def add(self, analysis: Analysis) -> None:
        self._tx.table("analyses")[analysis.id] = (analysis, None)

    async def get(self, analysis_id: str) -> Analysis:
        if analysis_id not in self._tx.table("analyses"):
            raise NotFound(f"no analysis {analysis_id}")
        return self._tx.table("analyses")[analysis_id][0]

    async def list_analyses(self, *, limit: int = 100) -> list[Analysis]:
        rows = sorted((a for a, _ in self._tx.table("analyses").values()), key=lambda a: a.id)
        return sorted(rows, key=lambda a: a.created_at, reverse=True)[:limit]

    async def list_in_states(self, states: Sequence[AnalysisState]) -> list[Analysis]:
        return sorted((a for a, _ in self._tx.table("analyses").values() if a.state in states),
                      key=lambda a: (a.created_at, a.id))

    async def save(self, analysis: Analysis) -> None:
        await self.get(analysis.id)
        self._tx.table("analyses")[analysis.id] = (analysis, self._tx.table("analyses")[analysis.id][1])

    async def save_cells(self, analysis_id: str, cells: list[dict[str, Any]]) -> None:
        analysis = await self.get(analysis_id)  # kept as JSON text, as the SQL column does: no shared lists
        self._tx.table("analyses")[analysis_id] = (analysis, json.dumps(cells, ensure_ascii=False, allow_nan=False))

    async def cells(self, analysis_id: str) -> list[dict[str, Any]] | None:
        await self.get(analysis_id)
        text = self._tx.table("analyses")[analysis_id][1]
        return None if text is None else json.loads(text)


class MemoryRideRefusals(Repo):
    async def add(self, refusal: RideRefusal) -> None:
        table = self._tx.table("ride_refusals")
        table[(refusal.refused_at, next(_ROW_IDS))] = refusal

    async def list_refusals(self, operator_id: str, *, first: dt.date, last: dt.date) -> list[RideRefusal]:
        return [r for _, r in sorted(self._tx.table("ride_refusals").items())
                if r.operator_id == operator_id and first <= r.service_date <= last]


class MemoryRidership(Repo):
    async def put(self, counts: Sequence[RidershipCount], *, uploaded_by: str, uploaded_at: dt.datetime) -> None:
        table = self._tx.table("ridership_counts")
        for c in counts:  # the same route, date and trip replaces the earlier count
            table[(c.route_id, c.service_date, c.trip_id)] = c

    async def totals(self, day: dt.date) -> dict[str, int]:
        out: dict[str, int] = {}
        for c in self._tx.table("ridership_counts").values():
            if c.service_date == day:
                out[c.route_id] = out.get(c.route_id, 0) + c.boardings
        return out


class MemoryTicketsIssued(Repo):
    async def record(self, record: TicketRecord) -> None:
        self._tx.table("tickets_issued").setdefault(record.ticket_id, record)

    async def of_bookings_in(self, states: Sequence[TripState], *, valid_after: dt.datetime) -> list[TicketRecord]:
        bookings = self._tx.table("bookings")
        found = [r for r in self._tx.table("tickets_issued").values()
                 if r.booking_id in bookings and bookings[r.booking_id].state in states and r.valid_until > valid_after]
        return sorted(found, key=lambda r: (r.booking_id, r.booking_version))


_EVENT_SEQ = itertools.count(1)
_DELIVERY_IDS = itertools.count(1)


class MemoryEventOutbox(Repo):
    """rider_events: id -> (seq, event); deliveries fanned out as SqlEventOutbox does."""

    async def add(self, events: list[RiderEvent]) -> int:
        known = {*self._tx.table("rider_events"), *self._tx.committed("rider_events")}
        endpoints = [e for e, _ in [*self._tx.table("webhook_endpoints").values()]]
        added = 0
        for event in events:
            if event.id in known:
                continue
            known.add(event.id)
            self._tx.table("rider_events")[event.id] = (next(_EVENT_SEQ), event)
            added += 1
            for endpoint in endpoints:
                if endpoint.wants(event):
                    delivery_id = next(_DELIVERY_IDS)
                    self._tx.table("webhook_deliveries")[delivery_id] = (Delivery(
                        id=delivery_id, endpoint_id=endpoint.id, event_id=event.id,
                        next_attempt_at=event.created), None, None)
        return added

    async def list_for(self, account_id: str, *, after_seq: int = 0, limit: int = 100) -> list[tuple[int, RiderEvent]]:
        rows = sorted(r for r in self._tx.table("rider_events").values()
                      if r[1].account_id == account_id and r[0] > after_seq)
        return rows[:limit]

    async def position(self, event_id: str, account_id: str) -> int | None:
        row = self._tx.table("rider_events").get(event_id)
        return row[0] if row is not None and row[1].account_id == account_id else None

    async def last_position(self) -> int:
        return max((r[0] for r in self._tx.table("rider_events").values()), default=0)


class MemoryWebhooks(Repo):
    """webhook_endpoints: id -> (endpoint, sealed); webhook_deliveries: id -> (delivery, owner, lease_until)."""

    async def add_endpoint(self, endpoint: WebhookEndpoint, sealed_secret: bytes) -> None:
        self._tx.table("webhook_endpoints")[endpoint.id] = (endpoint, sealed_secret)

    async def list_endpoints(self, account_id: str | None, *, created_by: str | None = None) -> list[WebhookEndpoint]:
        return [e for e, _ in self._tx.table("webhook_endpoints").values() if e.account_id == account_id
                and (created_by is None or e.created_by == created_by)]

    async def find_endpoint(self, endpoint_id: str) -> WebhookEndpoint | None:
        row = self._tx.table("webhook_endpoints").get(endpoint_id)
        return None if row is None else row[0]

    async def delete_endpoint(self, endpoint_id: str) -> None:
        self._tx.table("webhook_endpoints").pop(endpoint_id, None)
        deliveries = self._tx.table("webhook_deliveries")
        for key in [k for k, (d, _, _) in deliveries.items() if d.endpoint_id == endpoint_id]:
            del deliveries[key]

    async def deliveries(self, endpoint_id: str, *, limit: int = 50) -> list[Delivery]:
        found = [d for d, _, _ in self._tx.table("webhook_deliveries").values() if d.endpoint_id == endpoint_id]
        return sorted(found, key=lambda d: -d.id)[:limit]

    async def claim(self, owner: str, now: dt.datetime, lease: dt.timedelta, limit: int) -> list[Claimed]:
        endpoints = self._tx.table("webhook_endpoints")
        events = self._tx.table("rider_events")
        deliveries = self._tx.table("webhook_deliveries")
        due = sorted((d for d, _, until in deliveries.values()
                      if d.delivered_at is None and d.next_attempt_at <= now and (until is None or until < now)
                      and d.endpoint_id in endpoints and endpoints[d.endpoint_id][0].disabled_at is None),
                     key=lambda d: (d.next_attempt_at, d.id))[:limit]
        claimed = []
        for d in due:
            deliveries[d.id] = (d, owner, now + lease)
            endpoint, sealed = endpoints[d.endpoint_id]
            body = json.dumps(events[d.event_id][1].payload(), ensure_ascii=False, separators=(",", ":")).encode()
            claimed.append(Claimed(delivery=d, url=endpoint.url, secret=sealed, body=body))
        return claimed

    def _held(self, delivery_id: int, owner: str) -> Delivery | None:
        row = self._tx.table("webhook_deliveries").get(delivery_id)
        if row is None or row[1] != owner or row[0].delivered_at is not None:
            return None
        return row[0]

    async def succeeded(self, delivery_id: int, owner: str, status: int, now: dt.datetime) -> bool:
        held = self._held(delivery_id, owner)
        if held is None:
            return False
        self._tx.table("webhook_deliveries")[delivery_id] = (held.model_copy(update={
            "attempts": held.attempts + 1, "last_status": status, "last_error": "", "delivered_at": now}), None, None)
        endpoint, sealed = self._tx.table("webhook_endpoints")[held.endpoint_id]
        self._tx.table("webhook_endpoints")[held.endpoint_id] = (endpoint.model_copy(update={"failing_since": None}),
                                                                 sealed)
        return True

    async def failed(self, delivery_id: int, owner: str, status: int | None, error: str, now: dt.datetime,
                     retry_at: dt.datetime, disable_after: dt.timedelta) -> bool:
        held = self._held(delivery_id, owner)
        if held is None:
            return False
        self._tx.table("webhook_deliveries")[delivery_id] = (held.model_copy(update={
            "attempts": held.attempts + 1, "last_status": status, "last_error": error,
            "next_attempt_at": retry_at}), None, None)
        endpoint, sealed = self._tx.table("webhook_endpoints")[held.endpoint_id]
        if endpoint.failing_since is None:
            endpoint = endpoint.model_copy(update={"failing_since": now})
        elif now - endpoint.failing_since >= disable_after:
            endpoint = endpoint.model_copy(update={"disabled_at": now})
        self._tx.table("webhook_endpoints")[held.endpoint_id] = (endpoint, sealed)
        return True
