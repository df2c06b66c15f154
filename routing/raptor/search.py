"""Earliest-arrival RAPTOR over a compiled Timetable: parameters, the router and its result.

`RaptorRouter(timetable, params)` prepares the arrays once (walking durations at the
requested speed, per-stop minimum transfer times); each `earliest_arrival` call runs the
numba kernel and returns a `RaptorResult` holding the labels of every round, from which the
Pareto set over (arrival, transfers) and journeys (transit and walking legs chained in time)
are read.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from routing.raptor.kernel import INF, raptor_rounds
from routing.timetable.model import Timetable


@dataclass(frozen=True)
class TransitLeg:
    pattern: int
    trip_id: str
    route_id: str
    board_stop_id: str
    alight_stop_id: str
    departure_s: int
    arrival_s: int


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
    departure_s: int  # the query's departure time
    arrival_s: int
    legs: tuple[Leg, ...]

    @property
    def transfers(self) -> int:
        return max(sum(isinstance(leg, TransitLeg) for leg in self.legs) - 1, 0)


def _transit_leg(result: RaptorResult, k: int, stop: int) -> tuple[TransitLeg, int, int]:
    """The transit leg of round k ending at stop, its board stop and departure second."""
    tt = result.timetable
    pattern, trip, bpos = (int(result.tr_pattern[k, stop]), int(result.tr_trip[k, stop]),
                           int(result.tr_board_pos[k, stop]))
    board_stop = int(tt.pattern_stops[tt.pattern_stop_offsets[pattern] + bpos])
    _, dep = tt.trip_times(pattern, trip)
    departure = int(dep[bpos])
    leg = TransitLeg(pattern, str(tt.trip_ids[tt.pattern_trip_offsets[pattern] + trip]),
                     str(tt.pattern_route_ids[pattern]), str(tt.stop_ids[board_stop]),
                     str(tt.stop_ids[stop]), departure, int(result.tr_arr[k, stop]))
    return leg, board_stop, departure


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
        leg, board_stop, departure = _transit_leg(result, k, stop)
        legs.append(leg)
        kind, k = _ready_label(result, board_stop, k - 1, departure)
        stop = board_stop
    return Journey(str(tt.stop_ids[stop]), str(tt.stop_ids[destination]), result.depart_s,
                   int(arrival), tuple(reversed(legs)))


@dataclass(frozen=True)
class RaptorParams:
    max_transfers: int = 8
    min_transfer_s: int = 0  # applied when changing trips at the same stop
    walk_speed_mps: float = 1.2

    def __post_init__(self) -> None:
        if not isinstance(self.max_transfers, int) or not 0 <= self.max_transfers <= 50:
            raise ValueError("max_transfers must be an integer in 0..50")
        if not isinstance(self.min_transfer_s, int) or self.min_transfer_s < 0:
            raise ValueError("min_transfer_s must be a non-negative integer")
        if not (math.isfinite(self.walk_speed_mps) and self.walk_speed_mps > 0):
            raise ValueError("walk_speed_mps must be a positive number")


@dataclass(frozen=True, eq=False)
class RaptorResult:
    """Labels of one search; round k holds what was improved using exactly k trips."""

    timetable: Timetable
    depart_s: int
    target: int  # -1 when searched to all stops; otherwise only the target is complete
    tr_arr: np.ndarray
    tr_pattern: np.ndarray
    tr_trip: np.ndarray
    tr_board_pos: np.ndarray
    ft_arr: np.ndarray
    ft_from: np.ndarray
    origin_s: np.ndarray
    transfer_s: np.ndarray
    footpath_s: np.ndarray

    def arrival_by_round(self, stop: int) -> np.ndarray:
        """Earliest arrival at a stop using at most k trips, for k = 0..rounds (INF = none)."""
        per_round = np.minimum(self.tr_arr[:, stop], self.ft_arr[:, stop])
        per_round[0] = min(per_round[0], self.origin_s[stop])
        return np.minimum.accumulate(per_round)

    def earliest_arrival_s(self, stop: int) -> int | None:
        best = int(self.arrival_by_round(stop)[-1])
        return None if best >= INF else best

    def pareto(self, stop: int) -> list[tuple[int, int]]:
        """(arrival_s, transfers) options where each extra transfer buys an earlier arrival."""
        options, previous = [], INF
        for trips, arrival in enumerate(self.arrival_by_round(stop).tolist()):
            if arrival < previous:
                options.append((int(arrival), max(trips - 1, 0)))
                previous = arrival
        return options

    def journey(self, stop: int, max_transfers: int | None = None) -> Journey | None:
        """The journey behind the earliest arrival at a stop with at most max_transfers."""
        rounds = self.tr_arr.shape[0] - 1 if max_transfers is None else max_transfers + 1
        return reconstruct(self, stop, min(rounds, self.tr_arr.shape[0] - 1))


class RaptorRouter:
    """One timetable prepared for many searches with the same parameters."""

    def __init__(self, timetable: Timetable, params: RaptorParams = RaptorParams()) -> None:
        self.timetable, self.params = timetable, params
        tt = timetable
        walked = np.ceil(tt.footpath_distance_m / params.walk_speed_mps).astype(np.int64)
        self._footpath_s = np.where(tt.footpath_fixed_s >= 0, tt.footpath_fixed_s, walked)
        self._transfer_s = np.maximum(tt.stop_min_transfer_s, params.min_transfer_s).astype(
            np.int64)
        self._arrays = (
            tt.pattern_stop_offsets.astype(np.int64), tt.pattern_stops.astype(np.int64),
            tt.pattern_can_board.astype(np.bool_), tt.pattern_can_alight.astype(np.bool_),
            tt.pattern_trip_offsets.astype(np.int64), tt.pattern_time_offsets.astype(np.int64),
            tt.arrival_s.astype(np.int64), tt.departure_s.astype(np.int64),
            tt.stop_pattern_offsets.astype(np.int64), tt.stop_patterns.astype(np.int64),
            tt.stop_pattern_positions.astype(np.int64), tt.footpath_offsets.astype(np.int64),
            tt.footpath_to.astype(np.int64), self._footpath_s.astype(np.int64))

    def earliest_arrival(self, origins: Mapping[str, int] | str, depart_s: int,
                         target: str | None = None) -> RaptorResult:
        """Search from origin stop ids (with access seconds) departing at depart_s.

        Raises UnknownStop for a stop id the timetable lacks. With a target, labels that
        cannot improve the target are pruned, which makes one-to-one queries faster.
        """
        if isinstance(origins, str):
            origins = {origins: 0}
        stops = np.asarray([self.timetable.stop_index(s) for s in origins], np.int64)
        access = np.asarray([int(a) for a in origins.values()], np.int64)
        if (access < 0).any():
            raise ValueError("access seconds must be non-negative")
        target_index = -1 if target is None else self.timetable.stop_index(target)
        return self.search_indices(stops, access, int(depart_s), target_index)

    def search_indices(self, stops: np.ndarray, access_s: np.ndarray, depart_s: int,
                       target: int = -1) -> RaptorResult:
        labels = raptor_rounds(np.int64(depart_s), stops, access_s, np.int64(target),
                               np.int64(self.params.max_transfers + 1), self._transfer_s,
                               *self._arrays)
        return RaptorResult(self.timetable, depart_s, target, *labels, self._transfer_s,
                            self._footpath_s)
