"""Ports: the protocols that storage, routing and clock adapters implement for the use cases."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol, runtime_checkable

from maas.domain.accounts import Account, ApiKey, GeoPoint, NewAccount, Operator, SessionToken
from maas.domain.analyses import AnalysisStore
from maas.domain.bookings import BookingRepository, OfferRegistry
from maas.domain.entitlements import ClaimBook
from maas.domain.feeds import FeedIssue, FeedRecord, FeedSnapshot, StopMatch
from maas.domain.ledger import Ledger
from maas.domain.mobility import AvailableAsset, LegBooking, Offer, OfferQuery, TripEvent
from maas.domain.passes import PassBook
from maas.domain.payments import PaymentEventLog, PaymentProfiles
from maas.domain.places import Place
from maas.domain.privacy import AuditLog, ConsentBook
from maas.domain.ride_refusals import RideRefusalLog
from maas.domain.rider_events import EventOutbox
from maas.domain.ridership import RidershipLog
from maas.domain.tickets import TicketRegister
from maas.domain.planning import DepartureBoard, LegPlace, TripPlan, TripRequest
from maas.domain.transit_tickets import TicketBook
from maas.domain.webhooks import WebhookStore


class Clock(Protocol):
    def now(self) -> dt.datetime:
        """The current UTC instant, timezone-aware."""
        ...


class PasswordHasher(Protocol):
    def hash(self, password: str) -> str: ...

    def verify(self, password_hash: str, password: str) -> bool: ...


class AccountRepository(Protocol):
    async def add(self, account: NewAccount, *, account_id: str, password_hash: str, now: dt.datetime) -> Account: ...

    async def update_profile(self, account_id: str, changes: Mapping[str, Any]) -> Account:
        """Set the named profile fields; NotFound, or Conflict when the email is taken."""
        ...

    async def find_by_email(self, email: str) -> tuple[Account, str] | None:
        """The account and its password hash."""
        ...

    async def get(self, account_id: str) -> Account: ...

    async def list_accounts(self, *, role: str | None = None, limit: int = 100, offset: int = 0,
                            q: str | None = None) -> list[Account]:
        """With `q`: by name or email containing it, phone containing its digits, or member number."""
        ...

    async def add_session(self, token_hash: str, token: SessionToken) -> None: ...

    async def find_session(self, token_hash: str) -> SessionToken | None: ...

    async def delete_session(self, token_hash: str) -> None: ...

    async def delete_expired_sessions(self, account_id: str, now: dt.datetime) -> int: ...


class OperatorRepository(Protocol):
    async def add(self, operator: Operator) -> Operator: ...

    async def find(self, operator_id: str) -> Operator | None: ...

    async def get(self, operator_id: str) -> Operator: ...

    async def list_operators(self) -> list[Operator]: ...

    async def add_key(self, key: ApiKey, secret_hash: str) -> None: ...

    async def find_key(self, key_id: str) -> tuple[ApiKey, str] | None:
        """The key and the hash of its secret."""
        ...

    async def list_keys(self, operator_id: str) -> list[ApiKey]: ...

    async def revoke_key(self, key_id: str, at: dt.datetime) -> None: ...


class FeedRepository(Protocol):
    async def find_by_name(self, name: str) -> FeedRecord | None: ...

    async def get(self, feed_id: str) -> FeedRecord: ...

    async def list_feeds(self) -> list[FeedRecord]: ...

    async def replace(self, snapshot: FeedSnapshot, *, feed_id: str, now: dt.datetime) -> FeedRecord:
        """Store the snapshot under `feed_id`, replacing any earlier import of that feed."""
        ...

    async def list_issues(self, feed_id: str, *, limit: int = 100) -> list[FeedIssue]: ...

    async def search_stops(self, key: str, *, limit: int) -> list[StopMatch]:
        """Stops whose name, kana or English name contains `key` (see maas.domain.text.search_key)."""
        ...

    async def stops_near(self, lat: float, lon: float, *, radius_m: float, limit: int) -> list[StopMatch]: ...


class PlaceRepository(Protocol):
    async def upsert(self, places: Sequence[Place]) -> int: ...

    async def list_places(self, *, region_id: str | None = None, category: str | None = None) -> list[Place]: ...


class UnitOfWork(Protocol):
    """One database transaction: committed by `commit()`, rolled back if the block exits without it.

    The repositories are read-only properties, so an adapter that sets them as attributes on
    entry (SqlUnitOfWork, the tests' in-memory one) satisfies the protocol for a type checker."""

    @property
    def accounts(self) -> AccountRepository: ...

    @property
    def operators(self) -> OperatorRepository: ...

    @property
    def feeds(self) -> FeedRepository: ...

    @property
    def places(self) -> PlaceRepository: ...

    @property
    def bookings(self) -> BookingRepository: ...

    @property
    def offers(self) -> OfferRegistry: ...

    @property
    def payment_events(self) -> PaymentEventLog: ...

    @property
    def ledger(self) -> Ledger: ...

    @property
    def transit_tickets(self) -> TicketBook: ...

    @property
    def passes(self) -> PassBook: ...

    @property
    def payment_profiles(self) -> PaymentProfiles: ...

    @property
    def analyses(self) -> AnalysisStore: ...

    @property
    def ride_refusals(self) -> RideRefusalLog: ...

    @property
    def ridership(self) -> RidershipLog: ...

    @property
    def tickets_issued(self) -> TicketRegister: ...

    @property
    def claims(self) -> ClaimBook: ...

    @property
    def consents(self) -> ConsentBook: ...

    @property
    def audit(self) -> AuditLog: ...

    @property
    def events(self) -> EventOutbox: ...

    @property
    def webhooks(self) -> WebhookStore: ...

    async def __aenter__(self) -> UnitOfWork: ...

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...

    async def commit(self) -> None: ...

    async def ping(self) -> None:
        """Round-trip to the database; raises if it cannot be reached."""
        ...


UnitOfWorkFactory = Callable[[], UnitOfWork]


class FeedReader(Protocol):
    """Reads a GTFS feed from disk into a snapshot (CPU-bound: call it off the event loop)."""

    def read(self, path: Path, *, name: str | None = None, strict: bool = False) -> FeedSnapshot: ...


class FeedArchive(Protocol):
    """Keeps a durable copy of each imported feed for the journey planner (blocking I/O)."""

    def keep(self, path: Path, *, name: str, digest: str) -> None: ...


class JourneyPlanner(Protocol):
    """Transit trip planning (CPU-bound: call it off the event loop).

    Raises UnknownStop, NoStopNearby and NoService for requests it cannot answer.
    """

    def plan(self, request: TripRequest) -> TripPlan: ...

    def departures(self, stop_id: str, at: dt.datetime, *, limit: int) -> DepartureBoard:
        """The next departures at a stop from an instant; NotFound for an unknown stop."""
        ...

    def warm_up(self, at: dt.datetime) -> None:
        """Load the network and the timetable of the service date of `at` ahead of requests."""
        ...

    def hubs(self, lat: float, lon: float, at: dt.datetime, *, radius_m: int,
             limit: int) -> list[LegPlace]:
        """Stops worth reaching by taxi or van near a point: served on the date of `at`,
        within radius_m, busiest first counting the stops a short walk around them (an
        interchange before a halt on the same line), one per interchange."""
        ...


@dataclass(frozen=True)
class AdapterContext:
    """What an operator adapter's factory gets (see maas/plugins.py): its operator id and
    options from the configuration, the folder relative paths start from, and a clock."""

    operator_id: str
    options: Mapping[str, Any]
    base_dir: Path
    clock: Clock
    extras: Mapping[str, Any] = field(default_factory=dict)


@runtime_checkable
class OperatorAdapter(Protocol):
    """What every transport operator does, named after TOMP-API's phases.

    `book` holds an offer (PENDING, or CONDITIONAL_CONFIRMED when the operator decides later);
    `confirm` commits it; `cancel` releases a held booking or cancels a confirmed one under the
    offer's conditions. Every call that changes something takes an idempotency key: the same
    key again returns the first answer and changes nothing. Errors are domain errors: NotFound
    (unknown offer or booking), Conflict (expired offer, impossible state change),
    InvalidRequest (a malformed query), OperatorUnavailable (timeout, operator down).
    """

    operator_id: str

    async def search_offers(self, query: OfferQuery) -> list[Offer]: ...

    async def book(self, offer_id: str, *, idempotency_key: str) -> LegBooking: ...

    async def confirm(self, booking_id: str, *, idempotency_key: str) -> LegBooking: ...

    async def cancel(self, booking_id: str, *, idempotency_key: str) -> LegBooking: ...

    async def get_booking(self, booking_id: str) -> LegBooking: ...

    async def receive_event(self, event: TripEvent) -> LegBooking: ...

    async def aclose(self) -> None: ...


@runtime_checkable
class AssetAvailability(Protocol):
    """Optional: docked or free-floating vehicles free to use near a point."""

    async def list_available_assets(self, near: GeoPoint, radius_m: int) -> list[AvailableAsset]: ...


@runtime_checkable
class LiveEta(Protocol):
    """Optional: seconds until the vehicle of a confirmed booking reaches the pickup."""

    async def eta_s(self, booking_id: str) -> int: ...


@runtime_checkable
class BookingData(Protocol):
    """Optional: book an offer whose operator requires the rider's personal data (`data`: the
    required BOOKING_DATA_FIELDS and their values), passed with this call only."""

    async def book_with_data(self, offer_id: str, *, idempotency_key: str, data: Mapping[str, str]) -> LegBooking: ...


@runtime_checkable
class HoldExtension(Protocol):
    """Optional: ask the operator to hold a PENDING booking longer (TOMP's EXTEND_EXPIRY_TIME);
    Conflict when it will not."""

    async def extend_hold(self, booking_id: str, *, idempotency_key: str) -> LegBooking: ...


@runtime_checkable
class VehicleUnlock(Protocol):
    """Optional: open the vehicle of a confirmed booking (bike lock, car door)."""

    async def unlock(self, booking_id: str) -> None: ...
