"""RAPTOR over a compiled Timetable: parameters, the router and the result of one search.

`RaptorRouter(timetable, params)` prepares the arrays once (walking durations at the
traveller's speed, footpaths cut at the maximum walk, the minimum transfer per stop, and for
wheelchair users only accessible stops and trips); `earliest_arrival` runs the numba kernel
forwards, `latest_departure` runs it on the time-reversed timetable (built on first use),
and range queries and travel-time matrices live in `routing.raptor.profile`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from routing.raptor.journeys import Journey, flip_journey, reconstruct
from routing.raptor.kernel import INF, KernelArrays, raptor_rounds
from routing.raptor.reverse import reverse_timetable
from routing.timetable.model import Timetable, csr_rows

ACCESSIBLE = 1  # GTFS wheelchair_boarding / wheelchair_accessible value for "yes"


@dataclass(frozen=True)
class RaptorParams:
    max_transfers: int = 8
    min_transfer_s: int = 0  # applied when changing trips at the same stop
    walk_speed_mps: float = 1.2
    max_walk_m: int | None = None  # longest footpath between stops; None keeps them all
    wheelchair: bool = False  # only stops and trips marked accessible (unknown is excluded)

    def __post_init__(self) -> None:
        if not isinstance(self.max_transfers, int) or not 0 <= self.max_transfers <= 50:
            raise ValueError("max_transfers must be an integer in 0..50")
        if not isinstance(self.min_transfer_s, int) or self.min_transfer_s < 0:
            raise ValueError("min_transfer_s must be a non-negative integer")
        if not (math.isfinite(self.walk_speed_mps) and self.walk_speed_mps > 0):
            raise ValueError("walk_speed_mps must be a positive number")
        if self.max_walk_m is not None and (not isinstance(self.max_walk_m, int)
                                            or self.max_walk_m < 0):
            raise ValueError("max_walk_m must be a non-negative integer or None")


def _targets(n_stops: int, indices: np.ndarray, egress_s: np.ndarray) -> np.ndarray:
    out = np.full(n_stops, -1, np.int64)
    for stop, egress in zip(indices.tolist(), egress_s.tolist()):
        out[stop] = egress if out[stop] < 0 else min(out[stop], egress)
    return out


@dataclass(frozen=True, eq=False)
class RaptorResult:
    """Labels of one search; round k holds what was improved using exactly k trips.

    With targets (egress_s >= 0 somewhere) only the targets' answers are complete.
    """

    timetable: Timetable
    depart_s: int
    egress_s: np.ndarray  # per stop, -1 where the stop is not a target
    tr_arr: np.ndarray
    tr_pattern: np.ndarray
    tr_trip: np.ndarray
    tr_board_pos: np.ndarray
    tr_first: np.ndarray  # trip first boarded, for labels reached by staying seated; else -1
    ft_arr: np.ndarray
    ft_from: np.ndarray
    origin_s: np.ndarray
    transfer_s: np.ndarray

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
        return _pareto(self.arrival_by_round(stop))

    def journey(self, stop: int, max_transfers: int | None = None) -> Journey | None:
        """The journey behind the earliest arrival at a stop with at most max_transfers."""
        rounds = self.tr_arr.shape[0] - 1 if max_transfers is None else max_transfers + 1
        return reconstruct(self, stop, min(rounds, self.tr_arr.shape[0] - 1))

    def target_arrivals(self) -> tuple[np.ndarray, np.ndarray]:
        """Per number of trips k: best arrival over the targets including egress, and the
        target stop giving it (-1 where none)."""
        targets = np.flatnonzero(self.egress_s >= 0)
        if len(targets) == 0:
            raise ValueError("this search had no targets")
        per_target = np.stack([np.minimum(self.arrival_by_round(int(t)) + self.egress_s[t], INF)
                               for t in targets])
        best = per_target.argmin(axis=0)
        arrival = per_target[best, np.arange(per_target.shape[1])]
        return arrival, np.where(arrival < INF, targets[best], -1)

    def target_pareto(self) -> list[tuple[int, int]]:
        """(arrival_s including egress, transfers) options over all targets."""
        return _pareto(self.target_arrivals()[0])

    def target_journeys(self) -> list[tuple[Journey, int]]:
        """One journey per Pareto option, each with the egress seconds still to walk."""
        arrival, stops = self.target_arrivals()
        out = []
        for _, trips in _pareto_rounds(arrival):
            stop = int(stops[trips])
            journey = reconstruct(self, stop, trips)
            assert journey is not None
            out.append((journey, int(self.egress_s[stop])))
        return out


def _pareto_rounds(arrival_by_round: np.ndarray) -> list[tuple[int, int]]:
    """(arrival, trips) where each extra trip buys an earlier arrival."""
    options, previous = [], INF
    for trips, arrival in enumerate(arrival_by_round.tolist()):
        if arrival < previous:
            options.append((int(arrival), trips))
            previous = arrival
    return options


def _pareto(arrival_by_round: np.ndarray) -> list[tuple[int, int]]:
    return [(arrival, max(trips - 1, 0)) for arrival, trips in _pareto_rounds(arrival_by_round)]


class RaptorRouter:
    """One timetable prepared for many searches with the same parameters."""

    def __init__(self, timetable: Timetable, params: RaptorParams = RaptorParams(), *,
                 trip_forward: np.ndarray | None = None) -> None:
        """trip_forward: for a router on a time-reversed timetable, each of its trips' index in
        the forward timetable (journeys found backwards are flipped back with it)."""
        self.timetable, self.params = timetable, params
        self.trip_forward = trip_forward
        tt = timetable
        self._transfer_s = np.maximum(tt.stop_min_transfer_s, params.min_transfer_s).astype(
            np.int64)
        if params.wheelchair:
            self._stop_ok = np.asarray(tt.stop_wheelchair) == ACCESSIBLE
            self._trip_ok = np.asarray(tt.trip_wheelchair) == ACCESSIBLE
        else:
            self._stop_ok = np.ones(tt.n_stops, np.bool_)
            self._trip_ok = np.ones(tt.n_trips, np.bool_)
        self._arrays = self._prepare(tt)

    def _prepare(self, tt: Timetable) -> KernelArrays:
        walked = np.ceil(tt.footpath_distance_m / self.params.walk_speed_mps).astype(np.int64)
        footpath_s = np.where(tt.footpath_fixed_s >= 0, tt.footpath_fixed_s, walked)
        keep = np.ones(len(footpath_s), np.bool_)
        if self.params.max_walk_m is not None:
            keep = (tt.footpath_fixed_s >= 0) | (tt.footpath_distance_m <= self.params.max_walk_m)
        src = csr_rows(tt.footpath_offsets)
        fp_off = np.zeros(tt.n_stops + 1, np.int64)
        np.cumsum(np.bincount(src[keep], minlength=tt.n_stops), out=fp_off[1:])
        stop_ok = self._stop_ok[tt.pattern_stops]
        return KernelArrays(
            p_stop_off=tt.pattern_stop_offsets.astype(np.int64),
            p_stops=tt.pattern_stops.astype(np.int64),
            p_board=(tt.pattern_can_board & stop_ok).astype(np.bool_),
            p_alight=(tt.pattern_can_alight & stop_ok).astype(np.bool_),
            p_trip_off=tt.pattern_trip_offsets.astype(np.int64),
            p_time_off=tt.pattern_time_offsets.astype(np.int64),
            arr_s=tt.arrival_s.astype(np.int64), dep_s=tt.departure_s.astype(np.int64),
            s_pat_off=tt.stop_pattern_offsets.astype(np.int64),
            s_pats=tt.stop_patterns.astype(np.int64),
            s_pos=tt.stop_pattern_positions.astype(np.int64), fp_off=fp_off,
            fp_to=tt.footpath_to[keep].astype(np.int64),
            fp_dur_s=footpath_s[keep].astype(np.int64), trip_ok=self._trip_ok,
            trip_next=tt.trip_next.astype(np.int64),
            trip_pattern=csr_rows(tt.pattern_trip_offsets))

    @property
    def kernel_arrays(self) -> KernelArrays:
        """The timetable as the kernels take it: read fields by name, unpack (`*arrays`) only
        as the kernels' trailing arguments."""
        return self._arrays

    @property
    def transfer_s(self) -> np.ndarray:
        return self._transfer_s

    def stop_indices(self, stops: Mapping[str, int] | str) -> tuple[np.ndarray, np.ndarray]:
        """Stop ids with their walking seconds as index and seconds arrays.

        Raises UnknownStop for an id the timetable lacks and ValueError for negative seconds.
        """
        if isinstance(stops, str):
            stops = {stops: 0}
        indices = np.asarray([self.timetable.stop_index(s) for s in stops], np.int64)
        seconds = np.asarray([int(a) for a in stops.values()], np.int64)
        if (seconds < 0).any():
            raise ValueError("access and egress seconds must be non-negative")
        return indices, seconds

    def earliest_arrival(self, origins: Mapping[str, int] | str, depart_s: int,
                         targets: Mapping[str, int] | str | None = None) -> RaptorResult:
        """Search from origin stop ids (with access seconds) departing at depart_s.

        With targets (stop ids with egress seconds) labels that cannot improve the best
        target are pruned, which makes one-to-one queries much faster.
        """
        stops, access = self.stop_indices(origins)
        egress = np.full(self.timetable.n_stops, -1, np.int64)
        if targets is not None:
            egress = _targets(self.timetable.n_stops, *self.stop_indices(targets))
        return self.search_indices(stops, access, int(depart_s), egress)

    def search_indices(self, stops: np.ndarray, access_s: np.ndarray, depart_s: int,
                       egress_s: np.ndarray) -> RaptorResult:
        labels = raptor_rounds(np.int64(depart_s), stops, access_s, egress_s,
                               np.int64(self.params.max_transfers + 1), self._transfer_s,
                               *self.kernel_arrays)
        tr_arr, tr_pattern, tr_trip, tr_board_pos, tr_first, ft_arr, ft_from, origin_s = labels
        return RaptorResult(self.timetable, depart_s, egress_s, tr_arr, tr_pattern, tr_trip,
                            tr_board_pos, tr_first, ft_arr, ft_from, origin_s, self._transfer_s)

    @cached_property
    def reversed(self) -> RaptorRouter:
        """The same router on the time-reversed timetable (for arrive-by searches)."""
        timetable, trip_perm = reverse_timetable(self.timetable)
        return RaptorRouter(timetable, self.params, trip_forward=trip_perm)

    def latest_departure(self, origins: Mapping[str, int] | str, arrive_by_s: int,
                         targets: Mapping[str, int] | str) -> list[Journey]:
        """Arrive-by: per number of transfers, the journey leaving the origins latest and
        still reaching a target (egress included) by arrive_by_s. Each option is Pareto
        optimal over (latest departure, fewest transfers); latest departure first.

        The journey's departure_s is when to leave its origin stop, arrival_s when it
        reaches its destination stop; the access and egress walks are the caller's.
        """
        backwards = self.reversed
        result = backwards.earliest_arrival(targets, -int(arrive_by_s), origins)
        trip_forward = backwards.trip_forward
        assert trip_forward is not None  # set on every reversed router
        journeys = []
        for journey, _ in result.target_journeys():
            journeys.append(flip_journey(journey, trip_forward, self.timetable.trip_ids))
        return journeys
