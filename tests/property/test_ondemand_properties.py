"""Any sequence of quotes, bookings, cancellations and drivers' reports leaves the on-demand
service with a plan that keeps every promise, drivers' lunch breaks included: each van's manifest serves every pickup inside its
promised window and every drop-off by its latest time, picks up before it sets down, and never
carries more people or wheelchairs than it holds (hypothesis, over the demo region)."""

from __future__ import annotations

import asyncio
import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from maas.domain.accounts import GeoPoint
from maas.domain.errors import OperatorRejected
from maas.domain.mobility import OfferQuery, TripEvent, TripEventKind
from maas.domain.ondemand import IN_PLAN_STATES, RideRefused, StopKind
from tests.fakes import SteppedClock
from tests.ondemand_service import T0, small_service

points = st.builds(GeoPoint, lat=st.floats(36.3975, 36.4150), lon=st.floats(138.8945, 138.9150))
requests = st.tuples(points, points, st.integers(0, 7 * 60 - 1), st.integers(1, 3), st.booleans())
# Each van's driver rests an hour at the depot, starting 11:30-13:30, once a ride is booked on it.
actions = st.lists(st.one_of(
    st.tuples(st.just("book"), requests),
    st.tuples(st.just("cancel"), st.integers(0, 30)),
    st.tuples(st.just("drive"), st.integers(0, 1)),  # a van's driver serves its next stop
), min_size=1, max_size=14)


async def _play(steps) -> None:
    clock = SteppedClock(T0)
    adapter = small_service(clock, seats=4, vans=2, breaks=True)
    booked = []
    for kind, arg in steps:
        if kind == "book":
            origin, destination, minutes, travellers, wheelchair = arg
            query = OfferQuery(origin=origin, destination=destination, travellers=travellers,
                               depart_at=max(T0, clock.at) + dt.timedelta(hours=1, minutes=minutes),
                               needs=frozenset({"wheelchair"}) if wheelchair else frozenset())
            try:
                offer = await adapter.quote(query)
                ride = await adapter.book_ride(offer.id, idempotency_key=f"k{len(booked)}-{minutes}")
                await adapter.confirm(ride.id, idempotency_key=f"ok-{ride.id}")
            except (RideRefused, OperatorRejected):
                continue
            booked.append(ride.id)
        elif kind == "cancel" and booked:
            ride = await adapter.get_ride(booked[arg % len(booked)])
            if ride.picked_up_at is None:
                await adapter.cancel(ride.id, idempotency_key=f"c-{ride.id}")
        elif kind == "drive":
            manifest = (await adapter.manifests(T0.date()))[arg]
            # The driver rests when the run says so, then serves the next rider.
            stop = next((s for s in manifest.stops if not s.outcome and s.kind is not StopKind.BREAK), None)
            if stop is None:
                continue
            clock.at = max(clock.at, stop.planned_at)
            event = TripEventKind.STARTED if stop.kind is StopKind.PICKUP else TripEventKind.FINISHED
            await adapter.receive_event(TripEvent(booking_id=stop.ride_id, kind=event, at=clock.at))
    rides = {r.id: r for r in await adapter.list_rides()}
    for manifest in await adapter.manifests(T0.date()):
        van = next(v for v in adapter.config.vans if v.id == manifest.vehicle_id)
        seats = chairs = 0
        aboard: set[str] = set()
        coming = [s for s in manifest.stops if not s.outcome]
        for stop in manifest.stops:
            if stop.outcome == "picked_up":
                aboard.add(stop.ride_id)
        for ride_id in aboard:
            if rides[ride_id].dropped_off_at is None:
                seats += rides[ride_id].travellers - rides[ride_id].wheelchairs
                chairs += rides[ride_id].wheelchairs
        last = None
        for stop in coming:
            if stop.kind is StopKind.BREAK:
                assert stop.window_from <= stop.planned_at <= stop.window_until and seats == chairs == 0
                continue
            ride = rides[stop.ride_id]
            assert ride.booking.state in IN_PLAN_STATES
            if last is not None:
                assert stop.planned_at >= last
            last = stop.planned_at
            sign = 1 if stop.kind is StopKind.PICKUP else -1
            if stop.kind is StopKind.PICKUP:
                assert ride.pickup_from <= stop.planned_at <= ride.pickup_until
                aboard.add(ride.id)
            else:
                assert ride.id in aboard and stop.planned_at <= ride.latest_dropoff
            seats += sign * (ride.travellers - ride.wheelchairs)
            chairs += sign * ride.wheelchairs
            assert 0 <= seats <= van.seats and 0 <= chairs <= van.wheelchair_places
        assert sum(s.kind is StopKind.BREAK for s in coming) <= 1
    in_plan = {s.ride_id for m in await adapter.manifests(T0.date()) for s in m.stops
               if not s.outcome and s.kind is not StopKind.BREAK}
    assert in_plan == {r.id for r in rides.values() if r.in_plan}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(actions)
def test_every_sequence_keeps_every_promise(steps) -> None:
    asyncio.run(_play(steps))
