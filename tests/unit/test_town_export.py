"""The town's buses and vans written as GTFS-JP and GTFS-Flex, and read back by the project's own readers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from routing.flex import FlexError, Zone, ZoneKind, read_flex
from routing.flex.writer import FlexAgency, write_flex
from routing.gtfs import read_feed
from routing.gtfs.writer import write_feed

DEMO = Path(__file__).resolve().parents[2] / "fixtures" / "demo-region"
NORIAI = FlexAgency("noriai", "のりあい号", "https://www.town.yamabuki.example/noriai/", "Asia/Tokyo",
                    phone="0279-00-3322")


def test_the_town_buses_round_trip_as_gtfs_jp(tmp_path: Path) -> None:
    source = read_feed(DEMO / "gtfs")
    rows = write_feed(source, tmp_path, agency_ids=["yamabuki_town"])
    back = read_feed(tmp_path)
    assert back.findings == ()  # not even a warning
    assert set(back.feed.routes["route_id"]) == {"bus-loop", "bus-hinokizawa"}  # the railway stays out
    assert set(back.feed.agency["agency_id"]) == {"yamabuki_town"}
    bus_trips = source.feed.trips[source.feed.trips["route_id"].isin(["bus-loop", "bus-hinokizawa"])]
    assert rows["trips"] == len(bus_trips) == len(back.feed.trips)
    assert rows["stop_times"] == int(source.feed.stop_times["trip_id"].isin(set(bus_trips["trip_id"])).sum())
    # GTFS-JP files gtfs-kit does not model come along, restricted to the buses.
    assert set(back.extra_tables["routes_jp"]["route_id"]) == {"bus-loop", "bus-hinokizawa"}
    assert {"agency_jp", "office_jp", "translations"} <= set(back.extra_tables)
    assert set(back.feed.fare_attributes["fare_id"]) == {"bus_flat_200"}  # no railway fares
    assert rows["stops"] == len(back.feed.stops) == 10


def test_an_unknown_agency_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no agency"):
        write_feed(read_feed(DEMO / "gtfs"), tmp_path, agency_ids=["nobody"])


def test_the_vans_round_trip_as_gtfs_flex(tmp_path: Path) -> None:
    source = read_flex(DEMO / "flex")
    write_flex(source, tmp_path, NORIAI)
    back = read_flex(tmp_path)
    assert back.findings == ()
    assert source.trips == back.trips and dict(source.booking_rules) == dict(back.booking_rules)
    assert dict(source.services) == dict(back.services) and back.timezone == "Asia/Tokyo"
    for zone_id, zone in source.zones.items():
        assert np.array_equal(zone.edges_deg, back.zones[zone_id].edges_deg)
        assert zone.name == back.zones[zone_id].name


def test_stop_based_zones_are_not_written(tmp_path: Path) -> None:
    source = read_flex(DEMO / "flex")
    trip = source.trips[0]
    stops = Zone(trip.stop_times[0].zone_id, "group", ZoneKind.STOPS, np.empty((0, 4)), ("s1",))
    altered = type(source)(source.source, source.timezone, {stops.zone_id: stops}, source.booking_rules,
                           source.services, source.trips, ())
    with pytest.raises(FlexError, match="stop-based"):
        write_flex(altered, tmp_path, NORIAI)
