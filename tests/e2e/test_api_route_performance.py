"""Route performance over the demo region through the real app (SQLite and PostgreSQL), checked by hand.

Tuesday 2026-11-24: the 町内循環線 (bus-loop) runs 6 trips of 25 min (2.5 vehicle-hours), the
檜沢線 (bus-hinokizawa) 6 trips of 17 min (1.7 h). At 4000 yen per vehicle-hour the loop costs
10,000 yen. Two loop tickets sold by the platform were ridden (200 yen each, one paid 100 by the
rider and 100 by the town's fare rule) and one was cancelled late (a 200 yen fee, no boarding):
600 yen revenue, 2 boardings, subsidy 9,400 yen, 4,700 yen per passenger, cost recovery 0.06.
Monday 2026-11-23 is a holiday (勤労感謝の日): the loop runs its 5 weekend trips, the 檜沢線 none.

On-demand (noriai) that Tuesday: van v1 carries ride A (1 traveller, asked for 08:55, on board
09:00-09:20) and ride B (2 travellers, asked for 09:10, on board 09:10-09:30): they share the van
from 09:10 to 09:20, so both are pooled; ride C was a no-show and ride D cancelled. Served 2, riders
3, vehicle-hours 0.5 (09:00 to 09:30), 6 riders per vehicle-hour, waits 300 s and 0 s. Someone is
on board the whole half hour (utilisation 1.0); the rides carry no direct ride time (as rides
booked before it was stored), so no detour is measured.

Detours and utilisation (a second test): van v1 carries A 09:00-09:20 (direct 1000 s: detour 1.2),
B 09:10-09:30 (direct 800 s: 1.5), E 10:00-10:15 (direct 900 s: 1.0) and F 10:20-10:30 (no direct
time: left out); van v2 carries G 09:00-09:06 (direct 240 s: 1.5). Detours 1.0, 1.2, 1.5, 1.5: median
1.2, 90th percentile and maximum 1.5, 4 rides measured. Vehicle-hours 1.5 (v1 09:00-10:30) + 0.1 (v2)
= 1.6; someone on board 30 + 15 + 10 = 55 min on v1 and 6 min on v2: 61 min = 1.0167 h, utilisation
61 / 96 = 0.6354.
"""

from __future__ import annotations

import csv
import io

import pytest

from maas.domain.accounts import NewAccount, Principal, Role
from maas.domain.mobility import BookingState
from maas.domain.ondemand import DayPlan, StopKind
from maas.domain.privacy import ConsentKind
from maas.storage.rides import SqlRideStore
from tests.e2e.analyses_runs import finished
from maas.settings import load_settings
from tests.e2e.route_sales import RATE, TUESDAY, at, consenting, ride, sell, start


@pytest.fixture
def settings(database_url, tmp_path):
    """Figures over fewer than two consenting riders are suppressed here (the default is five)."""
    return load_settings({}, database_url=database_url, data_dir=tmp_path, planner_warmup=False,
                         min_riders_per_aggregate=2)

async def test_route_performance_with_sold_tickets_and_on_demand_rides(client, container, sign_in) -> None:
    analyst = (await sign_in(Role.ANALYST)).headers
    await sell(container, 1, state=BookingState.FINISHED)
    await sell(container, 2, state=BookingState.FINISHED, paid=100, subsidy=100)
    await sell(container, 3, state=BookingState.CANCELLED)  # cancelled late: the 200 yen is its fee
    await sell(container, 4, state=BookingState.FINISHED, route=None)  # sold before offers named routes
    await sell(container, 5, state=BookingState.FINISHED, operator="noriai", route=None)  # ride B's fare
    riders = await consenting(container, "A", "B", "C", "D")
    rides = [ride("A", 1, at(8, 55), BookingState.FINISHED, on=at(9), off=at(9, 20), rider_ref=riders["A"]),
             ride("B", 2, at(9, 10), BookingState.FINISHED, on=at(9, 10), off=at(9, 30), rider_ref=riders["B"]),
             ride("C", 1, at(11), BookingState.CANCELLED, no_show=True, rider_ref=riders["C"]),
             ride("D", 1, at(13), BookingState.CANCELLED, rider_ref=riders["D"])]
    plan = DayPlan(operator_id="noriai", service_date=TUESDAY, routes={"v1": (
        ("A", StopKind.PICKUP), ("B", StopKind.PICKUP), ("A", StopKind.DROP_OFF), ("B", StopKind.DROP_OFF))})
    await SqlRideStore(container.engine).save_day(plan, rides)

    response = await start(client, analyst, {"date": "2026-11-23", "end_date": "2026-11-24", "cost_model": RATE})
    assert response.status == 202, await response.text()
    done = await finished(client, analyst, response.headers["Location"])
    assert done["state"] == "done", done["error"]
    results = done["results"]
    routes = {r["route_id"]: r for r in results["routes"]}
    loop, branch = routes["bus-loop"], routes["bus-hinokizawa"]
    assert (loop["trips"], loop["days_running"]) == (6 + 5, 2)
    assert (branch["trips"], branch["service_hours"], branch["days_running"]) == (6, pytest.approx(1.7), 1)
    assert loop["service_hours"] == pytest.approx(2.5 + 5 * 25 / 60, abs=1e-4)  # rounded to 4 places
    assert (loop["boardings"], loop["revenue_yen"], loop["rider_paid_yen"], loop["fare_subsidy_yen"]) == (2, 600, 500, 100)
    assert loop["operating_cost_yen"] == round((2.5 + 5 * 25 / 60) * 4000)
    assert branch["boardings"] == 0 and branch["operating_cost_yen"] == 6800 and branch["cost_recovery"] == 0
    assert results["unattributed_transit_legs"] == 1
    od = results["on_demand"]
    assert (od["served"], od["cancelled"], od["no_shows"], od["riders"]) == (2, 1, 1, 3)
    assert (od["pooling_rate"], od["planned_pooling_rate"], od["vehicle_hours"]) == (1.0, 1.0, 0.5)
    assert od["riders_per_vehicle_hour"] == 6.0 and od["wait_s"] == {"50": 0.0, "90": 300.0, "100": 300.0}
    assert (od["operating_cost_yen"], od["revenue_yen"], od["subsidy_per_passenger_yen"]) == (2000, 200, 600)
    assert (od["refused_quotes"], od["refused"], od["refusal_rate"]) == (0, {}, 0.0)  # nothing refused
    # Someone is on board all the half hour; the rides were stored without a direct time: no detours.
    assert (od["occupied_hours"], od["utilisation"], od["detour"], od["detour_rides"]) == (0.5, 1.0, {}, 0)

    one_day = await finished(client, analyst, (await start(client, analyst, {
        "date": "2026-11-24", "cost_model": RATE, "on_demand_operator_id": None})).headers["Location"])
    text = await (await client.get(f"/v1/analyses/{one_day['id']}/cells.csv", headers=analyst)).text()
    rows = {r["route_id"]: r for r in csv.DictReader(io.StringIO(text))}
    # The hand-checked loop: 6 trips, 2.5 h x 4000 = 10,000 yen; 600 yen earned; 9,400 / 2 per passenger.
    assert (rows["bus-loop"]["trips"], rows["bus-loop"]["operating_cost_yen"]) == ("6", "10000")
    assert (rows["bus-loop"]["subsidy_yen"], rows["bus-loop"]["subsidy_per_passenger_yen"]) == ("9400", "4700")
    assert rows["bus-loop"]["cost_recovery"] == "0.06" and one_day["results"]["on_demand"] is None
    page = await (await client.get(f"/v1/analyses/{one_day['id']}/report", headers=analyst)).text()
    assert "Route performance" in page and "町内循環線" in page and 'src="data:image/png;base64,' in page


async def test_on_demand_detours_and_utilisation(client, container, sign_in) -> None:
    analyst = (await sign_in(Role.ANALYST)).headers
    riders = await consenting(container, "A", "B", "E", "F", "G")
    rides = [ride("A", 1, at(9), BookingState.FINISHED, on=at(9), off=at(9, 20), direct_s=1000, rider_ref=riders["A"]),
             ride("B", 2, at(9, 10), BookingState.FINISHED, on=at(9, 10), off=at(9, 30), direct_s=800, rider_ref=riders["B"]),
             ride("E", 1, at(10), BookingState.FINISHED, on=at(10), off=at(10, 15), direct_s=900, rider_ref=riders["E"]),
             ride("F", 1, at(10, 20), BookingState.FINISHED, on=at(10, 20), off=at(10, 30), rider_ref=riders["F"]),
             ride("G", 1, at(9), BookingState.FINISHED, on=at(9), off=at(9, 6), direct_s=240, vehicle="v2", rider_ref=riders["G"])]
    await SqlRideStore(container.engine).save_day(DayPlan(operator_id="noriai", service_date=TUESDAY), rides)

    response = await start(client, analyst, {"date": "2026-11-24", "cost_model": RATE})
    assert response.status == 202, await response.text()
    done = await finished(client, analyst, response.headers["Location"])
    assert done["state"] == "done", done["error"]
    od = done["results"]["on_demand"]
    assert (od["served"], od["vehicle_hours"]) == (5, 1.6)
    assert od["detour"] == {"50": 1.2, "90": 1.5, "100": 1.5} and od["detour_rides"] == 4
    assert od["occupied_hours"] == pytest.approx(61 / 60, abs=1e-4)
    assert od["utilisation"] == pytest.approx(61 / 96, abs=1e-4)
    assert any("detour" in line for line in done["results"]["measured"])


async def test_only_consenting_riders_count_and_too_few_are_suppressed(client, container, sign_in) -> None:
    """Ride X's rider never agreed to share trips with the town: it is left out. Then Y and Z
    agreed, but one rider alone would stand out (k = 2 here): suppressed; two riders: shown."""
    analyst = (await sign_in(Role.ANALYST)).headers
    riders = await consenting(container, "Y", "Z")
    silent = await container.auth.register(NewAccount(email="x@riders.example", display_name="X", role=Role.RIDER,
                                                      password="x" * 12), by=Principal(subject_id="s", role=Role.ADMIN))
    await container.privacy.answer(Principal(subject_id=silent.id, role=Role.RIDER),
                                   {ConsentKind.MUNICIPAL_ANALYSES: False, ConsentKind.TERMS: True})
    await container.privacy.answer(Principal(subject_id=riders["Z"], role=Role.RIDER),
                                   {ConsentKind.MUNICIPAL_ANALYSES: False})  # Z withdrew: the newest answer counts
    store = SqlRideStore(container.engine)
    rides = [ride("X", 1, at(9), BookingState.FINISHED, on=at(9), off=at(9, 20), rider_ref=silent.id),
             ride("Y", 1, at(10), BookingState.FINISHED, on=at(10), off=at(10, 20), rider_ref=riders["Y"]),
             ride("Z", 1, at(11), BookingState.FINISHED, on=at(11), off=at(11, 20), rider_ref=riders["Z"])]
    await store.save_day(DayPlan(operator_id="noriai", service_date=TUESDAY), rides)
    response = await start(client, analyst, {"date": "2026-11-24", "cost_model": RATE})
    done = await finished(client, analyst, response.headers["Location"])
    assert done["results"]["on_demand"] == {"operator_id": "noriai", "suppressed": True, "min_riders": 2}
    await container.privacy.answer(Principal(subject_id=riders["Z"], role=Role.RIDER),
                                   {ConsentKind.MUNICIPAL_ANALYSES: True})
    response = await start(client, analyst, {"date": "2026-11-24", "cost_model": RATE})
    od = (await finished(client, analyst, response.headers["Location"]))["results"]["on_demand"]
    assert (od["served"], od["riders"], od["rides_booked"]) == (2, 2, 2)  # X's ride is not among them


async def test_bad_periods_and_riders(client, sign_in) -> None:
    analyst, rider = (await sign_in(Role.ANALYST)).headers, (await sign_in(Role.RIDER)).headers
    assert (await start(client, rider, {"date": "2026-11-24"})).status == 403
    too_long = await start(client, analyst, {"date": "2026-11-01", "end_date": "2026-12-02"})
    assert too_long.status == 422
    backwards = await start(client, analyst, {"date": "2026-11-24", "end_date": "2026-11-23"})
    assert backwards.status == 422
    zone = await start(client, analyst, {"date": "2026-11-24", "timezone": "Mars/Olympus"})
    assert zone.status == 422 and "parameters.timezone" in (await zone.json())["error"]["fields"]
    negative = await start(client, analyst, {"date": "2026-11-24", "cost_model": {"per_km_yen": -1}})
    assert negative.status == 422


async def test_uploaded_ridership_counts_add_to_the_routes_boardings(client, sign_in) -> None:
    """Counts of trips not booked here (paid on board) add to boardings, shown apart; their fares are unknown."""
    analyst = (await sign_in(Role.ANALYST)).headers
    counts = ("route_id,date,boardings\nbus-hinokizawa,2026-11-24,9\nbus-loop,2026-11-24,20\n"
              "bus-elsewhere,2026-11-24,4\nbus-loop,2026-11-25,99\n")
    assert (await client.post("/v1/ridership", json={"content": counts}, headers=analyst)).status == 201
    done = await finished(client, analyst, (await start(client, analyst, {
        "date": "2026-11-24", "cost_model": RATE, "on_demand_operator_id": None})).headers["Location"])
    assert done["state"] == "done", done["error"]
    routes = {r["route_id"]: r for r in done["results"]["routes"]}
    branch, loop = routes["bus-hinokizawa"], routes["bus-loop"]
    assert (branch["boardings"], branch["boardings_uploaded"], branch["revenue_yen"]) == (9, 9, 0)
    assert (loop["boardings"], loop["boardings_uploaded"]) == (20, 20)  # the 25th is another day
    assert branch["subsidy_per_passenger_yen"] == round(6800 / 9)
    assert done["results"]["uploaded_counts_unmatched"] is True  # bus-elsewhere runs in no feed
