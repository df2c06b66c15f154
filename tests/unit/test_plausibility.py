"""When a trip event can have happened (maas.domain.plausibility), and route performance's on-demand
figures built only from such times, checked by hand.

A ride asked for 09:00 Tuesday (window 09:00-09:20, drop-off by 10:00). With the default window
(2 h before, 6 h after) events from 07:00 to 16:00 are plausible.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from maas.domain.accounts import GeoPoint
from maas.domain.mobility import BookingState, LegBooking
from maas.domain.ondemand import DayPlan, Ride
from maas.domain.planning import Money
from maas.domain.plausibility import EventWindow, ImplausibleEvent, check_event_time
from maas.domain.scenarios import CostModelSpec
from maas.services.route_performance import on_demand_figures

JST = ZoneInfo("Asia/Tokyo")
TUESDAY = dt.date(2026, 11, 24)


def at(hour: int, minute: int = 0, day: dt.date = TUESDAY) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), JST)


def check(event: dt.datetime, now: dt.datetime | None = None) -> None:
    check_event_time(event, now=now or at(23), scheduled_from=at(9), scheduled_until=at(10), window=EventWindow(),
                     what="ride r1", zone=JST)


@pytest.mark.parametrize("event", [at(7), at(9, 5), at(16)])
def test_events_around_the_ride_are_plausible(event) -> None:
    check(event)


@pytest.mark.parametrize("event, reason", [
    (at(6, 59), "too_early"),
    (at(9, 5, day=TUESDAY - dt.timedelta(days=2)), "too_early"),  # the Sunday before
    (at(16, 1), "too_late"),
])
def test_events_far_from_the_ride_are_refused(event, reason) -> None:
    with pytest.raises(ImplausibleEvent) as refused:
        check(event)
    assert refused.value.code == "implausible_event_time"
    assert refused.value.fields["reason"] == reason
    assert refused.value.fields["scheduled"] == "2026-11-24T09:00+09:00 to 2026-11-24T10:00+09:00"


def test_an_event_in_the_future_is_refused_beyond_the_clock_drift() -> None:
    check(at(9, 5), now=at(9, 0))  # 5 min ahead: a tablet's clock may run fast
    with pytest.raises(ImplausibleEvent) as refused:
        check(at(9, 6), now=at(9, 0))
    assert refused.value.fields == {"at": "2026-11-24T09:06+09:00", "reason": "in_the_future"}


def test_the_window_is_configurable() -> None:
    narrow = EventWindow(before_s=600, after_s=600)
    assert narrow.admits(at(8, 50), at(9), at(10)) and not narrow.admits(at(8, 49), at(9), at(10))
    assert narrow.admits(at(10, 10), at(9), at(10)) and not narrow.admits(at(10, 11), at(9), at(10))
    with pytest.raises(ValueError):
        EventWindow(before_s=-1)


def ride(name: str, asked: dt.datetime, on: dt.datetime | None, off: dt.datetime | None) -> Ride:
    booking = LegBooking(id=name, operator_id="noriai", offer_id=f"offer-{name}", state=BookingState.FINISHED,
                         price=Money(amount_minor=300, currency="JPY"), departure=asked,
                         arrival=asked + dt.timedelta(minutes=30))
    return Ride(booking=booking, service_date=TUESDAY, origin=GeoPoint(lat=36.42, lon=138.87),
                destination=GeoPoint(lat=36.41, lon=138.91), travellers=1, requested_pickup=asked,
                pickup_from=asked, pickup_until=asked + dt.timedelta(minutes=20),
                latest_dropoff=asked + dt.timedelta(minutes=60), vehicle_id="v1", picked_up_at=on,
                dropped_off_at=off)


def figures(rides: list[Ride]) -> dict:
    plan = DayPlan(operator_id="noriai", service_date=TUESDAY)
    return on_demand_figures("noriai", [(plan, rides)], [], CostModelSpec(per_vehicle_hour_yen=4000))


def test_stored_times_reported_two_days_early_are_left_out_of_the_figures() -> None:
    """What the issue saw: a pickup and drop-off reported on Sunday for Tuesday's ride gave a wait of
    -1.5 days and hundreds of riders per vehicle-hour. A: asked 09:00, on board 09:05-09:25 (wait
    300 s, 0.33 vehicle-hours); B: asked 10:00, 'picked up' and 'dropped off' on Sunday 10:00 and
    10:00:05. B is still served (it is FINISHED) but none of its times count."""
    sunday = TUESDAY - dt.timedelta(days=2)
    good = ride("A", at(9), at(9, 5), at(9, 25))
    bad = ride("B", at(10), at(10, day=sunday), at(10, day=sunday) + dt.timedelta(seconds=5))
    out = figures([good, bad])
    assert (out["served"], out["riders"], out["implausible_times"]) == (2, 2, 1)
    assert out["wait_s"] == {"50": 300.0, "90": 300.0, "100": 300.0}
    assert out["ride_time_s"]["100"] == 1200.0
    assert out["vehicle_hours"] == pytest.approx(20 / 60, abs=1e-4)
    assert out["riders_per_vehicle_hour"] == pytest.approx(2 / (20 / 60), abs=1e-3)


def test_an_early_pickup_waits_zero_and_a_drop_off_before_the_pickup_is_left_out() -> None:
    early = ride("A", at(9), at(8, 55), at(9, 20))  # the van came 5 min before the time asked for
    reversed_times = ride("B", at(9), at(9, 30), at(9, 10))
    out = figures([early, reversed_times])
    assert out["wait_s"] == {"50": 0.0, "90": 0.0, "100": 0.0}
    assert out["implausible_times"] == 1
    assert min(out["ride_time_s"].values()) > 0


def test_the_window_comes_from_maas_settings() -> None:
    from maas.settings import SettingsError, load_settings

    defaults = load_settings({})
    assert (defaults.trip_event_before_s, defaults.trip_event_after_s) == (7200, 21600)
    narrow = load_settings({"MAAS_TRIP_EVENT_BEFORE_S": "600", "MAAS_TRIP_EVENT_AFTER_S": "900"})
    assert (narrow.trip_event_before_s, narrow.trip_event_after_s) == (600, 900)
    with pytest.raises(SettingsError, match="MAAS_TRIP_EVENT_AFTER_S"):
        load_settings({"MAAS_TRIP_EVENT_AFTER_S": "-5"})
