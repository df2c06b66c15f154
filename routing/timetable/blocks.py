"""Stay-seated continuations: trips of one block_id chained into "through trips".

Within one feed and one service day, trips sharing a block_id are ordered by first departure;
trip B continues trip A when B is the next trip of the block and starts no earlier than A
ends and at most MAX_LAYOVER_S later (at A's last stop or elsewhere: the vehicle may run empty
in between). A rider may stay on board, so each trip with a continuation also gets a through
trip of itself and its next one or two continuations (MAX_THROUGH_PARTS parts at most), which
RAPTOR scans as one trip: riding it is no transfer. The originals stay.

A through trip's stop sequence is its parts' stops in turn; when a part ends where the next
starts, that stop appears once, with the arrival (and drop-off flag) of the earlier part and
the departure (and pickup flag) of the later one. Its id is the global id of its first part
plus "+" and the number of parts ("feed:T1+2"); its rows keep the first part's route_id.
Frequency-based trips are never chained (their block_id describes a headway service).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

MAX_LAYOVER_S = 30 * 60
MAX_THROUGH_PARTS = 3
PART_SEPARATOR = "\t"


def _continuations(first_dep: np.ndarray, last_arr: np.ndarray,
                   blocks: np.ndarray) -> np.ndarray:
    """next[t]: the trip that continues trip t in its block, or -1."""
    nxt = np.full(len(blocks), -1, np.int64)
    candidates = np.flatnonzero(blocks != "")
    if len(candidates) < 2:
        return nxt
    order = candidates[np.lexsort((last_arr[candidates], first_dep[candidates],
                                   blocks[candidates]))]
    a, b = order[:-1], order[1:]
    layover = first_dep[b] - last_arr[a]
    ok = (blocks[a] == blocks[b]) & (layover >= 0) & (layover <= MAX_LAYOVER_S)
    nxt[a[ok]] = b[ok]
    return nxt


def _chain_rows(chain: list[int], starts: np.ndarray, ends: np.ndarray,
                stops: np.ndarray) -> tuple[list[np.ndarray], list[tuple[int, int]]]:
    """Source row ranges of a chain, and (position in the chain, source row) of merged stops."""
    pieces: list[np.ndarray] = []
    merges: list[tuple[int, int]] = []
    length = 0
    for part in chain:
        lo, hi = int(starts[part]), int(ends[part])
        if pieces and stops[lo] == stops[pieces[-1][-1]]:
            merges.append((length - 1, lo))
            lo += 1
        pieces.append(np.arange(lo, hi))
        length += hi - lo
    return pieces, merges


def through_trips(rows: pd.DataFrame, block_of: pd.Series) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Through-trip rows (same columns as rows) and a table of their ids and part ids.

    rows: one service day of one feed, sorted by trip then stop_sequence (trip_id global);
    block_of: block_id by global trip id for the trips that may be chained.
    """
    empty = (rows.iloc[:0], pd.DataFrame({"trip_id": pd.Series([], dtype=object),
                                          "parts": pd.Series([], dtype=object)}))
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
    nxt = _continuations(dep[starts], arr[ends - 1], blocks)
    if (nxt < 0).all():
        return empty
    stops = rows["stop"].to_numpy()
    indices, merge_at, merge_from, ids, parts, sizes = [], [], [], [], [], []
    offset = 0
    for first in np.flatnonzero(nxt >= 0):
        chain = [int(first)]
        while len(chain) < MAX_THROUGH_PARTS and nxt[chain[-1]] >= 0:
            chain.append(int(nxt[chain[-1]]))
        pieces, merges = _chain_rows(chain, starts, ends, stops)
        indices.extend(pieces)
        merge_at.extend(offset + at for at, _ in merges)
        merge_from.extend(source for _, source in merges)
        size = sum(len(p) for p in pieces)
        offset += size
        sizes.append(size)
        ids.append(f"{names[first]}+{len(chain)}")
        parts.append(PART_SEPARATOR.join(str(names[c]) for c in chain))
    out = rows.iloc[np.concatenate(indices)].reset_index(drop=True)
    first_rows = np.repeat(np.cumsum([0] + sizes[:-1]), sizes)
    out["trip_id"] = np.repeat(np.asarray(ids, object), sizes)
    out["route_id"] = out["route_id"].to_numpy(object)[first_rows]
    if merge_at:
        at, source = np.asarray(merge_at), np.asarray(merge_from)
        out.loc[at, "dep"] = rows["dep"].to_numpy()[source]
        out.loc[at, "board"] = rows["board"].to_numpy()[source]
    return out, pd.DataFrame({"trip_id": ids, "parts": parts})
