"""A transit leg on a real feed priced by its GTFS distance fares and booked as a ticket: the Donan
bus (Muroran) imported into the service, a plan between two of its stops, the leg's fare checked
against the feed's CSV files read directly, then the offer booked as one booking."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from maas.bootstrap import build_container
from maas.domain.accounts import NewAccount, Principal, Role
from maas.domain.planning import PlaceRef, TransitLeg, TripRequest
from maas.storage import migrate
from payments.on_board import OnBoardGateway
from tests.fakes import SteppedClock
from tests.realdata.donan_fares import DONAN, DonanCsv

pytestmark = pytest.mark.corpus
JST = dt.timezone(dt.timedelta(hours=9))
TRIP = "100310_weekday_1"  # leaves 工大 (0391_A) at 06:55 on weekdays of 2020-04-01..2021-04-01


async def test_a_donan_bus_ride_is_priced_by_distance_and_booked(settings, fast_hasher, corpus_dir: Path) -> None:
    clock = SteppedClock(dt.datetime(2020, 6, 3, 6, 0, tzinfo=JST))  # a Wednesday
    container = build_container(settings, hasher=fast_hasher, clock=clock, operator_adapters={},
                                payments=OnBoardGateway(now=clock.now))
    await migrate.upgrade(container.engine)
    try:
        await container.feeds.import_feed(corpus_dir / DONAN)
        raw = DonanCsv(corpus_dir / DONAN)
        stops = raw.trip_stops[TRIP]
        board, alight = stops[0], stops[12]
        expected = raw.fare(raw.route_of[TRIP], board, alight)
        assert expected is not None and expected > 210  # farther than the first fare stage
        plan = await container.planning.plan(TripRequest(
            origin=PlaceRef(stop_id=f"donan-bus-muroran:{board}"),
            destination=PlaceRef(stop_id=f"donan-bus-muroran:{alight}"),
            depart_at=dt.datetime(2020, 6, 3, 6, 50, tzinfo=JST), max_itineraries=1))
        rides = [leg for leg in plan.itineraries[0].legs if isinstance(leg, TransitLeg)]
        assert len(rides) == 1 and rides[0].trip_id.endswith(TRIP)
        ride = rides[0]
        assert ride.fare is not None and ride.fare.amount_minor == expected and ride.offer_id

        account = await container.auth.register(NewAccount(
            email="rider@example.jp", display_name="Rider", role=Role.RIDER, password="correct horse battery"),
            by=Principal(subject_id="system:test", role=Role.ADMIN))
        rider = Principal(subject_id=account.id, role=Role.RIDER)
        booking, made = await container.bookings.book(rider, [ride.offer_id], idempotency_key="donan")
        assert made and booking.state.value == "CONFIRMED"
        assert (booking.legs[0].operator_id, booking.legs[0].mode) == ("transit", "bus")
        assert booking.total.amount_minor == expected and booking.payment.authorised.amount_minor == expected
        clock.at = ride.arrival + dt.timedelta(minutes=1)
        settled = await container.bookings.refresh(booking.id)
        assert settled.state.value == "SETTLED" and settled.payment.captured_minor == expected
    finally:
        await container.aclose()
