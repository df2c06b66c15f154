"""The planning use case with a fake planner: request rules, and the search off the event loop."""

from __future__ import annotations

import datetime as dt
import threading

import pytest

from maas.domain.errors import InvalidRequest
from maas.domain.planning import DepartureBoard, LegPlace, PlaceRef, TripPlan, TripRequest
from maas.services.planning import PlanningService
from tests.fakes import SteppedClock

AT = dt.datetime(2026, 11, 24, 8, 0, tzinfo=dt.timezone(dt.timedelta(hours=9)))


class FakePlanner:
    def __init__(self) -> None:
        self.threads: list[int] = []
        self.warmed: list[dt.datetime] = []

    def plan(self, request: TripRequest) -> TripPlan:
        self.threads.append(threading.get_ident())
        return TripPlan(itineraries=(), service_date=AT.date(), timezone="Asia/Tokyo", reason="no_connection")

    def departures(self, stop_id: str, at: dt.datetime, *, limit: int) -> DepartureBoard:
        self.threads.append(threading.get_ident())
        return DepartureBoard(stop=LegPlace(name=stop_id, lat=0, lon=0), service_date=at.date(),
                              timezone="Asia/Tokyo", departures=())

    def warm_up(self, at: dt.datetime) -> None:
        self.warmed.append(at)
        raise RuntimeError("a broken feed")


def trip(**times: dt.datetime) -> TripRequest:
    return TripRequest(origin=PlaceRef(stop_id="A"), destination=PlaceRef(lat=36.4, lon=138.9), **times)


async def test_plans_in_a_worker_thread() -> None:
    planner = FakePlanner()
    plan = await PlanningService(planner, SteppedClock(AT)).plan(trip(depart_at=AT))
    assert plan.reason == "no_connection"
    assert planner.threads and planner.threads[0] != threading.get_ident()


@pytest.mark.parametrize("times", [{}, {"depart_at": AT, "arrive_by": AT}, {"depart_at": AT.replace(tzinfo=None)}])
async def test_needs_exactly_one_time_with_an_offset(times: dict) -> None:
    planner = FakePlanner()
    with pytest.raises(InvalidRequest):
        await PlanningService(planner, SteppedClock(AT)).plan(trip(**times))
    assert planner.threads == []


async def test_departures_default_to_now_and_warm_up_failures_are_only_logged() -> None:
    planner = FakePlanner()
    service = PlanningService(planner, SteppedClock(AT))
    board = await service.departures("R03")
    assert board.service_date == AT.date() and planner.threads[0] != threading.get_ident()
    with pytest.raises(InvalidRequest):
        await service.departures("R03", limit=0)
    await service.warm_up()  # the planner raised; the service did not
    assert planner.warmed == [AT]


def test_place_refs_take_one_form() -> None:
    with pytest.raises(ValueError):
        PlaceRef(stop_id="A", lat=1.0, lon=2.0)
    with pytest.raises(ValueError):
        PlaceRef(lat=1.0)
