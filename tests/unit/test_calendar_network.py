"""One compiled network answers every date of its feeds' calendar (issue 21): no compile between
dates, previous-day trips past midnight, holidays, dates outside every calendar, feeds whose
calendars do not overlap, a feed that fails to compile, and a feed replaced while plans run."""

from __future__ import annotations

import datetime as dt
import threading

import pytest

from tests.calendar_feeds import (CALENDAR, CULTURE_DAY, LATER_DAY, MONDAY, SATURDAY, TUESDAY, TZ, broken,
                            later, town, write)
from maas.domain.planning import PlaceRef, TripRequest
import routing.plan.feeds as feeds_module
from maas.routing_adapter.planner import RaptorJourneyPlanner
from routing.plan import Endpoint, Network, NoService, PlanRequest

A, B, C, D, E = (Endpoint.stop(s) for s in "ABCDE")


def hms(text: str) -> int:
    h, m, s = (int(x) for x in text.split(":"))
    return h * 3600 + m * 60 + s


def rides(network: Network, day: dt.date, origin: Endpoint, destination: Endpoint,
          at: str) -> list[tuple[str, int]]:
    """(trip id, arrival second) of the first ride of each itinerary found."""
    result = network.planner(day).plan(PlanRequest(origin, destination, hms(at)))
    return [(it.rides[0].trip_id, it.rides[-1].arrival_s) for it in result.itineraries]


def test_three_dates_of_one_calendar_plan_without_compiling_again(tmp_path) -> None:
    network = Network([town(tmp_path / "town")], cache_dir=tmp_path / "cache")
    assert rides(network, MONDAY, A, C, "07:00:00")[0] == ("town:T1", hms("08:20:00"))
    linked, compiled = network.link(), network.feeds.compiled
    assert compiled == 1
    assert rides(network, TUESDAY, A, C, "07:00:00")[0] == ("town:T1", hms("08:20:00"))
    assert rides(network, SATURDAY, A, C, "07:00:00")[0] == ("town:T2", hms("09:20:00"))
    assert rides(network, CULTURE_DAY, A, C, "07:00:00") == []  # no weekday trips on the holiday
    assert network.feeds.compiled == compiled and network.feeds.loaded == 0
    assert network.link() is linked
    assert {network.planner(d).timetable is linked.timetable
            for d in (MONDAY, TUESDAY, SATURDAY)} == {True}


def test_previous_day_trips_running_past_midnight(tmp_path) -> None:
    network = Network([town(tmp_path / "town")], cache_dir=None)
    # Friday's N1 reaches B at 24:20: on Saturday it is the 00:20 departure.
    assert rides(network, SATURDAY, B, C, "00:05:00")[0] == ("town:N1@prev", hms("00:40:00"))
    assert rides(network, TUESDAY, B, C, "00:05:00")[0] == ("town:N1@prev", hms("00:40:00"))
    # Sunday runs no N1, nor does Culture Day: Monday's and the 4th's small hours have none.
    assert all(trip != "town:N1@prev" for trip, _ in rides(network, MONDAY, B, C, "00:05:00"))
    after_holiday = CULTURE_DAY + dt.timedelta(days=1)
    assert all(trip != "town:N1@prev" for trip, _ in rides(network, after_holiday, B, C, "00:05:00"))
    # The same trip on its own day, past 24:00.
    assert rides(network, MONDAY, B, C, "23:00:00")[0] == ("town:N1", hms("24:40:00"))


def test_a_date_outside_every_calendar_has_no_service(tmp_path) -> None:
    network = Network([town(tmp_path / "town")], cache_dir=None)
    for day in (dt.date(2026, 11, 1), dt.date(2027, 3, 1), dt.date(2026, 11, 15)):  # before, after, a Sunday
        with pytest.raises(NoService):
            network.planner(day)
    assert network.planner(dt.date(2027, 1, 1), allow_empty=True).has_service is True  # Thursday's N1 @prev


def test_feeds_whose_calendars_do_not_overlap(tmp_path) -> None:
    network = Network([town(tmp_path / "town"), later(tmp_path / "later")], cache_dir=None)
    assert network.timetable.first_day == "2026-11-02"
    assert rides(network, MONDAY, A, C, "07:00:00")[0] == ("town:T1", hms("08:20:00"))
    assert rides(network, MONDAY, D, E, "07:00:00") == []
    assert rides(network, LATER_DAY, D, E, "07:00:00")[0] == ("later:L1", hms("10:30:00"))
    assert rides(network, LATER_DAY, A, C, "07:00:00") == []
    with pytest.raises(NoService):
        network.planner(dt.date(2027, 1, 3))  # a Sunday between them: neither runs


def test_a_feed_that_fails_to_compile_leaves_the_others_serving(tmp_path) -> None:
    network = Network([town(tmp_path / "town"), broken(tmp_path / "bad")], cache_dir=None)
    assert rides(network, MONDAY, A, C, "07:00:00")[0] == ("town:T1", hms("08:20:00"))
    assert list(network.failures) == ["broken"] and network.failures["broken"]
    alone = Network([broken(tmp_path / "bad")], cache_dir=None)
    with pytest.raises(NoService):
        alone.planner(MONDAY)
    assert list(alone.failures) == ["broken"]


def _arrival(planner: RaptorJourneyPlanner) -> dt.datetime:
    plan = planner.plan(TripRequest(origin=PlaceRef(stop_id="A"), destination=PlaceRef(stop_id="C"),
                                    depart_at=dt.datetime(2026, 11, 9, 7, 0, tzinfo=TZ)))
    return plan.itineraries[0].arrival


def test_replacing_a_feed_while_another_thread_plans(tmp_path) -> None:
    old, new = town(tmp_path / "v1" / "town"), town(tmp_path / "v2" / "town", shift_min=5)
    other = later(tmp_path / "later")
    current = [old, other]
    planner = RaptorJourneyPlanner(lambda: list(current), tmp_path / "cache")
    before, after = _arrival(planner), dt.datetime(2026, 11, 9, 8, 25, tzinfo=TZ)
    assert before == dt.datetime(2026, 11, 9, 8, 20, tzinfo=TZ)
    answers: list[dt.datetime] = []
    failures: list[BaseException] = []
    stop = threading.Event()

    def keep_planning() -> None:
        try:
            while not stop.is_set():
                answers.append(_arrival(planner))
        except BaseException as exc:  # reported below, not lost in the thread
            failures.append(exc)

    worker = threading.Thread(target=keep_planning)
    worker.start()
    try:
        current[0] = new  # the import: one feed replaced
        for _ in range(200):
            if _arrival(planner) == after:
                break
        seen_new, waited = len(answers), 0
        while len(answers) < seen_new + 3 and worker.is_alive() and waited < 3000:
            stop.wait(0.01)
            waited += 1
    finally:
        stop.set()
        worker.join(timeout=30)
    assert not failures
    assert set(answers) <= {before, after} and answers[-1] == after
    assert planner._feeds.compiled == 3  # town, later, then the new town alone
    assert planner.feed_failures() == {}


def test_a_restart_reads_the_linked_network_in_one_file(tmp_path, monkeypatch) -> None:
    sources = [town(tmp_path / "town"), later(tmp_path / "later")]
    first = Network(sources, cache_dir=tmp_path / "cache")
    assert rides(first, MONDAY, A, C, "07:00:00")[0] == ("town:T1", hms("08:20:00"))
    assert first.feeds.compiled == 2

    def no_parsing(path, **kwargs):
        raise AssertionError("a restart must not parse the feeds")

    monkeypatch.setattr(feeds_module, "read_feed", no_parsing)
    again = Network(sources, cache_dir=tmp_path / "cache")
    assert rides(again, LATER_DAY, D, E, "07:00:00")[0] == ("later:L1", hms("10:30:00"))
    assert (again.feeds.compiled, again.feeds.loaded) == (0, 0)  # one network file, no feed file
    assert again.planner(MONDAY).fares is not None
    assert again.timetable.n_trips == first.timetable.n_trips


def test_a_block_whose_days_differ_never_claims_a_seat_the_vehicle_does_not_keep(tmp_path) -> None:
    # Block K: T every day A->B, then on Saturdays V B->D, then U every day B->C. On Saturdays a
    # rider staying on T rides into V, not U; one link per trip cannot say both, so T keeps none.
    source = write(tmp_path / "blocks", {
        "agency.txt": ["agency_id,agency_name,agency_url,agency_timezone",
                       "X,Town bus,https://example.com,Asia/Tokyo"],
        "stops.txt": ["stop_id,stop_name,stop_lat,stop_lon", "A,A,36.00,139.00", "B,B,36.01,139.00",
                      "C,C,36.02,139.00", "D,D,36.03,139.00"],
        "routes.txt": ["route_id,agency_id,route_short_name,route_type", "R,X,1,3"],
        "trips.txt": ["route_id,service_id,trip_id,block_id", "R,ALL,T,K", "R,SAT,V,K", "R,ALL,U,K"],
        "calendar.txt": [CALENDAR, "ALL,1,1,1,1,1,1,1,20261102,20261231",
                         "SAT,0,0,0,0,0,1,0,20261102,20261231"],
        "stop_times.txt": ["trip_id,arrival_time,departure_time,stop_id,stop_sequence",
                           "T,08:00:00,08:00:00,A,1", "T,08:30:00,08:30:00,B,2",
                           "V,08:35:00,08:35:00,B,1", "V,08:50:00,08:50:00,D,2",
                           "U,08:40:00,08:40:00,B,1", "U,09:00:00,09:00:00,C,2"],
    })
    network = Network([source], cache_dir=None)
    for day in (MONDAY, SATURDAY):
        itinerary = network.planner(day).plan(PlanRequest(A, C, hms("07:00:00"))).itineraries[0]
        assert [r.trip_id for r in itinerary.rides] == ["blocks:T", "blocks:U"]
        assert not any(r.stay_seated for r in itinerary.rides)
