"""The repositories of tests.fakes.InMemoryUnitOfWork: each reads and writes its transaction's
working copy of the tables (`tx.table(name)`) and checks uniqueness and versions against what
other transactions committed meanwhile too (`tx.committed(name)`), so conflicts come out as the
same named errors as from the SQL repositories."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections.abc import Sequence
from typing import Any, Protocol

from maas.domain.accounts import Account, ApiKey, NewAccount, Operator, SessionToken, phone_digits
from maas.domain.analyses import Analysis, AnalysisState
from maas.domain.bookings import IN_FLIGHT, Booking, SagaStep, TripState
from maas.domain.errors import Conflict, InvalidRequest, NotFound
from maas.domain.feeds import FeedIssue, FeedRecord, FeedSnapshot, StopMatch
from maas.domain.ledger import EntryKind, LedgerEntry
from maas.domain.mobility import LegBooking, Offer
from maas.domain.passes import PassState, RiderPass
from maas.domain.payments import GatewayEvent, PaymentProfile
from maas.domain.places import Place
from maas.domain.ride_refusals import RideRefusal
from maas.domain.tickets import TicketRecord

OFFER_RETENTION = dt.timedelta(days=1)  # as maas.storage.bookings: offers expired longer ago are purged
_ROW_IDS = itertools.count(1)  # insertion order, as an autoincrement id keeps it


class Tx(Protocol):
    def table(self, name: str) -> dict[Any, Any]: ...

    def committed(self, name: str) -> dict[Any, Any]: ...


class _Repo:
    def __init__(self, tx: Tx) -> None:
        self._tx = tx

    def _both(self, name: str) -> list[Any]:
        """Rows of this transaction and rows others committed meanwhile (for uniqueness checks)."""
        return [*self._tx.table(name).values(), *self._tx.committed(name).values()]


class MemoryAccounts(_Repo):
    async def add(self, account: NewAccount, *, account_id: str, password_hash: str, now: dt.datetime) -> Account:
        taken = [a for a, _ in self._both("accounts")]
        if account.member_no and any(a.member_no == account.member_no for a in taken):
            raise Conflict("an account with this member number already exists",
                           fields={"member_no": "already registered"})
        if any(a.email == account.email.lower() or a.id == account_id for a in taken):
            raise Conflict("an account with this email or member number already exists",
                           fields={"email": "already registered"})
        stored = Account(id=account_id, email=account.email.lower(), display_name=account.display_name,
                         role=account.role, birth_date=account.birth_date, home=account.home, needs=account.needs,
                         resident=account.resident, created_at=now, phone=phone_digits(account.phone),
                         member_no=account.member_no)
        self._tx.table("accounts")[account_id] = (stored, password_hash)
        return stored

    async def find_by_email(self, email: str) -> tuple[Account, str] | None:
        return next((row for row in self._tx.table("accounts").values() if row[0].email == email.lower()), None)

    async def get(self, account_id: str) -> Account:
        if account_id not in self._tx.table("accounts"):
            raise NotFound(f"no account {account_id}")
        return self._tx.table("accounts")[account_id][0]

    async def list_accounts(self, *, role: str | None = None, limit: int = 100, offset: int = 0,
                            q: str | None = None) -> list[Account]:
        rows = sorted((a for a, _ in self._tx.table("accounts").values()), key=lambda a: (a.created_at, a.id))
        if role is not None:
            rows = [a for a in rows if a.role.value == role]
        if q is not None and q.strip():
            rows = [a for a in rows if _matches(a, q.strip())]
        return rows[offset:offset + limit]

    async def add_session(self, token_hash: str, token: SessionToken) -> None:
        self._tx.table("sessions")[token_hash] = token

    async def find_session(self, token_hash: str) -> SessionToken | None:
        return self._tx.table("sessions").get(token_hash)

    async def delete_session(self, token_hash: str) -> None:
        self._tx.table("sessions").pop(token_hash, None)

    async def delete_expired_sessions(self, account_id: str, now: dt.datetime) -> int:
        sessions = self._tx.table("sessions")
        gone = [h for h, t in sessions.items() if t.account_id == account_id and t.expires_at <= now]
        for token_hash in gone:
            del sessions[token_hash]
        return len(gone)


def _matches(account: Account, term: str) -> bool:
    compact = term.lower().replace(" ", "").replace("\u3000", "")
    name = account.display_name.lower().replace(" ", "").replace("\u3000", "")
    digits = phone_digits(term)
    return (compact in name or term.lower() in account.email or account.member_no == term
            or (digits is not None and len(digits) >= 4 and digits in (account.phone or "")))


class MemoryOperators(_Repo):
    async def add(self, operator: Operator) -> Operator:
        if any(o.id == operator.id for o in self._both("operators")):
            raise Conflict(f"operator {operator.id} already exists", fields={"id": "already registered"})
        self._tx.table("operators")[operator.id] = operator
        return operator

    async def find(self, operator_id: str) -> Operator | None:
        return self._tx.table("operators").get(operator_id)

    async def get(self, operator_id: str) -> Operator:
        if (found := await self.find(operator_id)) is None:
            raise NotFound(f"no operator {operator_id}")
        return found

    async def list_operators(self) -> list[Operator]:
        return sorted(self._tx.table("operators").values(), key=lambda o: o.id)

    async def add_key(self, key: ApiKey, secret_hash: str) -> None:
        self._tx.table("api_keys")[key.id] = (key, secret_hash)

    async def find_key(self, key_id: str) -> tuple[ApiKey, str] | None:
        return self._tx.table("api_keys").get(key_id)

    async def list_keys(self, operator_id: str) -> list[ApiKey]:
        keys = [k for k, _ in self._tx.table("api_keys").values() if k.operator_id == operator_id]
        return sorted(keys, key=lambda k: k.created_at)

    async def revoke_key(self, key_id: str, at: dt.datetime) -> None:
        keys = self._tx.table("api_keys")
        if key_id not in keys:
            raise NotFound(f"no API key {key_id}")
        key, secret_hash = keys[key_id]
        if key.revoked_at is None:
            keys[key_id] = (key.model_copy(update={"revoked_at": at}), secret_hash)


class MemoryFeeds(_Repo):
    """Feed records only: importing a snapshot and searching its stops need the SQL store."""

    async def find_by_name(self, name: str) -> FeedRecord | None:
        return next((f for f in self._tx.table("feeds").values() if f.name == name), None)

    async def get(self, feed_id: str) -> FeedRecord:
        if feed_id not in self._tx.table("feeds"):
            raise NotFound(f"no feed {feed_id}")
        return self._tx.table("feeds")[feed_id]

    async def list_feeds(self) -> list[FeedRecord]:
        return sorted(self._tx.table("feeds").values(), key=lambda f: f.name)

    async def replace(self, snapshot: FeedSnapshot, *, feed_id: str, now: dt.datetime) -> FeedRecord:
        raise NotImplementedError("feed imports are tested against the SQL store")

    async def list_issues(self, feed_id: str, *, limit: int = 100) -> list[FeedIssue]:
        return []

    async def search_stops(self, key: str, *, limit: int) -> list[StopMatch]:
        return []

    async def stops_near(self, lat: float, lon: float, *, radius_m: float, limit: int) -> list[StopMatch]:
        return []


class MemoryPlaces(_Repo):
    async def upsert(self, places: Sequence[Place]) -> int:
        for place in places:
            self._tx.table("places")[place.id] = place
        return len(places)

    async def list_places(self, *, region_id: str | None = None, category: str | None = None) -> list[Place]:
        return [p for _, p in sorted(self._tx.table("places").items())
                if (region_id is None or p.region_id == region_id)
                and (category is None or p.category.value == category)]


class MemoryBookings(_Repo):
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
        if mine is None or mine.version != booking.version or (theirs is not None and theirs.version != booking.version):
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


class MemoryOffers(_Repo):
    async def remember(self, offers: Sequence[Offer], *, now: dt.datetime) -> None:
        table = self._tx.table("offers")
        for offer in offers:
            table[offer.id] = offer
        for offer_id in [i for i, o in table.items() if o.valid_until < now - OFFER_RETENTION]:
            del table[offer_id]

    async def get(self, offer_id: str) -> Offer | None:
        return self._tx.table("offers").get(offer_id)


class MemoryPaymentEvents(_Repo):
    async def add(self, event: GatewayEvent, outcome: str, *, received_at: dt.datetime) -> bool:
        if event.id in self._tx.table("payment_events") or event.id in self._tx.committed("payment_events"):
            return False
        self._tx.table("payment_events")[event.id] = (event, outcome, received_at)
        return True


class MemoryLedger(_Repo):
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


class MemoryTransitTickets(_Repo):
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


class MemoryPasses(_Repo):
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


class MemoryPaymentProfiles(_Repo):
    async def get(self, account_id: str) -> PaymentProfile | None:
        return self._tx.table("payment_profiles").get(account_id)

    async def put(self, profile: PaymentProfile) -> None:
        self._tx.table("payment_profiles")[profile.account_id] = profile


class MemoryAnalyses(_Repo):
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


class MemoryRideRefusals(_Repo):
    async def add(self, refusal: RideRefusal) -> None:
        table = self._tx.table("ride_refusals")
        table[(refusal.refused_at, next(_ROW_IDS))] = refusal

    async def list_refusals(self, operator_id: str, *, first: dt.date, last: dt.date) -> list[RideRefusal]:
        return [r for _, r in sorted(self._tx.table("ride_refusals").items())
                if r.operator_id == operator_id and first <= r.service_date <= last]


class MemoryTicketsIssued(_Repo):
    async def record(self, record: TicketRecord) -> None:
        self._tx.table("tickets_issued").setdefault(record.ticket_id, record)

    async def of_bookings_in(self, states: Sequence[TripState], *, valid_after: dt.datetime) -> list[TicketRecord]:
        bookings = self._tx.table("bookings")
        found = [r for r in self._tx.table("tickets_issued").values()
                 if r.booking_id in bookings and bookings[r.booking_id].state in states and r.valid_until > valid_after]
        return sorted(found, key=lambda r: (r.booking_id, r.booking_version))
