"""The demo region's on-demand van service behind the operator contract, on a fake clock.

Tuesday 2026-11-24; the clock starts at 09:00 in Tokyo. The service (fixtures/demo-region/flex)
runs weekdays 08:00-17:00, inside its zone, booked 60 min to 7 days ahead.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from pathlib import Path

import numpy as np
import pytest

from maas.domain.accounts import GeoPoint
from maas.domain.errors import Conflict, NotFound, OfferExpired, OperatorRejected
from maas.domain.mobility import BookingState, OfferQuery, TripEvent, TripEventKind
from maas.domain.ondemand import OnDemandDispatch, RefusalCode, RideRefused, StopKind
from maas.domain.ports import OperatorAdapter
from operators.conformance import ConformanceScenario, run_conformance
from operators.ondemand.adapter import OnDemandAdapter
from operators.ondemand.config import load_config
from operators.ondemand.day import DayBuilder
from operators.ondemand.plugin import build
from tests.fakes import SteppedClock as FakeClock
from tests.ondemand_service import small_service

DEMO = Path(__file__).resolve().parents[2] / "fixtures" / "demo-region"
TOKYO = dt.timezone(dt.timedelta(hours=9))
T0 = dt.datetime(2026, 11, 24, 9, 0, tzinfo=TOKYO)
HOME = GeoPoint(lat=36.4005, lon=138.9000)  # inside the zone, west
HOSPITAL = GeoPoint(lat=36.412526, lon=138.91438)  # inside the zone, north-east
VALLEY = GeoPoint(lat=36.4245, lon=138.8655)  # far up the valley, outside the zone
S = BookingState


def trip(at: dt.datetime = T0 + dt.timedelta(hours=2), travellers: int = 1, needs: frozenset[str] = frozenset(),
         origin: GeoPoint = HOME, destination: GeoPoint = HOSPITAL) -> OfferQuery:
    return OfferQuery(origin=origin, destination=destination, depart_at=at, travellers=travellers, needs=needs)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(T0)


async def book(adapter: OnDemandAdapter, query: OfferQuery, key: str, *, confirm: bool = True):
    offer = await adapter.quote(query)
    ride = await adapter.book_ride(offer.id, idempotency_key=key, rider_ref="rider-1", rider_name="山田花子")
    if confirm:
        await adapter.confirm(ride.id, idempotency_key=f"c-{key}")
    return offer, await adapter.get_ride(ride.id)


# -- configuration and contract ------------------------------------------------------------
def test_the_demo_service_loads_and_satisfies_both_protocols(clock: FakeClock) -> None:
    adapter = build(DEMO / "noriai.json", clock)
    assert isinstance(adapter, OperatorAdapter) and isinstance(adapter, OnDemandDispatch)
    assert adapter.operator_id == "noriai" and len(adapter.config.vans) == 2


@pytest.mark.parametrize("change, message", [
    ({"vans": []}, "vans"),
    ({"vans": [{"id": "a", "seats": -1, "shift_start": "08:00", "shift_end": "17:00",
                "depot": {"lat": 36.4, "lon": 138.9}}]}, "seats"),
    ({"vans": [{"id": "a", "seats": 4, "shift_start": "17:00", "shift_end": "08:00",
                "depot": {"lat": 36.4, "lon": 138.9}}]}, "shift ends before it starts"),
    ({"timezone": "Mars/Olympus"}, "unknown time zone"),
    ({"fare": {"per_traveller": -300}}, "per_traveller"),
    ({"surprise": 1}, "surprise"),
])
def test_bad_settings_are_refused_with_the_field(tmp_path: Path, change: dict, message: str) -> None:
    raw = json.loads((DEMO / "noriai.json").read_text(encoding="utf-8")) | change
    path = tmp_path / "noriai.json"
    path.write_text(json.dumps(raw), encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        load_config(path)


async def test_conformance_kit_passes(clock: FakeClock) -> None:
    adapter = small_service(clock, seats=8, vans=2)
    scenario = ConformanceScenario(query=trip(), rejected_query=trip(origin=VALLEY))
    report = await run_conformance(adapter, scenario, now=clock.now, wait_until=clock.wait_until)
    assert report.ok, report.summary()
    status = {r.name: r.status for r in report.results}
    assert status["book_confirm_cancel"] == status["trip_events"] == status["expiry"] == "passed"


# -- quotes and refusals ---------------------------------------------------------------------
async def test_a_quote_promises_a_window_around_the_scheduled_pickup(clock: FakeClock) -> None:
    adapter = small_service(clock)
    offer = await adapter.quote(trip())
    asked = T0 + dt.timedelta(hours=2)
    assert offer.mode == "on_demand" and offer.price.amount_minor == 300 and offer.price.currency == "JPY"
    assert asked <= offer.departure <= asked + dt.timedelta(minutes=30)
    assert offer.conditions.confirmation_required
    assert offer.valid_until == T0 + dt.timedelta(minutes=5)
    assert "pickup between 11:00 and 11:10" in offer.conditions.notes[0]  # the van is free: at once
    assert offer.conditions.free_cancellation_until == asked - dt.timedelta(hours=1)
    assert offer.arrival > offer.departure


@pytest.mark.parametrize("query, refusal", [
    (trip(origin=VALLEY), RefusalCode.OUTSIDE_AREA),
    (trip(destination=VALLEY), RefusalCode.OUTSIDE_AREA),
    (trip(at=T0 + dt.timedelta(minutes=30)), RefusalCode.NOTICE_TOO_SHORT),  # needs 60 min notice
    (trip(at=T0 - dt.timedelta(minutes=30)), RefusalCode.NOTICE_TOO_SHORT),  # in the past
    (trip(at=dt.datetime(2026, 11, 24, 18, 0, tzinfo=TOKYO)), RefusalCode.OUTSIDE_HOURS),
    (trip(at=dt.datetime(2026, 11, 28, 10, 0, tzinfo=TOKYO)), RefusalCode.OUTSIDE_HOURS),  # a Saturday
    (trip(at=dt.datetime(2026, 12, 8, 10, 0, tzinfo=TOKYO)), RefusalCode.TOO_EARLY),  # 14 days ahead
    (trip(travellers=3), RefusalCode.PARTY_TOO_LARGE),  # vans of 2 seats
])
async def test_refusals_say_why(clock: FakeClock, query: OfferQuery, refusal: RefusalCode) -> None:
    adapter = small_service(clock)
    with pytest.raises(RideRefused) as caught:
        await adapter.quote(query)
    assert caught.value.refusal is refusal and caught.value.fields == {"refusal": refusal.value}
    assert await adapter.search_offers(query) == []
    assert await adapter.list_rides() == []


async def test_a_wheelchair_user_needs_a_van_with_a_wheelchair_place(clock: FakeClock) -> None:
    adapter = small_service(clock, vans=1)
    wheelchair = trip(needs=frozenset({"wheelchair"}), travellers=2)
    _, ride = await book(adapter, wheelchair, "w1")
    assert (ride.travellers, ride.wheelchairs) == (2, 1)
    _, second = await book(adapter, trip(needs=frozenset({"wheelchair"}), at=T0 + dt.timedelta(hours=2, minutes=2)), "w2")
    # One wheelchair place: the second wheelchair user boards only once the first is set down.
    [manifest] = await adapter.manifests(T0.date())
    order = [(s.ride_id, s.kind) for s in manifest.stops]
    assert order == [(ride.id, StopKind.PICKUP), (ride.id, StopKind.DROP_OFF),
                     (second.id, StopKind.PICKUP), (second.id, StopKind.DROP_OFF)]
    with pytest.raises(RideRefused) as caught:  # a van without a wheelchair place cannot help
        await small_service(clock, wheelchair_places=0).quote(trip(needs=frozenset({"wheelchair"})))
    assert caught.value.refusal is RefusalCode.PARTY_TOO_LARGE


async def test_no_capacity_when_the_van_is_full_for_the_whole_window(clock: FakeClock) -> None:
    # Riders who accept no more than 2 minutes' delay: the van cannot come back for them in time.
    raw = json.loads((DEMO / "noriai.json").read_text(encoding="utf-8"))["promise"]
    adapter = small_service(clock, seats=2, promise={**raw, "flexible_after_s": 120})
    await book(adapter, trip(travellers=2), "full")
    with pytest.raises(RideRefused) as caught:
        await adapter.quote(trip())
    assert caught.value.refusal is RefusalCode.NO_CAPACITY
    # Later in the day the van is free again.
    later = await adapter.quote(trip(at=T0 + dt.timedelta(hours=4)))
    assert later.departure >= T0 + dt.timedelta(hours=4)


# -- booking ----------------------------------------------------------------------------------
async def test_book_holds_then_confirm_commits(clock: FakeClock) -> None:
    adapter = small_service(clock)
    offer = await adapter.quote(trip())
    ride = await adapter.book_ride(offer.id, idempotency_key="k1", rider_ref="acct-1", rider_name="山田花子")
    assert ride.booking.state is S.CONDITIONAL_CONFIRMED
    assert ride.booking.expires_at == T0 + dt.timedelta(minutes=10)
    assert ride.pickup_from <= offer.departure <= ride.pickup_until
    assert ride.latest_dropoff > ride.pickup_until and ride.vehicle_id == "van-0"
    # The direct ride time the service's travel model gives from HOME to HOSPITAL, kept for detours.
    direct = DayBuilder(adapter.config).travel.matrix(np.array([(HOME.lat, HOME.lon), (HOSPITAL.lat, HOSPITAL.lon)]))
    assert ride.direct_s == int(direct.duration_s[0, 1]) > 0
    assert (await adapter.get_ride(ride.id)).direct_s == ride.direct_s  # stored with the ride
    assert (await adapter.book_ride(offer.id, idempotency_key="k1")).id == ride.id  # a retry
    with pytest.raises(Conflict):
        await adapter.book_ride(offer.id, idempotency_key="another key")
    confirmed = await adapter.confirm(ride.id, idempotency_key="c1")
    assert confirmed.state is S.CONFIRMED and confirmed.expires_at is None
    assert [r.id for r in await adapter.list_rides(rider_ref="acct-1")] == [ride.id]
    assert await adapter.list_rides(rider_ref="someone else") == []


async def test_booking_keeps_the_offered_window_or_refuses(clock: FakeClock) -> None:
    adapter = small_service(clock, seats=2)
    first = await adapter.quote(trip(travellers=2))
    second = await adapter.quote(trip(travellers=2))  # quoted on the same empty van
    await adapter.book_ride(first.id, idempotency_key="a")
    with pytest.raises(OperatorRejected, match="no capacity"):
        await adapter.book_ride(second.id, idempotency_key="b")
    assert len(await adapter.list_rides()) == 1


async def test_expired_offers_and_unknown_ids(clock: FakeClock) -> None:
    adapter = small_service(clock)
    offer = await adapter.quote(trip())
    clock.advance(301)
    with pytest.raises(OfferExpired):
        await adapter.book_ride(offer.id, idempotency_key="late")
    with pytest.raises(NotFound):
        await adapter.book_ride("noriai-offer-nope", idempotency_key="x")
    with pytest.raises(NotFound):
        await adapter.get_ride("nope")


async def test_an_unconfirmed_hold_lapses_and_frees_the_place(clock: FakeClock) -> None:
    adapter = small_service(clock, seats=2)
    _, held = await book(adapter, trip(travellers=2), "hold", confirm=False)
    clock.advance(601)
    assert (await adapter.get_ride(held.id)).booking.state is S.EXPIRED
    with pytest.raises(Conflict):
        await adapter.confirm(held.id, idempotency_key="too late")
    _, other = await book(adapter, trip(travellers=2), "next")  # the place is free again
    assert other.booking.state is S.CONFIRMED
    assert (await adapter.get_ride(held.id)).booking.state is S.EXPIRED  # and stored so


async def test_cancelling_frees_the_place_and_is_idempotent(clock: FakeClock) -> None:
    adapter = small_service(clock, seats=2)
    _, ride = await book(adapter, trip(travellers=2), "c")
    cancelled = await adapter.cancel(ride.id, idempotency_key="x")
    assert cancelled.state is S.CANCELLED and "free of charge" in cancelled.reason
    assert (await adapter.cancel(ride.id, idempotency_key="x")).state is S.CANCELLED
    assert (await adapter.cancel(ride.id, idempotency_key="y")).state is S.CANCELLED
    await book(adapter, trip(travellers=2), "again")
    manifests = await adapter.manifests(T0.date())
    assert ride.id not in {s.ride_id for m in manifests for s in m.stops}


# -- drivers -----------------------------------------------------------------------------------
async def test_manifest_lists_stops_in_order_within_their_windows(clock: FakeClock) -> None:
    adapter = small_service(clock, seats=8, vans=2)
    rides = []
    for k in range(6):
        rides.append((await book(adapter, trip(at=T0 + dt.timedelta(hours=2, minutes=10 * k)), f"m{k}"))[1])
    manifests = await adapter.manifests(T0.date())
    assert [m.vehicle_id for m in manifests] == ["van-0", "van-1"]
    by_ride = {r.id: r for r in rides}
    seen = []
    for manifest in manifests:
        times = [s.planned_at for s in manifest.stops]
        assert times == sorted(times)
        for stop in manifest.stops:
            ride = by_ride[stop.ride_id]
            assert stop.rider_name == "山田花子" and stop.travellers == 1
            if stop.kind is StopKind.PICKUP:
                assert ride.pickup_from <= stop.planned_at <= ride.pickup_until
                seen.append(stop.ride_id)
            else:
                assert stop.planned_at <= ride.latest_dropoff
                assert stop.ride_id in seen  # picked up before set down
    assert sorted(seen) == sorted(by_ride)


async def test_pickup_dropoff_and_no_show_reports(clock: FakeClock) -> None:
    adapter = small_service(clock, seats=8)
    _, a = await book(adapter, trip(), "a")
    _, b = await book(adapter, trip(at=T0 + dt.timedelta(hours=2, minutes=5)), "b")
    clock.at = a.pickup_from + dt.timedelta(minutes=1)
    started = await adapter.receive_event(TripEvent(booking_id=a.id, kind=TripEventKind.STARTED, at=clock.at))
    assert started.state is S.STARTED
    with pytest.raises(Conflict, match="cannot be a no-show"):
        await adapter.receive_event(TripEvent(booking_id=a.id, kind=TripEventKind.NO_SHOW, at=clock.at))
    no_show = await adapter.receive_event(TripEvent(booking_id=b.id, kind=TripEventKind.NO_SHOW, at=clock.at))
    assert no_show.state is S.FINISHED and no_show.reason == "no-show"
    [manifest] = await adapter.manifests(T0.date())
    outcomes = [(s.ride_id, s.outcome) for s in manifest.stops]
    assert outcomes[:2] == [(a.id, "picked_up"), (b.id, "no_show")]
    assert outcomes[2:] == [(a.id, "")]  # only a's drop-off is left to do
    finished = await adapter.receive_event(TripEvent(booking_id=a.id, kind=TripEventKind.FINISHED,
                                                     at=clock.at + dt.timedelta(minutes=8)))
    assert finished.state is S.FINISHED
    again = await adapter.receive_event(TripEvent(booking_id=a.id, kind=TripEventKind.FINISHED, at=clock.at))
    assert again.state is S.FINISHED and (await adapter.get_ride(a.id)).dropped_off_at == clock.at + dt.timedelta(minutes=8)
    with pytest.raises(Conflict):
        await adapter.cancel(a.id, idempotency_key="after the ride")
    [manifest] = await adapter.manifests(T0.date())
    assert all(s.outcome for s in manifest.stops)
    # The van now starts from a's destination at the drop-off time: a new ride is timed from there.
    offer = await adapter.quote(trip(at=clock.at + dt.timedelta(hours=1)))
    assert offer.departure >= clock.at + dt.timedelta(hours=1)


async def test_reoptimisation_keeps_every_promise(clock: FakeClock) -> None:
    adapter = small_service(clock, seats=4, vans=3)
    rides = []
    points = [GeoPoint(lat=36.3985 + 0.003 * (k % 5), lon=138.8945 + 0.004 * (k % 4)) for k in range(12)]
    for k, origin in enumerate(points):
        query = trip(at=T0 + dt.timedelta(hours=2, minutes=7 * k), origin=origin,
                     destination=HOSPITAL if k % 2 else HOME)
        try:
            rides.append((await book(adapter, query, f"r{k}"))[1])
        except RideRefused:
            pass
    assert len(rides) >= 8
    saved_m = await adapter.reoptimise(T0.date(), 3.0)
    assert saved_m >= 0
    stops = {(s.ride_id, s.kind): s for m in await adapter.manifests(T0.date()) for s in m.stops}
    for ride in rides:
        stored = await adapter.get_ride(ride.id)
        assert (stored.pickup_from, stored.pickup_until) == (ride.pickup_from, ride.pickup_until)
        pickup, drop = stops[(ride.id, StopKind.PICKUP)], stops[(ride.id, StopKind.DROP_OFF)]
        assert ride.pickup_from <= pickup.planned_at <= ride.pickup_until
        assert pickup.planned_at < drop.planned_at <= ride.latest_dropoff


async def test_concurrent_bookings_in_one_process_never_share_the_last_seat(clock: FakeClock) -> None:
    adapter = small_service(clock, seats=3)
    offers = [await adapter.quote(trip()) for _ in range(6)]
    results = await asyncio.gather(*(adapter.book_ride(o.id, idempotency_key=f"p{k}") for k, o in enumerate(offers)),
                                   return_exceptions=True)
    booked = [r for r in results if not isinstance(r, BaseException)]
    assert len(booked) == 3
    assert all(isinstance(r, OperatorRejected) for r in results if isinstance(r, BaseException))


async def test_a_pickup_out_of_order_reseats_the_waiting_rider_on_another_van(clock: FakeClock) -> None:
    adapter = small_service(clock, seats=4, vans=2)
    wheelchair = frozenset({"wheelchair"})
    _, first = await book(adapter, trip(needs=wheelchair), "first")
    _, second = await book(adapter, trip(needs=wheelchair, at=T0 + dt.timedelta(hours=2, minutes=20)), "second")
    assert first.vehicle_id == second.vehicle_id  # one van serves both, one after the other
    # The driver takes the second rider first: the van's one wheelchair place is taken while
    # the first rider still waits, so the first rider moves to the other van, promise kept.
    clock.at = first.pickup_from
    await adapter.receive_event(TripEvent(booking_id=second.id, kind=TripEventKind.STARTED, at=clock.at))
    moved = await adapter.get_ride(first.id)
    assert moved.vehicle_id != first.vehicle_id
    assert (moved.pickup_from, moved.pickup_until) == (first.pickup_from, first.pickup_until)
    stops = {(s.ride_id, s.kind): s for m in await adapter.manifests(T0.date()) for s in m.stops}
    pickup = stops[(first.id, StopKind.PICKUP)]
    assert first.pickup_from <= pickup.planned_at <= first.pickup_until
    assert stops[(second.id, StopKind.PICKUP)].outcome == "picked_up"


async def test_a_van_starts_again_from_where_its_driver_last_reported(clock: FakeClock) -> None:
    adapter = small_service(clock, seats=4)
    _, ride = await book(adapter, trip(origin=HOME, destination=HOSPITAL), "there")
    clock.at = ride.pickup_from
    await adapter.receive_event(TripEvent(booking_id=ride.id, kind=TripEventKind.STARTED, at=clock.at))
    clock.advance(600)
    await adapter.receive_event(TripEvent(booking_id=ride.id, kind=TripEventKind.FINISHED, at=clock.at))
    plan, rides = await adapter.store.load_day("noriai", T0.date())
    model = DayBuilder(adapter.config).build(T0.date(), plan, {r.id: r for r in rides})
    [van] = model.problem.vehicles
    lat_lon = model.problem.travel  # the matrix is built over depots then reported places
    assert model.problem.requests == () and model.routes == [[]]
    assert van.shift_s[0] == (clock.at - dt.datetime(2026, 11, 24, tzinfo=TOKYO)).total_seconds()
    assert van.start_place != van.end_place  # at the hospital, not the depot
    assert lat_lon.distance_m[van.start_place, van.end_place] > 1000
    [manifest] = await adapter.manifests(T0.date())
    assert [s.outcome for s in manifest.stops] == ["picked_up", "dropped_off"]


async def test_drivers_rest_an_hour_at_the_depot_with_the_van_empty(clock: FakeClock) -> None:
    adapter = small_service(clock, seats=4, breaks=True)
    _, morning = await book(adapter, trip(at=T0 + dt.timedelta(hours=2)), "morning")
    [manifest] = await adapter.manifests(T0.date())
    kinds = [s.kind for s in manifest.stops]
    assert kinds == [StopKind.PICKUP, StopKind.DROP_OFF, StopKind.BREAK]
    rest = manifest.stops[-1]
    assert rest.place == adapter.config.vans[0].depot and rest.rider_name == "60 min break"
    assert dt.time(11, 30) <= rest.planned_at.astimezone(TOKYO).time() <= dt.time(13, 30)
    # A ride asked for 12:20 with no flexibility cannot fit into an hour that must start by 13:30
    # only if the van is free; it is, so the break moves: before or after the ride, never during it.
    raw = json.loads((DEMO / "noriai.json").read_text(encoding="utf-8"))["promise"]
    strict = small_service(clock, seats=4, breaks=True, promise={**raw, "flexible_after_s": 0})
    _, noon = await book(strict, trip(at=dt.datetime(2026, 11, 24, 12, 20, tzinfo=TOKYO)), "noon")
    [manifest] = await strict.manifests(T0.date())
    times = {s.kind: s.planned_at for s in manifest.stops}
    ride_end = times[StopKind.DROP_OFF] + dt.timedelta(seconds=strict.config.alighting_s)
    assert (times[StopKind.BREAK] + dt.timedelta(hours=1) <= times[StopKind.PICKUP]
            or times[StopKind.BREAK] >= ride_end)
    # Once the driver reports a stop planned after the break, the break is behind them.
    clock.at = dt.datetime(2026, 11, 24, 12, 20, tzinfo=TOKYO)
    await strict.receive_event(TripEvent(booking_id=noon.id, kind=TripEventKind.STARTED, at=clock.at))
    await strict.receive_event(TripEvent(booking_id=noon.id, kind=TripEventKind.FINISHED,
                                         at=clock.at + dt.timedelta(minutes=8)))
    [manifest] = await strict.manifests(T0.date())
    pending = [s.kind for s in manifest.stops if not s.outcome]
    plan, _ = await strict.store.load_day("noriai", T0.date())
    if pending:  # the break came after the ride: still to take
        assert pending == [StopKind.BREAK]
    else:
        assert plan.routes["van-0"] == (("break-0", StopKind.BREAK_TAKEN),)
    later = await strict.quote(trip(at=dt.datetime(2026, 11, 24, 14, 30, tzinfo=TOKYO)))
    [manifest] = await strict.manifests(T0.date())
    assert sum(s.kind is StopKind.BREAK for s in manifest.stops) == len(pending)
    assert later.departure.astimezone(TOKYO).time() == dt.time(14, 30)


async def test_a_disability_certificate_halves_the_riders_own_fare(clock: FakeClock) -> None:
    adapter = small_service(clock, seats=4)
    alone = await adapter.quote(trip().model_copy(update={"concessions": frozenset({"disability"})}))
    assert alone.price.amount_minor == 150 and "disability fare" in alone.conditions.notes[1]
    with_carer = await adapter.quote(trip(travellers=2).model_copy(update={"concessions": frozenset({"disability"})}))
    assert with_carer.price.amount_minor == 150 + 300
    senior = await adapter.quote(trip().model_copy(update={"concessions": frozenset({"senior"})}))
    assert senior.price.amount_minor == 300  # the operator grants no senior fare (the town may: issue 6)


# -- arriving by a time (door to door with arrive_by) -----------------------------------------
ELEVEN = dt.datetime(2026, 11, 24, 11, 0, tzinfo=TOKYO)


def by(arrive_by: dt.datetime, **kw: object) -> OfferQuery:
    return trip(**kw).model_copy(update={"arrive_by": arrive_by})  # type: ignore[arg-type]


async def test_a_quote_to_arrive_by_a_time_promises_to_set_down_by_then(clock: FakeClock) -> None:
    adapter = small_service(clock, seats=8)
    plain = await adapter.quote(trip())
    assert plain.latest_arrival is not None and plain.latest_arrival > ELEVEN + dt.timedelta(minutes=20)
    offer = await adapter.quote(by(ELEVEN + dt.timedelta(minutes=12)))
    assert offer.arrival <= offer.latest_arrival == ELEVEN + dt.timedelta(minutes=12)
    assert "arrival by 11:12 at the latest" in offer.conditions.notes
    ride = await adapter.book_ride(offer.id, idempotency_key="by-12")
    assert ride.arrive_by == ELEVEN + dt.timedelta(minutes=12)
    assert ride.latest_dropoff == ride.arrive_by - dt.timedelta(seconds=adapter.config.alighting_s)
    assert ride.pickup_until < plain.departure + dt.timedelta(minutes=10)  # the window narrowed to keep it


@pytest.mark.parametrize("arrive_by", [ELEVEN + dt.timedelta(minutes=5),  # the ride itself takes ~8 min
                                       ELEVEN - dt.timedelta(minutes=30),  # before the pickup asked
                                       dt.datetime(2026, 11, 23, 12, 0, tzinfo=TOKYO)])  # the day before
async def test_a_van_that_cannot_arrive_in_time_refuses_and_says_so(clock: FakeClock, arrive_by: dt.datetime) -> None:
    adapter = small_service(clock)
    with pytest.raises(RideRefused) as caught:
        await adapter.quote(by(arrive_by))
    assert caught.value.refusal is RefusalCode.CANNOT_ARRIVE_IN_TIME
    assert caught.value.fields == {"refusal": "cannot_arrive_in_time"}
    assert await adapter.search_offers(by(arrive_by)) == [] and await adapter.list_rides() == []


async def test_a_full_van_with_arrive_by_is_still_no_capacity(clock: FakeClock) -> None:
    raw = json.loads((DEMO / "noriai.json").read_text(encoding="utf-8"))["promise"]
    adapter = small_service(clock, seats=2, promise={**raw, "flexible_after_s": 120})
    await book(adapter, trip(travellers=2), "full")
    with pytest.raises(RideRefused) as caught:
        await adapter.quote(by(ELEVEN + dt.timedelta(minutes=30)))
    assert caught.value.refusal is RefusalCode.NO_CAPACITY


def test_arrive_by_needs_an_offset() -> None:
    with pytest.raises(ValueError, match="UTC offset"):
        OfferQuery(origin=HOME, destination=HOSPITAL, depart_at=ELEVEN, arrive_by=dt.datetime(2026, 11, 24, 11, 30))


async def test_the_deadline_holds_through_later_bookings_and_a_reoptimisation(clock: FakeClock) -> None:
    adapter = small_service(clock, seats=8, vans=1)
    deadline = ELEVEN + dt.timedelta(minutes=12)
    _, haru = await book(adapter, by(deadline), "haru")
    _, twin = await book(adapter, trip(), "twin")  # the same ride without arrive_by
    assert twin.latest_dropoff > deadline  # so it is the deadline, not the ride limit, that binds
    others = []
    for k in range(8):  # riders on Haru's way, each a detour the van would gladly take
        origin = GeoPoint(lat=36.4030 + 0.0015 * k, lon=138.9050 + 0.0010 * (k % 3))
        try:
            others.append((await book(adapter, trip(at=ELEVEN + dt.timedelta(minutes=k), origin=origin,
                                                    destination=HOSPITAL if k % 2 else HOME), f"o{k}"))[1])
        except RideRefused:
            pass
    assert len(others) >= 4
    await adapter.reoptimise(T0.date(), 2.0)
    stops = {(s.ride_id, s.kind): s for m in await adapter.manifests(T0.date()) for s in m.stops}
    drop = stops[(haru.id, StopKind.DROP_OFF)]
    assert drop.window_until <= deadline
    assert drop.planned_at + dt.timedelta(seconds=adapter.config.alighting_s) <= deadline
    # Once on board, later bookings still set Haru down in time.
    clock.at = haru.pickup_from
    await adapter.receive_event(TripEvent(booking_id=haru.id, kind=TripEventKind.STARTED, at=clock.at))
    plan, rides = await adapter.store.load_day("noriai", T0.date())
    model = DayBuilder(adapter.config).build(T0.date(), plan, {r.id: r for r in rides})
    request = model.problem.requests[model.ride_ids.index(haru.id)]
    assert request.on_board and model.at(request.dropoff_window_s[1]) == haru.latest_dropoff
    stops = {(s.ride_id, s.kind): s for m in await adapter.manifests(T0.date()) for s in m.stops}
    assert stops[(haru.id, StopKind.DROP_OFF)].planned_at <= haru.latest_dropoff


async def test_a_rider_picked_up_too_late_for_the_deadline_is_driven_straight_there(clock: FakeClock) -> None:
    adapter = small_service(clock, seats=8, vans=1)
    _, haru = await book(adapter, by(ELEVEN + dt.timedelta(minutes=12)), "haru")
    clock.at = haru.pickup_until + dt.timedelta(minutes=10)  # the deadline cannot be kept any more
    await adapter.receive_event(TripEvent(booking_id=haru.id, kind=TripEventKind.STARTED, at=clock.at))
    plan, rides = await adapter.store.load_day("noriai", T0.date())
    model = DayBuilder(adapter.config).build(T0.date(), plan, {r.id: r for r in rides})
    request = model.problem.requests[model.ride_ids.index(haru.id)]
    assert model.at(request.dropoff_window_s[1]) > haru.latest_dropoff
    assert model.keeps_promises(0)  # the van is not marked late: it still takes new rides
    later = await adapter.quote(trip(at=ELEVEN + dt.timedelta(hours=2)))
    assert later.departure >= ELEVEN + dt.timedelta(hours=2)
