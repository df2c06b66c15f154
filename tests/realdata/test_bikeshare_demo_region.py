"""The demo region's bike-share (やまぶきサイクル, fixtures/demo-region/gbfs) enabled the way a
deployment enables it: a configuration file naming the `gbfs-bikeshare` entry point."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from maas.domain.accounts import GeoPoint
from maas.domain.mobility import BookingState, OfferQuery
from maas.plugins import build_adapters, load_operators_config
from operators.conformance import ConformanceScenario, run_conformance
from tests.fakes import SteppedClock

LIVE = dt.datetime(2026, 10, 31, 15, 0, tzinfo=dt.UTC)  # the feed's last_updated, 00:00 in Tokyo
NEAR_STATION = GeoPoint(lat=36.3990, lon=138.9005)  # 53 m from 山吹駅前 (cy-01)
NEAR_HOSPITAL = GeoPoint(lat=36.4115, lon=138.9130)  # 69 m from 山吹町立病院 (cy-04)
QUERY = OfferQuery(origin=NEAR_STATION, destination=NEAR_HOSPITAL, depart_at=LIVE + dt.timedelta(minutes=5))


@pytest.fixture
def config(tmp_path: Path, repo_root: Path) -> Path:
    path = tmp_path / "operators.json"
    gbfs = repo_root / "fixtures" / "demo-region" / "gbfs" / "gbfs.json"
    path.write_text(json.dumps({"operators": [{"id": "yamabuki-cycle", "adapter": "gbfs-bikeshare",
                                               "options": {"gbfs": str(gbfs), "offer_validity_s": 60}}]}))
    return path


def test_the_feed_is_dated_as_the_test_assumes(repo_root: Path) -> None:
    status = json.loads((repo_root / "fixtures/demo-region/gbfs/station_status.json").read_text())
    assert dt.datetime.fromtimestamp(status["last_updated"], dt.UTC) == LIVE


async def test_the_demo_bike_share_offers_both_bikes_from_the_station_to_the_hospital(config: Path) -> None:
    clock = SteppedClock(LIVE)
    bikes = build_adapters(load_operators_config(config), config.parent, clock)["yamabuki-cycle"]
    offers = await bikes.search_offers(QUERY)
    # cy-01 -> cy-04 is 1803 m in a straight line, 2344 m ridden: 563 s, inside the first half
    # hour, so each plan's base price: 130 yen for a bike, 200 yen for an e-bike.
    assert [(o.vehicle_type, o.price.amount_minor, o.distance_m) for o in offers] == [
        ("bike", 130, 2344), ("ebike", 200, 2344)]
    assert all(o.description.endswith("from 山吹駅前 53 m away to 山吹町立病院") for o in offers)
    booking = await bikes.book(offers[0].id, idempotency_key="demo-1")
    assert booking.state is BookingState.CONFIRMED
    station = next(a for a in await bikes.list_available_assets(NEAR_STATION, 100) if a.id == "cy-01")
    assert station.available == 6  # the feed's 7 less the reservation
    await bikes.aclose()


async def test_the_demo_bike_share_passes_the_conformance_kit_through_its_entry_point(config: Path) -> None:
    clock = SteppedClock(LIVE)
    bikes = build_adapters(load_operators_config(config), config.parent, clock)["yamabuki-cycle"]
    wheelchair = QUERY.model_copy(update={"needs": frozenset({"wheelchair"})})
    report = await run_conformance(bikes, ConformanceScenario(QUERY, rejected_query=wheelchair),
                                   now=clock.now, wait_until=clock.wait_until)
    assert report.ok, report.summary()
    assert {r.name for r in report.results if r.status == "passed"} >= {
        "search", "book_confirm_cancel", "trip_events", "unknown_ids", "same_key_other_offer", "expiry",
        "rejection"}
