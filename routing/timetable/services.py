"""Service days and GTFS clock times: which services run on a date, times as seconds."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def active_services(calendar: pd.DataFrame | None, calendar_dates: pd.DataFrame | None,
                    day: dt.date) -> set[str]:
    """calendar.txt weekday and date range, then calendar_dates.txt additions and removals."""
    stamp = day.strftime("%Y%m%d")
    running: set[str] = set()
    if calendar is not None and not calendar.empty:
        weekday = calendar[_WEEKDAYS[day.weekday()]].fillna(0).astype("int64") == 1
        in_range = (calendar["start_date"] <= stamp) & (calendar["end_date"] >= stamp)
        running = set(calendar.loc[(weekday & in_range).fillna(False), "service_id"].astype(str))
    if calendar_dates is not None and not calendar_dates.empty:
        today = calendar_dates[calendar_dates["date"] == stamp]
        kind = today["exception_type"].fillna(0).astype("int64")
        running |= set(today.loc[kind == 1, "service_id"].astype(str))
        running -= set(today.loc[kind == 2, "service_id"].astype(str))
    return running


def clock_seconds(values: pd.Series) -> np.ndarray:
    """'HH:MM:SS' (hours may pass 24) as float seconds; NaN where the text is missing."""
    # A day has few distinct clock times: parse each once (stop_times repeat them many times).
    codes, uniques = pd.factorize(values.astype("string"), use_na_sentinel=True)
    parts = pd.Series(uniques, dtype="string").str.extract(r"^\s*(\d+):(\d\d):(\d\d)\s*$")
    numbers = parts.apply(pd.to_numeric).to_numpy(np.float64)
    seconds = np.append(numbers[:, 0] * 3600 + numbers[:, 1] * 60 + numbers[:, 2], np.nan)
    return seconds[np.where(codes < 0, len(uniques), codes)]


def format_clock(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def interpolate_missing(times: np.ndarray) -> np.ndarray:
    """Fill untimed intermediate stops linearly between the timed neighbours of the same trip.

    Rows are sorted by trip then stop_sequence and read_feed guarantees that every trip's
    first and last stops are timed, so the nearest timed rows always belong to the same trip.
    """
    known = ~np.isnan(times)
    if known.all():
        return times
    index = np.arange(len(times))
    before = np.maximum.accumulate(np.where(known, index, 0))
    after = np.minimum.accumulate(np.where(known, index, len(times) - 1)[::-1])[::-1]
    span = np.maximum(after - before, 1)
    share = (index - before) / span
    filled = times[before] + (times[after] - times[before]) * share
    return np.where(known, times, np.floor(filled))
