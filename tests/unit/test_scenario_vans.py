"""The scenario's vans as the "after" network's rides: replacing today's on-demand service, and the share
of riders they took discounting the gains inside their zone (maas.routing_adapter.scenario_vans)."""

from __future__ import annotations

import datetime as dt

from maas.domain.analyses import Destination, MatrixRequest, OriginPoint, RideService
from maas.domain.scenarios import RecordedTrip, ReplaceByOnDemandEdit
from maas.routing_adapter.scenario_vans import SimulatedZone, after_rides, served_share_of, simulate_zone
from routing.scenarios import OnDemandDayFigures

RING = [(138.86, 36.40), (138.92, 36.40), (138.92, 36.43), (138.86, 36.43), (138.86, 36.40)]
HOLE = [(138.88, 36.41), (138.89, 36.41), (138.89, 36.42), (138.88, 36.41)]


def zone(riders_served: int, riders_requested: int, rings=(RING,)) -> SimulatedZone:
    spec = ReplaceByOnDemandEdit(route_ids=["bus-x"], zone={"type": "Polygon", "coordinates": [list(r) for r in rings]},
                                 vehicles=1, seats=4, start="07:00", end="19:00")
    figures = OnDemandDayFigures(requested=riders_requested, served=riders_served,
                                 refused=riders_requested - riders_served, riders_served=riders_served,
                                 pooling_rate=None, passengers_per_vehicle_hour=None,
                                 riders_requested=riders_requested)
    ride = RideService(mode="on_demand", speed_mps=7.0, wait_s=600, zone=tuple(tuple(r) for r in rings),
                       hours=((7 * 3600, 19 * 3600),), operator_id="scenario", zone_name="scenario zone 1")
    return SimulatedZone(1, spec, figures, (), ride)


def test_the_scenario_vans_replace_todays_on_demand_service_but_not_the_taxi():
    noriai = RideService(mode="on_demand", speed_mps=7.0, wait_s=900, operator_id="noriai")
    taxi = RideService(mode="taxi", speed_mps=8.3, wait_s=900)
    vans = zone(3, 4)
    assert after_rides([noriai, taxi], [vans]) == [taxi, vans.ride]
    assert after_rides([noriai, taxi], []) == [noriai, taxi]  # no zone in the scenario: today's rides


def test_the_served_share_applies_inside_the_zone_only():
    vans = zone(3, 4)
    assert vans.served_share == 0.75
    assert served_share_of([vans], 36.415, 138.87) == 0.75
    assert served_share_of([vans], 36.50, 138.87) == 1.0  # outside: nothing to discount
    assert zone(0, 0).served_share == 1.0  # nobody asked: nobody refused
    holed = zone(1, 2, rings=(RING, HOLE))
    assert holed.contains(36.415, 138.87) and not holed.contains(36.412, 138.885)


def test_legacy_stored_zone_and_depot_read_in_their_old_orders():
    """Analyses stored before GeoJSON zones: a ring of (lon, lat) pairs and a (lat, lon) depot."""
    spec = ReplaceByOnDemandEdit.model_validate({
        "route_ids": ["bus-x"], "zone": [list(p) for p in RING[:-1]], "vehicles": 1, "seats": 4,
        "start": "07:00", "end": "19:00", "depot": [36.399, 138.900]})
    assert spec.zone.outer == tuple(RING[:-1]) and spec.depot_point() == (36.399, 138.900)


def test_recorded_trips_in_the_zone_and_its_hours_are_the_vans_demand():
    """Three rides booked that day: one inside the zone in its hours, one asked before the vans start, one
    leaving the zone. Only the first is planned; the second is counted as asked outside the hours."""
    request = MatrixRequest(origins=[OriginPoint("a", 36.41, 138.87, 10, 5)],
                            destinations=[Destination("h", 36.42, 138.91, "hospital")], date=dt.date(2026, 11, 24),
                            start=dt.time(12), window_min=60, step_min=5, percentiles=[50], max_walk_m=500,
                            max_travel_min=120)
    spec = ReplaceByOnDemandEdit(route_ids=["bus-x"], zone={"type": "Polygon", "coordinates": [list(RING)]},
                                 vehicles=1, seats=4, start="07:00", end="19:00", fare_yen=300)
    trips = [RecordedTrip(36.41, 138.87, 36.42, 138.91, 9 * 3600, 2, "on-demand rides of noriai"),
             RecordedTrip(36.41, 138.87, 36.42, 138.91, 6 * 3600, 1),
             RecordedTrip(36.41, 138.87, 36.50, 138.91, 10 * 3600, 1)]
    zone = simulate_zone(request, spec, 1, 0, trips)
    assert (zone.figures.requested, zone.figures.riders_requested, zone.outside_hours) == (1, 2, 1)
    assert zone.figures.riders_served == 2 and zone.served_share == 1.0
    described = zone.as_json()
    assert described["demand"] == "recorded" and described["recorded_outside_hours"] == 1
    assert described["trips_per_person_day"] is None and described["riders_not_served_by_cell"] == {}
    assert zone.ride.hours == ((7 * 3600, 19 * 3600),) and zone.ride.wait_s >= 600
