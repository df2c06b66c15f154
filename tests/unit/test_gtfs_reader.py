"""The GTFS reader on tiny hand-written feeds: encodings, types, each check, lenient, strict."""

from __future__ import annotations

import copy
import csv
import io
import zipfile
from pathlib import Path

import gtfs_kit
import pandas as pd
import pytest

from routing.errors import RoutingError
from routing.gtfs import Finding, InvalidFeed, LoadedFeed, Severity, feed_digest, read_feed

# Row i of a table is line i + 1 of its file (the header is line 1).
BASE: dict[str, list[list[str]]] = {
    "agency": [
        ["agency_id", "agency_name", "agency_url", "agency_timezone"],
        ["A1", "町営バス", "https://bus.example.jp", "Asia/Tokyo"],
    ],
    "stops": [
        ["stop_id", "stop_name", "stop_lat", "stop_lon", "location_type", "parent_station"],
        ["ST", "駅", "36.1000", "139.3000", "1", ""],
        ["0010", "駅前", "36.1001", "139.3001", "0", "ST"],
        ["0020", "役場", "36.2000", "139.4000", "0", ""],
        ["0030", "病院", "36.3000", "139.5000", "0", ""],
    ],
    "routes": [
        ["route_id", "agency_id", "route_short_name", "route_long_name", "route_type"],
        ["001", "A1", "1", "駅前線", "3"],
        ["002", "A1", "", "デマンド交通", "1501"],
    ],
    "trips": [
        ["route_id", "service_id", "trip_id"],
        ["001", "WD", "T1"],
        ["001", "WD", "T2"],
        ["002", "HOL", "T3"],
    ],
    "stop_times": [
        ["trip_id", "arrival_time", "departure_time", "stop_id", "stop_sequence"],
        ["T1", "07:00:00", "07:00:00", "0010", "1"],
        ["T1", "07:10:00", "07:11:00", "0020", "2"],
        ["T1", "07:20:00", "07:20:00", "0030", "3"],
        ["T2", "24:50:00", "24:50:00", "0010", "1"],
        ["T2", "25:10:00", "25:10:00", "0030", "2"],
        ["T3", "9:00:00", "9:00:00", "0020", "1"],
        ["T3", "9:30:00", "9:30:00", "0030", "2"],
    ],
    "calendar": [
        ["service_id", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
         "sunday", "start_date", "end_date"],
        ["WD", "1", "1", "1", "1", "1", "0", "0", "20240401", "20250331"],
    ],
    "calendar_dates": [
        ["service_id", "date", "exception_type"],
        ["HOL", "20240505", "1"],
    ],
}


def base() -> dict[str, list[list[str]]]:
    return copy.deepcopy(BASE)


def write_feed(
    root: Path,
    tables: dict[str, list[list[str]] | str | bytes],
    *,
    zipped: bool = False,
    bom: bool = False,
    crlf: bool = False,
    name: str = "feed",
) -> Path:
    """Write tables (rows of cells, or raw text/bytes) as <name>.txt files, optionally zipped."""
    files: dict[str, bytes] = {}
    for table, content in tables.items():
        if isinstance(content, list):
            text = io.StringIO()
            csv.writer(text, lineterminator="\r\n" if crlf else "\n").writerows(content)
            content = text.getvalue()
        data = content.encode("utf-8") if isinstance(content, str) else content
        files[f"{table}.txt"] = (b"\xef\xbb\xbf" if bom else b"") + data
    if zipped:
        path = root / f"{name}.zip"
        with zipfile.ZipFile(path, "w") as archive:
            for file, data in files.items():
                archive.writestr(file, data)
        return path
    path = root / name
    path.mkdir()
    for file, data in files.items():
        (path / file).write_bytes(data)
    return path


def load(tmp_path: Path, tables, **kwargs) -> LoadedFeed:
    return read_feed(write_feed(tmp_path, tables), **kwargs)


def codes(loaded: LoadedFeed | InvalidFeed) -> set[tuple[str, str, int | None]]:
    return {(f.code, f.file, f.row) for f in loaded.findings}


def test_clean_feed_loads_without_errors(tmp_path):
    loaded = load(tmp_path, base())

    assert loaded.errors == () and loaded.warnings == ()
    assert isinstance(loaded.feed, gtfs_kit.Feed)
    assert loaded.feed.dist_units == "km"
    assert list(loaded.feed.trips["trip_id"]) == ["T1", "T2", "T3"]
    assert len(loaded.feed.stop_times) == 7
    assert len(loaded.digest) == 64
    assert loaded.source == tmp_path / "feed"


def test_clean_feed_works_with_gtfs_kit_functions(tmp_path):
    feed = load(tmp_path, base()).feed

    trip_stats = feed.compute_trip_stats()
    route_stats = feed.compute_route_stats(["20240401"], trip_stats=trip_stats)

    assert set(route_stats["route_id"]) == {"001"}
    assert len(feed.get_stops(date="20240505")) == 2


def test_bom_and_crlf_read_the_same_as_plain_utf8(tmp_path):
    plain = read_feed(write_feed(tmp_path, base(), name="plain"))
    messy = read_feed(write_feed(tmp_path, base(), bom=True, crlf=True, name="messy", zipped=True))

    assert messy.findings == plain.findings == ()
    for table in ("agency", "stops", "routes", "trips", "stop_times", "calendar", "calendar_dates"):
        pd.testing.assert_frame_equal(getattr(messy.feed, table), getattr(plain.feed, table))


def test_whitespace_and_quotes_around_cells_are_removed(tmp_path):
    tables = base()
    tables["stops"] = (
        ' stop_id , "stop_name" ,stop_lat,stop_lon\n'
        '"0010"," 駅前　",36.1,139.3\n'
        " 0020 ,役場, 36.2 ,139.4\n"
        "0030,病院,36.3,139.5\n"
    )
    stops = load(tmp_path, tables).feed.stops

    assert list(stops["stop_id"]) == ["0010", "0020", "0030"]
    assert stops["stop_name"].iloc[0] == "駅前"
    assert stops["stop_lat"].iloc[1] == pytest.approx(36.2)


def test_ids_with_leading_zeros_stay_strings(tmp_path):
    feed = load(tmp_path, base()).feed

    assert list(feed.stops["stop_id"]) == ["ST", "0010", "0020", "0030"]
    assert list(feed.routes["route_id"]) == ["001", "002"]
    assert feed.stop_times["stop_id"].dtype == "string"
    assert feed.stop_times["stop_sequence"].dtype == "Int32"


def test_times_past_midnight_parse_and_short_hours_are_padded(tmp_path):
    times = load(tmp_path, base()).feed.stop_times.set_index(["trip_id", "stop_sequence"])

    assert times.loc[("T2", 2), "arrival_time"] == "25:10:00"
    assert times.loc[("T3", 1), "departure_time"] == "09:00:00"


def test_extended_route_types_and_gtfs_jp_files_are_kept(tmp_path):
    tables = base()
    tables["routes"][0].append("jp_parent_route_id")
    for row, parent in zip(tables["routes"][1:], ["P1", "P2"]):
        row.append(parent)
    tables["agency_jp"] = [["agency_id", "agency_official_name"], ["A1", "町"]]
    tables["translations"] = [["trans_id", "lang", "translation"], ["駅前", "en", "Station"]]
    tables["pattern_jp"] = [["jp_pattern_id", "route_update_date"], ["1", "20240401"]]
    tables["unknown_extra"] = [["a", "b"], ["1", "2"]]

    loaded = load(tmp_path, tables)

    assert loaded.errors == () and loaded.warnings == ()
    assert list(loaded.feed.routes["route_type"]) == [3, 1501]
    assert list(loaded.feed.routes["jp_parent_route_id"]) == ["P1", "P2"]
    assert set(loaded.extra_tables) == {"agency_jp", "translations", "pattern_jp", "unknown_extra"}
    assert loaded.extra_tables["translations"]["translation"].iloc[0] == "Station"
    assert codes(loaded) == {("unknown_file", "unknown_extra.txt", None)}


def test_calendar_dates_alone_is_enough(tmp_path):
    tables = base()
    del tables["calendar"]
    tables["calendar_dates"].append(["WD", "20240401", "1"])

    loaded = load(tmp_path, tables)

    assert loaded.errors == ()
    assert loaded.feed.calendar is None
    assert len(loaded.feed.trips) == 3


def _set(tables, table: str, line: int, column: str, value: str) -> None:
    header = tables[table][0]
    tables[table][line - 1][header.index(column)] = value


# (edit, expected code, file, line, severity, trip_ids left, stop_times rows left)
CHECKS = {
    "empty required value": (
        lambda t: _set(t, "trips", 3, "service_id", ""),
        "missing_value", "trips.txt", 3, Severity.ERROR, {"T1", "T3"}, 5),
    "unparseable time": (
        lambda t: _set(t, "stop_times", 3, "arrival_time", "7:1O:00"),
        "bad_time", "stop_times.txt", 3, Severity.ERROR, {"T1", "T2", "T3"}, 6),
    "minutes out of range": (
        lambda t: _set(t, "stop_times", 3, "departure_time", "07:61:00"),
        "bad_time", "stop_times.txt", 3, Severity.ERROR, {"T1", "T2", "T3"}, 6),
    "unparseable date": (
        lambda t: _set(t, "calendar_dates", 2, "date", "2024-05-05"),
        "bad_date", "calendar_dates.txt", 2, Severity.ERROR, {"T1", "T2"}, 5),
    "impossible date": (
        lambda t: _set(t, "calendar", 2, "end_date", "20250231"),
        "bad_date", "calendar.txt", 2, Severity.ERROR, {"T3"}, 2),
    "unparseable coordinate": (
        lambda t: _set(t, "stops", 4, "stop_lat", "36,2"),
        "bad_coordinate", "stops.txt", 4, Severity.ERROR, {"T1", "T2", "T3"}, 5),
    "latitude out of range": (
        lambda t: _set(t, "stops", 4, "stop_lat", "136.2"),
        "bad_coordinate", "stops.txt", 4, Severity.ERROR, {"T1", "T2", "T3"}, 5),
    "null island": (
        lambda t: (_set(t, "stops", 5, "stop_lat", "0"), _set(t, "stops", 5, "stop_lon", "0.0")),
        "bad_coordinate", "stops.txt", 5, Severity.ERROR, {"T1", "T2", "T3"}, 4),
    "missing stop position": (
        lambda t: _set(t, "stops", 4, "stop_lon", ""),
        "missing_value", "stops.txt", 4, Severity.ERROR, {"T1", "T2", "T3"}, 5),
    "duplicate stop_id": (
        lambda t: t["stops"].append(["0020", "役場2", "36.2", "139.4", "0", ""]),
        "duplicate_id", "stops.txt", 6, Severity.ERROR, {"T1", "T2", "T3"}, 7),
    "duplicate route_id": (
        lambda t: t["routes"].append(["001", "A1", "1", "別線", "3"]),
        "duplicate_id", "routes.txt", 4, Severity.ERROR, {"T1", "T2", "T3"}, 7),
    "duplicate trip_id": (
        lambda t: t["trips"].append(["002", "WD", "T1"]),
        "duplicate_id", "trips.txt", 5, Severity.ERROR, {"T1", "T2", "T3"}, 7),
    "duplicate service_id in calendar": (
        lambda t: t["calendar"].append(["WD"] + ["0"] * 5 + ["1", "1", "20240401", "20250331"]),
        "duplicate_id", "calendar.txt", 3, Severity.ERROR, {"T1", "T2", "T3"}, 7),
    "duplicate stop_sequence": (
        lambda t: _set(t, "stop_times", 4, "stop_sequence", "02"),
        "duplicate_id", "stop_times.txt", 4, Severity.ERROR, {"T1", "T2", "T3"}, 6),
    "negative stop_sequence": (
        lambda t: _set(t, "stop_times", 2, "stop_sequence", "-1"),
        "bad_value", "stop_times.txt", 2, Severity.ERROR, {"T1", "T2", "T3"}, 6),
    "unknown route of trip": (
        lambda t: _set(t, "trips", 2, "route_id", "009"),
        "dangling_reference", "trips.txt", 2, Severity.ERROR, {"T2", "T3"}, 4),
    "unknown service of trip": (
        lambda t: _set(t, "trips", 4, "service_id", "SUN"),
        "dangling_reference", "trips.txt", 4, Severity.ERROR, {"T1", "T2"}, 5),
    "unknown trip of stop_time": (
        lambda t: _set(t, "stop_times", 6, "trip_id", "T9"),
        "dangling_reference", "stop_times.txt", 6, Severity.ERROR, {"T1", "T2", "T3"}, 6),
    "unknown stop of stop_time": (
        lambda t: _set(t, "stop_times", 3, "stop_id", "0099"),
        "dangling_reference", "stop_times.txt", 3, Severity.ERROR, {"T1", "T2", "T3"}, 6),
    "unknown parent station": (
        lambda t: _set(t, "stops", 3, "parent_station", "XX"),
        "dangling_reference", "stops.txt", 3, Severity.ERROR, {"T1", "T2", "T3"}, 7),
    "times running backwards": (
        lambda t: _set(t, "stop_times", 4, "arrival_time", "07:05:00"),
        "decreasing_time", "stop_times.txt", 4, Severity.ERROR, {"T2", "T3"}, 4),
    "departure before arrival": (
        lambda t: _set(t, "stop_times", 3, "departure_time", "07:09:00"),
        "decreasing_time", "stop_times.txt", 3, Severity.ERROR, {"T2", "T3"}, 4),
    "untimed last stop": (
        lambda t: (_set(t, "stop_times", 4, "arrival_time", ""),
                   _set(t, "stop_times", 4, "departure_time", "")),
        "missing_endpoint_time", "stop_times.txt", 4, Severity.ERROR, {"T2", "T3"}, 4),
    "only one of arrival and departure": (
        lambda t: _set(t, "stop_times", 3, "departure_time", ""),
        "partial_stop_time", "stop_times.txt", 3, Severity.WARNING, {"T1", "T2", "T3"}, 7),
    "trip with one stop_time": (
        lambda t: t["stop_times"].pop(7),
        "too_few_stop_times", "trips.txt", 4, Severity.WARNING, {"T1", "T2", "T3"}, 6),
    "unknown route_type": (
        lambda t: _set(t, "routes", 3, "route_type", "1599"),
        "unknown_route_type", "routes.txt", 3, Severity.WARNING, {"T1", "T2", "T3"}, 7),
    "route_type not a number": (
        lambda t: _set(t, "routes", 3, "route_type", "bus"),
        "bad_value", "routes.txt", 3, Severity.ERROR, {"T1", "T2"}, 5),
    "optional enum out of range": (
        lambda t: (t["trips"][0].append("direction_id"), [r.append("0") for r in t["trips"][1:]],
                   _set(t, "trips", 3, "direction_id", "2")),
        "bad_value", "trips.txt", 3, Severity.WARNING, {"T1", "T2", "T3"}, 7),
    "full-width digits": (
        lambda t: _set(t, "stop_times", 2, "arrival_time", "０７：００：００"),
        "full_width_value", "stop_times.txt", 2, Severity.WARNING, {"T1", "T2", "T3"}, 7),
    "extra non-empty cell": (
        lambda t: t["stop_times"][2].append("oops"),
        "long_row", "stop_times.txt", 3, Severity.ERROR, {"T1", "T2", "T3"}, 6),
    "missing cells": (
        lambda t: t["routes"][2].pop(),
        "short_row", "routes.txt", 3, Severity.WARNING, {"T1", "T2"}, 5),
    "missing optional column value": (
        lambda t: _set(t, "agency", 2, "agency_name", ""),
        "missing_value", "agency.txt", 2, Severity.WARNING, {"T1", "T2", "T3"}, 7),
}


@pytest.mark.parametrize("case", list(CHECKS), ids=list(CHECKS))
def test_each_check_reports_code_file_and_line_and_lenient_drops_only_bad_rows(tmp_path, case):
    edit, code, file, line, severity, trips_left, stop_times_left = CHECKS[case]
    tables = base()
    edit(tables)

    loaded = load(tmp_path, tables)

    matching = [f for f in loaded.findings if f.code == code]
    found = [(f.file, f.row, f.severity) for f in matching]
    assert found == [(file, line, severity)], loaded.findings
    assert set(loaded.feed.trips["trip_id"]) == trips_left
    assert len(loaded.feed.stop_times) == stop_times_left


def test_lenient_drops_exactly_the_bad_rows_and_their_dependants(tmp_path):
    tables = base()
    _set(tables, "stops", 4, "stop_lat", "x")  # stop 0020: its two stop_times go too
    _set(tables, "stop_times", 6, "arrival_time", "25:7:00")  # T2's last stop

    loaded = load(tmp_path, tables)

    assert list(loaded.feed.stops["stop_id"]) == ["ST", "0010", "0030"]
    kept = loaded.feed.stop_times[["trip_id", "stop_id"]].apply(tuple, axis=1).tolist()
    assert kept == [("T1", "0010"), ("T1", "0030"), ("T2", "0010"), ("T3", "0030")]
    assert {(f.code, f.file, f.row) for f in loaded.errors} == {
        ("bad_coordinate", "stops.txt", 4), ("bad_time", "stop_times.txt", 6),
    }
    dependants = [f for f in loaded.findings if f.code == "dropped_dependent_rows"]
    assert [(f.file, f.severity) for f in dependants] == [("stop_times.txt", Severity.INFO)]
    assert {f.row for f in loaded.warnings if f.code == "too_few_stop_times"} == {3, 4}


def test_station_without_position_is_placed_at_its_stops(tmp_path):
    tables = base()
    _set(tables, "stops", 2, "stop_lat", "")
    _set(tables, "stops", 2, "stop_lon", "")

    loaded = load(tmp_path, tables)

    assert codes(loaded) == {("missing_value", "stops.txt", 2)}
    station = loaded.feed.stops.set_index("stop_id").loc["ST"]
    assert (station["stop_lat"], station["stop_lon"]) == pytest.approx((36.1001, 139.3001))
    assert loaded.feed.stops.set_index("stop_id").loc["0010", "parent_station"] == "ST"


def test_route_agency_must_be_known_when_there_are_several_agencies(tmp_path):
    tables = base()
    tables["agency"].append(["A2", "観光バス", "https://kanko.example.jp", "Asia/Tokyo"])
    _set(tables, "routes", 3, "agency_id", "A3")

    loaded = load(tmp_path, tables)

    assert codes(loaded) >= {("dangling_reference", "routes.txt", 3)}
    assert list(loaded.feed.routes["route_id"]) == ["001"]
    assert set(loaded.feed.trips["trip_id"]) == {"T1", "T2"}


def test_a_wrong_agency_is_repaired_when_there_is_only_one(tmp_path):
    tables = base()
    _set(tables, "routes", 2, "agency_id", "A9")

    loaded = load(tmp_path, tables)

    assert [(f.code, f.row, f.severity) for f in loaded.findings] == [
        ("dangling_reference", 2, Severity.WARNING)]
    assert list(loaded.feed.routes["agency_id"]) == ["A1", "A1"]


def test_line_numbers_count_blank_lines_and_multiline_cells(tmp_path):
    tables = base()
    tables["stops"] = (
        "stop_id,stop_name,stop_desc,stop_lat,stop_lon\n"
        "0010,駅前,\"north\nexit\",36.1,139.3\n"
        "\n"
        "0020,役場,,36.2,139.4\n"
        "0030,病院,,36.3,999\n"
    )
    loaded = load(tmp_path, tables)

    assert [(f.code, f.row) for f in loaded.errors] == [("bad_coordinate", 6)]
    assert loaded.feed.stops["stop_desc"].iloc[0] == "north\nexit"


def test_strict_raises_invalid_feed_naming_file_and_line(tmp_path):
    tables = base()
    _set(tables, "stop_times", 4, "arrival_time", "7:2x:00")
    path = write_feed(tmp_path, tables)

    with pytest.raises(InvalidFeed, match=r"stop_times\.txt line 4: \[bad_time\]") as caught:
        read_feed(path, strict=True)

    assert isinstance(caught.value, ValueError) and isinstance(caught.value, RoutingError)
    assert isinstance(caught.value.findings, tuple)
    assert all(isinstance(f, Finding) for f in caught.value.findings)
    assert len(read_feed(path).errors) == 1


def test_strict_accepts_warnings(tmp_path):
    tables = base()
    _set(tables, "routes", 3, "route_type", "1599")

    loaded = load(tmp_path, tables, strict=True)

    assert [f.code for f in loaded.warnings] == ["unknown_route_type"]


@pytest.mark.parametrize("table", ["agency", "stops", "routes", "trips", "stop_times"])
def test_missing_required_file_is_invalid_even_when_lenient(tmp_path, table):
    tables = base()
    del tables[table]

    with pytest.raises(InvalidFeed, match=rf"{table}\.txt: \[missing_file\]") as caught:
        load(tmp_path, tables)

    assert ("missing_file", f"{table}.txt", None) in codes(caught.value)


def test_feed_without_any_calendar_is_invalid(tmp_path):
    tables = base()
    del tables["calendar"], tables["calendar_dates"]

    with pytest.raises(InvalidFeed, match="neither calendar.txt nor calendar_dates.txt"):
        load(tmp_path, tables)


def test_missing_key_column_makes_the_file_unusable(tmp_path):
    tables = base()
    tables["stops"] = [row[:3] + row[4:] for row in tables["stops"]]  # no stop_lon

    with pytest.raises(InvalidFeed) as caught:
        load(tmp_path, tables)

    assert ("missing_column", "stops.txt", None) in codes(caught.value)


def test_missing_required_column_is_an_error_but_the_file_is_kept(tmp_path):
    tables = base()
    tables["agency"] = [[row[0]] + row[2:] for row in tables["agency"]]  # no agency_name

    loaded = load(tmp_path, tables)

    assert codes(loaded) == {("missing_column", "agency.txt", None)}
    assert len(loaded.feed.agency) == 1


def test_everything_dropped_is_invalid(tmp_path):
    tables = base()
    for row in tables["stops"][1:]:
        row[2] = "north"

    with pytest.raises(InvalidFeed, match="no usable rows left in stops"):
        load(tmp_path, tables)


def test_bytes_that_are_not_utf8_are_errors_on_their_line(tmp_path):
    tables = base()
    stops = "".join(",".join(row) + "\n" for row in tables["stops"]).encode("utf-8")
    tables["stops"] = stops.replace("役場".encode(), b"\xff\xfe\xfd")

    loaded = load(tmp_path, tables)

    assert [(f.code, f.file, f.row) for f in loaded.errors] == [("bad_encoding", "stops.txt", 4)]
    assert loaded.feed.stops["stop_name"].iloc[2] == "\ufffd\ufffd\ufffd"


def test_shift_jis_file_is_an_error_but_is_read(tmp_path):
    tables = base()
    tables["stops"] = "".join(",".join(row) + "\r\n" for row in tables["stops"]).encode("cp932")

    loaded = load(tmp_path, tables)

    assert codes(loaded) == {("bad_encoding", "stops.txt", None)}
    assert list(loaded.feed.stops["stop_name"]) == ["駅", "駅前", "役場", "病院"]
    with pytest.raises(InvalidFeed, match=r"stops\.txt: \[bad_encoding\]"):
        read_feed(tmp_path / "feed", strict=True)


def test_nul_characters_are_errors_and_removed(tmp_path):
    tables = base()
    _set(tables, "stops", 3, "stop_name", "駅\x00前")

    loaded = load(tmp_path, tables)

    assert codes(loaded) == {("nul_character", "stops.txt", 3)}
    assert loaded.feed.stops["stop_name"].iloc[1] == "駅前"


def test_digest_is_equal_for_zip_and_directory_and_follows_the_bytes(tmp_path):
    directory = write_feed(tmp_path, base(), name="dir")
    archive = write_feed(tmp_path, base(), name="zip", zipped=True)
    nested = tmp_path / "nested.zip"
    with zipfile.ZipFile(nested, "w") as out:
        for member in sorted(directory.iterdir()):
            out.write(member, f"gtfs/{member.name}")

    assert feed_digest(directory) == feed_digest(archive) == feed_digest(nested)
    assert read_feed(archive).digest == feed_digest(directory)

    stops = directory / "stops.txt"
    stops.write_bytes(stops.read_bytes().replace(b"36.3000", b"36.3001"))
    assert feed_digest(directory) != feed_digest(archive)


def test_digest_ignores_files_that_are_not_txt(tmp_path):
    directory = write_feed(tmp_path, base())
    before = feed_digest(directory)
    (directory / "README.md").write_text("notes")

    assert feed_digest(directory) == before


def test_missing_path_raises_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError, match="nowhere"):
        read_feed(tmp_path / "nowhere.zip")
    with pytest.raises(FileNotFoundError):
        feed_digest(tmp_path / "nowhere")


def test_file_that_is_not_a_zip_is_invalid(tmp_path):
    path = tmp_path / "feed.zip"
    path.write_text("not a real zip file\n")

    with pytest.raises(InvalidFeed, match="neither a directory nor a readable zip"):
        read_feed(path)


def test_truncated_zip_is_invalid(tmp_path):
    archive = write_feed(tmp_path, base(), zipped=True)
    data = archive.read_bytes()
    archive.write_bytes(data[: len(data) // 2])

    with pytest.raises(InvalidFeed):
        read_feed(archive)


def test_corrupt_member_is_invalid(tmp_path):
    path = tmp_path / "feed.zip"
    rows = "".join(f"{i},{i * 7919 % 10007}\n" for i in range(2000))
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("stops.txt", "stop_id,stop_name\n" + rows)
    data = bytearray(path.read_bytes())
    data[200:210] = b"\x00" * 10  # inside the compressed stream
    path.write_bytes(bytes(data))

    with pytest.raises(InvalidFeed, match="corrupt"):
        read_feed(path)


def test_directory_without_txt_files_is_invalid(tmp_path):
    (tmp_path / "empty").mkdir()

    with pytest.raises(InvalidFeed, match="no GTFS .txt files"):
        read_feed(tmp_path / "empty")


def test_binary_junk_in_a_required_file_is_invalid_not_a_crash(tmp_path):
    tables = base()
    tables["stop_times"] = bytes(range(256)) * 4

    with pytest.raises(InvalidFeed):
        load(tmp_path, tables)


def test_empty_required_file_is_invalid(tmp_path):
    tables = base()
    tables["agency"] = ""

    with pytest.raises(InvalidFeed, match=r"agency\.txt: \[empty_file\]"):
        load(tmp_path, tables)
