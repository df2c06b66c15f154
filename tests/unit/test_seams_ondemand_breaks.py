"""Seam found walking the demo: after a few bookings the van's plan holds the driver's lunch
break, and the background re-optimisation failed on it (KeyError 'break-0' in the log), so the
day was never improved again."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from maas.domain.accounts import GeoPoint
from maas.domain.mobility import OfferQuery
from maas.domain.ondemand import RideRefused, StopKind
from operators.ondemand.adapter import OnDemandAdapter
from operators.ondemand.area import ServiceArea
from operators.ondemand.config import OnDemandConfig
from operators.ondemand.memory import MemoryRideStore
from routing.flex import read_flex
from tests.fakes import SteppedClock

DEMO = Path(__file__).resolve().parents[2] / "fixtures" / "demo-region"
T0 = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=9)))
HOME = GeoPoint(lat=36.4005, lon=138.9000)
HOSPITAL = GeoPoint(lat=36.412526, lon=138.91438)


def _service_with_lunch_breaks(clock: SteppedClock) -> OnDemandAdapter:
    raw = json.loads((DEMO / "noriai.json").read_text(encoding="utf-8"))
    raw["vans"] = [{**raw["vans"][0], "id": f"van-{k}", "seats": 4} for k in range(3)]
    raw["reoptimise_s"] = 0.0
    config = OnDemandConfig.model_validate(raw)
    assert all(van.breaks for van in config.vans)
    return OnDemandAdapter(config, ServiceArea(read_flex(DEMO / "flex"), config.zone), MemoryRideStore(), clock)


async def test_reoptimising_a_day_whose_vans_have_a_break_keeps_the_breaks_and_the_promises() -> None:
    clock = SteppedClock(T0)
    adapter = _service_with_lunch_breaks(clock)
    rides = []
    points = [GeoPoint(lat=36.3985 + 0.003 * (k % 5), lon=138.8945 + 0.004 * (k % 4)) for k in range(14)]
    for k, origin in enumerate(points):  # 11:00 to 12:30, around the drivers' lunch
        query = OfferQuery(origin=origin, destination=HOSPITAL if k % 2 else HOME,
                           depart_at=T0 + dt.timedelta(hours=2, minutes=7 * k))
        try:
            offer = await adapter.quote(query)
        except RideRefused:
            continue
        ride = await adapter.book_ride(offer.id, idempotency_key=f"r{k}", rider_ref=f"rider-{k}")
        await adapter.confirm(ride.id, idempotency_key=f"c{k}")
        rides.append(await adapter.get_ride(ride.id))
    assert len(rides) >= 8
    before = await adapter.manifests(T0.date())
    assert any(s.kind is StopKind.BREAK for m in before for s in m.stops)

    assert await adapter.reoptimise(T0.date(), 3.0) > 0  # the day is improved, not abandoned

    after = await adapter.manifests(T0.date())
    assert sorted(s.ride_id for m in after for s in m.stops if s.kind is StopKind.BREAK) == sorted(
        s.ride_id for m in before for s in m.stops if s.kind is StopKind.BREAK)
    stops = {(s.ride_id, s.kind): s for m in after for s in m.stops}
    for ride in rides:
        stored = await adapter.get_ride(ride.id)
        pickup, drop = stops[(ride.id, StopKind.PICKUP)], stops[(ride.id, StopKind.DROP_OFF)]
        assert stored.vehicle_id == next(m.vehicle_id for m in after if drop in m.stops)
        assert ride.pickup_from <= pickup.planned_at <= ride.pickup_until
        assert pickup.planned_at < drop.planned_at <= ride.latest_dropoff
