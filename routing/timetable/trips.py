"""One feed's stop_times for a service date: the date's trips and the previous day's late
trips, with a table describing every compiled trip and its block continuation.

Times are seconds of the compiled date's service day. Trips of the previous date's services
that reach 24:00:00 or later are added shifted by -86 400 s (so a trip at 24:30 of the
previous day is seen at 00:30; its earlier stops get negative times, which no search
boards), with "@prev" appended to their ids. Frequency-based trips become one trip per
headway with "@HH:MM:SS" appended (exact_times is not distinguished).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from routing.gtfs import LoadedFeed
from routing.timetable.blocks import continuations
from routing.timetable.metadata import trip_table
from routing.timetable.services import (active_services, clock_seconds, format_clock,
                                        interpolate_missing)

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


def _service_day(rows: pd.DataFrame, info: pd.DataFrame, key: str, suffix: str,
                 chain: bool) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One service day's rows with global ids, and a trip table with each trip's
    continuation ("next", "" when none)."""
    rows = rows.assign(trip_id=key + ":" + rows["local"] + suffix)
    trips = rows.drop_duplicates("trip_id")[["trip_id", "base"]]
    described = info.loc[trips["base"]].reset_index(drop=True)
    described.insert(0, "trip_id", trips["trip_id"].to_numpy())
    described["next"] = ""
    if not chain:
        return rows, described
    chained = rows.loc[~rows["frequency"].to_numpy(bool), ["trip_id", "base"]]
    block_of = chained.drop_duplicates("trip_id").set_index("trip_id")["base"].map(
        info["block_id"])
    pairs = continuations(rows, block_of[block_of != ""])
    if not pairs.empty:
        following = pd.Series(pairs["next_trip_id"].to_numpy(), index=pairs["trip_id"])
        found = described["trip_id"].map(following)
        described["next"] = found.where(found.notna(), "").astype(str)
    return rows, described


def _late_trips(rows: pd.DataFrame) -> pd.DataFrame:
    """Trips reaching 24:00:00 or later, shifted one day earlier."""
    latest = np.maximum(rows["arr"], rows["dep"]).groupby(rows["trip_id"], sort=False).max()
    late = rows[rows["trip_id"].map(latest >= DAY_S).to_numpy(bool)]
    return late.assign(arr=late["arr"] - DAY_S, dep=late["dep"] - DAY_S)


def feed_trip_rows(loaded: LoadedFeed, key: str, day: dt.date,
                   stop_index: pd.Series) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(stop_times rows, trip table) of one feed compiled for day.

    Rows: trip_id (global), route_id (global), stop (index), arr, dep, board, alight, sorted by
    trip with each trip contiguous. Trip table: trip_id, route, headsign, wheelchair, office,
    next (the global id of the trip a rider may stay on board into, or "") for every trip that
    may appear in the rows.
    """
    feed = loaded.feed
    info = trip_table(loaded, key)
    info = info[~info.index.duplicated()]
    today = active_services(feed.calendar, feed.calendar_dates, day)
    before = active_services(feed.calendar, feed.calendar_dates, day - dt.timedelta(days=1))
    running = info[info["service_id"].isin(today | before)]
    base = _base_rows(loaded, key, running, stop_index)
    service = base["base"].map(running["service_id"])
    chain = bool((running["block_id"] != "").any())
    rows, described = _service_day(base[service.isin(today)], info, key, "", chain)
    late_rows, late_described = _service_day(base[service.isin(before)], info, key,
                                             PREVIOUS_DAY_SUFFIX, chain)
    late_rows = _late_trips(late_rows)
    columns = ["trip_id", "route_id", "stop", "arr", "dep", "board", "alight"]
    rows = pd.concat([rows[columns], late_rows[columns]], ignore_index=True)
    described = pd.concat([described, late_described], ignore_index=True)
    return rows, described.drop(columns=["service_id", "block_id"])
