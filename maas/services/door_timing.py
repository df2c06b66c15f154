"""Timing operators' rides to the rest of a trip: a ride is quoted, its legs (with the walks to and
from it) are checked against a window (leave no sooner than, arrive no later than), and the
operator is asked again at a shifted time until the ride fits: a van to the station reaches the
platform a transfer time before the train, not an hour early; a van after the train leaves a
transfer time after it arrives; a taxi home arrives by the time asked, not long before.

Every option keeps the offer of the quote it came from: the time quoted is the time used.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from maas.domain.accounts import GeoPoint, great_circle_m
from maas.domain.door_to_door import AnyLeg, OperatorLeg
from maas.domain.errors import InvalidRequest
from maas.domain.mobility import Offer
from maas.domain.planning import Itinerary, LegPlace, PlaceRef, TripRequest

EARLY_TOLERANCE_S = 300  # a ride timed to a connection may reach it this much early, no more
MAX_REQUOTES = 2  # further quotes per operator after the first
EARLIER_STEP = dt.timedelta(minutes=20)  # how much earlier to ask when no ride arrives in time
GUESS_SPEED_MPS = 6.0  # a ride's door-to-door speed, only to choose the first time to ask
GUESS_EXTRA_S = 300
MAX_AHEAD = dt.timedelta(days=366)  # no timetable or operator plans further; bounds the time arithmetic

# A quote: (time to ask for, operators or None for all, the time the ride must end by or None).
Quote = Callable[[dt.datetime, Sequence[str] | None, dt.datetime | None], Awaitable[list[Offer]]]
Shape = Callable[[Offer], "list[AnyLeg] | None"]
Transit = Callable[[TripRequest], Awaitable[tuple[list[Itinerary], str | None]]]
FEEDERS_PER_HUB = 2  # the cheapest rides to or from each hub


@dataclass(frozen=True)
class Window:
    """When a ride (with its walks) may start and end. `late` aims for the latest end (a ride
    to a connection or to an arrive-by time); otherwise the earliest end."""

    earliest_start: dt.datetime | None = None
    latest_end: dt.datetime | None = None
    late: bool = False

    def shift_s(self, legs: Sequence[AnyLeg]) -> int:
        """Seconds to move the time asked so the legs fit (0: they fit)."""
        start, end = legs[0].departure, legs[-1].arrival
        if self.earliest_start is not None and start < self.earliest_start:
            return _ceil_s(self.earliest_start - start)
        if self.latest_end is not None and end > self.latest_end:
            return -_ceil_s(end - self.latest_end)
        if self.late and self.latest_end is not None:
            early = int((self.latest_end - end).total_seconds())
            return early if early > EARLY_TOLERANCE_S else 0
        return 0

    def allows(self, legs: Sequence[AnyLeg]) -> bool:
        return ((self.earliest_start is None or legs[0].departure >= self.earliest_start)
                and (self.latest_end is None or legs[-1].arrival <= self.latest_end))

    def better(self, a: Sequence[AnyLeg], b: Sequence[AnyLeg]) -> bool:
        """Whether legs a suit the window better than legs b (both allowed)."""
        if self.late:
            return (a[-1].arrival, a[0].departure) > (b[-1].arrival, b[0].departure)
        return (a[-1].arrival, -a[0].departure.timestamp()) < (b[-1].arrival, -b[0].departure.timestamp())


def _ceil_s(delta: dt.timedelta) -> int:
    return max(1, -int(-delta.total_seconds() // 1))


def _key(offer: Offer) -> tuple[str, str, str]:
    return offer.operator_id, offer.mode, offer.vehicle_type


async def fit(quote: Quote, shape: Shape, window: Window, first_at: dt.datetime, now: dt.datetime, *,
              operator_ids: Sequence[str] | None = None,
              accept: Callable[[Offer], bool] | None = None) -> list[list[AnyLeg]]:
    """Per operator and vehicle kind, the legs of the quote that best fit the window (nothing for
    a kind no quote fits). Operators are asked at `first_at`, then again at shifted times."""
    best: dict[tuple[str, str, str], tuple[list[AnyLeg], Offer, dt.datetime]] = {}
    last: dict[tuple[str, str, str], tuple[list[AnyLeg], dt.datetime]] = {}
    asked: dict[str, set[dt.datetime]] = {}
    rounds: list[tuple[dt.datetime, Sequence[str] | None]] = [(max(first_at, now), operator_ids)]
    for round_no in range(MAX_REQUOTES + 1):
        # A ride fitted to end by a time is asked to promise it, so later bookings keep it.
        answers = await asyncio.gather(*(quote(at, ops, window.latest_end) for at, ops in rounds))
        for (at, ops), offers in zip(rounds, answers):
            for operator_id in ops or {o.operator_id for o in offers}:
                asked.setdefault(operator_id, set()).add(at)
            for offer in offers:
                key = _key(offer)
                if accept is not None and not accept(offer):
                    continue
                legs = shape(offer)
                if legs is None:
                    continue
                last[key] = (legs, at)
                if window.allows(legs) and (key not in best or window.better(legs, best[key][0])):
                    best[key] = (legs, offer, at)
        if round_no == MAX_REQUOTES:
            break
        first_asked = min(at for at, _ in rounds)
        rounds = _requotes(window, best, last, asked, now)
        if not rounds and not last and window.late and window.latest_end is not None:
            # Nobody offered a ride ending in time (a van refuses one it cannot deliver by then):
            # ask everyone again earlier, as a rider would.
            earlier = max(now, first_asked - EARLIER_STEP)
            rounds = [(earlier, operator_ids)] if earlier < first_asked else []
        if not rounds:
            break
    return [legs for legs, _, _ in sorted(best.values(), key=lambda b: b[1].price.amount_minor)]


def _requotes(window: Window, best: dict[tuple[str, str, str], tuple[list[AnyLeg], Offer, dt.datetime]],
              last: dict[tuple[str, str, str], tuple[list[AnyLeg], dt.datetime]], asked: dict[str, set[dt.datetime]],
              now: dt.datetime) -> list[tuple[dt.datetime, Sequence[str] | None]]:
    """One new time per operator whose rides do not fit yet: shifted from its latest quote."""
    times: dict[str, dt.datetime] = {}
    for key, (legs, at) in last.items():
        operator_id = key[0]
        if operator_id in times:
            continue
        if key in best and window.shift_s(best[key][0]) == 0:
            continue
        shift = window.shift_s(legs)
        if shift == 0:
            continue
        when = max(at + dt.timedelta(seconds=shift), now)
        if when not in asked.get(operator_id, set()):
            times[operator_id] = when
    return [(when, [operator_id]) for operator_id, when in times.items()]


def guess_start(end: dt.datetime, a: GeoPoint, b: GeoPoint) -> dt.datetime:
    """A first time to ask for a ride from a to b that should end by `end`."""
    seconds = great_circle_m(a, b) * 1.3 / GUESS_SPEED_MPS + GUESS_EXTRA_S
    return end - dt.timedelta(seconds=int(seconds))


def waits_s(legs: Sequence[AnyLeg]) -> tuple[int, ...]:
    """The wait before each leg after the first (on a platform, at a stop, for a pickup)."""
    return tuple(max(0, int((b.departure - a.arrival).total_seconds())) for a, b in zip(legs, legs[1:]))


def check_times(trip: TripRequest, now: dt.datetime) -> None:
    """Exactly one of depart_at and arrive_by, with an offset; arrive_by still ahead."""
    if (trip.depart_at is None) == (trip.arrive_by is None):
        problem = "give exactly one of depart_at and arrive_by"
        raise InvalidRequest(problem, fields={"depart_at": problem, "arrive_by": problem})
    field, when = (("depart_at", trip.depart_at) if trip.depart_at is not None else ("arrive_by", trip.arrive_by))
    assert when is not None
    if when.tzinfo is None or when.utcoffset() is None:
        raise InvalidRequest("times need a UTC offset", fields={field: "add an offset such as +09:00"})
    if field == "arrive_by" and when <= now:
        raise InvalidRequest("arrive_by has passed", fields={"arrive_by": "give a time in the future"})
    if when - now > MAX_AHEAD:
        raise InvalidRequest("too far ahead to plan", fields={field: f"at most {MAX_AHEAD.days} days ahead"})


def trip_time(trip: TripRequest) -> dt.datetime:
    when = trip.depart_at if trip.depart_at is not None else trip.arrive_by
    assert when is not None
    return when


def trip_window(trip: TripRequest, now: dt.datetime, a: GeoPoint,
                b: GeoPoint) -> tuple[Window, dt.datetime]:
    """The window of a ride for the whole trip, and the time to ask for it first."""
    if trip.arrive_by is not None:
        return (Window(earliest_start=now, latest_end=trip.arrive_by, late=True),
                guess_start(trip.arrive_by, a, b))
    assert trip.depart_at is not None
    return Window(earliest_start=trip.depart_at), trip.depart_at


def _ride(legs: Sequence[AnyLeg]) -> OperatorLeg:
    return next(leg for leg in legs if isinstance(leg, OperatorLeg))


async def retime(quote: Quote, shape: Shape, feeder: list[AnyLeg], window: Window,
                 first_at: dt.datetime, now: dt.datetime) -> list[AnyLeg]:
    """The feeder's operator asked again for a ride of the same kind that fits the window; the
    feeder as it was when none does (it still connects, with a longer wait)."""
    ride = _ride(feeder)
    found = await fit(quote, shape, window, first_at, now, operator_ids=[ride.operator_id],
                      accept=lambda o: o.mode == ride.mode)
    same = [legs for legs in found if _ride(legs).price == ride.price]
    return (same or found or [feeder])[0]


async def feed_train(quote: Quote, shape: Shape, transit: Transit, trip: TripRequest, hub: LegPlace,
                     now: dt.datetime, origin: GeoPoint) -> list[list[AnyLeg]]:
    """Rides to the hub, each timed to reach it a transfer time before the train on."""
    transfer = dt.timedelta(seconds=trip.profile.min_transfer_s)
    onward = trip.model_copy(update={"origin": PlaceRef(stop_id=hub.stop_id), "max_itineraries": 1})
    hub_point = GeoPoint(lat=hub.lat, lon=hub.lon)
    out: list[list[AnyLeg]] = []
    if trip.arrive_by is not None:  # the latest train arriving in time, then a ride to catch it
        for it in (await transit(onward))[0][:1]:
            catch = it.departure - transfer
            window = Window(earliest_start=now, latest_end=catch, late=True)
            for feeder in (await fit(quote, shape, window, guess_start(catch, origin, hub_point),
                                     now))[:FEEDERS_PER_HUB]:
                out.append(feeder + list(it.legs))
        return out
    assert trip.depart_at is not None  # the first train the ride can reach, then the ride timed to it
    first = await fit(quote, shape, Window(earliest_start=trip.depart_at), trip.depart_at, now)
    for feeder in first[:FEEDERS_PER_HUB]:
        later = onward.model_copy(update={"depart_at": feeder[-1].arrival + transfer})
        for it in (await transit(later))[0][:1]:
            catch = it.departure - transfer
            timed = await retime(quote, shape, feeder,
                                 Window(earliest_start=trip.depart_at, latest_end=catch, late=True),
                                 feeder[0].departure + (catch - feeder[-1].arrival), now)
            out.append(timed + list(it.legs))
    return out


async def meet_train(quote: Quote, shape: Shape, transit: Transit, trip: TripRequest, hub: LegPlace,
                     now: dt.datetime, destination: GeoPoint) -> list[list[AnyLeg]]:
    """Trains to the hub, each met by a ride quoted for the train's arrival plus a transfer time."""
    transfer = dt.timedelta(seconds=trip.profile.min_transfer_s)
    inbound = trip.model_copy(update={"destination": PlaceRef(stop_id=hub.stop_id), "max_itineraries": 1})
    out: list[list[AnyLeg]] = []
    if trip.depart_at is not None:
        for it in (await transit(inbound))[0][:1]:
            ready = it.arrival + transfer
            for feeder in (await fit(quote, shape, Window(earliest_start=ready), ready,
                                     now))[:FEEDERS_PER_HUB]:
                out.append([*it.legs, *feeder])
        return out
    assert trip.arrive_by is not None  # a ride arriving in time, the train before it, the ride re-timed
    hub_point = GeoPoint(lat=hub.lat, lon=hub.lon)
    last = await fit(quote, shape, Window(earliest_start=now, latest_end=trip.arrive_by, late=True),
                     guess_start(trip.arrive_by, hub_point, destination), now)
    for feeder in last[:FEEDERS_PER_HUB]:
        earlier = inbound.model_copy(update={"arrive_by": feeder[0].departure - transfer})
        for it in (await transit(earlier))[0][:1]:
            ready = it.arrival + transfer
            timed = await retime(quote, shape, feeder,
                                 Window(earliest_start=ready, latest_end=trip.arrive_by), ready, now)
            out.append([*it.legs, *timed])
    return out
