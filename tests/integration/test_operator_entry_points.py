"""The demo taxi enabled the way a deployment enables it: configuration file, entry point, container."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from maas.bootstrap import build_container
from maas.domain.accounts import GeoPoint
from maas.domain.mobility import OfferQuery
from maas.plugins import build_adapters, load_operators_config
from maas.settings import load_settings
from operators.conformance import ConformanceScenario, run_conformance
from tests.fakes import SteppedClock

pytestmark = pytest.mark.sqlite_only  # PostgreSQL adds nothing here: docs/guide.md, section 5

T0 = dt.datetime(2026, 11, 24, 1, 0, tzinfo=dt.UTC)  # 10:00 in Tokyo
QUERY = OfferQuery(origin=GeoPoint(lat=36.400, lon=138.900), destination=GeoPoint(lat=36.415, lon=138.905),
                   depart_at=T0 + dt.timedelta(minutes=30))


def taxi_config(tmp_path: Path, repo_root: Path, **options) -> Path:
    path = tmp_path / "operators.json"
    demo = repo_root / "fixtures" / "demo-region"
    path.write_text(json.dumps({"operators": [{"id": "yamabuki-kotsu-taxi", "adapter": "taxi",
                                               "options": {"demo_dir": str(demo), **options}}]}))
    return path


async def test_the_taxi_entry_point_passes_the_conformance_kit(tmp_path, repo_root) -> None:
    clock = SteppedClock(T0)
    config = load_operators_config(taxi_config(tmp_path, repo_root, offer_validity_s=60))
    adapters = build_adapters(config, tmp_path, clock)  # real entry-point discovery
    taxi = adapters["yamabuki-kotsu-taxi"]
    scenario = ConformanceScenario(QUERY, rejected_query=QUERY.model_copy(update={"travellers": 9}))
    report = await run_conformance(taxi, scenario, now=clock.now, wait_until=clock.wait_until)
    assert report.ok, report.summary()
    assert {r.name for r in report.results if r.status == "passed"} >= {
        "search", "book_confirm_cancel", "trip_events", "unknown_ids", "expiry", "rejection"}


async def test_the_container_offers_taxi_rides(tmp_path, repo_root) -> None:
    settings = load_settings({}, database_url=f"sqlite:///{tmp_path / 'db.sqlite3'}", data_dir=tmp_path,
                             operators_config=taxi_config(tmp_path, repo_root), planner_warmup=False)
    container = build_container(settings, clock=SteppedClock(T0))
    try:
        result = await container.offers.search(QUERY)
        assert result.failures == ()
        assert {o.operator_id for o in result.offers} == {"yamabuki-kotsu-taxi"}
        assert all(o.price.currency == "JPY" and o.price.amount_minor >= 700 for o in result.offers)
    finally:
        await container.aclose()
