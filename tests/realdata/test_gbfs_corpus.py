"""The GBFS adapter on the real snapshots in ../shared/corpus/gbfs (HELLO CYCLING, docomo, TIER, OTP)."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from jsonschema import Draft7Validator, validators

from operators.gbfs import (
    AvailabilityIndex,
    DirectorySource,
    InvalidFeed,
    ReadOptions,
    StaleFeed,
    iter_zip_documents,
    parse_station_information,
    parse_station_status,
    read_feed,
    trip_price_minor,
    validate,
)
from operators.gbfs.freshness import parse_timestamp
from operators.gbfs.sources import utc_now

pytestmark = pytest.mark.corpus


@pytest.fixture(scope="module")
def gbfs_dir(corpus_dir: Path) -> Path:
    return corpus_dir / "gbfs"


@pytest.fixture(scope="module")
def schemas(gbfs_dir: Path) -> Path:
    return gbfs_dir / "json-schemas"


def lenient(schemas: Path) -> ReadOptions:
    return ReadOptions(strict=False, schema_dir=schemas)


def test_the_official_schemas_are_draft_07(schemas: Path) -> None:
    files = sorted(schemas.glob("v*/*.json"))
    assert len(files) == 25
    for path in files:
        schema = json.loads(path.read_text(encoding="utf-8"))
        assert validators.validator_for(schema) is Draft7Validator, path


async def test_hello_cycling_has_7892_stations_and_every_station_problem_is_reported(gbfs_dir, schemas) -> None:
    snapshot = await read_feed(DirectorySource(gbfs_dir / "hellocycling-japan-v2.3"), lenient(schemas))
    assert (snapshot.version, snapshot.language, snapshot.system.timezone) == ("2.3", "ja", "Asia/Tokyo")
    assert len(snapshot.stations) == len(snapshot.station_status) == 7892
    # Every station publishes vehicle_capacity as a string: each one is reported, none is dropped.
    pattern = re.compile(r"^\$\.data\.stations\[(\d+)\]")
    flagged = {int(m.group(1)) for f in snapshot.findings if f.file == "station_information"
               and (m := pattern.match(f.path))}
    assert flagged == set(range(7892))
    assert all("vehicle_capacity" in f.path for f in snapshot.findings if f.file == "station_information")
    # Thirteen stations report -1 free docks: reported, and never offered for a return.
    negative = [f for f in snapshot.findings if f.path.endswith("num_docks_available")]
    assert len(negative) == 13
    assert not any(s.can_return() for s in snapshot.station_status if (s.num_docks_available or 0) < 0)


async def test_hello_cycling_is_refused_in_strict_mode(gbfs_dir, schemas) -> None:
    with pytest.raises(InvalidFeed) as caught:
        await read_feed(DirectorySource(gbfs_dir / "hellocycling-japan-v2.3"), ReadOptions(schema_dir=schemas))
    assert len(caught.value.findings) >= 7892


async def test_hello_cycling_stations_near_tokyo_station_are_nearest_first_and_never_live_today(gbfs_dir) -> None:
    snapshot = await read_feed(DirectorySource(gbfs_dir / "hellocycling-japan-v2.3"), ReadOptions(strict=False))
    status = next(f for f in snapshot.freshness if f.file_name == "station_status")
    at_capture = status.last_updated + timedelta(seconds=30)
    index = AvailabilityIndex(snapshot)
    # HELLO CYCLING is thin around Tokyo Station: nothing rentable within 1 km, nine within 3 km.
    assert index.list_stations_near(35.681236, 139.767125, 1_000, now=at_capture) == []
    found = index.list_stations_near(35.681236, 139.767125, 3_000, now=at_capture)
    distances = [n.distance_m for n in found]
    assert len(found) == 9 and distances == sorted(distances) and 1_000 < distances[0] and distances[-1] <= 3_000
    assert all(n.status.can_rent() for n in found)
    docks = index.list_stations_near(35.681236, 139.767125, 3_000, now=at_capture, purpose="return")
    assert len(docks) == 29 and all(n.status.num_docks_available > 0 for n in docks)
    assert snapshot.is_stale(utc_now())
    with pytest.raises(StaleFeed):
        index.list_stations_near(35.681236, 139.767125, 1_000, now=utc_now())


def test_docomo_tokyo_minutely_series_changes_over_the_hour(gbfs_dir, schemas) -> None:
    folder = gbfs_dir / "docomo-cycle-tokyo-2022-06-29"
    stations, findings = parse_station_information(json.loads((folder / "station_information.json").read_bytes()))
    assert (len(stations), findings) == (1077, [])
    series = list(iter_zip_documents(folder / "station_status_minutely_2022-06-29_08h.zip"))
    assert len(series) == 60
    history: dict[str, list[int]] = {}
    times = []
    for _name, doc in series:
        statuses, problems = parse_station_status(doc)
        assert problems == [] and len(statuses) > 1000
        times.append(parse_timestamp(doc["last_updated"]))
        for s in statuses:
            history.setdefault(s.station_id, []).append(s.num_vehicles_available)
    assert times == sorted(times) and times[-1] - times[0] >= timedelta(minutes=55)
    assert times[0].astimezone(ZoneInfo("Asia/Tokyo")).hour == 8
    changed = [sid for sid, counts in history.items() if len(set(counts)) > 1]
    assert len(changed) >= 10
    assert validate(series[0][1], "2.3", "station_status", schemas) == []
    assert validate(series[-1][1], "2.3", "station_status", schemas) == []


async def test_tier_wolfsburg_has_840_free_floating_scooters_with_ranges(gbfs_dir, schemas) -> None:
    snapshot = await read_feed(DirectorySource(gbfs_dir / "tier-escooter-wolfsburg-v2.3"), lenient(schemas))
    assert len(snapshot.vehicles) == 840 and snapshot.stations == ()
    (scooter,) = snapshot.vehicle_types
    assert (scooter.form_factor, scooter.max_range_meters) == ("scooter_standing", 46000.0)
    ranges = [v.current_range_meters for v in snapshot.vehicles]
    assert all(r is not None and 0 <= r <= 46000 for r in ranges)
    at_capture = parse_timestamp(1691742180) + timedelta(seconds=10)
    near = AvailabilityIndex(snapshot).list_vehicles_near(52.4227, 10.7865, 1_000, now=at_capture,
                                                          min_range_meters=10_000)
    assert near and all(n.vehicle.is_available() and n.vehicle.current_range_meters >= 10_000 for n in near)


@pytest.mark.parametrize("folder", ["duplicate-stations-v2", "duplicate-stations-v3"])
async def test_otp_duplicate_stations_keep_the_first_and_report_the_rest(gbfs_dir, schemas, folder) -> None:
    source = DirectorySource(gbfs_dir / "otp-testdata" / folder)
    snapshot = await read_feed(source, lenient(schemas))
    assert [s.station_id for s in snapshot.stations] == ["station_1", "station_duplicate", "station_3"]
    by_id = {s.station_id: s for s in snapshot.station_status}
    assert len(snapshot.station_status) == 3 and by_id["station_duplicate"].num_vehicles_available == 10
    (dup,) = [f for f in snapshot.findings if "duplicate" in f.message]
    assert (dup.file, dup.path) == ("station_status", "$.data.stations[2]")
    with pytest.raises(InvalidFeed):
        await read_feed(source, ReadOptions(schema_dir=schemas))


async def test_otp_lillestrom_pricing_plans_price_flat_trips_in_ore(gbfs_dir, schemas) -> None:
    snapshot = await read_feed(DirectorySource(gbfs_dir / "otp-testdata" / "lillestrombysykkel"), lenient(schemas))
    assert (snapshot.version, snapshot.language) == ("2.2", "nb")
    plans = {p.name: p for p in snapshot.pricing_plans}
    assert set(plans) == {"sesongkort", "3-dagerskort"}
    assert {p.currency for p in plans.values()} == {"NOK"}
    assert trip_price_minor(plans["sesongkort"], 45 * 60, 3_000) == 5000
    assert trip_price_minor(plans["3-dagerskort"], 0, 0) == 1000
    # A 2.2 feed is checked against the 2.3 schema; the version mismatch is reported, not hidden.
    assert any(f.path == "$.version" for f in snapshot.findings)


async def test_otp_almere_v30_vehicles_pass_strict_mode(gbfs_dir, schemas) -> None:
    snapshot = await read_feed(DirectorySource(gbfs_dir / "otp-testdata" / "ridecheck-almere"),
                               ReadOptions(strict=True, schema_dir=schemas))
    assert (snapshot.version, snapshot.system.name, snapshot.system.language) == ("3.0", "Check Technologies", "en")
    (moped,) = snapshot.vehicle_types
    assert (moped.form_factor, moped.max_range_meters) == ("moped", 60000.0)
    assert len(snapshot.vehicles) == 6 and snapshot.findings == ()
    assert sum(v.is_reserved for v in snapshot.vehicles) >= 1 and sum(v.is_disabled for v in snapshot.vehicles) >= 1
    assert all(v.current_range_meters <= 60000 for v in snapshot.vehicles)
