"""Two copies of the on-demand service (as two server processes would be) share the real
database: however many bookings race for a van's last seats, exactly as many succeed as there
are seats, and the stored plan never carries more riders than the van holds."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from pathlib import Path

from maas.domain.accounts import GeoPoint
from maas.domain.errors import OperatorRejected
from maas.domain.mobility import BookingState, OfferQuery
from maas.storage import migrate
from maas.storage.engine import create_engine
from maas.storage.rides import SqlRideStore
from operators.ondemand.adapter import OnDemandAdapter
from operators.ondemand.area import ServiceArea
from operators.ondemand.config import OnDemandConfig
from routing.flex import read_flex
from tests.fakes import SteppedClock

DEMO = Path(__file__).resolve().parents[2] / "fixtures" / "demo-region"
TOKYO = dt.timezone(dt.timedelta(hours=9))
NOW = dt.datetime(2026, 11, 24, 9, 0, tzinfo=TOKYO)
QUERY = OfferQuery(origin=GeoPoint(lat=36.4005, lon=138.9), destination=GeoPoint(lat=36.412526, lon=138.91438),
                   depart_at=NOW + dt.timedelta(hours=2))


class Dawdling(SqlRideStore):
    """Lingers after each read, so both services read the same plan version before either writes:
    every booking races, not just the ones that happen to overlap."""

    async def load_day(self, operator_id, service_date):
        found = await super().load_day(operator_id, service_date)
        await asyncio.sleep(0.05)
        return found


def service(engine, seats: int) -> OnDemandAdapter:
    raw = json.loads((DEMO / "noriai.json").read_text(encoding="utf-8"))
    # Riders accept 2 minutes' delay, so the van cannot serve anyone twice: seats are the limit.
    raw.update(vans=[{**raw["vans"][0], "id": "van-0", "seats": seats, "breaks": []}], reoptimise_s=0.0,
               promise={**raw["promise"], "flexible_after_s": 120})
    config = OnDemandConfig.model_validate(raw)
    return OnDemandAdapter(config, ServiceArea(read_flex(DEMO / "flex"), config.zone),
                           Dawdling(engine, SteppedClock(NOW)), SteppedClock(NOW))


async def test_racing_bookings_from_two_services_never_overbook(database_url: str) -> None:
    engines = [create_engine(database_url), create_engine(database_url)]
    try:
        await migrate.upgrade(engines[0])
        seats = 3
        services = [service(engine, seats) for engine in engines]
        offers = [(s, await s.quote(QUERY)) for s in services for _ in range(4)]  # 8 offers, 3 seats
        results = await asyncio.gather(*(s.book_ride(o.id, idempotency_key=f"k{i}")
                                         for i, (s, o) in enumerate(offers)), return_exceptions=True)
        booked = [r for r in results if not isinstance(r, BaseException)]
        refused = [r for r in results if isinstance(r, BaseException)]
        assert len(booked) == seats, results
        assert all(isinstance(r, OperatorRejected) for r in refused), refused
        stored = await services[1].list_rides(service_date=NOW.date())
        assert sorted(r.id for r in stored) == sorted(r.id for r in booked)
        assert all(r.booking.state is BookingState.CONDITIONAL_CONFIRMED for r in stored)
        [manifest] = await services[0].manifests(NOW.date())
        aboard = peak = 0
        for stop in manifest.stops:
            aboard += stop.travellers if stop.kind.value == "pickup" else -stop.travellers
            peak = max(peak, aboard)
        assert peak == seats and len(manifest.stops) == 2 * seats
    finally:
        for engine in engines:
            await engine.dispose()
