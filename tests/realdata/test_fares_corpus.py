"""GTFS fares on real feeds: Donan bus distance fares checked against the CSVs read directly, and
other corpus feeds with fare tables (flat fares, no fare_rules.txt, USD, contains_id zones)."""

from __future__ import annotations

from pathlib import Path

import pytest

from routing.fares import FareTable, compile_fares
from routing.gtfs import read_feed
from routing.timetable.compile import feed_keys
from tests.realdata.donan_fares import DONAN, DonanCsv

pytestmark = pytest.mark.corpus

KUMAGAYA = "gtfs-jp/kumagaya-yuyubus"  # one fare_rules row with every field empty: 200 JPY
TSU_AIRPORT = "gtfs-jp/kuwayama-gtfsjp-corpus-2019/GTFS_TSUAIRPORTLINE.zip"  # no fare_rules.txt
SAMPLE = "gtfs-testsuites/google-sample-feed-1/sample-feed-1"  # USD, route rules; CITY unpriced
TAMPERE = "gtfs/tampere-nysse/tampere.gtfs.zip"  # contains_id zone sets, EUR


@pytest.fixture(scope="module")
def donan(corpus_dir: Path) -> tuple[FareTable, DonanCsv]:
    path = corpus_dir / DONAN
    [key] = feed_keys([path])
    assert key == "donan-bus-muroran"
    return compile_fares([read_feed(path)], [key]), DonanCsv(path)


def _donan_fare(table: FareTable, route: str, board: str, alight: str) -> int | None:
    k = "donan-bus-muroran"
    found = table.leg_fare(f"{k}:{route}", f"{k}:{board}", f"{k}:{alight}")
    if found is not None:
        assert found.currency == "JPY" and found.fare_id.startswith(f"{k}:k_")
    return None if found is None else found.price_minor


def test_donan_distance_fares_match_the_csv_files(donan) -> None:
    table, raw = donan
    assert table.n_fares == len(raw.price) and table.n_rules == len(raw.rules)
    trip = "100310_weekday_1"
    stops = raw.trip_stops[trip]
    route = raw.route_of[trip]
    assert (route, stops[0], stops[1]) == ("100310", "0391_A", "0384_A")
    assert _donan_fare(table, route, stops[0], stops[1]) == raw.price["k_210"] == 210
    checked = priced = 0
    for trip in sorted(raw.trip_stops)[::25]:
        stops, route = raw.trip_stops[trip], raw.route_of[trip]
        for i, board in enumerate(stops):
            for alight in stops[i + 1:]:
                expected = raw.fare(route, board, alight)
                assert _donan_fare(table, route, board, alight) == expected, (trip, board, alight)
                checked += 1
                priced += expected is not None
    assert checked > 1000 and priced > 0.9 * checked


def test_donan_farther_stops_are_not_cheaper(donan) -> None:
    table, raw = donan
    monotone = priced = 0
    for trip, stops in raw.trip_stops.items():
        fares = [_donan_fare(table, raw.route_of[trip], stops[0], s) for s in stops[1:]]
        if None in fares:
            continue
        priced += 1
        monotone += all(a <= b for a, b in zip(fares, fares[1:]))
    assert priced > 500
    # Loop routes and a few doubly-priced stop pairs break the order; most trips keep it.
    assert monotone >= 0.8 * priced


def test_other_corpus_feeds_with_fare_tables(corpus_dir: Path) -> None:
    paths = [corpus_dir / p for p in (KUMAGAYA, TSU_AIRPORT, SAMPLE, TAMPERE)]
    keys = feed_keys(paths)
    table = compile_fares([read_feed(p) for p in paths], keys)
    kumagaya, tsu, sample, tampere = keys

    def fare(key: str, route: str, board: str, alight: str) -> tuple[str, int, str] | None:
        found = table.leg_fare(f"{key}:{route}", f"{key}:{board}", f"{key}:{alight}")
        return None if found is None else (found.fare_id, found.price_minor, found.currency)

    assert fare(kumagaya, "000001", "000001_001", "000001_026") == (
        f"{kumagaya}:JPY_200", 200, "JPY")
    assert fare(tsu, "101001", "101", "201") == (f"{tsu}:only_fare", 2470, "JPY")
    assert fare(sample, "AB", "BEATTY_AIRPORT", "BULLFROG") == (f"{sample}:p", 125, "USD")
    assert fare(sample, "AAMV", "BEATTY_AIRPORT", "AMV") == (f"{sample}:a", 525, "USD")
    assert fare(sample, "CITY", "STAGECOACH", "NANAA") is None
    # Keskustori stops 0001 and 0002 are both in zone A: the cheapest set containing A is AB.
    assert fare(tampere, "1", "0001", "0002") == (f"{tampere}:AB", 350, "EUR")
    # Feeds stay apart: Tampere's zone rules do not price a ride between Kumagaya stops.
    assert table.leg_fare(f"{tampere}:1", f"{kumagaya}:000001_001",
                          f"{kumagaya}:000001_026") is None
