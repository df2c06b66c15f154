"""GTFS-RT messages read, checked and kept: round trips, bad input counted, the last good state kept."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from routing.realtime import (ActivePeriod, Alert, InformedEntity, MalformedFeed, RealtimeFeed, StaticTrips,
                              StopTimeUpdate, TripUpdate, VehiclePosition, feed_message, read_feed, to_bytes,
                              to_json)

TOKYO = ZoneInfo("Asia/Tokyo")
DAY_START = int(dt.datetime(2026, 12, 7, tzinfo=TOKYO).timestamp())  # service day 2026-12-07
NOW = DAY_START + 8 * 3600  # 8:00 local


@pytest.fixture
def static(tmp_path: Path) -> StaticTrips:
    files = {
        "agency.txt": "\ufeffagency_id,agency_name,agency_url,agency_timezone\r\nA,山吹バス,https://x.example,Asia/Tokyo\r\n",
        "trips.txt": "route_id,service_id,trip_id\nR1,WK,T1\nR1,WK,T2\n",
        "stop_times.txt": ("trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
                           "T1,08:00:00,08:00:00,S1,1\nT1,08:10:00,08:10:00,S2,2\nT1,,,S3,3\nT1,08:30:00,08:30:00,S4,4\n"
                           "T2,25:00:00,25:00:00,S1,1\nT2,25:10:00,25:10:00,S2,2\n"),
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    return StaticTrips.read(tmp_path)


def _message(*updates: TripUpdate, timestamp: int = NOW, **kw: object) -> bytes:
    return to_bytes(feed_message(timestamp, trip_updates=updates, **kw))  # type: ignore[arg-type]


def test_static_trips_fill_untimed_stops_and_keep_times_past_midnight(static: StaticTrips) -> None:
    t1 = static.stop_times("T1")
    assert t1 is not None and [(s.stop_id, s.arrival_s) for s in t1] == [("S1", 28800), ("S2", 29400),
                                                                          ("S3", 29400), ("S4", 30600)]
    assert static.stop_times("T2")[0].departure_s == 90000  # type: ignore[index]
    assert static.stop_times("nope") is None and "T1" in static and static.route_id("T1") == "R1"


def test_every_kind_of_entity_survives_a_write_and_read() -> None:
    alert = Alert("al1", (InformedEntity(route_id="R1"), InformedEntity(stop_id="S2", trip_id="T1")),
                  (ActivePeriod(NOW - 60, NOW + 3600),), cause="WEATHER", effect="SIGNIFICANT_DELAYS",
                  header={"ja": "大雪のため遅れています", "en": "Delays due to heavy snow"},
                  description={"ja": "約15分の遅れ"})
    update = TripUpdate("e1", "T1", start_date="20261207", relationship="SCHEDULED", delay_s=60, timestamp=NOW,
                        stops=(StopTimeUpdate(stop_sequence=2, stop_id="S2", arrival_delay_s=300),
                               StopTimeUpdate(stop_sequence=3, relationship="SKIPPED")))
    vehicle = VehiclePosition("v1", 35.0, 135.0, vehicle_id="van-1", label="1号車", trip_id="T1", timestamp=NOW,
                              bearing=90.0, status="IN_TRANSIT_TO", stop_id="S2")
    message = feed_message(NOW, trip_updates=[update], alerts=[alert], vehicles=[vehicle])
    for data in (to_bytes(message), to_json(message).encode()):
        content = read_feed(data)
        assert content.timestamp == NOW and content.incrementality == "FULL_DATASET"
        assert content.trip_updates == (update,)
        assert content.alerts == (alert,)
        assert content.vehicles == (vehicle,)
    assert alert.text(alert.header, "en") == "Delays due to heavy snow" and alert.text(alert.description, "en") == "約15分の遅れ"


@pytest.mark.parametrize("data", [b"", b"\x00\x01\x02garbage\xff", b"{not json", b'{"entity": []}',
                                  "\ufffd".encode() * 10])
def test_bytes_that_are_not_a_feed_message_are_malformed(data: bytes) -> None:
    with pytest.raises(MalformedFeed):
        read_feed(data)


def test_unusable_entities_are_left_out_with_their_reason() -> None:
    message = feed_message(NOW)
    no_trip = message.entity.add(id="no-trip").trip_update
    no_trip.trip.route_id = "R1"  # a trip descriptor, but no trip_id
    no_trip.stop_time_update.add(stop_sequence=1)
    vehicle = message.entity.add(id="no-position").vehicle
    vehicle.vehicle.id = "x"
    content = read_feed(to_bytes(message))
    assert content.trip_updates == () and content.vehicles == ()
    assert dict(content.rejected) == {"no-trip": "trip update without a trip_id",
                                      "no-position": "vehicle without a position"}


def test_a_feed_keys_trips_by_service_date_and_counts_what_it_skips(static: StaticTrips,
                                                                    caplog: pytest.LogCaptureFixture) -> None:
    feed = RealtimeFeed("yamabuki-bus", static)
    with caplog.at_level(logging.WARNING, logger="routing.realtime"):
        report = feed.ingest(_message(
            TripUpdate("a", "T1", stops=(StopTimeUpdate(stop_sequence=2, departure_delay_s=120),)),
            TripUpdate("b", "ghost", stops=(StopTimeUpdate(stop_sequence=1, departure_delay_s=0),)),
            TripUpdate("c", "T2", timestamp=NOW + 3600),  # an hour in the future
            TripUpdate("d", "T2", stops=(StopTimeUpdate(stop_id="S9", arrival_delay_s=0),)),
        ), NOW)
    assert report.accepted and report.applied == 1
    assert report.skipped == {"unknown_trip": 1, "future_timestamp": 1, "unmatched_stop": 1}
    assert "yamabuki-bus" in caplog.text and "unknown_trip" in caplog.text
    snapshot = feed.snapshot
    assert snapshot is not None
    trip = snapshot.trip("T1", "20261207")
    assert trip is not None and trip.stops[3].departure_s == 30600 + 120
    assert snapshot.trip("T1", "20261206") is None


def test_without_start_date_the_service_date_is_the_one_the_times_fit(static: StaticTrips) -> None:
    # T2 runs at 25:00 on the 7th, i.e. 01:00 on the 8th; the clock reads the 8th.
    late = DAY_START + 90000 + 180
    feed = RealtimeFeed("bus", static)
    feed.ingest(_message(TripUpdate("a", "T2", stops=(StopTimeUpdate(stop_sequence=1, departure_time=late),)),
                         timestamp=late), late)
    assert feed.snapshot is not None and feed.snapshot.trip("T2", "20261207") is not None


@pytest.mark.parametrize("bad, reason", [
    (b"\x08\x96\x01garbage", "malformed"),
    (_message(timestamp=NOW + 3600), "future_timestamp"),
    (_message(timestamp=NOW - 600), "older_than_current"),
    (_message(timestamp=NOW - 7 * 3600), "stale_timestamp"),
])
def test_a_bad_message_keeps_the_last_good_state(static: StaticTrips, bad: bytes, reason: str) -> None:
    feed = RealtimeFeed("bus", static)
    feed.ingest(_message(TripUpdate("a", "T1", relationship="CANCELED")), NOW)
    good = feed.snapshot
    report = feed.ingest(bad, NOW + 30)
    assert not report.accepted and report.error is not None and report.error.startswith(reason)
    assert feed.snapshot is good and feed.failures == 1 and feed.totals[reason] == 1
    assert good is not None and good.trip("T1", "20261207").cancelled  # type: ignore[union-attr]
    feed.ingest(_message(timestamp=NOW + 60), NOW + 60)
    assert feed.failures == 0 and feed.snapshot is not good and feed.snapshot.trips == {}  # type: ignore[union-attr]


def test_alerts_are_found_by_what_they_inform_and_when() -> None:
    snapshot_feed = RealtimeFeed("bus", None)
    alerts = [Alert("route", (InformedEntity(route_id="R1"),), (ActivePeriod(NOW, NOW + 600),), header={"ja": "遅れ"}),
              Alert("stop-on-route", (InformedEntity(route_id="R2", stop_id="S2"),), header={"ja": "休止"}),
              Alert("agency", (InformedEntity(agency_id="A"),), header={"ja": "運休"}),
              Alert("buses", (InformedEntity(route_type=3),), header={"ja": "全バス遅れ"})]
    snapshot_feed.ingest(to_bytes(feed_message(NOW, alerts=alerts)), NOW)
    snapshot = snapshot_feed.snapshot
    assert snapshot is not None

    def ids(**kw: object) -> list[str]:
        return [a.entity_id for a in snapshot.alerts_for(**kw)]  # type: ignore[arg-type]
    assert ids(at=NOW + 60, route_id="R1") == ["route"]
    assert ids(at=NOW + 700, route_id="R1") == []
    assert ids(at=NOW, route_id="R2", stop_ids=["S1"]) == []  # both fields must match
    assert ids(at=NOW, route_id="R2", stop_ids=["S1", "S2"]) == ["stop-on-route"]
    assert ids(at=NOW, agency_id="A", route_id="R9") == ["agency"]
    assert ids(at=NOW, route_id="R9", route_type=3) == ["buses"] and ids(at=NOW, route_type=2) == []


def test_an_added_trip_joins_the_snapshot_under_its_date(static: StaticTrips) -> None:
    feed = RealtimeFeed("bus", static)
    report = feed.ingest(_message(TripUpdate("x", "extra-1", start_date="20261207", relationship="ADDED", stops=(
        StopTimeUpdate(stop_id="S1", departure_time=DAY_START + 32400),
        StopTimeUpdate(stop_id="S4", arrival_time=DAY_START + 33000)))), NOW)
    assert report.applied == 1 and report.skipped == {}
    trip = feed.snapshot.trip("extra-1", "20261207")  # type: ignore[union-attr]
    assert trip is not None and trip.relationship == "ADDED"
    assert [(s.stop_id, s.departure_s) for s in trip.stops] == [("S1", 32400), ("S4", 33000)]
    # An added trip without times cannot be placed: counted, left out.
    bad = feed.ingest(_message(TripUpdate("y", "extra-2", relationship="ADDED",
                                          stops=(StopTimeUpdate(stop_id="S1"),)), timestamp=NOW + 10), NOW + 10)
    assert bad.skipped == {"unmatched_stop": 1}


def test_a_differential_message_adds_to_the_current_trips(static: StaticTrips) -> None:
    from google.transit import gtfs_realtime_pb2 as pb

    feed = RealtimeFeed("bus", static)
    feed.ingest(_message(TripUpdate("a", "T1", start_date="20261207", relationship="CANCELED")), NOW)
    differential = feed_message(NOW + 30, trip_updates=[TripUpdate("b", "T2", start_date="20261207",
                                                                   relationship="CANCELED")])
    differential.header.incrementality = pb.FeedHeader.DIFFERENTIAL
    feed.ingest(to_bytes(differential), NOW + 30)
    assert feed.snapshot is not None and set(feed.snapshot.trips) == {("T1", "20261207"), ("T2", "20261207")}
    feed.ingest(_message(timestamp=NOW + 60), NOW + 60)  # a full dataset replaces everything
    assert feed.snapshot is not None and feed.snapshot.trips == {}
