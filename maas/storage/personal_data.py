"""Everything stored about one rider, across tables: exported as JSON, erased on request, and the
retention schedule's coarsening of old ride places (maas.domain.privacy.PersonalData).

Stored payloads are scrubbed as JSON (maas.domain.privacy.scrub): the shape and schema_version
stay, so an erased booking still loads and its settled amounts still add up.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Table, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from maas.domain.errors import NotFound
from maas.domain.privacy import coarsen, scrub
from maas.storage.field_cipher import FieldCipher
from maas.storage.payloads import RIDER_EVENT, load
from maas.storage.repositories import utc
from maas.storage.tables import (AccountRow, AuditEntryRow, BookingLegRow, BookingRow, BookingStepRow, ClaimRow,
                                 ConsentRow, LedgerEntryRow, OfferIssuedRow, OnDemandRideRow, PaymentEventRow,
                                 OperatorQuoteRow, PaymentProfileRow, RateLimitCounterRow, RiderEventRow,
                                 RiderPassRow, RideRefusalRow, SessionTokenRow, TicketIssuedRow, TransitTicketRow,
                                 VehicleHoldRow, WebhookDeliveryRow, WebhookEndpointRow)


def _t(row_class: Any) -> Table:
    return row_class.__table__


# Tables whose `payload` may name the rider (by account id) and hold their places.
_PAYLOAD_TABLES = (_t(BookingRow), _t(OnDemandRideRow), _t(RiderPassRow), _t(OfferIssuedRow),
                   _t(TransitTicketRow), _t(VehicleHoldRow))


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return utc(value).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _row(row: Any, *, drop: Iterable[str] = ()) -> dict[str, Any]:
    out = {k: _plain(v) for k, v in row._mapping.items() if k not in set(drop)}
    for name in ("payload", "cells"):
        if isinstance(out.get(name), str):
            out[name] = json.loads(out[name])
    return out


def _scrub_text(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, "")
    return text


class SqlPersonalData:
    def __init__(self, engine: AsyncEngine, cipher: FieldCipher | None = None) -> None:
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)
        self._cipher = cipher

    async def export(self, account_id: str) -> dict[str, Any]:
        async with self._sessions() as s:
            account = (await s.execute(select(_t(AccountRow)).where(_t(AccountRow).c.id == account_id))).first()
            if account is None:
                raise NotFound(f"no account {account_id}")
            bookings = (await s.execute(select(_t(BookingRow)).where(_t(BookingRow).c.account_id == account_id)
                                        .order_by(_t(BookingRow).c.created_at))).all()
            ids = [b.id for b in bookings]
            legs = (await s.execute(select(_t(BookingLegRow)).where(_t(BookingLegRow).c.booking_id.in_(ids)))).all()
            out: dict[str, Any] = {
                "account": self._plain_account(account),
                "sessions": [_row(r, drop=("token_hash",)) for r in await self._rows(
                    s, _t(SessionTokenRow), _t(SessionTokenRow).c.account_id == account_id)],
                "claims": [_row(r) for r in await self._rows(s, _t(ClaimRow), _t(ClaimRow).c.account_id == account_id)],
                "consents": [_row(r) for r in await self._rows(s, _t(ConsentRow),
                                                               _t(ConsentRow).c.account_id == account_id)],
                "bookings": [_row(b) for b in bookings],
                "booking_steps": [_row(r) for r in await self._rows(s, _t(BookingStepRow),
                                                                    _t(BookingStepRow).c.booking_id.in_(ids))],
                "booking_legs": [_row(r) for r in legs],
                "transit_tickets": [_row(r) for r in await self._rows(
                    s, _t(TransitTicketRow), _t(TransitTicketRow).c.id.in_([leg.leg_booking_id for leg in legs]))],
                "tickets": [_row(r) for r in await self._rows(s, _t(TicketIssuedRow),
                                                              _t(TicketIssuedRow).c.booking_id.in_(ids))],
                "payments": [_row(r) for r in await self._rows(s, _t(LedgerEntryRow),
                                                               _t(LedgerEntryRow).c.booking_id.in_(ids))],
                "rides": [_row(r) for r in await self._rows(s, _t(OnDemandRideRow),
                                                            _t(OnDemandRideRow).c.rider_ref == account_id)],
                "vehicle_holds": [_row(r) for r in await self._rows(
                    s, _t(VehicleHoldRow), _t(VehicleHoldRow).c.payload.like(f'%"{account_id}"%'))],
                "passes": [_row(r) for r in await self._rows(s, _t(RiderPassRow),
                                                             _t(RiderPassRow).c.account_id == account_id)],
                "payment_profiles": [_row(r) for r in await self._rows(
                    s, _t(PaymentProfileRow), _t(PaymentProfileRow).c.account_id == account_id)],
                "audit_entries": [_row(r) for r in await self._rows(s, _t(AuditEntryRow),
                                                                    _t(AuditEntryRow).c.subject_id == account_id)],
                "events": [load(RIDER_EVENT, r.payload, row=r.id).payload() for r in await self._rows(
                    s, _t(RiderEventRow), _t(RiderEventRow).c.account_id == account_id)],
                "webhook_endpoints": [_row(r, drop=("secret_sealed",)) for r in await self._rows(
                    s, _t(WebhookEndpointRow), _t(WebhookEndpointRow).c.account_id == account_id)],
            }
        return out

    def _plain_account(self, row: Any) -> dict[str, Any]:
        """The account row with its encrypted fields decrypted (the rider reads their own data)."""
        out = _row(row, drop=("password_hash", "phone_index"))
        for name in ("home_enc", "needs_enc", "phone_enc"):
            value = out.pop(name, None)
            if value and self._cipher is not None:
                plain = self._cipher.decrypt(value)
                key = name.removesuffix("_enc")
                out[key] = json.loads(plain) if key == "needs" else plain
        return out

    @staticmethod
    async def _rows(s: AsyncSession, table: Table, where: Any) -> list[Any]:
        return list((await s.execute(select(table).where(where))).all())

    async def erase(self, account_id: str, secrets: Iterable[str], *, at: dt.datetime) -> dict[str, int]:
        hidden = sorted({x for x in secrets if x and len(x) >= 2}, key=len, reverse=True)
        changed: dict[str, int] = {}
        async with self._sessions() as s, s.begin():
            accounts = _t(AccountRow)
            if (await s.execute(select(accounts.c.id).where(accounts.c.id == account_id))).first() is None:
                raise NotFound(f"no account {account_id}")
            await s.execute(update(accounts).where(accounts.c.id == account_id).values(
                email=f"erased-{account_id}@erased.invalid", display_name="", password_hash="!erased",
                birth_date=None, home_lat=None, home_lon=None, needs=[], resident=False, phone=None, member_no=None,
                display_name_kana=None, erased_at=utc(at), home_enc=None, needs_enc=None, phone_enc=None,
                phone_index=None))
            for table in (_t(SessionTokenRow), _t(ClaimRow), _t(ConsentRow), _t(PaymentProfileRow)):
                changed[table.name] = (await s.execute(delete(table).where(table.c.account_id == account_id))).rowcount
            for table in _PAYLOAD_TABLES:
                where = [table.c.payload.like(f'%"{account_id}"%')] + [table.c.payload.like(f"%{x}%") for x in hidden]
                if "account_id" in table.c:
                    where.append(table.c.account_id == account_id)
                changed[table.name] = await self._rewrite(s, table, or_(*where), hidden, places=True)
            booking_ids = select(_t(BookingRow).c.id).where(_t(BookingRow).c.account_id == account_id)
            steps = _t(BookingStepRow)
            for row in (await s.execute(select(steps).where(steps.c.booking_id.in_(booking_ids)))).all():
                await s.execute(update(steps).where(steps.c.booking_id == row.booking_id, steps.c.seq == row.seq)
                                .values(detail=_scrub_text(row.detail, hidden)))
            changed.update(await self._forget_messages(s, account_id, hidden))
            for table, column, key in ((_t(AuditEntryRow), "reason", "id"), (_t(PaymentEventRow), "outcome", "event_id")):
                for row in (await s.execute(select(table).where(or_(
                        *[table.c[column].like(f"%{x}%") for x in hidden])))).all() if hidden else []:
                    await s.execute(update(table).where(table.c[key] == getattr(row, key))
                                    .values({column: _scrub_text(getattr(row, column), hidden)}))
        return changed

    @staticmethod
    async def _forget_messages(s: AsyncSession, account_id: str, hidden: list[str]) -> dict[str, int]:
        """What was only ever a message about the rider goes whole: their events (the outbox, and
        its deliveries to any endpoint), their webhook endpoints, quotes naming them, and the rate
        limiter's counters keyed by their e-mail."""
        events, deliveries, endpoints = _t(RiderEventRow), _t(WebhookDeliveryRow), _t(WebhookEndpointRow)
        quotes, counters = _t(OperatorQuoteRow), _t(RateLimitCounterRow)
        theirs = select(events.c.id).where(events.c.account_id == account_id)
        own_endpoints = select(endpoints.c.id).where(endpoints.c.account_id == account_id)
        changed = {"webhook_deliveries": (await s.execute(delete(deliveries).where(or_(
            deliveries.c.event_id.in_(theirs), deliveries.c.endpoint_id.in_(own_endpoints))))).rowcount}
        changed["rider_events"] = (await s.execute(delete(events).where(events.c.account_id == account_id))).rowcount
        changed["webhook_endpoints"] = (await s.execute(
            delete(endpoints).where(endpoints.c.account_id == account_id))).rowcount
        named = [quotes.c.offer.like(f'%"{account_id}"%'), quotes.c.details.like(f'%"{account_id}"%')]
        named += [c.like(f"%{x}%") for x in hidden for c in (quotes.c.offer, quotes.c.details)]
        changed["operator_quotes"] = (await s.execute(delete(quotes).where(or_(*named)))).rowcount
        if hidden:
            changed["rate_limit_counters"] = (await s.execute(delete(counters).where(or_(
                *[counters.c.key.like(f"%{x}%") for x in hidden])))).rowcount
        return changed

    @staticmethod
    async def _rewrite(s: AsyncSession, table: Table, where: Any, hidden: list[str], *, places: bool) -> int:
        key = next(iter(table.primary_key.columns))
        count = 0
        for row in (await s.execute(select(key, table.c.payload).where(where))).all():
            cleaned = json.dumps(scrub(json.loads(row.payload), hidden, places=coarsen if places else None),
                                 ensure_ascii=False, separators=(",", ":"))
            if cleaned != row.payload:
                await s.execute(update(table).where(key == row[0]).values(payload=cleaned))
                count += 1
        return count

    async def coarsen_rides_before(self, before: dt.datetime) -> int:
        rides, bookings = _t(OnDemandRideRow), _t(BookingRow)
        async with self._sessions() as s, s.begin():
            done = await self._rewrite(s, rides, rides.c.pickup_from < utc(before), [], places=True)
            done += await self._rewrite(s, bookings, bookings.c.created_at < utc(before), [], places=True)
        return done

    async def purge_refusals_before(self, before: dt.datetime) -> int:
        refusals = _t(RideRefusalRow)
        async with self._sessions() as s, s.begin():
            return (await s.execute(delete(refusals).where(refusals.c.refused_at < utc(before)))).rowcount or 0
