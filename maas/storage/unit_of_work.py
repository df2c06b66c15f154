"""One database transaction per use-case call, with the repositories bound to it."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from maas.storage.analyses import SqlAnalyses
from maas.storage.engine import READ_ONLY
from maas.storage.bookings import SqlBookings, SqlOfferRegistry
from maas.storage.field_cipher import FieldCipher
from maas.storage.events import SqlEventOutbox
from maas.storage.ledger import SqlLedger
from maas.storage.passes import SqlPasses
from maas.storage.payment_events import SqlPaymentEvents
from maas.storage.payment_profiles import SqlPaymentProfiles
from maas.storage.privacy import SqlAudit, SqlClaims, SqlConsents
from maas.storage.repositories import SqlAccounts, SqlFeeds, SqlOperators, SqlPlaces
from maas.storage.ride_refusals import SqlRideRefusals
from maas.storage.ridership import SqlRidership
from maas.storage.tickets_issued import SqlTicketsIssued
from maas.storage.transit_tickets import SqlTransitTickets
from maas.storage.webhooks import SqlWebhooks


class SqlUnitOfWork:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], cipher: FieldCipher | None = None) -> None:
        self._sessions, self._cipher = sessions, cipher
        self._session: AsyncSession | None = None

    async def __aenter__(self) -> SqlUnitOfWork:
        self._session = self._sessions()
        await self._session.begin()
        self.accounts = SqlAccounts(self._session, self._cipher)
        self.operators = SqlOperators(self._session)
        self.feeds = SqlFeeds(self._session)
        self.places = SqlPlaces(self._session)
        self.bookings = SqlBookings(self._session)
        self.offers = SqlOfferRegistry(self._session)
        self.payment_events = SqlPaymentEvents(self._session)
        self.ledger = SqlLedger(self._session)
        self.transit_tickets = SqlTransitTickets(self._session)
        self.passes = SqlPasses(self._session)
        self.payment_profiles = SqlPaymentProfiles(self._session)
        self.analyses = SqlAnalyses(self._session)
        self.ride_refusals = SqlRideRefusals(self._session)
        self.ridership = SqlRidership(self._session)
        self.tickets_issued = SqlTicketsIssued(self._session)
        self.claims = SqlClaims(self._session)
        self.consents = SqlConsents(self._session)
        self.audit = SqlAudit(self._session)
        self.events = SqlEventOutbox(self._session)
        self.webhooks = SqlWebhooks(self._session)
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        assert self._session is not None
        try:
            await self._session.rollback()  # a no-op after commit(); discards everything otherwise
        finally:
            await self._session.close()
            self._session = None

    async def commit(self) -> None:
        assert self._session is not None
        await self._session.commit()

    async def ping(self) -> None:
        """SELECT 1 on a connection of its own that only reads: on SQLite it takes no write lock,
        so the health check never queues behind writers."""
        assert self._session is not None
        engine = self._session.bind
        assert isinstance(engine, AsyncEngine)
        async with engine.connect() as conn:
            reading = await conn.execution_options(**{READ_ONLY: True})
            await reading.execute(text("SELECT 1"))


class SqlUnitOfWorkFactory:
    def __init__(self, engine: AsyncEngine, cipher: FieldCipher | None = None) -> None:
        """With a cipher, accounts' home, needs and phone are stored encrypted (maas.storage.field_cipher)."""
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)
        self._cipher = cipher

    def __call__(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self._sessions, self._cipher)
