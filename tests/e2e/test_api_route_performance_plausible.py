"""Route performance over rides already stored with implausible times (recorded before reports were
checked), through the real app on both databases: van v1 carried ride A (asked 09:00, on board
09:05-09:25) on Tuesday 2026-11-24; ride B (asked 10:00) was 'picked up' and 'dropped off' on the
Sunday before, two days early. B counts as served, but none of its times do: the median wait is
300 s (not -1.5 days), vehicle-hours 1/3 (09:05-09:25), 6 riders per vehicle-hour (not hundreds)."""

from __future__ import annotations

import asyncio
import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from maas.domain.accounts import GeoPoint, Role
from maas.domain.mobility import BookingState, LegBooking
from maas.domain.ondemand import DayPlan, Ride
from maas.domain.planning import Money
from maas.settings import load_settings
from maas.storage.rides import SqlRideStore
from tests.e2e.route_sales import consenting

JST = ZoneInfo("Asia/Tokyo")
TUESDAY = dt.date(2026, 11, 24)
SUNDAY = TUESDAY - dt.timedelta(days=2)


def at(hour: int, minute: int = 0, day: dt.date = TUESDAY) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), JST)


@pytest.fixture
def settings(database_url, tmp_path):
    """Two consenting riders are enough here (the default minimum is five)."""
    return load_settings({}, database_url=database_url, data_dir=tmp_path, planner_warmup=False,
                         min_riders_per_aggregate=2)


def ride(name: str, asked: dt.datetime, on: dt.datetime, off: dt.datetime, rider_ref: str = "") -> Ride:
    booking = LegBooking(id=name, operator_id="noriai", offer_id=f"offer-{name}", state=BookingState.FINISHED,
                         price=Money(amount_minor=300, currency="JPY"), departure=asked,
                         arrival=asked + dt.timedelta(minutes=30))
    return Ride(booking=booking, service_date=TUESDAY, origin=GeoPoint(lat=36.42, lon=138.87),
                destination=GeoPoint(lat=36.41, lon=138.91), travellers=1, requested_pickup=asked,
                pickup_from=asked, pickup_until=asked + dt.timedelta(minutes=20),
                latest_dropoff=asked + dt.timedelta(minutes=60), vehicle_id="v1", picked_up_at=on, dropped_off_at=off,
                rider_ref=rider_ref)


async def test_times_reported_two_days_early_stay_out_of_the_figures(client, container, sign_in) -> None:
    analyst = (await sign_in(Role.ANALYST)).headers
    riders = await consenting(container, "A", "B")
    rides = [ride("A", at(9), at(9, 5), at(9, 25), riders["A"]),
             ride("B", at(10), at(10, day=SUNDAY), at(10, day=SUNDAY) + dt.timedelta(seconds=5), riders["B"])]
    await SqlRideStore(container.engine).save_day(DayPlan(operator_id="noriai", service_date=TUESDAY), rides)
    response = await client.post("/v1/analyses", headers=analyst, json={
        "kind": "route_performance", "parameters": {"date": TUESDAY.isoformat(),
                                                    "cost_model": {"per_vehicle_hour_yen": 4000}}})
    assert response.status == 202, await response.text()
    for _ in range(600):
        done = await (await client.get(response.headers["Location"], headers=analyst)).json()
        if done["state"] in ("done", "failed"):
            break
        await asyncio.sleep(0.1)
    assert done["state"] == "done", done
    figures = done["results"]["on_demand"]
    assert (figures["served"], figures["riders"], figures["implausible_times"]) == (2, 2, 1)
    assert figures["wait_s"] == {"50": 300.0, "90": 300.0, "100": 300.0}
    assert figures["ride_time_s"]["100"] == 1200.0
    assert figures["vehicle_hours"] == round(20 / 60, 4) and figures["riders_per_vehicle_hour"] == 6.0
    assert any("implausible" in line for line in done["results"]["measured"])
