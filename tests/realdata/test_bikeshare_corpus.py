"""Bike-share and scooter offers from the real GBFS snapshots in ../shared/corpus/gbfs.

HELLO CYCLING (Japan-wide, v2.3, 2024-04-06) and TIER Wolfsburg (v2.3, August 2023) publish no
`system_pricing_plans`, so each adapter is given a pricing plan in its configuration, as an
operator that lacks one in its feed would be; the plans below are test assumptions, not the
operators' tariffs. The clock is fixed at each snapshot's `last_updated`, when it was live.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from maas.domain.accounts import GeoPoint
from maas.domain.errors import OperatorUnavailable
from maas.domain.mobility import OfferQuery
from maas.domain.ports import AdapterContext
from operators.bikeshare import create
from operators.gbfs import parse_timestamp, validate
from tests.fakes import SteppedClock
from tests.tiny_bikes import bike_files, write_feed
from tests.tiny_cars import car_files, write_car_feed

pytestmark = pytest.mark.corpus

PER_15_MIN = {"plan_id": "assumed", "name": "assumed: 130 yen per started 15 min", "currency": "JPY",
              "price": 0, "is_taxable": False, "description": "test assumption",
              "per_min_pricing": [{"start": 0, "rate": 130, "interval": 15}]}
UNLOCK_AND_MINUTES = {"plan_id": "assumed", "name": "assumed: 1 EUR + 0.19 EUR a minute", "currency": "EUR",
                      "price": 1.0, "is_taxable": True, "description": "test assumption",
                      "per_min_pricing": [{"start": 0, "rate": 0.19, "interval": 1}]}
UENO = GeoPoint(lat=35.7138, lon=139.7773)  # JR Ueno station
ASAKUSA = GeoPoint(lat=35.7119, lon=139.7983)  # Asakusa station


def _status_time(folder: Path, name: str) -> dt.datetime:
    return parse_timestamp(json.loads((folder / f"{name}.json").read_text(encoding="utf-8"))["last_updated"])


@pytest.fixture
def hello_cycling(corpus_dir: Path) -> Path:
    return corpus_dir / "gbfs" / "hellocycling-japan-v2.3"


def _adapter(folder: Path, clock: SteppedClock, plan: dict, **options):
    return create(AdapterContext("operator", {"gbfs": str(folder / "gbfs.json"), "pricing_plan": plan, **options},
                                 folder, clock))


async def test_hello_cycling_offers_ueno_to_asakusa_and_a_booking_takes_the_only_bike(hello_cycling) -> None:
    at = _status_time(hello_cycling, "station_status")
    assert at == dt.datetime(2024, 4, 6, 23, 1, 24, tzinfo=dt.UTC)  # 08:01 in Tokyo
    clock = SteppedClock(at)
    adapter = _adapter(hello_cycling, clock, PER_15_MIN)
    query = OfferQuery(origin=UENO, destination=ASAKUSA, depart_at=at)
    (offer,) = await adapter.search_offers(query)
    # The nearest station with a bike is 東上野4丁目 台東区役所北 (232 m, its one bike), not JR上野駅
    # (253 m, 19 bikes); the ride is about 2.4 km: one started quarter hour.
    assert offer.description.startswith("hellocycling bicycle from 東上野4丁目 台東区役所北 232 m away to ")
    assert offer.mode == "bike" and offer.vehicle_type == "2"
    assert (offer.price.amount_minor, offer.price.currency) == (130, "JPY")
    assert 1_500 < offer.distance_m < 3_500
    await adapter.book(offer.id, idempotency_key="first")
    (after,) = await adapter.search_offers(query)
    assert after.description.startswith("hellocycling bicycle from JR上野駅 253 m away")
    await adapter.aclose()


async def test_hello_cycling_is_not_offered_as_live_today(hello_cycling) -> None:
    adapter = _adapter(hello_cycling, SteppedClock(dt.datetime.now(dt.UTC)), PER_15_MIN)
    with pytest.raises(OperatorUnavailable, match="stale"):
        await adapter.search_offers(OfferQuery(origin=UENO, destination=ASAKUSA, depart_at=dt.datetime.now(dt.UTC)))


async def test_tier_scooters_are_offered_free_floating_in_wolfsburg(corpus_dir: Path) -> None:
    folder = corpus_dir / "gbfs" / "tier-escooter-wolfsburg-v2.3"
    at = _status_time(folder, "free_bike_status")
    clock = SteppedClock(at)
    adapter = _adapter(folder, clock, UNLOCK_AND_MINUTES, max_walk_m=300)
    origin, destination = GeoPoint(lat=52.4227, lon=10.7865), GeoPoint(lat=52.4330, lon=10.8000)
    (offer,) = await adapter.search_offers(OfferQuery(origin=origin, destination=destination, depart_at=at))
    assert (offer.mode, offer.vehicle_type, offer.destination) == ("scooter", "okai_escooter", destination)
    # Straight line about 1.47 km x 1.3 = 1.9 km at 15 km/h: 8 started minutes.
    minutes = -(-(offer.arrival - offer.departure).total_seconds() // 60)
    assert offer.price.amount_minor == 100 + 19 * minutes and 7 <= minutes <= 9
    assets = await adapter.list_available_assets(origin, 300)
    scooter = next(a for a in assets if a.id in offer.description)
    assert scooter.kind == "vehicle" and scooter.range_m >= 1.2 * offer.distance_m
    assert all(a.distance_m <= 300 for a in assets) and assets[0].distance_m <= scooter.distance_m
    await adapter.aclose()


@pytest.mark.parametrize("version, write, files", [("2.3", write_feed, bike_files), ("3.0", write_car_feed, car_files)])
def test_the_hand_written_unit_test_feeds_follow_the_official_schemas(corpus_dir, tmp_path, version, write,
                                                                      files) -> None:
    gbfs = write(tmp_path / "feed", files())
    schemas = corpus_dir / "gbfs" / "json-schemas"
    for path in sorted(gbfs.parent.glob("*.json")):
        doc = json.loads(path.read_text())
        assert doc["version"] == version
        assert validate(doc, version, path.stem, schemas) == [], path.name
