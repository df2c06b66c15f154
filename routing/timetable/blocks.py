"""Stay-seated continuations: which trip a rider may stay on board into (GTFS block_id).

Within one feed and one service day, trips sharing a block_id are ordered by first departure;
trip B continues trip A when B is the next trip of the block, starts at the stop where A ends
and leaves no earlier than A arrives and at most MAX_LAYOVER_S later. A vehicle that runs
empty to another stop between two trips does not carry its riders, so no continuation is
made then. The search follows continuations itself (routing.raptor.kernel), so riding on is
no transfer and the compiled patterns stay as they are. Frequency-based trips are never
chained (their block_id describes a headway service).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

MAX_LAYOVER_S = 30 * 60


def _next_in_block(first_dep: np.ndarray, last_arr: np.ndarray, blocks: np.ndarray,
                   first_stop: np.ndarray, last_stop: np.ndarray) -> np.ndarray:
    """next[t]: the trip that continues trip t in its block, or -1."""
    nxt = np.full(len(blocks), -1, np.int64)
    candidates = np.flatnonzero(blocks != "")
    if len(candidates) < 2:
        return nxt
    order = candidates[np.lexsort((last_arr[candidates], first_dep[candidates],
                                   blocks[candidates]))]
    a, b = order[:-1], order[1:]
    layover = first_dep[b] - last_arr[a]
    ok = ((blocks[a] == blocks[b]) & (layover >= 0) & (layover <= MAX_LAYOVER_S)
          & (last_stop[a] == first_stop[b]))
    nxt[a[ok]] = b[ok]
    return nxt


def continuations(rows: pd.DataFrame, block_of: pd.Series) -> pd.DataFrame:
    """(trip_id, next_trip_id) pairs of one service day of one feed.

    rows: stop_times sorted by trip then stop_sequence (trip_id global); block_of: block_id
    by global trip id for the trips that may be chained.
    """
    empty = pd.DataFrame({"trip_id": pd.Series([], dtype=object),
                          "next_trip_id": pd.Series([], dtype=object)})
    if rows.empty or block_of.empty:
        return empty
    trip_ids = rows["trip_id"].to_numpy(object)
    bounds = np.flatnonzero(np.r_[True, trip_ids[1:] != trip_ids[:-1], True])
    starts, ends = bounds[:-1], bounds[1:]
    names = trip_ids[starts]
    found = pd.Series(names).map(block_of).astype(object)
    blocks = found.where(found.notna(), "").astype(str).to_numpy()
    blocks = np.where(ends - starts >= 2, blocks, "")
    arr, dep = rows["arr"].to_numpy(np.int64), rows["dep"].to_numpy(np.int64)
    stops = rows["stop"].to_numpy(np.int64)
    nxt = _next_in_block(dep[starts], arr[ends - 1], blocks, stops[starts], stops[ends - 1])
    chained = np.flatnonzero(nxt >= 0)
    return pd.DataFrame({"trip_id": names[chained], "next_trip_id": names[nxt[chained]]})
