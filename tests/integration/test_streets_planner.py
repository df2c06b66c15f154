"""The planner's walks on the demo town's streets: access, egress and direct walks measured on
them, each walk leg drawn from its origin to its destination, the station steps avoided in a wheelchair."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from maas.demo.region_data import MAIN_STATION, VIRTUAL_STOPS, lat_of, lon_of
from maas.demo.streets_data import STEPS_TOP_M
from maas.domain.planning import PlaceRef, TravellerProfile, TripRequest, WalkLeg
from maas.routing_adapter.planner import RaptorJourneyPlanner
from routing.gtfs import feed_digest
from routing.plan import FeedSource
from routing.streets import StreetRouter, load_graph

DEMO = Path(__file__).resolve().parents[2] / "fixtures" / "demo-region"
MORNING = dt.datetime(2026, 11, 24, 9, 0, tzinfo=ZoneInfo("Asia/Tokyo"))  # a Tuesday
SOUTH_EXIT = VIRTUAL_STOPS[0]


@pytest.fixture(scope="module")
def streets() -> StreetRouter:
    return StreetRouter(load_graph(DEMO / "streets.osm"))


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("timetables")  # one compile of the demo timetable for the module


def _planner(cache: Path, streets: StreetRouter | None) -> RaptorJourneyPlanner:
    source = FeedSource(DEMO / "gtfs", feed_digest(DEMO / "gtfs"))
    return RaptorJourneyPlanner(lambda: [source], cache, streets=streets)


def _trip(origin: tuple[float, float], destination: tuple[float, float], **profile: object) -> TripRequest:
    return TripRequest(origin=PlaceRef(lat=origin[0], lon=origin[1]),
                       destination=PlaceRef(lat=destination[0], lon=destination[1]),
                       depart_at=MORNING, profile=TravellerProfile(**profile))  # type: ignore[arg-type]


def _walks(plan) -> list[WalkLeg]:  # type: ignore[no-untyped-def]
    return [leg for it in plan.itineraries for leg in it.legs if isinstance(leg, WalkLeg)]


def test_walk_legs_are_on_streets_and_drawn_end_to_end(cache: Path, streets: StreetRouter):
    hospital = (VIRTUAL_STOPS[1].lat, VIRTUAL_STOPS[1].lon)
    plan = _planner(cache, streets).plan(_trip((SOUTH_EXIT.lat, SOUTH_EXIT.lon), hospital, max_walk_m=800))
    walks = _walks(plan)
    assert plan.itineraries and walks
    for leg in walks:
        assert leg.path[0] == pytest.approx((leg.origin.lat, leg.origin.lon))
        assert leg.path[-1] == pytest.approx((leg.destination.lat, leg.destination.lon))
        if leg.origin.stop_id is None or leg.destination.stop_id is None:
            assert leg.street_model == "streets" and len(leg.path) > 2
    straight = _walks(_planner(cache, None).plan(
        _trip((SOUTH_EXIT.lat, SOUTH_EXIT.lon), hospital, max_walk_m=800)))
    assert straight and all(leg.street_model == "straight_line" and len(leg.path) == 2 for leg in straight)


def test_a_wheelchair_walk_to_the_station_goes_round_the_steps(cache: Path, streets: StreetRouter):
    planner = _planner(cache, streets)
    start, station = (SOUTH_EXIT.lat, SOUTH_EXIT.lon), (MAIN_STATION.lat, MAIN_STATION.lon + 0.00001)
    walking = planner.plan(_trip(start, station, max_walk_m=1000))
    rolling = planner.plan(_trip(start, station, max_walk_m=1000, wheelchair=True))
    (walk,) = [it.legs[0] for it in walking.itineraries if len(it.legs) == 1]
    (roll,) = [it.legs[0] for it in rolling.itineraries if len(it.legs) == 1]
    assert isinstance(walk, WalkLeg) and isinstance(roll, WalkLeg)
    steps_foot = (lat_of(STEPS_TOP_M), lon_of(0))
    assert steps_foot in walk.path and steps_foot not in roll.path
    assert roll.distance_m > 3 * walk.distance_m
    assert roll.street_model == walk.street_model == "streets"
