"""Door-to-door timing over a hand-made line and operators whose answers can be checked by hand.

    HOME (no stop near) ---- van or taxi ----> H (station) == train ==> D (station, the goal)
    A (station, the start) == train ==> H2 (station) ---- van or taxi ----> FARM (no stop near)

Trains H -> D leave 09:30 and 10:30 (20 min); trains A -> H2 leave 08:40 and 09:40 (20 min).
Van and taxi serve only the strip between 138.75 and 138.90 E (HOME, H, H2, FARM; not A or D).
The van picks up on a 5-minute grid at the earliest 30 min from now and rides 10 min for 300 yen;
the taxi picks up when asked (at the earliest 10 min from now) and rides 7 min for 2,000 yen. The
clock reads 08:00 (+09:00); the elderly profile changes trains in 180 s and walks 0.8 m/s.
"""

from __future__ import annotations

import datetime as dt
import math
from zoneinfo import ZoneInfo

import pytest

from maas.domain import errors
from maas.domain.accounts import GeoPoint
from maas.domain.door_to_door import DoorToDoorPlan, DoorToDoorRequest, OperatorLeg
from maas.domain.errors import InvalidRequest, OperatorRejected
from maas.domain.mobility import Offer, OfferQuery
from maas.domain.planning import (Itinerary, LegPlace, Money, PlaceRef, TransitLeg, TravellerProfile, TripPlan,
                                  TripRequest, WalkLeg)
from maas.services.door_to_door import DoorToDoorService
from maas.services.offers import OfferService
from maas.services.planning import PlanningService
from tests.fakes import SteppedClock

TOKYO = ZoneInfo("Asia/Tokyo")
DAY = dt.date(2026, 11, 24)


def at(hhmm: str) -> dt.datetime:
    hour, minute = map(int, hhmm.split(":"))
    return dt.datetime.combine(DAY, dt.time(hour, minute), tzinfo=TOKYO)


STOPS = {"H": (36.40, 138.85), "D": (36.40, 138.95), "A": (36.30, 138.70), "H2": (36.30, 138.80)}
HOME = PlaceRef(lat=36.40, lon=138.80, name="home")
GOAL = PlaceRef(lat=36.40, lon=138.95, name="D")  # at station D
START = PlaceRef(lat=36.30, lon=138.70, name="A")  # at station A
FARM = PlaceRef(lat=36.30, lon=138.85, name="farm")
TRAINS = [("H", "D", at("09:30")), ("H", "D", at("10:30")), ("A", "H2", at("08:40")), ("A", "H2", at("09:40"))]
RIDE = dt.timedelta(minutes=20)


def _place(stop: str) -> LegPlace:
    lat, lon = STOPS[stop]
    return LegPlace(name=stop, lat=lat, lon=lon, stop_id=f"f:{stop}")


def _stop(ref: PlaceRef, role: str) -> str:
    if ref.stop_id is not None:
        return ref.stop_id.removeprefix("f:")
    for stop, (lat, lon) in STOPS.items():
        if (lat, lon) == (ref.lat, ref.lon):
            return stop
    raise errors.NoStopNearby(f"no stop near the {role}", fields={role: "no stop"})


class Line:
    """A JourneyPlanner over TRAINS: stops only, one ride per itinerary."""

    def __init__(self) -> None:
        self.hub_for = {(36.40, 138.80): "H", (36.30, 138.85): "H2"}

    def plan(self, request: TripRequest) -> TripPlan:
        a, b = _stop(request.origin, "from"), _stop(request.destination, "to")
        runs = [(dep, dep + RIDE) for o, d, dep in TRAINS if (o, d) == (a, b)]
        if request.depart_at is not None:
            runs = sorted(r for r in runs if r[0] >= request.depart_at)
        else:
            assert request.arrive_by is not None
            runs = sorted((r for r in runs if r[1] <= request.arrive_by), reverse=True)
        its = tuple(Itinerary(departure=dep, arrival=arr, duration_s=int(RIDE.total_seconds()), transfers=0,
                              walk_distance_m=0, fare=Money(amount_minor=400, currency="JPY"),
                              legs=(TransitLeg(origin=_place(a), destination=_place(b), departure=dep, arrival=arr,
                                               duration_s=int(RIDE.total_seconds()), trip_id=f"{a}{dep:%H%M}",
                                               route_id="line", route_short_name="", route_long_name="Line",
                                               route_type=2, route_color="", agency_name="Rail",
                                               operator_office="", headsign=b, wheelchair_accessible=True,
                                               stay_seated=False, fare=Money(amount_minor=400, currency="JPY")),))
                    for dep, arr in runs[:request.max_itineraries])
        return TripPlan(itineraries=its, service_date=DAY, timezone="Asia/Tokyo",
                        reason=None if its else "no_connection")

    def departures(self, stop_id, at, *, limit):  # pragma: no cover - not used here
        raise NotImplementedError

    def warm_up(self, at) -> None:  # pragma: no cover - not used here
        pass

    def hubs(self, lat: float, lon: float, at: dt.datetime, *, radius_m: int, limit: int) -> list[LegPlace]:
        stop = self.hub_for.get((lat, lon))
        return [_place(stop)] if stop else []


class Ride:
    """A door-to-door operator; every quote is recorded with the time asked."""

    def __init__(self, clock: SteppedClock, operator_id: str, mode: str, *, notice: dt.timedelta,
                 ride: dt.timedelta, price: int, grid_s: int = 0) -> None:
        self.clock, self.operator_id, self.mode = clock, operator_id, mode
        self.notice, self.ride, self.price, self.grid_s = notice, ride, price, grid_s
        self.asked: list[tuple[dt.datetime, str]] = []  # (depart_at asked, offer id)

    def pickup(self, asked: dt.datetime) -> dt.datetime:
        when = max(asked, self.clock.now() + self.notice)
        if self.grid_s:
            when = dt.datetime.fromtimestamp(math.ceil(when.timestamp() / self.grid_s) * self.grid_s, TOKYO)
        return when

    async def search_offers(self, query: OfferQuery) -> list[Offer]:
        if not all(138.75 <= p.lon <= 138.90 for p in (query.origin, query.destination)):
            return []
        pickup = self.pickup(query.depart_at)
        offer = Offer(id=f"{self.operator_id}-{len(self.asked)}", operator_id=self.operator_id, mode=self.mode,
                      price=Money(amount_minor=self.price, currency="JPY"), valid_until=self.clock.now() + RIDE,
                      departure=pickup, arrival=pickup + self.ride, origin=query.origin,
                      destination=query.destination, distance_m=3000)
        self.asked.append((query.depart_at, offer.id))
        return [offer]


class Bikes:
    """Bikes 100 m east of wherever the rider is, reserved only 15 min ahead; the operator estimates
    the walk to the bike at 1 m/s (the planner walks it at the rider's own pace)."""

    def __init__(self, clock: SteppedClock) -> None:
        self.clock = clock
        self.asked: list[dt.datetime] = []

    async def search_offers(self, query: OfferQuery) -> list[Offer]:
        self.asked.append(query.depart_at)
        if query.depart_at > self.clock.now() + dt.timedelta(minutes=15):
            raise OperatorRejected("bikes takes no reservations ahead: within 15 min only")
        start = max(query.depart_at, self.clock.now())
        rack = GeoPoint(lat=query.origin.lat, lon=query.origin.lon + 100 / 89_600)
        departure = start + dt.timedelta(seconds=100)
        return [Offer(id=f"bike-{len(self.asked)}", operator_id="bikes", mode="bike",
                      price=Money(amount_minor=150, currency="JPY"), valid_until=self.clock.now() + RIDE,
                      departure=departure, arrival=departure + dt.timedelta(minutes=12), origin=rack,
                      destination=query.destination, distance_m=3000)]


@pytest.fixture
def clock() -> SteppedClock:
    return SteppedClock(at("08:00"))


@pytest.fixture
def operators(clock) -> dict:
    return {"vans": Ride(clock, "vans", "on_demand", notice=dt.timedelta(minutes=30), ride=dt.timedelta(minutes=10),
                         price=300, grid_s=300),
            "taxis": Ride(clock, "taxis", "taxi", notice=dt.timedelta(minutes=10), ride=dt.timedelta(minutes=7),
                          price=2000)}


def service(clock, adapters) -> DoorToDoorService:
    line = Line()
    return DoorToDoorService(PlanningService(line, clock), line, OfferService(adapters, budget_s=5.0), clock=clock)


async def plan(clock, adapters, origin=HOME, destination=GOAL, modes=None, **trip) -> DoorToDoorPlan:
    request = DoorToDoorRequest(trip=TripRequest(origin=origin, destination=destination, **trip), max_options=20,
                                **({} if modes is None else {"modes": modes}))
    return await service(clock, adapters).plan(request)


def _ride(option) -> OperatorLeg:
    return next(leg for leg in option.legs if isinstance(leg, OperatorLeg))


def _train(option) -> TransitLeg:
    return next(leg for leg in option.legs if isinstance(leg, TransitLeg))


def _with(plan: DoorToDoorPlan, kind: str, mode: str):
    return [o for o in plan.options if o.kind == kind and _ride(o).mode == mode]


def _quoted_at(operator: Ride, leg: OperatorLeg) -> dt.datetime:
    """The time the operator was asked for the offer the option uses (it must be one it gave)."""
    return next(asked for asked, offer_id in operator.asked if offer_id == leg.offer_id)


async def test_the_van_reaches_the_station_a_transfer_time_before_the_train(clock, operators) -> None:
    result = await plan(clock, operators, depart_at=at("08:30"))
    (van,) = _with(result, "first_mile", "on_demand")
    ride, train = _ride(van), _train(van)
    assert train.departure == at("09:30")  # the first train the van can reach
    # On the platform the profile's 180 s before the train, within a few minutes: not at 08:40.
    assert dt.timedelta(seconds=180) <= train.departure - ride.arrival <= dt.timedelta(seconds=180 + 300)
    assert ride.departure == operators["vans"].pickup(_quoted_at(operators["vans"], ride))  # as quoted
    assert van.waits_s == (int((train.departure - ride.arrival).total_seconds()),)
    assert van.wait_s == sum(van.waits_s)
    by_taxi = await plan(clock, operators, depart_at=at("08:30"), modes=frozenset({"taxi", "transit"}))
    (taxi,) = _with(by_taxi, "first_mile", "taxi")  # (the van to the same train is cheaper)
    assert _train(taxi).departure - _ride(taxi).arrival == dt.timedelta(seconds=180)  # a taxi comes when asked


async def test_the_transfer_time_comes_from_the_profile(clock, operators) -> None:
    slow = TravellerProfile(min_transfer_s=600)
    by_taxi = await plan(clock, operators, depart_at=at("08:30"), profile=slow, modes=frozenset({"taxi", "transit"}))
    (taxi,) = _with(by_taxi, "first_mile", "taxi")
    assert _train(taxi).departure - _ride(taxi).arrival == dt.timedelta(seconds=600)
    result = await plan(clock, operators, depart_at=at("08:30"), profile=slow)
    (van,) = _with(result, "first_mile", "on_demand")
    assert dt.timedelta(seconds=600) <= _train(van).departure - _ride(van).arrival <= dt.timedelta(seconds=900)


async def test_the_last_mile_ride_is_quoted_for_the_train_arrival_plus_the_transfer(clock, operators) -> None:
    result = await plan(clock, operators, origin=START, destination=FARM, depart_at=at("08:35"))
    (van,) = _with(result, "last_mile", "on_demand")
    (taxi,) = _with(result, "last_mile", "taxi")
    for option, operator in ((van, operators["vans"]), (taxi, operators["taxis"])):
        train, ride = _train(option), _ride(option)
        assert train.arrival == at("09:00")
        assert _quoted_at(operator, ride) == at("09:03")  # arrival plus the profile's 180 s
    assert _ride(taxi).departure == at("09:03") and _ride(van).departure == at("09:05")  # the van's grid
    careful = await plan(clock, operators, origin=START, destination=FARM, depart_at=at("08:35"),
                         profile=TravellerProfile(min_transfer_s=420))
    (taxi,) = _with(careful, "last_mile", "taxi")
    assert _ride(taxi).departure == at("09:07") and taxi.waits_s == (420,)


async def test_arrive_by_gives_the_latest_departures_of_every_mode(clock, operators) -> None:
    by = at("10:00")
    station = PlaceRef(lat=STOPS["H"][0], lon=STOPS["H"][1], name="H")
    direct = await plan(clock, operators, destination=station, arrive_by=by)
    assert direct.options and all(o.arrival <= by and o.departure >= clock.now() for o in direct.options)
    (taxi,) = _with(direct, "direct", "taxi")
    (van,) = _with(direct, "direct", "on_demand")
    assert taxi.arrival == by  # asked again so as to arrive on time, not long before
    assert by - dt.timedelta(minutes=5) <= van.arrival <= by
    result = await plan(clock, operators, arrive_by=by)
    assert result.options and all(o.arrival <= by and o.departure >= clock.now() for o in result.options)
    (feeder,) = _with(result, "first_mile", "on_demand")
    assert _train(feeder).departure == at("09:30")  # the latest train arriving by 10:00 (09:50)
    assert dt.timedelta(seconds=180) <= _train(feeder).departure - _ride(feeder).arrival <= dt.timedelta(seconds=480)
    # The last mile: the train, then a ride quoted for its arrival plus the transfer, by the time.
    farm = await plan(clock, operators, origin=START, destination=FARM, arrive_by=at("10:15"),
                      modes=frozenset({"taxi", "transit"}))
    (last,) = _with(farm, "last_mile", "taxi")
    assert _train(last).arrival == at("10:00") and _ride(last).departure == at("10:03")
    assert last.arrival <= at("10:15")
    # Transit alone: the latest train that arrives in time.
    alone = await plan(clock, operators, origin=START, destination=PlaceRef(lat=STOPS["H2"][0], lon=STOPS["H2"][1]),
                       arrive_by=at("10:15"))
    (transit,) = [o for o in alone.options if o.kind == "transit"]
    assert transit.departure == at("09:40")


async def test_arrive_by_too_soon_for_any_ride_gives_nothing_rather_than_a_late_one(clock, operators) -> None:
    result = await plan(clock, operators, arrive_by=at("08:05"))  # the taxi needs 10 min to come
    assert result.options == ()


async def test_van_and_train_both_ways(clock, operators) -> None:
    there = await plan(clock, operators, depart_at=at("08:30"), modes=frozenset({"on_demand", "transit"}))
    back = await plan(clock, operators, origin=START, destination=FARM, depart_at=at("08:35"),
                      modes=frozenset({"on_demand", "transit"}))
    assert [_ride(o).operator_id for o in there.options if o.kind == "first_mile"] == ["vans"]
    assert [_ride(o).operator_id for o in back.options if o.kind == "last_mile"] == ["vans"]
    (option,) = [o for o in there.options if o.kind == "first_mile"]
    assert [leg.mode for leg in option.legs] == ["on_demand", "transit"]


async def test_walks_to_a_bike_go_at_the_riders_pace_and_a_refusal_says_why(clock, operators) -> None:
    bikes = Bikes(clock)
    soon = await plan(clock, {"bikes": bikes}, origin=FARM, destination=GOAL, depart_at=at("08:05"),
                      profile=TravellerProfile(walk_speed_mps=0.8))
    (bike,) = [o for o in soon.options if o.kind == "direct"]
    walk, ride = bike.legs[0], bike.legs[1]
    assert isinstance(walk, WalkLeg) and walk.arrival == ride.departure
    assert walk.duration_s == math.ceil(walk.distance_m / 0.8) and walk.departure >= at("08:05")
    quoted_for = bikes.asked[int(ride.offer_id.split("-")[1]) - 1]
    assert bikes.asked[0] == at("08:05") < quoted_for  # asked again for later: she walks slower than it thinks
    later = await plan(clock, {"bikes": bikes, **operators}, origin=FARM, destination=GOAL, depart_at=at("09:00"))
    assert "bike" not in {leg.mode for o in later.options for leg in o.legs}
    (why,) = later.unavailable_operators
    assert (why.operator_id, why.reason) == ("bikes", "operator_rejected") and "ahead" in why.message


@pytest.mark.parametrize(("times", "field"), [
    ({"depart_at": at("09:00"), "arrive_by": at("10:00")}, "arrive_by"),
    ({}, "depart_at"),
    ({"arrive_by": at("07:59")}, "arrive_by"),
    ({"arrive_by": at("08:00")}, "arrive_by"),
    ({"arrive_by": dt.datetime(2026, 11, 24, 10, 0)}, "arrive_by"),
    ({"depart_at": dt.datetime(2026, 11, 24, 9, 0)}, "depart_at"),
    ({"depart_at": dt.datetime(9999, 12, 31, 23, 0, tzinfo=TOKYO)}, "depart_at"),
    ({"arrive_by": dt.datetime(2028, 1, 1, 9, 0, tzinfo=TOKYO)}, "arrive_by"),
])
async def test_bad_times_are_refused_before_anyone_is_asked(clock, operators, times, field) -> None:
    with pytest.raises(InvalidRequest) as refused:
        await plan(clock, operators, **times)
    assert field in refused.value.fields
    assert operators["vans"].asked == [] and operators["taxis"].asked == []


class Asked:
    """An operator answering as `inner` does, keeping every query it was asked."""

    def __init__(self, inner: Ride) -> None:
        self.inner, self.queries = inner, []

    async def search_offers(self, query: OfferQuery) -> list[Offer]:
        self.queries.append(query)
        return await self.inner.search_offers(query)


async def test_rides_to_the_destination_carry_the_trips_arrive_by(clock, operators) -> None:
    asked = {k: Asked(v) for k, v in operators.items()}
    station = PlaceRef(lat=STOPS["H"][0], lon=STOPS["H"][1], name="H")
    direct = await plan(clock, asked, destination=station, arrive_by=at("10:00"))
    assert _with(direct, "direct", "on_demand") and _with(direct, "direct", "taxi")
    assert {q.arrive_by for a in asked.values() for q in a.queries} == {at("10:00")}
    asked = {k: Asked(v) for k, v in operators.items()}
    farm = await plan(clock, asked, origin=START, destination=FARM, arrive_by=at("10:15"),
                      modes=frozenset({"taxi", "transit"}))
    assert _with(farm, "last_mile", "taxi")
    to_farm = [q for q in asked["taxis"].queries if (q.destination.lat, q.destination.lon) == (FARM.lat, FARM.lon)]
    assert to_farm and {q.arrive_by for q in to_farm} == {at("10:15")}
    asked = {k: Asked(v) for k, v in operators.items()}
    await plan(clock, asked, origin=START, destination=FARM, depart_at=at("08:35"))
    assert {q.arrive_by for a in asked.values() for q in a.queries} == {None}  # leaving at a time: no deadline


async def test_a_ride_refused_for_arriving_too_late_is_asked_again_earlier() -> None:
    """A van that cannot deliver by the arrive-by time when asked at the first guess offers
    nothing; asked 20 minutes earlier it can. The rider gets that earlier ride, not none."""
    from types import SimpleNamespace

    from maas.services.door_timing import Window, fit

    asked: list[dt.datetime] = []

    async def quote(when: dt.datetime, _operators, _end_by=None) -> list:
        asked.append(when)
        if when > at("09:15"):  # the van would arrive after 09:45: it refuses (no offer)
            return []
        leg = SimpleNamespace(departure=when, arrival=when + dt.timedelta(minutes=25))
        return [SimpleNamespace(operator_id="noriai", mode="on_demand", vehicle_type="van",
                                price=Money(amount_minor=300, currency="JPY"), leg=leg)]

    window = Window(earliest_start=at("08:00"), latest_end=at("09:45"), late=True)
    fitted = await fit(quote, lambda offer: [offer.leg], window, at("09:25"), at("08:00"))
    assert asked[:2] == [at("09:25"), at("09:05")]
    assert fitted and fitted[0][-1].arrival <= at("09:45")
    # Without an arrive-by time nothing is asked again earlier (a depart-at trip leaves when it says).
    asked.clear()
    assert await fit(quote, lambda offer: [offer.leg], Window(earliest_start=at("09:25")), at("09:25"),
                     at("08:00")) == []
    assert asked == [at("09:25")]


async def test_a_ride_to_a_train_is_asked_to_promise_the_platform_in_time(clock, operators) -> None:
    """The van timed to the 09:30 train is asked to end by 09:27 (the profile's 180 s change), so
    the promise it books holds when later riders are added to its run."""
    asked = {k: Asked(v) for k, v in operators.items()}
    result = await plan(clock, asked, depart_at=at("08:30"))
    (van,) = _with(result, "first_mile", "on_demand")
    catch = _train(van).departure - dt.timedelta(seconds=180)
    to_station = [q for q in asked["vans"].queries if (q.destination.lat, q.destination.lon) == STOPS["H"]]
    assert catch in {q.arrive_by for q in to_station}, [q.arrive_by for q in to_station]
    assert all(q.arrive_by is None or q.arrive_by <= catch + dt.timedelta(minutes=60) for q in to_station)
