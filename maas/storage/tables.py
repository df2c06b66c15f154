"""Database rows (sqlmodel tables). Kept apart from domain models; repositories map between them."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (JSON, Column, Date, DateTime, ForeignKey, Index, Integer, LargeBinary, String, Text,
                        UniqueConstraint)
from sqlmodel import Field, SQLModel


def _utc_column(nullable: bool = False) -> Column:
    return Column(DateTime(timezone=True), nullable=nullable)


def _fk(target: str) -> Column:
    return Column(String, ForeignKey(target, ondelete="CASCADE"), nullable=False, index=True)


class AccountRow(SQLModel, table=True):
    __tablename__ = "accounts"
    id: str = Field(primary_key=True)
    email: str = Field(unique=True, index=True)
    display_name: str
    role: str = Field(index=True)
    password_hash: str
    birth_date: dt.date | None = None
    home_lat: float | None = None
    home_lon: float | None = None
    needs: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    resident: bool = False
    created_at: dt.datetime = Field(sa_column=_utc_column())
    phone: str | None = Field(default=None, index=True)  # digits only, as the call centre searches it
    member_no: str | None = Field(default=None, unique=True, index=True)
    display_name_kana: str | None = None  # NFKC, as written (katakana or hiragana)
    erased_at: dt.datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))  # DELETE /v1/me
    # Encrypted (maas.storage.field_cipher): home as "lat,lon", needs as JSON, the phone's digits;
    # the plain columns above stay empty for rows written since, and phone_index finds a caller.
    home_enc: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    needs_enc: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    phone_enc: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    phone_index: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class SessionTokenRow(SQLModel, table=True):
    __tablename__ = "session_tokens"
    token_hash: str = Field(primary_key=True)
    account_id: str = Field(sa_column=_fk("accounts.id"))
    expires_at: dt.datetime = Field(sa_column=_utc_column())


class OperatorRow(SQLModel, table=True):
    __tablename__ = "operators"
    id: str = Field(primary_key=True)
    name: str
    name_en: str = ""
    mode: str
    kind: str
    created_at: dt.datetime = Field(sa_column=_utc_column())


class ApiKeyRow(SQLModel, table=True):
    __tablename__ = "api_keys"
    id: str = Field(primary_key=True)
    operator_id: str = Field(sa_column=_fk("operators.id"))
    label: str
    secret_hash: str
    created_at: dt.datetime = Field(sa_column=_utc_column())
    revoked_at: dt.datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))


class FeedRow(SQLModel, table=True):
    __tablename__ = "feeds"
    id: str = Field(primary_key=True)
    name: str = Field(unique=True, index=True)
    source: str
    digest: str
    agencies: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    timezone: str
    service_start: dt.date | None = None
    service_end: dt.date | None = None
    stop_count: int
    route_count: int
    trip_count: int
    stop_time_count: int
    error_count: int
    warning_count: int
    imported_at: dt.datetime = Field(sa_column=_utc_column())


class FeedStopRow(SQLModel, table=True):
    __tablename__ = "feed_stops"
    feed_id: str = Field(sa_column=Column(String, ForeignKey("feeds.id", ondelete="CASCADE"), primary_key=True))
    stop_id: str = Field(primary_key=True)
    name: str
    name_kana: str = ""
    name_en: str = ""
    # search_key() of name, kana and English joined by "|": one LIKE finds any of them.
    search_text: str = ""
    lat: float | None = None
    lon: float | None = None
    location_type: int = 0
    parent_station: str | None = None
    wheelchair_boarding: int = 0


class FeedRouteRow(SQLModel, table=True):
    __tablename__ = "feed_routes"
    feed_id: str = Field(sa_column=Column(String, ForeignKey("feeds.id", ondelete="CASCADE"), primary_key=True))
    route_id: str = Field(primary_key=True)
    agency_id: str | None = None
    short_name: str = ""
    long_name: str = ""
    route_type: int


class FeedIssueRow(SQLModel, table=True):
    __tablename__ = "feed_issues"
    id: int | None = Field(default=None, primary_key=True)
    feed_id: str = Field(sa_column=_fk("feeds.id"))
    file: str
    row: int | None = None
    column: str | None = None
    severity: str
    code: str
    message: str


class PlaceRow(SQLModel, table=True):
    __tablename__ = "places"
    __table_args__ = (Index("ix_places_region_category", "region_id", "category"),)
    id: str = Field(primary_key=True)
    region_id: str
    name: str
    name_kana: str = ""
    name_en: str = ""
    category: str
    lat: float
    lon: float


class OnDemandRideRow(SQLModel, table=True):
    """One on-demand ride: the whole domain object as JSON, plus the columns it is looked up by."""

    __tablename__ = "ondemand_rides"
    __table_args__ = (
        UniqueConstraint("operator_id", "offer_id", name="uq_ondemand_rides_operator_offer"),
        Index("ix_ondemand_rides_operator_date", "operator_id", "service_date"),
        Index("ix_ondemand_rides_operator_rider", "operator_id", "rider_ref"),
    )
    id: str = Field(primary_key=True)  # the booking id
    operator_id: str
    service_date: dt.date = Field(sa_column=Column(Date, nullable=False))
    offer_id: str
    state: str  # BookingState value
    rider_ref: str
    pickup_from: dt.datetime = Field(sa_column=_utc_column())  # UTC, for ordering
    payload: str = Field(sa_column=Column(Text, nullable=False))  # Ride.model_dump_json()
    updated_at: dt.datetime = Field(sa_column=_utc_column())


class OnDemandPlanRow(SQLModel, table=True):
    """One operator's plan for one service day; `version` only ever grows (compare-and-swap)."""

    __tablename__ = "ondemand_plans"
    operator_id: str = Field(primary_key=True)
    service_date: dt.date = Field(sa_column=Column(Date, primary_key=True))
    version: int
    routes: str = Field(sa_column=Column(Text, nullable=False))  # {vehicle_id: [[ride_id, stop kind], ...]}
    updated_at: dt.datetime = Field(sa_column=_utc_column())


class BookingRow(SQLModel, table=True):
    """One trip booking: the whole Booking as JSON, plus the columns it is looked up by.
    `version` only ever grows (optimistic lock, see maas.storage.bookings)."""

    __tablename__ = "bookings"
    __table_args__ = (UniqueConstraint("account_id", "idempotency_key", name="uq_bookings_account_key"),)
    id: str = Field(primary_key=True)
    account_id: str = Field(index=True)
    state: str = Field(index=True)  # TripState value; in_flight() filters on it
    idempotency_key: str
    request_digest: str
    total_minor: int
    currency: str
    version: int
    created_at: dt.datetime = Field(sa_column=_utc_column())  # UTC, for ordering
    updated_at: dt.datetime = Field(sa_column=_utc_column())
    confirm_by: dt.datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
    payment_id: str | None = Field(default=None, index=True)  # the gateway's id: webhooks name only it
    payload: str = Field(sa_column=Column(Text, nullable=False))  # Booking.model_dump_json()


class BookingStepRow(SQLModel, table=True):
    """One line of a booking's saga journal."""

    __tablename__ = "booking_steps"
    booking_id: str = Field(sa_column=Column(String, ForeignKey("bookings.id", ondelete="CASCADE"), primary_key=True))
    seq: int = Field(sa_column=Column(Integer, primary_key=True, autoincrement=False))
    name: str
    status: str  # StepStatus value
    at: dt.datetime = Field(sa_column=_utc_column())
    detail: str = Field(default="", sa_column=Column(Text, nullable=False))


class OfferIssuedRow(SQLModel, table=True):
    """An offer handed to a rider, kept so a booking is priced from what was offered."""

    __tablename__ = "offers_issued"
    __table_args__ = (Index("ix_offers_issued_valid_until", "valid_until"),)
    offer_id: str = Field(primary_key=True)
    operator_id: str
    valid_until: dt.datetime = Field(sa_column=_utc_column())  # UTC; old rows are purged by it
    issued_at: dt.datetime = Field(sa_column=_utc_column())
    payload: str = Field(sa_column=Column(Text, nullable=False))  # Offer.model_dump_json()


class PaymentEventRow(SQLModel, table=True):
    """A gateway event already handled; the primary key is what makes a redelivery a no-op."""

    __tablename__ = "payment_events"
    event_id: str = Field(primary_key=True)
    type: str
    payment_id: str | None = None
    created: dt.datetime = Field(sa_column=_utc_column())  # when the gateway says it happened
    received_at: dt.datetime = Field(sa_column=_utc_column())
    outcome: str = Field(sa_column=Column(Text, nullable=False))


class BookingLegRow(SQLModel, table=True):
    """Which booking an operator's booking belongs to: a trip event names only the operator's id.
    Written by SqlBookings.add and .save once a leg's operator booking id is known (it never changes)."""

    __tablename__ = "booking_legs"
    operator_id: str = Field(primary_key=True)
    leg_booking_id: str = Field(primary_key=True)
    booking_id: str = Field(sa_column=_fk("bookings.id"))
    leg_index: int


class LedgerEntryRow(SQLModel, table=True):
    """One settlement entry (maas.domain.ledger.LedgerEntry). No foreign key on purpose: money
    owed stays on the books whatever happens to the booking row."""

    __tablename__ = "ledger_entries"
    id: int | None = Field(default=None, primary_key=True)
    booking_id: str = Field(index=True)
    leg_index: int
    kind: str  # EntryKind value
    party: str
    operator_id: str = Field(index=True)
    amount_minor: int
    currency: str
    at: dt.datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False, index=True))  # UTC
    rules: str = Field(default="", sa_column=Column(Text, nullable=False))  # rule ids joined by ","


class SettlementRow(SQLModel, table=True):
    """A booking settled: the primary key is what refuses a second settlement of it."""

    __tablename__ = "settlements"
    booking_id: str = Field(primary_key=True)
    settled_at: dt.datetime = Field(sa_column=_utc_column())


class TransitTicketRow(SQLModel, table=True):
    """A transit ticket the platform issued: the LegBooking as JSON, found by id or by the key it
    was booked with (unique, so a repeated booking call finds the first ticket)."""

    __tablename__ = "transit_tickets"
    id: str = Field(primary_key=True)
    idempotency_key: str = Field(unique=True)
    offer_id: str
    state: str
    departure: dt.datetime = Field(sa_column=_utc_column())  # UTC
    updated_at: dt.datetime = Field(sa_column=_utc_column())
    payload: str = Field(sa_column=Column(Text, nullable=False))  # LegBooking.model_dump_json()


class RiderPassRow(SQLModel, table=True):
    """A pass a rider bought: the RiderPass as JSON, found by account, by key, and by validity."""

    __tablename__ = "rider_passes"
    __table_args__ = (UniqueConstraint("account_id", "idempotency_key", name="uq_rider_passes_account_key"),)
    id: str = Field(primary_key=True)
    account_id: str = Field(index=True)
    idempotency_key: str
    state: str
    valid_from: dt.datetime = Field(sa_column=_utc_column())  # UTC
    valid_until: dt.datetime = Field(sa_column=_utc_column())
    created_at: dt.datetime = Field(sa_column=_utc_column())
    payload: str = Field(sa_column=Column(Text, nullable=False))  # RiderPass.model_dump_json()


class PaymentProfileRow(SQLModel, table=True):
    """A rider's saved way to pay (maas.domain.payments.PaymentProfile), one per account."""

    __tablename__ = "payment_profiles"
    account_id: str = Field(primary_key=True)
    gateway: str
    customer_ref: str
    setup_id: str
    payment_method: str | None = None
    updated_at: dt.datetime = Field(sa_column=_utc_column())


class AnalysisRow(SQLModel, table=True):
    """A municipal analysis (maas.domain.analyses.Analysis): its state for polling, the Analysis as
    JSON, and the per-cell results as JSON, read only for downloads."""

    __tablename__ = "analyses"
    id: str = Field(primary_key=True)
    kind: str
    state: str = Field(index=True)
    created_at: dt.datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False, index=True))  # UTC
    payload: str = Field(sa_column=Column(Text, nullable=False))  # Analysis.model_dump_json()
    cells: str | None = Field(default=None, sa_column=Column(Text, nullable=True))  # JSON list, when done



class VehicleHoldRow(SQLModel, table=True):
    """A shared-vehicle booking and what it holds (maas.domain.vehicle_holds.HeldBooking as JSON),
    found by operator, by the idempotency key of its `book` call, and by how long it may hold."""

    __tablename__ = "vehicle_holds"
    __table_args__ = (
        UniqueConstraint("operator_id", "book_key", name="uq_vehicle_holds_operator_key"),
        Index("ix_vehicle_holds_operator_live", "operator_id", "live_until"),
    )
    booking_id: str = Field(primary_key=True)
    operator_id: str
    offer_id: str
    book_key: str | None = None  # NULL when booked without a key
    state: str  # BookingState value, compared on every save
    live_until: dt.datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))  # UTC; NULL: open
    updated_at: dt.datetime = Field(sa_column=_utc_column())
    payload: str = Field(sa_column=Column(Text, nullable=False))  # HeldBooking.model_dump_json()


class RideRefusalRow(SQLModel, table=True):
    """A refused on-demand quote (maas.domain.ride_refusals.RideRefusal): no rider, only ~250 m cells."""

    __tablename__ = "ride_refusals"
    __table_args__ = (Index("ix_ride_refusals_operator_date", "operator_id", "service_date"),)
    id: int | None = Field(default=None, primary_key=True)
    operator_id: str
    service_date: dt.date = Field(sa_column=Column(Date, nullable=False))
    requested_pickup: dt.datetime = Field(sa_column=_utc_column())  # UTC
    code: str
    travellers: int
    refused_at: dt.datetime = Field(sa_column=_utc_column())  # UTC
    origin_cell: str
    destination_cell: str

class RidershipRow(SQLModel, table=True):
    """Boardings a town uploaded for a route on a date (maas.domain.ridership.RidershipCount)."""

    __tablename__ = "ridership_counts"
    __table_args__ = (UniqueConstraint("route_id", "service_date", "trip_id", name="uq_ridership_route_date_trip"),
                      Index("ix_ridership_counts_date", "service_date"))
    id: int | None = Field(default=None, primary_key=True)
    route_id: str
    service_date: dt.date = Field(sa_column=Column(Date, nullable=False))
    trip_id: str  # "" for a whole day's count
    boardings: int
    uploaded_by: str
    uploaded_at: dt.datetime = Field(sa_column=_utc_column())  # UTC


class TicketIssuedRow(SQLModel, table=True):
    """A ticket handed out for a booking version (maas.domain.tickets.TicketRecord), kept until
    it expires so that a cancelled booking's ticket can be revoked."""

    __tablename__ = "tickets_issued"
    __table_args__ = (UniqueConstraint("booking_id", "booking_version", name="uq_tickets_issued_booking_version"),
                      Index("ix_tickets_issued_valid_until", "valid_until"))
    ticket_id: str = Field(primary_key=True)
    booking_id: str = Field(sa_column=Column(String, ForeignKey("bookings.id", ondelete="CASCADE"), nullable=False,
                                             index=True))
    booking_version: int
    issued_at: dt.datetime = Field(sa_column=_utc_column())  # UTC
    valid_until: dt.datetime = Field(sa_column=_utc_column())  # UTC; revocations end then


# Personal data the rider controls (docs/privacy.md): claims, consents and the access audit.


class ClaimRow(SQLModel, table=True):
    """A concession ground (maas.domain.entitlements.Claim): declared, then verified or rejected by staff."""

    __tablename__ = "entitlement_claims"
    id: str = Field(primary_key=True)
    account_id: str = Field(sa_column=_fk("accounts.id"))
    type: str
    value: str
    status: str
    declared_by: str
    declared_at: dt.datetime = Field(sa_column=_utc_column())
    decided_by: str | None = None
    decided_at: dt.datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
    document_type: str | None = None
    valid_until: dt.date | None = Field(default=None, sa_column=Column(Date, nullable=True))
    reason: str | None = None


class ConsentRow(SQLModel, table=True):
    """One answer of a rider to one consent question; the newest per kind counts."""

    __tablename__ = "consents"
    __table_args__ = (Index("ix_consents_account_kind", "account_id", "kind"),)
    id: int | None = Field(default=None, primary_key=True)
    account_id: str = Field(sa_column=_fk("accounts.id"))
    kind: str
    version: str
    granted: bool
    at: dt.datetime = Field(sa_column=_utc_column())


class AuditEntryRow(SQLModel, table=True):
    """Who read or changed whose personal data, when and why (maas.domain.privacy.AuditEntry)."""

    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entries_subject_at", "subject_id", "at"),)
    id: int | None = Field(default=None, primary_key=True)
    at: dt.datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False, index=True))  # UTC
    actor_id: str
    actor_role: str
    subject_id: str
    action: str
    reason: str = Field(default="", sa_column=Column(Text, nullable=False))

class RiderEventRow(SQLModel, table=True):
    """The outbox: a rider event (maas.domain.rider_events.RiderEvent), written in the transaction
    of the change that caused it; `seq` orders a rider's stream (SSE resumes after it)."""

    __tablename__ = "rider_events"
    __table_args__ = (Index("ix_rider_events_account_seq", "account_id", "seq"),)
    seq: int | None = Field(default=None, primary_key=True)
    id: str = Field(unique=True)
    type: str
    account_id: str
    booking_id: str | None = None
    created_at: dt.datetime = Field(sa_column=_utc_column())  # UTC
    payload: str = Field(sa_column=Column(Text, nullable=False))  # versioned RiderEvent JSON


class WebhookEndpointRow(SQLModel, table=True):
    __tablename__ = "webhook_endpoints"
    id: str = Field(primary_key=True)
    account_id: str | None = Field(default=None, index=True)  # NULL: an integration's (every rider's events)
    created_by: str
    url: str
    event_types: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    secret_sealed: bytes = Field(sa_column=Column(LargeBinary, nullable=False))  # encrypted (SecretBox)
    created_at: dt.datetime = Field(sa_column=_utc_column())
    failing_since: dt.datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
    disabled_at: dt.datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))


class WebhookDeliveryRow(SQLModel, table=True):
    """One event's delivery to one endpoint: attempts, the last answer, the next try and the lease
    of the worker sending it now."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (UniqueConstraint("endpoint_id", "event_id", name="uq_webhook_deliveries_endpoint_event"),
                      Index("ix_webhook_deliveries_due", "delivered_at", "next_attempt_at"))
    id: int | None = Field(default=None, primary_key=True)
    endpoint_id: str = Field(sa_column=_fk("webhook_endpoints.id"))
    event_id: str = Field(sa_column=Column(String, ForeignKey("rider_events.id", ondelete="CASCADE"),
                                           nullable=False, index=True))
    attempts: int = 0
    next_attempt_at: dt.datetime = Field(sa_column=_utc_column())
    last_status: int | None = None
    last_error: str = ""
    delivered_at: dt.datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
    lease_owner: str | None = None
    lease_until: dt.datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))


metadata = SQLModel.metadata


class OperatorQuoteRow(SQLModel, table=True):
    """An offer an in-process operator sold (maas.domain.quotes): the Offer as a versioned payload
    beside the adapter's own details (its JSON), the booking it was sold as, and when it lapses."""

    __tablename__ = "operator_quotes"
    __table_args__ = (Index("ix_operator_quotes_operator_valid", "operator_id", "valid_until"),)
    operator_id: str = Field(primary_key=True)
    offer_id: str = Field(primary_key=True)
    valid_until: dt.datetime = Field(sa_column=_utc_column())  # UTC
    booked_as: str | None = None
    offer: str = Field(sa_column=Column(Text, nullable=False))  # maas.storage.payloads OFFER
    details: str = Field(sa_column=Column(Text, nullable=False))  # the adapter's JSON


class RateLimitCounterRow(SQLModel, table=True):
    """One rate-limit window's hits (maas.storage.rate_limits): shared by every API process."""

    __tablename__ = "rate_limit_counters"
    key: str = Field(primary_key=True)
    hits: int
    expires_at: float = Field(index=True)  # Unix seconds: the window ends then


class SigningKeyRow(SQLModel, table=True):
    """A signing key (maas/ticket_keys.py): the private key encrypted with a key derived from
    MAAS_SECRET_KEY, its public PEM, and when it signs from (keys rotate; old ones still verify)."""

    __tablename__ = "signing_keys"
    key_id: str = Field(primary_key=True)
    purpose: str = Field(index=True)  # "tickets"
    private_key: str = Field(sa_column=Column(Text, nullable=False))  # Fernet token of the PKCS#8 PEM
    public_pem: str = Field(sa_column=Column(Text, nullable=False))
    created_at: dt.datetime = Field(sa_column=_utc_column())  # UTC
    active_from: dt.datetime = Field(sa_column=_utc_column())  # UTC: signs from then until the next key's
