"""Scenarios on the demo region (山吹町) and on a real feed (南牧村, Nanmoku), checked by hand.

Demo region, weekdays: 檜沢線 (bus-hinokizawa) is the only bus to the 檜沢 hamlet (B08-B10):
it leaves 檜沢上 (B10) at 07:15, 12:25 and 15:25 and reaches 山吹駅前 (B01) 17 minutes later.
The 町内循環線 loop leaves B01 at 08:35, 10:05, 11:35, 13:05, 14:35 and 16:05 and calls at
山吹町立病院 (B04) 9 minutes later. So from 檜沢上 the hospital is within an hour only around
midday: leave at 12:24, walk 14 s to B10, 12:25 bus to B01 (12:42), 13:05 loop to B04 (13:14),
walk 62 s: 51:02. In the morning the 07:15 bus waits for the 08:35 loop: 91:02. The walk
(3.6 km) is far beyond the 1 km walking limit.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import numpy as np
import pytest

from routing.access import Point, PointSet, read_points_csv, travel_time_matrix
from routing.gtfs import read_feed
from routing.plan.geo import haversine_m
from routing.scenarios import (CostModel, RemoveRoute, ReplaceByOnDemand, SetHeadway,
                               apply_edits, compare_access, compare_economics, economics,
                               route_performance, simulate_replacement)
from routing.timetable import TimetableParams, compile_timetable

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "fixtures" / "demo-region"
WEEKDAY, SATURDAY = dt.date(2026, 11, 24), dt.date(2026, 11, 28)
PARAMS = TimetableParams(footpath_radius_m=300)
H, MIN = 3600, 60
HOSPITAL = Point("hospital", 36.412526, 138.91438, category="hospital")
TOWN_HALL = Point("town-hall", 36.406579, 138.894092, category="city_hall")
HINOKIZAWA_KAMI = Point("hinokizawa-kami", 36.4225, 138.8745)
BRANCH_STOPS = {"B01": (36.399189, 138.900446), "B06": (36.406308, 138.894426),
                "B08": (36.414419, 138.888852), "B09": (36.419375, 138.882164),
                "B10": (36.422529, 138.87436)}

NANMOKU = "gtfs-jp/kuwayama-gtfsjp-corpus-2019/gtfs.1037.nanmokumura_com.zip"
KUNUGI = Point("kunugi", 36.160613, 138.743847, weight=12)
SHIMONITA = Point("shimonita-station", 36.210786, 138.786266, category="hospital")
NANMOKU_WEDNESDAY = dt.date(2019, 6, 5)


@pytest.fixture(scope="module")
def demo():
    return read_feed(DEMO / "gtfs")


@pytest.fixture(scope="module")
def without_hinokizawa(demo):
    return apply_edits(demo, [RemoveRoute("bus-hinokizawa")])


def timetable(feed, day=WEEKDAY):
    return compile_timetable([feed], day, params=PARAMS)


def walk_s(a: Point, b: Point) -> float:
    return float(haversine_m(a.lat, a.lon, b.lat, b.lon)) * 1.3 / 1.2


def perf_of(feed, day=WEEKDAY):
    return {p.route_id: p for p in route_performance(feed, day)}


def test_a_cell_next_to_the_hospital_reaches_it_in_walking_time(demo):
    cells = read_points_csv(DEMO / "population.csv", id_column="cell_id",
                            weight_column="population")
    nearest = int(np.argmin(haversine_m(cells.lat, cells.lon, HOSPITAL.lat, HOSPITAL.lon)))
    cell = list(cells)[nearest]
    assert walk_s(cell, HOSPITAL) < 1000 / 1.2  # within the walking limit
    m = travel_time_matrix(timetable(demo), [cell], [HOSPITAL], 7 * H, 3 * H,
                           percentiles=(0, 50, 100))
    assert m[:, 0, 0] == pytest.approx([walk_s(cell, HOSPITAL)] * 3, abs=1.0)


def test_hinokizawa_reaches_the_hospital_only_by_its_bus(demo, without_hinokizawa):
    base = timetable(demo)
    midday = travel_time_matrix(base, [HINOKIZAWA_KAMI], [HOSPITAL, TOWN_HALL], 12 * H, H,
                                percentiles=(0,))
    assert midday[0, 0, 0] == 51 * MIN + 2
    morning = travel_time_matrix(base, [HINOKIZAWA_KAMI], [HOSPITAL, TOWN_HALL], 7 * H, 3 * H,
                                 percentiles=(0,))
    assert morning[0, 0, 0] == 91 * MIN + 2  # the loop does not start before 08:35
    assert morning[0, 0, 1] == 14 * MIN + 46  # the town hall: 07:15 bus, at B06 07:28
    after = timetable(without_hinokizawa)
    for start, window in ((7 * H, 3 * H), (12 * H, H)):
        m = travel_time_matrix(after, [HINOKIZAWA_KAMI], [HOSPITAL, TOWN_HALL], start, window,
                               percentiles=(0, 50, 100))
        assert np.isinf(m).all()


def test_the_comparison_says_the_village_loses_the_hospital(demo, without_hinokizawa):
    cells = read_points_csv(DEMO / "population.csv", id_column="cell_id",
                            weight_column="population")
    elderly = read_points_csv(DEMO / "population.csv", id_column="cell_id",
                              weight_column="population_65_plus").weight
    before = travel_time_matrix(timetable(demo), cells, [HOSPITAL], 12 * H, H, percentiles=(0,))[0]
    after = travel_time_matrix(timetable(without_hinokizawa), cells, [HOSPITAL], 12 * H, H,
                               percentiles=(0,))[0]
    out = compare_access(before, after, cells, 60 * MIN, elderly=elderly)
    lost = {c.origin_id for c in out.lost}
    home = int(np.argmin(haversine_m(cells.lat, cells.lon, HINOKIZAWA_KAMI.lat,
                                     HINOKIZAWA_KAMI.lon)))
    assert str(cells.ids[home]) in lost
    assert out.gained == () and out.elderly_lost > 0
    assert out.elderly_lost == sum(elderly[list(cells.ids).index(i)] for i in lost)
    # Only cells within walking distance of a 檜沢線 stop can lose anything (near 役場 B06 too:
    # the branch also links it to 山吹駅前 in time for the 13:05 loop). Cells within 1 km of
    # 檜沢 (B09) lose the hospital altogether: no other stop is within their walk.
    for c in out.lost:
        i = list(cells.ids).index(c.origin_id)
        to_stops = [float(haversine_m(cells.lat[i], cells.lon[i], lat, lon))
                    for lat, lon in BRANCH_STOPS.values()]
        assert min(to_stops) <= 1000
        assert c.before_s <= 60 * MIN < c.after_s
        if to_stops[list(BRANCH_STOPS).index("B09")] <= 1000:
            assert math.isinf(c.after_s)
    assert math.isinf(after[home, 0]) and before[home, 0] <= 60 * MIN


def test_demo_route_performance_by_hand(demo):
    weekday = perf_of(demo)
    loop, branch = weekday["bus-loop"], weekday["bus-hinokizawa"]
    # Loop: 6 trips of 25 minutes (08:35 -> 09:00 ...), every 90 minutes.
    assert (loop.trips, loop.service_hours) == (6, pytest.approx(2.5))
    assert (loop.first_departure_s, loop.last_departure_s) == (8 * H + 35 * MIN, 16 * H + 5 * MIN)
    assert loop.mean_headway_s == 90 * MIN
    # Branch: 3 round trips of 17 minutes each way.
    assert (branch.trips, branch.service_hours) == (6, pytest.approx(6 * 17 / 60))
    assert branch.service_km > 0 and branch.distance_source == "straight_line"
    assert weekday["rail-yamabuki"].trips == 51
    assert perf_of(demo, SATURDAY)["bus-hinokizawa"].trips == 0


def test_halving_the_loop_headway_doubles_its_trips(demo):
    edited = apply_edits(demo, [SetHeadway("bus-loop", 45 * MIN, 8 * H + 35 * MIN,
                                           17 * H + 35 * MIN)])
    loop = perf_of(edited)["bus-loop"]
    assert (loop.trips, loop.service_hours, loop.mean_headway_s) == (12, pytest.approx(5.0), 45 * MIN)
    tt = timetable(edited)
    index = list(tt.route_ids).index("gtfs:bus-loop")
    assert int((np.asarray(tt.trip_route_index) == index).sum()) == 12
    assert perf_of(demo)["bus-loop"].trips == 6  # the baseline is untouched


def test_replacing_the_branch_by_an_on_demand_zone(demo):
    zone = ((138.865, 36.398), (138.92, 36.398), (138.92, 36.43), (138.865, 36.43))
    edit = ReplaceByOnDemand(("bus-hinokizawa",), zone, vehicles=1, seats=4, start_s=8 * H,
                             end_s=12 * H)
    assert "bus-hinokizawa" not in perf_of(apply_edits(demo, [edit]))
    cells = read_points_csv(DEMO / "population.csv", id_column="cell_id",
                            weight_column="population")
    places = PointSet.from_points([HOSPITAL, TOWN_HALL])
    depot = (36.399189, 138.900446)  # 山吹駅前
    requests, fig = simulate_replacement(edit, cells, places, depot, trips_per_person_day=0.005,
                                         seed=1, max_iterations=500, max_no_improvement=150)
    assert fig.checked and fig.requested == len(requests) > 0
    assert fig.served + fig.refused == fig.requested and fig.served > 0
    cost = CostModel(per_vehicle_hour_yen=4000, per_km_yen=50)
    on_demand = economics(fig, cost, boardings=fig.riders_served, revenue_yen=300 * fig.riders_served)
    bus = economics(perf_of(demo)["bus-hinokizawa"], cost, boardings=20, revenue_yen=4000)
    change = compare_economics({"bus-hinokizawa": bus}, {"on-demand": on_demand})
    assert change.cost_change_yen == on_demand.operating_cost_yen - bus.operating_cost_yen
    assert bus.operating_cost_yen == round(1.7 * 4000 + perf_of(demo)["bus-hinokizawa"].service_km * 50)


@pytest.mark.corpus
def test_nanmoku_performance_and_removing_the_kunugi_bus(corpus_dir: Path):
    feed = read_feed(corpus_dir / NANMOKU)
    perf = perf_of(feed, NANMOKU_WEDNESDAY)
    running = [p for p in perf.values() if p.trips > 0]
    assert running and all(p.service_hours > 0 and p.service_km > 0 for p in running)
    # R015 runs on Wednesdays only: 椚 09:05 -> 下仁田駅 09:25.
    assert (perf["R015"].trips, perf["R015"].first_departure_s) == (1, 9 * H + 5 * MIN)
    assert perf["R015"].service_hours == pytest.approx(20 / 60)
    tt = timetable(feed, NANMOKU_WEDNESDAY)
    assert sum(p.trips for p in running) == len(tt.trip_ids)
    before = travel_time_matrix(tt, [KUNUGI], [SHIMONITA], 8 * H + 50 * MIN, 15 * MIN,
                                max_walk_m=100, percentiles=(0,))
    assert before[0, 0, 0] == 21 * MIN
    edited = apply_edits(feed, [RemoveRoute("R015"), RemoveRoute("R016")])
    after = travel_time_matrix(timetable(edited, NANMOKU_WEDNESDAY), [KUNUGI], [SHIMONITA],
                               8 * H + 50 * MIN, 15 * MIN, max_walk_m=100, percentiles=(0,))
    assert np.isinf(after).all()
    out = compare_access(before[0], after[0], [KUNUGI], 60 * MIN)
    assert [c.origin_id for c in out.lost] == ["kunugi"] and out.residents_lost == 12
    assert {p.route_id for p in route_performance(edited, NANMOKU_WEDNESDAY)} == \
        set(perf) - {"R015", "R016"}
    # R002's inbound trips each have their own service (2, 5, 7, ...); hourly 08:00-17:00
    # keeps the 06:40 trip and adds 10, never one per service.
    assert (perf["R002"].trips, perf["R002"].first_departure_s) == (3, 6 * H + 40 * MIN)
    hourly = apply_edits(feed, [SetHeadway("R002", H, 8 * H, 18 * H)])
    assert perf_of(hourly, NANMOKU_WEDNESDAY)["R002"].trips == 11
