"""What the route-performance tests sell and ride on Tuesday 2026-11-24 in Tokyo: settled bus
bookings with their ledger entries, on-demand rides, and starting the analysis through the API."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from maas.domain.accounts import GeoPoint, NewAccount, Principal, Role
from maas.domain.bookings import BookedLeg, Booking, TripState
from maas.domain.ledger import EntryKind, LedgerEntry
from maas.domain.mobility import BookingState, LegBooking
from maas.domain.ondemand import Ride
from maas.domain.planning import Money
from maas.domain.privacy import ConsentKind

JST = ZoneInfo("Asia/Tokyo")
TUESDAY = dt.date(2026, 11, 24)
RATE = {"per_vehicle_hour_yen": 4000}


def at(hour: int, minute: int = 0, day: dt.date = TUESDAY) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), JST)


def yen(n: int) -> Money:
    return Money(amount_minor=n, currency="JPY")


async def sell(container, n: int, *, state: BookingState, operator: str = "transit", route: str | None = "gtfs:bus-loop",
               paid: int = 200, subsidy: int = 0) -> None:
    """A settled booking of one leg and its ledger entries, as settlement writes them."""
    leg_booking = LegBooking(id=f"tkt_{n}", operator_id=operator, offer_id=f"trn_{n}", state=state, price=yen(200),
                             departure=at(10, 5), arrival=at(10, 14))
    leg = BookedLeg(index=0, operator_id=operator, offer_id=f"trn_{n}", mode="bus", price=yen(200),
                    departure=at(10, 5), arrival=at(10, 14), booking=leg_booking, route_id=route)
    booking = Booking(id=f"bkg_{n}", account_id="acc_rider", state=TripState.SETTLED, legs=(leg,), total=yen(200),
                      idempotency_key=f"k{n}", request_digest="d", created_at=at(9), updated_at=at(11))
    entries = [(EntryKind.OPERATOR_DUE, operator, 200), (EntryKind.RIDER_PAID, "acc_rider", paid)]
    if subsidy:
        entries.append((EntryKind.SUBSIDY_DUE, "yamabuki", subsidy))
    async with container.uow() as uow:
        await uow.bookings.add(booking)
        await uow.ledger.add([LedgerEntry(booking_id=booking.id, leg_index=0, kind=kind, party=party,
                                          operator_id=operator, amount=yen(amount), at=at(12))
                              for kind, party, amount in entries])
        await uow.commit()


def ride(name: str, travellers: int, asked: dt.datetime, state: BookingState, *, on: dt.datetime | None = None,
         off: dt.datetime | None = None, no_show: bool = False, direct_s: int | None = None,
         vehicle: str = "v1", rider_ref: str = "") -> Ride:
    booking = LegBooking(id=name, operator_id="noriai", offer_id=f"offer-{name}", state=state, price=yen(300),
                         departure=asked, arrival=asked + dt.timedelta(minutes=30))
    return Ride(booking=booking, service_date=TUESDAY, origin=GeoPoint(lat=36.42, lon=138.87),
                destination=GeoPoint(lat=36.41, lon=138.91), travellers=travellers, requested_pickup=asked,
                pickup_from=asked, pickup_until=asked + dt.timedelta(minutes=20),
                latest_dropoff=asked + dt.timedelta(minutes=60), vehicle_id=vehicle, picked_up_at=on,
                dropped_off_at=off, no_show_at=asked + dt.timedelta(minutes=5) if no_show else None,
                direct_s=direct_s, rider_ref=rider_ref)


async def consenting(container, *names: str) -> dict[str, str]:
    """A rider per name who agreed to share their trips with the town: their account ids by name
    (route performance counts only such riders' rides, maas.services.analyses)."""
    ids = {}
    for name in names:
        account = await container.auth.register(NewAccount(
            email=f"{name.lower()}@riders.example", display_name=name, role=Role.RIDER, password="x" * 12),
            by=Principal(subject_id="system:test", role=Role.ADMIN))
        await container.privacy.answer(Principal(subject_id=account.id, role=Role.RIDER),
                                       {ConsentKind.MUNICIPAL_ANALYSES: True})
        ids[name] = account.id
    return ids


async def start(client, headers, parameters: dict):
    return await client.post("/v1/analyses", json={"kind": "route_performance", "parameters": parameters},
                             headers=headers)
