"""Stored payloads through the real repositories on SQLite and PostgreSQL: rows written before
payloads had versions (the golden v1 payloads, inserted as they were stored) read back; every
repository writes the current version; a row of a newer version is refused by name, not misread."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, select, update

from maas.domain.mobility import BookingState
from maas.domain.ondemand import DayPlan
from maas.storage import payloads
from maas.storage.payloads import KINDS, PayloadKind, StoredPayloadError, load
from maas.storage.rides import SqlRideStore
from maas.storage.tables import (AnalysisRow, BookingRow, OfferIssuedRow, OnDemandRideRow, RiderEventRow,
                                 RiderPassRow, TransitTicketRow, VehicleHoldRow)
from maas.storage.vehicle_holds import SqlVehicleHolds

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "payloads"
ROWS = {"bookings": BookingRow, "offers_issued": OfferIssuedRow, "ondemand_rides": OnDemandRideRow,
        "transit_tickets": TransitTicketRow, "rider_passes": RiderPassRow, "analyses": AnalysisRow,
        "vehicle_holds": VehicleHoldRow, "rider_events": RiderEventRow}


# Kinds first stored after payloads had versions: no row of theirs was ever written without one.
BORN_VERSIONED = (payloads.RIDER_EVENT,)


def utc(t: dt.datetime) -> dt.datetime:
    return t.astimezone(dt.UTC)


def columns(kind: PayloadKind[Any], o: Any, payload: str) -> dict[str, Any]:
    """The row as the repository before versions wrote it, around the given payload text."""
    now = dt.datetime(2026, 12, 7, 23, 0, tzinfo=dt.UTC)
    t = kind.table
    if t == "bookings":
        row = dict(id=o.id, account_id=o.account_id, state=o.state.value, idempotency_key=o.idempotency_key,
                   request_digest=o.request_digest, total_minor=o.total.amount_minor, currency=o.total.currency,
                   version=o.version, created_at=utc(o.created_at), updated_at=utc(o.updated_at),
                   confirm_by=utc(o.confirm_by), payment_id=o.payment.id)
    elif t == "offers_issued":
        row = dict(offer_id=o.id, operator_id=o.operator_id, valid_until=utc(o.valid_until), issued_at=now)
    elif t == "ondemand_rides":
        row = dict(id=o.id, operator_id=o.operator_id, service_date=o.service_date, offer_id=o.booking.offer_id,
                   state=o.booking.state.value, rider_ref=o.rider_ref, pickup_from=utc(o.pickup_from),
                   updated_at=now)
    elif t == "transit_tickets":
        row = dict(id=o.id, idempotency_key="ticket-key-0001", offer_id=o.offer_id, state=o.state.value,
                   departure=utc(o.departure), updated_at=now)
    elif t == "rider_passes":
        row = dict(id=o.id, account_id=o.account_id, idempotency_key=o.idempotency_key, state=o.state.value,
                   valid_from=utc(o.valid_from), valid_until=utc(o.valid_until), created_at=utc(o.created_at))
    elif t == "analyses":
        row = dict(id=o.id, kind=o.kind.value, state=o.state.value, created_at=utc(o.created_at))
    elif t == "rider_events":
        row = dict(id=o.id, type=o.type.value, account_id=o.account_id, booking_id=o.booking_id,
                   created_at=utc(o.created))
    else:
        row = dict(booking_id=o.id, operator_id=o.booking.operator_id, offer_id=o.booking.offer_id,
                   book_key=o.book_key, state=o.booking.state.value, live_until=None, updated_at=now)
    return {**row, "payload": payload}


async def read_back(container: Any, kind: PayloadKind[Any], o: Any) -> Any:
    """The object as the application's repository for the kind reads it."""
    if kind is payloads.RIDE:
        return await SqlRideStore(container.engine).get_ride(o.operator_id, o.id)
    if kind is payloads.VEHICLE_HOLD:
        return await SqlVehicleHolds(container.engine).get(o.booking.operator_id, o.id)
    async with container.uow() as work:
        if kind is payloads.BOOKING:
            return await work.bookings.get(o.id)
        if kind is payloads.OFFER:
            return await work.offers.get(o.id)
        if kind is payloads.TRANSIT_TICKET:
            return await work.transit_tickets.get(o.id)
        if kind is payloads.RIDER_PASS:
            return await work.passes.get(o.id)
        if kind is payloads.RIDER_EVENT:
            return next((e for _, e in await work.events.list_for(o.account_id) if e.id == o.id), None)
        return await work.analyses.get(o.id)


async def insert_raw(container: Any, kind: PayloadKind[Any], o: Any, payload: str) -> None:
    async with container.engine.begin() as conn:
        await conn.execute(insert(ROWS[kind.table].__table__).values(**columns(kind, o, payload)))


async def stored_payload(container: Any, kind: PayloadKind[Any]) -> dict[str, Any]:
    table = ROWS[kind.table].__table__
    async with container.engine.connect() as conn:
        return json.loads((await conn.execute(select(table.c.payload))).scalar_one())


async def test_rows_stored_before_versions_read_through_every_repository(container) -> None:
    for kind in [k for k in KINDS if k not in BORN_VERSIONED]:
        legacy = (GOLDEN / kind.table / "v1.json").read_text(encoding="utf-8")
        assert "schema_version" not in json.loads(legacy)
        want = load(kind, legacy)
        await insert_raw(container, kind, want, json.dumps(json.loads(legacy), ensure_ascii=False))
        assert await read_back(container, kind, want) == want, kind.table


async def test_a_row_saved_now_carries_its_version_and_a_newer_row_is_refused(container) -> None:
    legacy = (GOLDEN / "transit_tickets" / "v1.json").read_text(encoding="utf-8")
    ticket = load(payloads.TRANSIT_TICKET, legacy)
    await insert_raw(container, payloads.TRANSIT_TICKET, ticket, legacy)
    now = dt.datetime(2026, 12, 8, 0, 0, tzinfo=dt.UTC)
    async with container.uow() as work:  # the old row, saved again, is written in the current version
        await work.transit_tickets.save(ticket.moved_to(BookingState.CANCELLED, reason="乗客の都合"), now=now)
        await work.commit()
    stored = await stored_payload(container, payloads.TRANSIT_TICKET)
    assert stored["schema_version"] == payloads.TRANSIT_TICKET.version and stored["state"] == "CANCELLED"
    assert (await read_back(container, payloads.TRANSIT_TICKET, ticket)).reason == "乗客の都合"

    newer = json.dumps({**stored, "schema_version": payloads.TRANSIT_TICKET.version + 1}, ensure_ascii=False)
    table = TransitTicketRow.__table__  # type: ignore[attr-defined]
    async with container.engine.begin() as conn:
        await conn.execute(update(table).values(payload=newer))
    with pytest.raises(StoredPayloadError, match=r"^transit_tickets row taxi-bk-0001: payload version 2 is newer"):
        await read_back(container, payloads.TRANSIT_TICKET, ticket)
    async with container.uow() as work:  # found by its key, the same refusal
        with pytest.raises(StoredPayloadError, match=r"^transit_tickets row taxi-bk-0001: "):
            await work.transit_tickets.find_by_key("ticket-key-0001")


async def _write(container: Any, kind: PayloadKind[Any], o: Any) -> None:
    """Store the object through the application's repository for the kind, as new."""
    now = dt.datetime(2026, 12, 7, 23, 0, tzinfo=dt.UTC)
    if kind is payloads.RIDE:
        await SqlRideStore(container.engine).save_day(DayPlan(operator_id=o.operator_id,
                                                              service_date=o.service_date), [o])
        return
    if kind is payloads.VEHICLE_HOLD:
        async def free(_: Any) -> None:
            return None
        await SqlVehicleHolds(container.engine).reserve(o.booking.operator_id, o, free, since=now)
        return
    async with container.uow() as work:
        if kind is payloads.BOOKING:
            await work.bookings.add(o)
        elif kind is payloads.OFFER:
            await work.offers.remember([o], now=now)
        elif kind is payloads.TRANSIT_TICKET:
            await work.transit_tickets.add(o, idempotency_key="ticket-key-0001", now=now)
        elif kind is payloads.RIDER_PASS:
            await work.passes.add(o)
        elif kind is payloads.RIDER_EVENT:
            await work.events.add([o])
        else:
            await work.analyses.add(o)
        await work.commit()


async def test_every_repository_writes_the_current_version_and_reads_it_back(container) -> None:
    for kind in KINDS:
        want = load(kind, (GOLDEN / kind.table / "v1.json").read_text(encoding="utf-8"))
        await _write(container, kind, want)
        stored = await stored_payload(container, kind)
        assert stored["schema_version"] == kind.version, kind.table
        assert await read_back(container, kind, want) == want, kind.table
