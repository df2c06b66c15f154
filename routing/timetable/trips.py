"""One feed's stop_times for its whole calendar: every trip once, with the days it runs on
as a bitfield, and a table describing every compiled trip and its block continuation.

Times are seconds of the trip's own service day. Trips that reach 24:00:00 or later are
added a second time shifted by -86 400 s with "@prev" appended to their ids and their days
moved one day on, so a search on a date sees the previous day's late trips (a trip at 24:30
of the previous day is seen at 00:30; its earlier stops get negative times, which no search
boards). Frequency-based trips become one trip per headway with "@HH:MM:SS" appended
(exact_times is not distinguished). Days are indexes into distinct bitfields (as nigiri
stores them), so memory grows with distinct trips and day patterns, not with days.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from routing.gtfs import LoadedFeed
from routing.timetable.blocks import continuations
from routing.timetable.metadata import trip_table
from routing.timetable.calendar import calendar_span, service_days
from routing.timetable.services import clock_seconds, format_clock, interpolate_missing

DAY_S = 86_400
PREVIOUS_DAY_SUFFIX = "@prev"


def _expand_frequencies(st: pd.DataFrame, frequencies: pd.DataFrame | None) -> pd.DataFrame:
    """Rows of frequency templates replaced by one copy per headway ("T@07:00:00")."""
    st = st.assign(local=st["base"], frequency=False)
    if frequencies is None or frequencies.empty:
        return st
    templates = set(frequencies["trip_id"].astype(str))
    copies = []
    for row in frequencies.itertuples(index=False):
        rows = st[st["base"] == str(row.trip_id)]
        if rows.empty:
            continue
        start, end = clock_seconds(pd.Series([row.start_time, row.end_time]))
        shift0 = rows["dep"].min()
        for begin in np.arange(start, end, max(int(row.headway_secs), 1)):
            copies.append(rows.assign(arr=rows["arr"] - shift0 + begin,
                                      dep=rows["dep"] - shift0 + begin,
                                      local=f"{row.trip_id}@{format_clock(int(begin))}",
                                      frequency=True))
    return pd.concat([st[~st["base"].isin(templates)], *copies], ignore_index=True)


def _base_rows(loaded: LoadedFeed, key: str, trips: pd.DataFrame,
               stop_index: pd.Series) -> pd.DataFrame:
    """stop_times of the given trips sorted by trip and sequence, times interpolated."""
    feed = loaded.feed
    st = feed.stop_times[feed.stop_times["trip_id"].astype(str).isin(trips.index)]
    st = st.assign(base=st["trip_id"].astype(str), seq=st["stop_sequence"].astype("int64"))
    st = st.sort_values(["base", "seq"], kind="stable").reset_index(drop=True)
    arr, dep = clock_seconds(st["arrival_time"]), clock_seconds(st["departure_time"])
    arr, dep = np.where(np.isnan(arr), dep, arr), np.where(np.isnan(dep), arr, dep)
    n = len(st)
    out = pd.DataFrame({
        "base": st["base"],
        "arr": interpolate_missing(arr),
        "dep": interpolate_missing(dep),
        "stop": (key + ":" + st["stop_id"].astype(str)).map(stop_index).astype(np.int32),
        "board": (st["pickup_type"].fillna(0).to_numpy() != 1
                  if "pickup_type" in st.columns else np.ones(n, bool)),
        "alight": (st["drop_off_type"].fillna(0).to_numpy() != 1
                   if "drop_off_type" in st.columns else np.ones(n, bool)),
    })
    out = _expand_frequencies(out, getattr(feed, "frequencies", None))
    out["route_id"] = out["base"].map(trips["route"])
    return out


def _describe(rows: pd.DataFrame, info: pd.DataFrame, following: pd.Series) -> pd.DataFrame:
    """Trip table of rows (global trip ids) with each trip's continuation ("" when none)."""
    trips = rows.drop_duplicates("trip_id")[["trip_id", "base"]]
    described = info.loc[trips["base"]].reset_index(drop=True)
    described.insert(0, "trip_id", trips["trip_id"].to_numpy())
    found = described["trip_id"].map(following)
    described["next"] = found.where(found.notna(), "").astype(str)
    return described


def _following(rows: pd.DataFrame, info: pd.DataFrame, service: pd.Series,
               signatures: list[set[str]]) -> pd.Series:
    """Stay-seated continuations (trip id -> next trip id) over every distinct set of services
    running together on some date. One link per trip serves every date, so a trip keeps its
    link only where it holds on every date the trip runs: the same next trip wherever one is
    found, and that trip not running on a date where none is found. Otherwise the trip gets
    none (riding on then counts as a transfer, never the reverse)."""
    chained = rows.loc[~rows["frequency"].to_numpy(bool), ["trip_id", "base"]]
    block_of = chained.drop_duplicates("trip_id").set_index("trip_id")["base"].map(
        info["block_id"])
    block_of = block_of[block_of != ""]
    trip_service = pd.Series(service.to_numpy(), index=rows["trip_id"].to_numpy())
    trip_service = trip_service[~trip_service.index.duplicated()].astype(str)
    found: dict[str, set[str]] = {}
    unlinked: dict[str, list[set[str]]] = {}  # trip -> the service sets where it had none
    for running in signatures:
        pairs = continuations(rows[service.isin(running).to_numpy(bool)], block_of)
        linked = dict(zip(pairs["trip_id"].astype(str), pairs["next_trip_id"].astype(str)))
        for trip in block_of.index[trip_service.reindex(block_of.index).isin(running)]:
            trip = str(trip)
            if trip in linked:
                found.setdefault(trip, set()).add(linked[trip])
            else:
                unlinked.setdefault(trip, []).append(running)
    kept = {}
    for trip, nexts in found.items():
        if len(nexts) != 1:
            continue
        (following,) = nexts
        if all(trip_service[following] not in running for running in unlinked.get(trip, [])):
            kept[trip] = following
    return pd.Series(kept, dtype=object)


def _late_trips(rows: pd.DataFrame) -> pd.DataFrame:
    """Trips reaching 24:00:00 or later, shifted one day earlier."""
    latest = np.maximum(rows["arr"], rows["dep"]).groupby(rows["trip_id"], sort=False).max()
    late = rows[rows["trip_id"].map(latest >= DAY_S).to_numpy(bool)]
    return late.assign(arr=late["arr"] - DAY_S, dep=late["dep"] - DAY_S)


def _bitfields(days: dict[str, np.ndarray]) -> tuple[np.ndarray, pd.Series, pd.Series]:
    """Distinct day bitfields, and per service the index of its own days and of its days
    moved one day on (for its late trips seen the next day)."""
    services = sorted(days)
    own = np.stack([days[s] for s in services])
    moved = np.zeros_like(own)
    moved[:, 1:] = own[:, :-1]
    bits, inverse = np.unique(np.vstack([own, moved]), axis=0, return_inverse=True)
    inverse = np.asarray(inverse).reshape(-1)
    return (bits, pd.Series(inverse[:len(services)], index=services),
            pd.Series(inverse[len(services):], index=services))


def feed_trip_rows(loaded: LoadedFeed, key: str, stop_index: pd.Series
                   ) -> tuple[pd.DataFrame, pd.DataFrame, str, np.ndarray]:
    """(stop_times rows, trip table, first day, day bitfields) of one feed's calendar.

    Rows: trip_id (global), route_id (global), stop (index), arr, dep, board, alight, sorted by
    trip with each trip contiguous. Trip table: trip_id, route, headsign, wheelchair, office,
    next (the global id of the trip a rider may stay on board into, or ""), days (row of the
    bitfields) for every trip that may appear in the rows. Bitfields: bool [n, days] where
    column 0 is the first day (ISO, "" when the feed names no date); the last column is the
    day after the calendar, on which only the last day's late trips run.
    """
    feed = loaded.feed
    info = trip_table(loaded, key)
    info = info[~info.index.duplicated()]
    columns = ["trip_id", "route_id", "stop", "arr", "dep", "board", "alight"]
    span = calendar_span(feed.calendar, feed.calendar_dates)
    days = {} if span is None else {
        s: d for s, d in service_days(feed.calendar, feed.calendar_dates, span[0],
                                      span[1] + 1).items() if d.any()}
    if span is None or not days:
        empty = pd.DataFrame({c: pd.Series([], dtype=object) for c in columns})
        table = info.iloc[:0].reset_index().assign(next="", days=0)
        return empty, table.drop(columns=["service_id", "block_id"]), "", np.zeros((0, 0), bool)
    bits, own, moved = _bitfields(days)
    running = info[info["service_id"].isin(days)]
    base = _base_rows(loaded, key, running, stop_index)
    rows = base.assign(trip_id=key + ":" + base["local"])
    service = rows["base"].map(running["service_id"])
    following = pd.Series(dtype=object)
    if (running["block_id"] != "").any():
        signatures = {tuple(np.flatnonzero(column)) for column in
                      np.stack([days[s] for s in own.index]).T if column.any()}
        names = own.index.to_numpy()
        following = _following(rows, info, service,
                               [set(names[list(sig)]) for sig in sorted(signatures)])
    described = _describe(rows, info, following)
    described["days"] = described["service_id"].map(own).to_numpy(np.int64)
    late = _late_trips(rows.assign(trip_id=rows["trip_id"] + PREVIOUS_DAY_SUFFIX))
    late_following = pd.Series(following.to_numpy(dtype=object) + PREVIOUS_DAY_SUFFIX,
                               index=following.index.to_numpy(dtype=object) + PREVIOUS_DAY_SUFFIX,
                               dtype=object) if len(following) else following
    late_described = _describe(late, info, late_following)
    late_described["days"] = late_described["service_id"].map(moved).to_numpy(np.int64)
    rows = pd.concat([rows[columns], late[columns]], ignore_index=True)
    described = pd.concat([described, late_described], ignore_index=True)
    return (rows, described.drop(columns=["service_id", "block_id"]), span[0].isoformat(),
            bits)
