"""Range queries (rRAPTOR) and travel-time matrices over a departure window.

`departure_profile` answers "every sensible departure between 08:00 and 09:00": each entry is
Pareto optimal over (later departure, earlier arrival, fewer transfers), with its journey
read back by an ordinary search at that departure. `travel_time_matrix` gives, for each
origin and destination stop, a percentile of the travel time over every minute (or step)
of a window, the measure accessibility studies use (as in r5's travel-time matrices).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from routing.raptor.journeys import Journey
from routing.raptor.kernel import INF
from routing.raptor.range_kernel import range_rounds
from routing.raptor.search import RaptorRouter, _targets


@dataclass(frozen=True)
class ProfileEntry:
    departure_s: int  # leaving the origin (before access walking)
    arrival_s: int  # at the target, egress included
    transfers: int
    journey: Journey
    egress_s: int


def departure_candidates(router: RaptorRouter, stops: np.ndarray, access_s: np.ndarray,
                         start_s: int, end_s: int) -> np.ndarray:
    """Origin departure times in [start_s, end_s] at which some trip can just be caught (a
    trip's departure minus the access walk and any first footpath), latest first."""
    tt = router.timetable
    arrays = router.kernel_arrays
    fp_off, fp_to, fp_s, can_board = arrays.fp_off, arrays.fp_to, arrays.fp_dur_s, arrays.p_board
    trip_ok = arrays.trip_ok
    reach: dict[int, int] = {}
    for stop, access in zip(stops.tolist(), access_s.tolist()):
        reach[stop] = min(reach.get(stop, access), access)
        for f in range(fp_off[stop], fp_off[stop + 1]):
            u, walk = int(fp_to[f]), access + int(fp_s[f])
            reach[u] = min(reach.get(u, walk), walk)
    # The window's ends too: a trip caught after the window is best reached leaving at its end.
    times = [np.asarray([start_s, end_s], np.int64)]
    for stop, offset in reach.items():
        for j in range(tt.stop_pattern_offsets[stop], tt.stop_pattern_offsets[stop + 1]):
            pattern, position = int(tt.stop_patterns[j]), int(tt.stop_pattern_positions[j])
            if not can_board[tt.pattern_stop_offsets[pattern] + position]:
                continue
            n_stops = tt.pattern_stop_offsets[pattern + 1] - tt.pattern_stop_offsets[pattern]
            lo, hi = tt.pattern_time_offsets[pattern], tt.pattern_time_offsets[pattern + 1]
            departures = tt.departure_s[lo + position:hi:n_stops].astype(np.int64) - offset
            runs = trip_ok[tt.pattern_trip_offsets[pattern]:tt.pattern_trip_offsets[pattern + 1]]
            times.append(departures[(departures >= start_s) & (departures <= end_s) & runs])
    return np.unique(np.concatenate(times))[::-1]


def departure_profile(router: RaptorRouter, origins: Mapping[str, int] | str, start_s: int,
                      window_s: int, targets: Mapping[str, int] | str) -> list[ProfileEntry]:
    """Every Pareto-optimal departure in [start_s, start_s + window_s], earliest first."""
    if window_s < 0:
        raise ValueError("window_s must be non-negative")
    stops, access = router.stop_indices(origins)
    egress = _targets(router.timetable.n_stops, *router.stop_indices(targets))
    departures = departure_candidates(router, stops, access, int(start_s),
                                      int(start_s) + int(window_s))
    at_target, _ = range_rounds(departures, stops, access, egress,
                                np.int64(router.params.max_transfers + 1), router.transfer_s,
                                *router.kernel_arrays, False)
    entries: list[ProfileEntry] = []
    later = np.full(at_target.shape[1], INF, np.int64)
    for d in range(len(departures)):  # latest first: keep what beats every later departure
        row = at_target[d]
        for trips in range(row.shape[0]):
            better_than_fewer = trips == 0 or row[trips] < row[trips - 1]
            # Walking alone takes as long whenever one leaves: listed once, at the start.
            walk_once = trips > 0 or departures[d] == start_s
            if row[trips] < INF and better_than_fewer and walk_once and row[trips] < later[trips]:
                entries.append(_entry(router, stops, access, egress, int(departures[d]), trips))
        later = row
    entries.sort(key=lambda e: (e.departure_s, e.transfers))
    return entries


def _entry(router: RaptorRouter, stops: np.ndarray, access: np.ndarray, egress: np.ndarray,
           departure_s: int, trips: int) -> ProfileEntry:
    result = router.search_indices(stops, access, departure_s, egress)
    arrival, best_stop = result.target_arrivals()
    stop = int(best_stop[trips])
    journey = result.journey(stop, max_transfers=trips - 1)
    assert journey is not None, "the range kernel and the single search disagree"
    return ProfileEntry(departure_s, int(arrival[trips]), max(trips - 1, 0), journey,
                        int(egress[stop]))


def travel_time_matrix(router: RaptorRouter, origins: Sequence[str], destinations: Sequence[str],
                       start_s: int, window_s: int, *, step_s: int = 60,
                       percentile: float = 50.0) -> np.ndarray:
    """Travel time in seconds (a percentile over departures every step_s in the window) from
    each origin stop to each destination stop; NaN where the destination is unreachable at
    more departures than the percentile allows."""
    if window_s < 0 or step_s <= 0:
        raise ValueError("window_s must be non-negative and step_s positive")
    if not 0 <= percentile <= 100:
        raise ValueError("percentile must be in 0..100")
    departures = np.arange(int(start_s) + int(window_s), int(start_s) - 1, -int(step_s),
                           dtype=np.int64)
    dest, _ = router.stop_indices({d: 0 for d in destinations})
    no_targets = np.full(router.timetable.n_stops, -1, np.int64)
    out = np.full((len(origins), len(destinations)), np.nan)
    for row, origin in enumerate(origins):
        stops, access = router.stop_indices(origin)
        _, at_stops = range_rounds(departures, stops, access, no_targets,
                                   np.int64(router.params.max_transfers + 1),
                                   router.transfer_s, *router.kernel_arrays, True)
        durations = (at_stops[:, dest] - departures[:, None]).astype(np.float64)
        durations[at_stops[:, dest] >= INF] = np.inf
        value = np.percentile(durations, percentile, axis=0, method="higher")
        out[row] = np.where(np.isfinite(value), value, np.nan)
    return out


def one_to_all(router: RaptorRouter, origins: Mapping[str, int] | str,
               depart_s: int) -> np.ndarray:
    """Earliest arrival second at every stop (INF where unreachable) for one departure."""
    stops, access = router.stop_indices(origins)
    _, at_stops = range_rounds(np.asarray([depart_s], np.int64), stops, access,
                               np.full(router.timetable.n_stops, -1, np.int64),
                               np.int64(router.params.max_transfers + 1), router.transfer_s,
                               *router.kernel_arrays, True)
    return at_stops[0]
