"""Riders' saved ways to pay, one row per account, replaced whole when the rider saves another."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from maas.domain.payments import PaymentProfile
from maas.storage.repositories import utc
from maas.storage.tables import PaymentProfileRow

_PROFILES = PaymentProfileRow.__table__  # type: ignore[attr-defined]
_FIELDS = ("gateway", "customer_ref", "setup_id", "payment_method", "updated_at")


class SqlPaymentProfiles:
    """PaymentProfiles on the unit of work's session."""

    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def get(self, account_id: str) -> PaymentProfile | None:
        row = (await self._s.execute(select(_PROFILES).where(_PROFILES.c.account_id == account_id))).one_or_none()
        if row is None:
            return None
        return PaymentProfile(account_id=row.account_id, gateway=row.gateway, customer_ref=row.customer_ref,
                              setup_id=row.setup_id, payment_method=row.payment_method, updated_at=utc(row.updated_at))

    async def put(self, profile: PaymentProfile) -> None:
        dialect = postgresql if self._s.get_bind().dialect.name == "postgresql" else sqlite
        values = profile.model_dump() | {"updated_at": utc(profile.updated_at)}
        upsert = dialect.insert(_PROFILES).values(**values)
        await self._s.execute(upsert.on_conflict_do_update(
            index_elements=[_PROFILES.c.account_id], set_={name: upsert.excluded[name] for name in _FIELDS}))
