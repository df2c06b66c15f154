"""Car-share over a tiny hand-written GBFS v3.0 feed whose answers can be checked by hand.

No real car-share snapshot exists in the corpus (../shared/corpus/SOURCES.md), so this feed is
written here; tests/realdata/test_bikeshare_corpus.py checks it against the official schemas.
Everything lies on the meridian 139.0 E (0.001 degree of latitude = 111.195 m):

    origin        35.0000  (O)
    ebike bike-1  35.0002  a bicycle: not for the car adapter
    car-2         35.0005  compact, 3 km of range left
    station hub   35.0010  one compact and one van (vans must come back to the hub); car-9 docked
    car-1         35.0030  compact, 50 km of range, on plan `promo`
    station dhub  35.0390  2 free parking bays
    destination   35.0400  (D)

Cars drive the straight line x 1.3 at 30 km/h. Plan `drive`: 1.00 EUR + 0.29 EUR per started
minute + 0.20 EUR per started km; plan `promo`: 0.25 EUR per started minute.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
from pathlib import Path

import pytest

from maas.domain.accounts import GeoPoint
from maas.domain.errors import OperatorRejected
from maas.domain.mobility import BookingState, OfferQuery
from maas.domain.ports import AdapterContext
from maas.plugins import build_adapters, check_contract, load_operators_config
from operators.bikeshare import LiveFeed, source_for
from operators.carshare import CarShareAdapter, create
from operators.conformance import ConformanceScenario, run_conformance
from operators.gbfs import ReadOptions
from tests.fakes import SteppedClock
from tests.tiny_cars import LON, UPDATED, car_files, write_car_feed

T0 = dt.datetime.fromisoformat(UPDATED) + dt.timedelta(seconds=10)
O = GeoPoint(lat=35.0, lon=LON)
D = GeoPoint(lat=35.04, lon=LON)
QUERY = OfferQuery(origin=O, destination=D, depart_at=T0)


def make_adapter(gbfs: Path, clock: SteppedClock, **options) -> CarShareAdapter:
    feed = LiveFeed(source_for(str(gbfs), gbfs.parent, language=None, clock=clock), ReadOptions(strict=True),
                    clock, name="tiny-cars")
    return CarShareAdapter("tiny-cars", feed, clock, **options)


@pytest.fixture
def clock() -> SteppedClock:
    return SteppedClock(T0)


@pytest.fixture
def gbfs(tmp_path: Path) -> Path:
    return write_car_feed(tmp_path / "gbfs")


@pytest.fixture
def adapter(gbfs: Path, clock: SteppedClock) -> CarShareAdapter:
    return make_adapter(gbfs, clock)


async def test_cars_are_offered_from_the_street_and_from_a_station_priced_per_minute_and_km(adapter) -> None:
    street, station = await adapter.search_offers(QUERY)
    assert {street.mode, station.mode} == {"car"}
    # car-1 -> D: 0.037 deg = 4114.2 m x 1.3 = 5348 m, 642 s = 11 started minutes x 0.25 EUR.
    assert "car-1" in street.description and street.destination == D
    assert (street.distance_m, street.price.amount_minor, street.price.currency) == (5348, 275, "EUR")
    # hub -> dhub: 0.038 deg = 4225.4 m x 1.3 = 5493 m, 660 s: 1.00 + 11 x 0.29 + 6 x 0.20 = 5.39 EUR.
    assert (station.origin.lat, station.destination.lat) == (35.001, 35.039)
    assert (station.distance_m, station.price.amount_minor, station.vehicle_type) == (5493, 539, "compact")
    assert station.arrival - station.departure == dt.timedelta(seconds=660)


async def test_a_car_short_of_range_and_a_bicycle_are_not_offered(adapter) -> None:
    offers = await adapter.search_offers(QUERY)
    assert not any("car-2" in o.description or "bike-1" in o.description for o in offers)
    assets = await adapter.list_available_assets(O, 500)
    assert [(a.id, a.kind) for a in assets] == [("car-2", "vehicle"), ("hub", "station"), ("car-1", "vehicle")]
    assert assets[1].available == 2 and assets[1].vehicle_type == "compact,van"


async def test_one_car_carries_the_party_up_to_its_seats(adapter, caplog) -> None:
    caplog.set_level(logging.INFO, logger="operators.bikeshare")
    five = await adapter.search_offers(QUERY.model_copy(update={"travellers": 5}))
    assert sorted(o.price.amount_minor for o in five) == [275, 539]  # the price is per car
    # Six do not fit a compact; the van seats eight but must come back to the hub.
    assert await adapter.search_offers(QUERY.model_copy(update={"travellers": 6})) == []
    assert "van must come back to Hub" in caplog.text


async def test_wheelchair_users_get_no_car(adapter) -> None:
    assert await adapter.search_offers(QUERY.model_copy(update={"needs": frozenset({"wheelchair"})})) == []


async def test_booking_the_station_car_takes_it_until_cancelled(adapter) -> None:
    _, station = await adapter.search_offers(QUERY)
    booking = await adapter.book(station.id, idempotency_key="k1")
    assert booking.state is BookingState.CONFIRMED
    assert [o.origin.lat for o in await adapter.search_offers(QUERY)] == [35.003]  # only car-1 left
    await adapter.cancel(booking.id, idempotency_key="k2")
    assert len(await adapter.search_offers(QUERY)) == 2


async def test_two_concurrent_bookings_of_the_last_station_car_one_wins(gbfs, clock) -> None:
    async def slow_operator(booking) -> None:
        await asyncio.sleep(0)

    adapter = make_adapter(gbfs, clock, on_reserve=slow_operator)
    first = (await adapter.search_offers(QUERY))[1]
    second = (await adapter.search_offers(QUERY))[1]
    answers = await asyncio.gather(adapter.book(first.id, idempotency_key="a"),
                                   adapter.book(second.id, idempotency_key="b"), return_exceptions=True)
    assert sorted(type(a).__name__ for a in answers) == ["LegBooking", "OperatorRejected"]


async def test_a_station_car_gone_from_the_feed_is_refused_at_booking(gbfs, adapter, clock) -> None:
    _, station = await adapter.search_offers(QUERY)
    write_car_feed(gbfs.parent, car_files(hub_compacts=0))
    clock.advance(61)  # past the ttl: the feed is read again
    with pytest.raises(OperatorRejected, match="Hub has 0 Compact EV left"):
        await adapter.book(station.id, idempotency_key="k1")


async def test_the_car_share_adapter_conforms(adapter, clock) -> None:
    rejected = QUERY.model_copy(update={"needs": frozenset({"wheelchair"})})
    report = await run_conformance(adapter, ConformanceScenario(QUERY, rejected_query=rejected),
                                   now=clock.now, wait_until=clock.wait_until)
    assert report.ok, report.summary()
    assert {r.name for r in report.results if r.status == "passed"} >= {
        "search", "book_confirm_cancel", "trip_events", "unknown_ids", "same_key_other_offer", "expiry",
        "rejection"}


async def test_the_entry_point_builds_it_from_a_configuration_file(gbfs, tmp_path, clock) -> None:
    config = tmp_path / "operators.json"
    config.write_text(json.dumps({"operators": [{"id": "tiny-cars", "adapter": "gbfs-carshare", "options": {
        "gbfs": "gbfs/gbfs.json", "max_walk_m": 400, "offer_validity_s": 60}}]}))
    adapters = build_adapters(load_operators_config(config), config.parent, clock)  # real discovery
    cars = adapters["tiny-cars"]
    offers = await cars.search_offers(QUERY)
    assert [o.price.amount_minor for o in offers] == [275, 539]
    assert all(o.valid_until == T0 + dt.timedelta(seconds=60) for o in offers)
    await cars.aclose()


def test_the_factory_refuses_unknown_options_and_a_missing_feed(tmp_path, clock) -> None:
    with pytest.raises(ValueError, match="unknown gbfs-carshare options: colour"):
        create(AdapterContext("c", {"gbfs": "x/gbfs.json", "colour": "red"}, tmp_path, clock))
    with pytest.raises(ValueError, match="no GBFS folder"):
        create(AdapterContext("c", {"gbfs": "x/gbfs.json"}, tmp_path, clock))
    write_car_feed(tmp_path / "feed")
    assert check_contract("c", create(AdapterContext("c", {"gbfs": "feed/gbfs.json"}, tmp_path, clock)))
