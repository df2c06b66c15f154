"""The conformance kit passes for the bike-share adapter on the tiny hand-written feed."""

from __future__ import annotations

from pathlib import Path

from maas.domain.accounts import GeoPoint
from operators.conformance import ConformanceScenario, run_conformance
from tests.fakes import SteppedClock
from tests.tiny_bikes import LON, QUERY, T0, bike_files, make_adapter, write_feed

WHEELCHAIR = QUERY.model_copy(update={"needs": frozenset({"wheelchair"})})
NO_DOCK_NEAR = QUERY.model_copy(update={"destination": GeoPoint(lat=35.10, lon=LON)})  # 8.9 km beyond c


async def test_the_bike_share_adapter_conforms(tmp_path: Path) -> None:
    clock = SteppedClock(T0)
    adapter = make_adapter(write_feed(tmp_path / "gbfs", bike_files()), clock, offer_validity_s=60)
    report = await run_conformance(adapter, ConformanceScenario(QUERY, rejected_query=WHEELCHAIR),
                                   now=clock.now, wait_until=clock.wait_until)
    assert report.ok, report.summary()
    passed = {r.name for r in report.results if r.status == "passed"}
    assert passed >= {"search", "book_confirm_cancel", "trip_events", "unknown_ids", "same_key_other_offer",
                      "expiry", "rejection"}


async def test_a_destination_without_docks_or_scooter_range_is_refused(tmp_path: Path) -> None:
    clock = SteppedClock(T0)
    adapter = make_adapter(write_feed(tmp_path / "gbfs", bike_files()), clock)
    # s2 would ride 0.098 deg = 10.9 km x 1.3 = 14.2 km, 17.0 km with the reserve: more than its 15 km.
    assert await adapter.search_offers(NO_DOCK_NEAR) == []
    report = await run_conformance(adapter, ConformanceScenario(QUERY, rejected_query=NO_DOCK_NEAR),
                                   now=clock.now, wait_until=clock.wait_until)
    assert report.ok, report.summary()
