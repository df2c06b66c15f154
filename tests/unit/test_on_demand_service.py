"""OnDemandService over the in-memory unit of work and the demo van service (rides in memory):
refused quotes recorded for the town's figures, offers issued for a rider and refused to anyone
else, a ride that is part of a trip booking cancelled only through its booking."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from maas.domain.accounts import GeoPoint, NewAccount, Principal, Role
from maas.domain.bookings import TripState
from maas.domain.errors import Conflict, InvalidRequest, NotFound
from maas.domain.mobility import BookingState, OfferQuery
from maas.domain.ondemand import RideRefused
from maas.domain.riders import OfferNotYours, RiderContext
from maas.services.bookings import BookingService
from maas.services.offers import OfferService
from maas.services.on_demand import OnDemandService
from operators.ondemand.plugin import build
from payments.on_board import OnBoardGateway
from tests.fakes import InMemoryUnitOfWorkFactory, SteppedClock

DEMO = Path(__file__).resolve().parents[2] / "fixtures" / "demo-region"
TOKYO = dt.timezone(dt.timedelta(hours=9))
T0 = dt.datetime(2026, 11, 24, 9, 0, tzinfo=TOKYO)
HOME, HOSPITAL = GeoPoint(lat=36.4005, lon=138.9000), GeoPoint(lat=36.412526, lon=138.91438)
VALLEY = GeoPoint(lat=36.4245, lon=138.8655)  # far up the valley, outside the zone
HANAKO = RiderContext(account_id="acc_hanako", display_name="山田花子", role=Role.RIDER)
ME, OTHER = Principal(subject_id="acc_hanako", role=Role.RIDER), Principal(subject_id="acc_taro", role=Role.RIDER)


def trip(origin: GeoPoint = HOME) -> OfferQuery:
    return OfferQuery(origin=origin, destination=HOSPITAL, depart_at=T0 + dt.timedelta(hours=2))


class Vans:
    def __init__(self) -> None:
        self.clock, self.uow = SteppedClock(T0), InMemoryUnitOfWorkFactory()
        self.adapter = build(DEMO / "noriai.json", self.clock)
        adapters = {"noriai": self.adapter}
        offers = OfferService(adapters, budget_s=5.0, uow=self.uow, clock=self.clock)
        self.bookings = BookingService(self.uow, adapters, OnBoardGateway(now=self.clock.now), self.clock)
        self.service = OnDemandService(adapters, self.clock, remember=offers.remember,
                                       on_event=self.bookings.refresh_leg, refusals=self.uow)


async def test_a_refused_quote_is_recorded_for_the_towns_figures() -> None:
    vans = Vans()
    with pytest.raises(RideRefused):
        await vans.service.quote("noriai", trip(VALLEY))
    async with vans.uow() as uow:
        (refusal,) = await uow.ride_refusals.list_refusals("noriai", first=T0.date(), last=T0.date())
    assert refusal.requested_pickup == T0 + dt.timedelta(hours=2) and refusal.refused_at == T0
    with pytest.raises(NotFound):
        await vans.service.quote("no-such-vans", trip())


async def test_an_offer_issued_for_a_rider_is_booked_by_them_only() -> None:
    vans = Vans()
    offer = await vans.service.quote("noriai", trip(), HANAKO)
    assert offer.issued_for == "acc_hanako"
    with pytest.raises(OfferNotYours):
        await vans.service.request_ride(OTHER, "noriai", offer.id, idempotency_key="k1")
    with pytest.raises(InvalidRequest):  # only staff book for someone else
        await vans.service.request_ride(OTHER, "noriai", offer.id, idempotency_key="k1", for_rider="acc_hanako")
    assert await vans.service.list_rides(ME, "noriai") == []  # nothing held by the refused attempts
    ride = await vans.service.request_ride(ME, "noriai", offer.id, idempotency_key="k1", rider=HANAKO)
    assert ride.booking.state is BookingState.CONFIRMED and ride.rider_ref == "acc_hanako"
    with pytest.raises(NotFound):  # someone else's ride does not exist for them
        await vans.service.get_ride(OTHER, "noriai", ride.id)


async def test_a_ride_in_a_trip_booking_is_cancelled_through_the_booking() -> None:
    vans = Vans()
    async with vans.uow() as uow:
        await uow.accounts.add(NewAccount(email="hanako@example.jp", display_name="山田花子", role=Role.RIDER,
                                          password="x" * 12), account_id="acc_hanako", password_hash="h", now=T0)
        await uow.commit()
    offer = await vans.service.quote("noriai", trip(), HANAKO)
    booking, _ = await vans.bookings.book(ME, [offer.id], idempotency_key="k1", rider=HANAKO)
    assert booking.state is TripState.CONFIRMED
    ride_id = booking.legs[0].booking.id
    with pytest.raises(Conflict) as refused:
        await vans.service.cancel_ride(ME, "noriai", ride_id, idempotency_key="c1")
    assert refused.value.fields == {"booking_id": booking.id}
    cancelled = await vans.bookings.cancel(ME, booking.id)
    assert cancelled.state is TripState.CANCELLED
    assert (await vans.service.get_ride(ME, "noriai", ride_id)).booking.state is BookingState.CANCELLED


async def test_a_ride_booked_directly_records_who_booked_it() -> None:
    vans = Vans()
    own = await vans.service.request_ride(ME, "noriai", (await vans.service.quote("noriai", trip(), HANAKO)).id,
                                          idempotency_key="self", rider=HANAKO)
    assert (own.rider_ref, own.booked_by) == ("acc_hanako", "acc_hanako")
    agent = Principal(subject_id="acc_agent", role=Role.AGENT)
    for_her = HANAKO.model_copy(update={"agent_id": "acc_agent"})
    by_phone = await vans.service.request_ride(agent, "noriai",
                                               (await vans.service.quote("noriai", trip(), for_her)).id,
                                               idempotency_key="phone", rider=for_her)
    assert (by_phone.rider_ref, by_phone.booked_by) == ("acc_hanako", "acc_agent")
    assert [r.booked_by for r in await vans.service.list_rides(ME, "noriai")] == ["acc_hanako", "acc_agent"]


async def test_offer_not_yours_names_the_field_the_ride_request_used() -> None:
    vans = Vans()
    offer = await vans.service.quote("noriai", trip(), HANAKO)
    with pytest.raises(OfferNotYours) as caught:
        await vans.service.request_ride(OTHER, "noriai", offer.id, idempotency_key="k1")
    assert caught.value.fields == {"offer_id": offer.id}
