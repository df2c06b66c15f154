"""Journeys read back from RAPTOR labels: transit and walking legs chained in time and place.

`reconstruct` follows the labels of one search backwards from a stop; `flip_journey` turns a
journey found on the time-reversed timetable (an arrive-by search) into the forward journey.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from routing.raptor.kernel import INF

if TYPE_CHECKING:
    from routing.raptor.search import RaptorResult


@dataclass(frozen=True)
class TransitLeg:
    pattern: int
    trip_index: int  # global index into the timetable's trip arrays
    trip_id: str
    route_id: str
    board_stop_id: str
    alight_stop_id: str
    departure_s: int
    arrival_s: int
    stay_seated: bool = False  # continued on board from the previous leg's vehicle (block_id)


@dataclass(frozen=True)
class WalkLeg:
    from_stop_id: str
    to_stop_id: str
    departure_s: int
    arrival_s: int


Leg = TransitLeg | WalkLeg


@dataclass(frozen=True)
class Journey:
    origin_stop_id: str
    destination_stop_id: str
    departure_s: int  # the query's departure time, or the latest departure of an arrive-by
    arrival_s: int
    legs: tuple[Leg, ...]

    @property
    def transfers(self) -> int:
        boardings = sum(isinstance(leg, TransitLeg) and not leg.stay_seated for leg in self.legs)
        return max(boardings - 1, 0)


def _leg(tt, trip_index: int, from_pos: int, to_pos: int, stay_seated: bool) -> TransitLeg:
    pattern = int(np.searchsorted(tt.pattern_trip_offsets, trip_index, side="right")) - 1
    arr, dep = tt.trip_times(pattern, trip_index - int(tt.pattern_trip_offsets[pattern]))
    stops = tt.pattern_stops[tt.pattern_stop_offsets[pattern]:tt.pattern_stop_offsets[pattern + 1]]
    return TransitLeg(pattern, trip_index, str(tt.trip_ids[trip_index]),
                      str(tt.pattern_route_ids[pattern]), str(tt.stop_ids[stops[from_pos]]),
                      str(tt.stop_ids[stops[to_pos]]), int(dep[from_pos]), int(arr[to_pos]),
                      stay_seated)


def _transit_legs(result: RaptorResult, k: int, stop: int) -> tuple[list[TransitLeg], int, int]:
    """The transit legs of round k ending at stop (several when the rider stayed seated into
    continuations), their board stop and departure second."""
    tt = result.timetable
    pattern, trip, bpos = (int(result.tr_pattern[k, stop]), int(result.tr_trip[k, stop]),
                           int(result.tr_board_pos[k, stop]))
    last = int(tt.pattern_trip_offsets[pattern]) + trip
    first = int(result.tr_first[k, stop])
    chain = [last] if first < 0 else [first]
    while chain[-1] != last:
        chain.append(int(tt.trip_next[chain[-1]]))
    arr, _ = tt.trip_times(pattern, trip)
    stops = tt.pattern_stops[tt.pattern_stop_offsets[pattern]:tt.pattern_stop_offsets[pattern + 1]]
    lowest = bpos + 1 if len(chain) == 1 else 1
    alight = next(i for i in range(lowest, len(stops))
                  if stops[i] == stop and arr[i] == result.tr_arr[k, stop])
    legs = []
    for n, trip_index in enumerate(chain):
        from_pos = bpos if n == 0 else 0
        if n == len(chain) - 1:
            to_pos = alight
        else:
            p = int(np.searchsorted(tt.pattern_trip_offsets, trip_index, side="right")) - 1
            to_pos = int(tt.pattern_stop_offsets[p + 1] - tt.pattern_stop_offsets[p]) - 1
        legs.append(_leg(tt, trip_index, from_pos, to_pos, n > 0))
    board_stop = tt.stop_index(legs[0].board_stop_id)
    return legs, board_stop, legs[0].departure_s


def _ready_label(result: RaptorResult, stop: int, rounds: int, ready_by: int) -> tuple[str, int]:
    """Which label lets a traveller board at stop by ready_by using at most `rounds` trips."""
    if result.origin_s[stop] <= ready_by:
        return "origin", 0
    for k in range(rounds + 1):
        if result.ft_arr[k, stop] <= ready_by:
            return "foot", k
        if k > 0 and result.tr_arr[k, stop] + result.transfer_s[stop] <= ready_by:
            return "transit", k
    raise AssertionError("RAPTOR labels do not chain; this is a bug")


def reconstruct(result: RaptorResult, stop: int, rounds: int) -> Journey | None:
    """The journey behind the earliest arrival at stop using at most `rounds` trips."""
    arrival = result.arrival_by_round(stop)[rounds]
    if arrival >= INF:
        return None
    tt = result.timetable
    legs: list = []
    destination = stop
    per_round = np.minimum(result.tr_arr[: rounds + 1, stop], result.ft_arr[: rounds + 1, stop])
    if result.origin_s[stop] <= arrival:
        kind, k = "origin", 0
    else:
        k = int(np.flatnonzero(per_round == arrival)[0])
        kind = "foot" if result.ft_arr[k, stop] == arrival else "transit"
    while kind != "origin":
        if kind == "foot":
            source = int(result.ft_from[k, stop])
            leave = (int(result.origin_s[source]) if k == 0 else int(result.tr_arr[k, source]))
            legs.append(WalkLeg(str(tt.stop_ids[source]), str(tt.stop_ids[stop]), leave,
                                int(result.ft_arr[k, stop])))
            stop, kind = source, ("origin" if k == 0 else "transit")
            continue
        transit, board_stop, departure = _transit_legs(result, k, stop)
        legs.extend(reversed(transit))
        kind, k = _ready_label(result, board_stop, k - 1, departure)
        stop = board_stop
    return Journey(str(tt.stop_ids[stop]), str(tt.stop_ids[destination]), result.depart_s,
                   int(arrival), tuple(reversed(legs)))


def flip_journey(journey: Journey, trip_index_forward: np.ndarray, trip_ids: np.ndarray) -> Journey:
    """A journey of the time-reversed timetable as the forward journey it stands for.

    Times are negated, legs reversed and their ends swapped; trip indexes are mapped back
    through trip_index_forward (the reversal reorders trips inside each pattern).
    """
    legs: list[Leg] = []
    # A reversed leg that stayed seated continued from the leg before it in reversed time,
    # which is the leg after it going forwards: the flag moves one leg.
    seated_into = [isinstance(leg, TransitLeg) and leg.stay_seated for leg in journey.legs]
    for n in range(len(journey.legs) - 1, -1, -1):
        leg = journey.legs[n]
        if isinstance(leg, TransitLeg):
            index = int(trip_index_forward[leg.trip_index])
            stay = n + 1 < len(journey.legs) and seated_into[n + 1]
            legs.append(TransitLeg(leg.pattern, index, str(trip_ids[index]), leg.route_id,
                                   leg.alight_stop_id, leg.board_stop_id, -leg.arrival_s,
                                   -leg.departure_s, stay))
        else:
            legs.append(WalkLeg(leg.to_stop_id, leg.from_stop_id, -leg.arrival_s,
                                -leg.departure_s))
    departure = -journey.arrival_s
    arrival = legs[-1].arrival_s if legs else departure
    return Journey(journey.destination_stop_id, journey.origin_stop_id, departure, arrival,
                   tuple(legs))
