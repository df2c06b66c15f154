"""Validation against the official GBFS JSON schemas, read from the corpus schema directory."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from operators.gbfs import (
    DirectorySource,
    InvalidFeed,
    ReadOptions,
    SchemaNotFound,
    read_feed,
    schema_folder,
    validate,
)


@pytest.fixture(scope="module")
def schema_dir(corpus_dir: Path) -> Path:
    return corpus_dir / "gbfs" / "json-schemas"


def station_information(version: str, stations: list[dict]) -> dict:
    last_updated = 1712444484 if version == "2.3" else "2024-04-06T23:01:24+00:00"
    return {"last_updated": last_updated, "ttl": 60, "version": version, "data": {"stations": stations}}


GOOD_V23 = {"station_id": "1", "name": "東京駅", "lat": 35.681, "lon": 139.767, "capacity": 10}
GOOD_V30 = {"station_id": "1", "name": [{"text": "東京駅", "language": "ja"}], "lat": 35.681, "lon": 139.767}


def test_valid_documents_have_no_findings(schema_dir: Path) -> None:
    assert validate(station_information("2.3", [GOOD_V23]), "2.3", "station_information", schema_dir) == []
    assert validate(station_information("3.0", [GOOD_V30]), "3.0", "station_information", schema_dir) == []


def test_findings_name_the_file_and_the_json_path(schema_dir: Path) -> None:
    doc = station_information("2.3", [GOOD_V23, {**GOOD_V23, "station_id": "2", "lat": "north"}])
    (finding,) = validate(doc, "2.3", "station_information", schema_dir)
    assert (finding.file, finding.path) == ("station_information", "$.data.stations[1].lat")
    assert "'north' is not of type 'number'" in finding.message


def test_a_v23_string_name_fails_the_v30_schema(schema_dir: Path) -> None:
    doc = station_information("3.0", [{**GOOD_V30, "name": "東京駅"}])
    paths = [f.path for f in validate(doc, "3.0", "station_information", schema_dir)]
    assert paths == ["$.data.stations[0].name"]


def test_missing_header_fields_are_reported_at_the_root(schema_dir: Path) -> None:
    doc = station_information("2.3", [GOOD_V23])
    del doc["ttl"]
    assert [(f.path, f.message) for f in validate(doc, "2.3", "station_information", schema_dir)] == [
        ("$", "'ttl' is a required property")]


def test_versions_map_to_the_nearest_official_schema_set(schema_dir: Path) -> None:
    assert [schema_folder(v) for v in ("2.3", "2.2", None, "3.0", "v3.0", "3.1-RC")] == [
        "v2.3", "v2.3", "v2.3", "v3.0", "v3.0", "v3.0"]
    with pytest.raises(SchemaNotFound):
        validate({}, "3.0", "free_bike_status", schema_dir)


def _write_feed(directory: Path, station: dict) -> None:
    directory.mkdir()
    feeds = [{"name": "station_information", "url": "https://x.example/station_information.json"}]
    (directory / "gbfs.json").write_text(json.dumps(
        {"last_updated": 1712444484, "ttl": 60, "version": "2.3", "data": {"ja": {"feeds": feeds}}}))
    (directory / "station_information.json").write_text(json.dumps(station_information("2.3", [GOOD_V23, station])))


async def test_strict_mode_refuses_a_schema_failing_feed_and_lenient_mode_reports_it(
        tmp_path: Path, schema_dir: Path) -> None:
    # Parseable but not conformant: "bicycle" is not a rental method.
    _write_feed(tmp_path / "feed", {**GOOD_V23, "station_id": "2", "rental_methods": ["key", "bicycle"]})
    source = DirectorySource(tmp_path / "feed")
    with pytest.raises(InvalidFeed) as caught:
        await read_feed(source, ReadOptions(strict=True, schema_dir=schema_dir))
    assert [f.path for f in caught.value.findings] == ["$.data.stations[1].rental_methods[1]"]
    snapshot = await read_feed(source, ReadOptions(strict=False, schema_dir=schema_dir))
    assert [s.station_id for s in snapshot.stations] == ["1", "2"]
    assert [f.path for f in snapshot.findings] == ["$.data.stations[1].rental_methods[1]"]


async def test_a_file_that_is_not_json_is_a_finding_lenient_and_an_error_strict(
        tmp_path: Path, schema_dir: Path) -> None:
    _write_feed(tmp_path / "feed", GOOD_V23)
    (tmp_path / "feed" / "station_information.json").write_text('{"data": {"stations": [')
    source = DirectorySource(tmp_path / "feed")
    with pytest.raises(InvalidFeed, match="not valid JSON"):
        await read_feed(source, ReadOptions(strict=True, schema_dir=schema_dir))
    snapshot = await read_feed(source, ReadOptions(strict=False, schema_dir=schema_dir))
    assert snapshot.stations == ()
    assert [(f.file, f.path) for f in snapshot.findings] == [("station_information", "$")]
