"""Invariants of planned itineraries on the demo region, for any ends, time and profile:
nothing leaves before the requested time (or arrives after an arrive-by), legs chain in time
and place, walks respect the profile's maximum, and every itinerary meets its ends."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given, settings as hsettings, strategies as st

from routing.gtfs import feed_digest
from routing.plan import Endpoint, FeedSource, Network, NoStopNearby, PlanRequest, Profile, Walk

DEMO = Path(__file__).resolve().parents[2] / "fixtures" / "demo-region" / "gtfs"
STOPS = ["R01", "R02", "R03", "R03-1", "R04", "R05", "R06", "B01", "B02", "B04", "B07", "B08", "B10"]


@pytest.fixture(scope="module")
def planner(tmp_path_factory):
    network = Network([FeedSource(DEMO, feed_digest(DEMO))], cache_dir=tmp_path_factory.mktemp("cache"))
    return network.planner(dt.date(2026, 11, 24))


ends = (st.sampled_from(STOPS).map(Endpoint.stop)
        | st.builds(Endpoint.at, st.floats(36.38, 36.43), st.floats(138.85, 138.95)))
profiles = st.builds(Profile, walk_speed_mps=st.floats(0.5, 1.5), max_walk_m=st.integers(100, 1500),
                     wheelchair=st.booleans(), max_transfers=st.integers(0, 4), min_transfer_s=st.integers(0, 600))


@hsettings(max_examples=150, deadline=None)
@given(origin=ends, destination=ends, time_s=st.integers(4 * 3600, 26 * 3600), arrive_by=st.booleans(),
       profile=profiles)
def test_itineraries_chain_and_respect_the_request(planner, origin, destination, time_s, arrive_by,
                                                   profile) -> None:
    request = PlanRequest(origin, destination, time_s, arrive_by=arrive_by, profile=profile)
    try:
        result = planner.plan(request)
    except NoStopNearby:
        return
    if result.itineraries:
        assert result.reason in {None, "origin_is_destination"}
    else:
        assert result.reason == "no_connection"
    for it in result.itineraries:
        if arrive_by:
            assert it.arrival_s <= time_s
        else:
            assert it.departure_s >= time_s
        assert it.departure_s <= it.arrival_s
        for a, b in zip(it.legs, it.legs[1:]):
            assert a.arrival_s <= b.departure_s
            assert a.destination.stop_id == b.origin.stop_id or (a.destination.lat, a.destination.lon) == (
                b.origin.lat, b.origin.lon)
        for leg in it.legs:
            assert leg.departure_s <= leg.arrival_s
        for leg in it.legs:  # walks from or to a coordinate (transfers.txt links may be longer)
            if isinstance(leg, Walk) and None in (leg.origin.stop_id, leg.destination.stop_id):
                assert leg.distance_m <= profile.max_walk_m
        if it.legs:
            assert it.legs[0].departure_s == it.departure_s and it.legs[-1].arrival_s == it.arrival_s
        assert it.transfers <= profile.max_transfers
