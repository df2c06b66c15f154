"""Small operations on a gtfs-kit Feed's tables that scenario edits are made of.

Every function returns new DataFrames and never changes its arguments: a scenario is compared
with the baseline it was made from, so the baseline must survive any number of edits.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from routing.timetable.services import clock_seconds, format_clock

# Tables that refer to trips or routes and must follow them when they are removed.
TRIP_COLUMNS = ("trip_id", "from_trip_id", "to_trip_id")
ROUTE_COLUMNS = ("route_id", "from_route_id", "to_route_id")
WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def append_rows(frame: pd.DataFrame | None, rows: Sequence[dict]) -> pd.DataFrame | None:
    """frame with rows added, each column keeping frame's dtype (missing values as NA)."""
    if not rows:
        return frame
    new = pd.DataFrame(list(rows))
    if frame is None:
        return new
    for column in frame.columns:
        if column not in new.columns:
            new[column] = pd.NA
    extra = [c for c in new.columns if c not in frame.columns]
    new = new[list(frame.columns) + extra]
    base = frame.copy()
    # Same dtypes on both sides: concat neither upcasts nor warns about all-NA columns. None
    # casts to NaN or NA alike; a plain int column that must hold a missing value turns Int64.
    new = new.astype(object).where(new.notna(), None)
    for column in frame.columns:
        dtype = frame[column].dtype
        if dtype.kind in "iub" and not isinstance(dtype, pd.api.extensions.ExtensionDtype) \
                and new[column].isna().any():
            dtype = "Int64" if dtype.kind != "b" else "boolean"
            base[column] = base[column].astype(dtype)
        new[column] = new[column].astype(dtype)
    if frame.empty:
        return new.reset_index(drop=True)
    for column in extra:
        # A column the feed lacked: nullable on both sides, so the old rows can hold NA.
        new[column] = new[column].convert_dtypes()
        base[column] = pd.Series(pd.NA, index=base.index, dtype=new[column].dtype)
    return pd.concat([base, new], ignore_index=True)


def without(frame: pd.DataFrame | None, columns: Iterable[str],
            values: Iterable[str]) -> pd.DataFrame | None:
    """Rows of frame whose value in none of the given columns (those it has) is in values."""
    if frame is None:
        return None
    values = set(values)
    keep = np.ones(len(frame), bool)
    for column in columns:
        if column in frame.columns:
            keep &= ~frame[column].astype("string").isin(values).fillna(False).to_numpy(bool)
    return frame[keep].reset_index(drop=True)


def trip_times(stop_times: pd.DataFrame) -> pd.DataFrame:
    """stop_times sorted by trip and sequence with float seconds `arr_s` and `dep_s` (each
    falling back on the other; NaN where a stop is untimed)."""
    st = stop_times.assign(trip=stop_times["trip_id"].astype(str),
                           seq=stop_times["stop_sequence"].astype("int64"))
    st = st.sort_values(["trip", "seq"], kind="stable").reset_index(drop=True)
    arr, dep = clock_seconds(st["arrival_time"]), clock_seconds(st["departure_time"])
    return st.assign(arr_s=np.where(np.isnan(arr), dep, arr),
                     dep_s=np.where(np.isnan(dep), arr, dep))


def trip_starts(times: pd.DataFrame) -> pd.Series:
    """First departure second of each trip in a `trip_times` frame, by trip id."""
    return times.groupby("trip", sort=False)["dep_s"].first()


def clock(seconds: float) -> object:
    """GTFS clock text for seconds, NA for an untimed stop."""
    return pd.NA if pd.isna(seconds) else format_clock(int(round(seconds)))


def date_span(calendar: pd.DataFrame | None,
              calendar_dates: pd.DataFrame | None) -> tuple[str, str]:
    """The dates (YYYYMMDD) the feed's calendars cover, for a new service running as long."""
    dates: list[str] = []
    if calendar is not None and not calendar.empty:
        dates += list(calendar["start_date"].astype(str)) + list(calendar["end_date"].astype(str))
    if calendar_dates is not None and not calendar_dates.empty:
        dates += list(calendar_dates["date"].astype(str))
    if not dates:
        return "20000101", "20991231"
    return min(dates), max(dates)


def service_dates(calendar: pd.DataFrame | None, calendar_dates: pd.DataFrame | None,
                  service_ids: Iterable[str]) -> list[str]:
    """Every date (YYYYMMDD) on which any of the services runs, over the feed's date span:
    calendar weekdays within its range, then that service's calendar_dates additions and
    removals (the rule routing.timetable.services applies to one date)."""
    start, end = date_span(calendar, calendar_dates)
    days = pd.date_range(start, end, freq="D")
    stamps = np.asarray(days.strftime("%Y%m%d"), dtype=object)
    weekday = days.day_of_week.to_numpy()
    union = np.zeros(len(days), bool)
    for service in set(service_ids):
        runs = np.zeros(len(days), bool)
        if calendar is not None and not calendar.empty:
            for row in calendar[calendar["service_id"].astype(str) == service].itertuples():
                flags = np.array([not pd.isna(getattr(row, d)) and int(getattr(row, d)) == 1
                                  for d in WEEKDAY_NAMES])
                runs |= flags[weekday] & (stamps >= str(row.start_date)) & (stamps <= str(row.end_date))
        if calendar_dates is not None and not calendar_dates.empty:
            mine = calendar_dates[calendar_dates["service_id"].astype(str) == service]
            kind = mine["exception_type"].fillna(0).astype("int64")
            runs |= np.isin(stamps, mine.loc[kind == 1, "date"].astype(str).to_numpy())
            runs &= ~np.isin(stamps, mine.loc[kind == 2, "date"].astype(str).to_numpy())
        union |= runs
    return list(stamps[union])
