"""GTFS-RT snapshots of the corpus read against their static feeds, and the MMRI real-time cases.

The MMRI cases' expected itineraries (OpenTripPlanner's mmri tests: UnplannedChangesTest 3b,
BeneficialChangesTest 3c, ExcludedTripsTest 3e) need routing on real time, which comes with the
calendar-wide timetable; those are strict xfails over `routing.bench --gtfs-rt` so they flip when
it lands. What the updates say about each trip is checked now.
"""

from __future__ import annotations

import datetime as dt
import glob
from functools import lru_cache
from pathlib import Path

import pytest

from routing import bench
from routing.realtime import RealtimeFeed, StaticTrips, read_feed
from tests.conftest import corpus_path

pytestmark = pytest.mark.corpus

RT = "gtfs-rt"
MMRI = "gtfs-testsuites/mmri"


@lru_cache(maxsize=None)
def _static(relative: str) -> StaticTrips:
    return StaticTrips.read(corpus_path() / relative)


def _ingest(corpus: Path, static: str | None, realtime: str) -> RealtimeFeed:
    data = (corpus / realtime).read_bytes()
    feed = RealtimeFeed(realtime, _static(static) if static else None)
    stamp = read_feed(data).timestamp
    assert stamp is not None
    report = feed.ingest(data, stamp + 30)  # read as if it had just arrived
    assert report.accepted, report.error
    return feed


def _nondecreasing(feed: RealtimeFeed) -> None:
    assert feed.snapshot is not None
    for trip in feed.snapshot.trips.values():
        times = [t for s in trip.stops for t in (s.arrival_s, s.departure_s) if t is not None]
        assert times == sorted(times), trip.trip_id


def test_ryobi_trip_updates_all_match_and_delays_propagate(corpus_dir: Path) -> None:
    static = "gtfs-rt/ryobi-okayama/ryobi-gtfs-20241001_20241114.zip"
    feed = _ingest(corpus_dir, static, f"{RT}/ryobi-okayama/ryobi_trip_update.bin")
    report, snapshot = feed.last_report, feed.snapshot
    assert report is not None and snapshot is not None
    assert (report.trip_updates, report.applied, dict(report.skipped)) == (30, 30, {})
    trip = snapshot.trip("856_292014900_20241001", "20241119")
    assert trip is not None and trip.route_id == "29007_290874_1" and trip.vehicle_id == "85"
    # Scheduled 12:45 and 12:46 at its first stops, 6 s and 98 s late.
    assert [(s.stop_id, s.scheduled_departure_s, s.departure_delay_s) for s in trip.stops[:2]] == [
        ("654_2", 45900, 6), ("667_2", 45960, 98)]
    _nondecreasing(feed)

    vehicles = _ingest(corpus_dir, static, f"{RT}/ryobi-okayama/ryobi_vpos_update.bin").snapshot
    assert vehicles is not None and len(vehicles.vehicles) == 29
    assert all(v.trip_id in _static(static) for v in vehicles.vehicles)
    assert all(34 < v.latitude < 35.2 and 133.5 < v.longitude < 134.5 for v in vehicles.vehicles)  # Okayama


def test_caltrain_pair_matches_fully(corpus_dir: Path) -> None:
    static = "gtfs-rt/caltrain/ct.zip"
    feed = _ingest(corpus_dir, static, f"{RT}/caltrain/ct-trip-updates.pb")
    assert feed.last_report is not None and (feed.last_report.applied, feed.last_report.skipped) == (19, {})
    _nondecreasing(feed)
    positions = _ingest(corpus_dir, static, f"{RT}/caltrain/ct-vehicle-positions.pb").snapshot
    assert positions is not None and len(positions.vehicles) == 14
    alerts = _ingest(corpus_dir, static, f"{RT}/caltrain/ct-service-alerts.pb").snapshot
    assert alerts is not None and alerts.alerts == ()


def test_bart_partial_match_counts_what_it_cannot_use(corpus_dir: Path) -> None:
    feed = _ingest(corpus_dir, "gtfs-rt/bart/bart-rt.zip", f"{RT}/bart/bart-trip-updates.pb")
    report = feed.last_report
    assert report is not None and report.trip_updates == 91
    # 65 of the 91 trip ids are in the static feed (71 %); 18 updates name trips it lacks, and
    # updates whose stop_sequence names another station than the schedule's are refused.
    assert report.skipped["unknown_trip"] == 18
    assert report.applied + sum(report.skipped.values()) == 91 and report.applied > 0
    _nondecreasing(feed)

    alerts = _ingest(corpus_dir, None, f"{RT}/bart/bart-alerts.pb").snapshot
    assert alerts is not None
    [alert] = alerts.alerts
    assert (alert.cause, alert.effect) == ("MEDICAL_EMERGENCY", "SIGNIFICANT_DELAYS")
    assert "Montgomery" in (alert.text(alert.header, "en") or "")
    assert alerts.alerts_for(1565199942, agency_id="BART", route_id="any") == [alert]


def test_sound_transit_json_snapshots_read_and_backwards_times_are_clamped(corpus_dir: Path) -> None:
    files = sorted(glob.glob(str(corpus_dir / RT / "sound-transit-link" / "trip_update_*.json")))
    assert len(files) == 6
    clamped = {}
    for path in files:
        feed = _ingest(corpus_dir, "gtfs-rt/sound-transit-link/st.zip", str(Path(path).relative_to(corpus_dir)))
        assert feed.last_report is not None and feed.last_report.applied == feed.last_report.trip_updates
        _nondecreasing(feed)
        clamped[Path(path).name] = feed.last_report.clamped
    # The snapshot OneBusAway's test calls bad has the most times that go backwards.
    assert max(clamped, key=clamped.__getitem__) == "trip_update_1683746223_bad.json"


@pytest.mark.parametrize("name, trip_updates, vehicles", [
    ("aomori-TripUpdate.pb", 35, 0), ("aomori-VehiclePosition.pb", 0, 37), ("toyamabus.pb", 34, 0),
    ("unobus.pb", 0, 16)])
def test_japanese_snapshots_read_without_static(corpus_dir: Path, name: str, trip_updates: int, vehicles: int) -> None:
    content = read_feed((corpus_dir / RT / "japan-rt-only" / name).read_bytes())
    assert (len(content.trip_updates), len(content.vehicles), content.rejected) == (trip_updates, vehicles, ())
    assert all("系統" in u.trip_id for u in content.trip_updates)  # 西沢ツール-style ids
    assert all(30 < v.latitude < 42 and 130 < v.longitude < 142 for v in content.vehicles)


# -- MMRI ------------------------------------------------------------------------------------------
def _mmri(corpus: Path, case: str) -> RealtimeFeed:
    feed = RealtimeFeed(case, StaticTrips.read(corpus / MMRI / case))
    report = feed.ingest((corpus / MMRI / f"{case}.pb").read_bytes(), 1388531100)  # 2014-01-01 00:05 CET
    assert report.accepted and report.applied == report.trip_updates
    return feed


def _clock(feed: RealtimeFeed, trip_id: str) -> list[tuple[str, int | None]]:
    assert feed.snapshot is not None
    trip = feed.snapshot.trip(trip_id, "20140101")
    assert trip is not None
    return [(s.stop_id, s.departure_s) for s in trip.stops]


def test_mmri_3b_delays_propagate_to_the_next_stop(corpus_dir: Path) -> None:
    feed = _mmri(corpus_dir, "3b")
    assert _clock(feed, "3b|1") == [("3b1", 660), ("3b2", 720)]  # 10 min late: 0:11 -> 0:12
    assert _clock(feed, "3b|2") == [("3b1", 720), ("3b2", 780)]  # 1 min late


def test_mmri_3c_an_arrival_delay_makes_the_earlier_trip_catchable(corpus_dir: Path) -> None:
    feed = _mmri(corpus_dir, "3c")
    assert _clock(feed, "3c|1") == [("3c1", None), ("3c2", 240), ("3c3", 300)]  # 3c1 keeps its schedule


def test_mmri_3e_cancelled_trip(corpus_dir: Path) -> None:
    feed = _mmri(corpus_dir, "3e")
    assert feed.snapshot is not None
    trip = feed.snapshot.trip("3e|1", "20140101")
    assert trip is not None and trip.cancelled and feed.snapshot.trip("3e|2", "20140101") is None


@pytest.mark.xfail(strict=True, reason="routing on real time: next step")
@pytest.mark.parametrize("case, origin, destination, depart, arrival", [
    ("3b", "3b1", "3b2", "00:01:00", "00:12:00"),  # UnplannedChangesTest: the delayed 3b|1
    ("3c", "3c2", "3c3", "00:04:00", "00:05:00"),  # BeneficialChangesTest: 3c|1, late enough to catch
    ("3e", "3e1", "3e2", "00:01:00", "00:04:00"),  # ExcludedTripsTest: 3e|1 cancelled, 3e|2 taken
])
def test_mmri_expected_itineraries_on_real_time(corpus_dir: Path, tmp_path: Path, case: str, origin: str,
                                                destination: str, depart: str, arrival: str) -> None:
    queries = tmp_path / "q.csv"
    queries.write_text(f"origin_stop_id,destination_stop_id,depart\n{origin},{destination},{depart}\n")
    out = tmp_path / "a.csv"
    try:
        code = bench.main(["--feed", str(corpus_dir / MMRI / case), "--date", dt.date(2014, 1, 1).isoformat(),
                           "--gtfs-rt", str(corpus_dir / MMRI / f"{case}.pb"), "--queries", str(queries),
                           "--out", str(out), "--range-queries", "0"])
    except SystemExit as exc:
        pytest.fail(f"routing.bench has no --gtfs-rt yet ({exc})")
    assert code == 0
    assert out.read_text().splitlines()[1].split(",")[3] == arrival


def test_realtime_bench_times_applying_a_snapshot(corpus_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from routing.realtime import bench as realtime_bench

    code = realtime_bench.main(["--feed", str(corpus_dir / RT / "caltrain" / "ct.zip"), "--repeat", "2",
                                "--gtfs-rt", str(corpus_dir / RT / "caltrain" / "ct-trip-updates.pb")])
    assert code == 0
    row = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("ct-trip-updates.pb"))
    assert row.split()[1:3] == ["19", "19"]  # entities, applied
