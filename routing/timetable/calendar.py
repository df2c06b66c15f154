"""Service days as bitfields: on which dates of a feed's calendar each service_id runs.

The calendar spans the first to the last date named by calendar.txt (start_date, end_date)
or calendar_dates.txt. A service's days are its calendar.txt weekdays inside its date range,
plus calendar_dates.txt additions, minus its removals (a removal wins over an addition of the
same date, as in `active_services`). Dates outside every range run nothing.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _dates(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values.astype(str).str.strip(), format="%Y%m%d", errors="coerce")


def calendar_span(calendar: pd.DataFrame | None,
                  calendar_dates: pd.DataFrame | None) -> tuple[dt.date, int] | None:
    """(first date, number of days) named by the feed's calendar files; None when none."""
    found: list[pd.Timestamp] = []
    if calendar is not None and not calendar.empty:
        found += [d for d in (_dates(calendar["start_date"]).min(),
                              _dates(calendar["end_date"]).max()) if pd.notna(d)]
    if calendar_dates is not None and not calendar_dates.empty:
        dates = _dates(calendar_dates["date"])
        found += [d for d in (dates.min(), dates.max()) if pd.notna(d)]
    if not found:
        return None
    first, last = min(found).date(), max(found).date()
    return first, (last - first).days + 1


def service_days(calendar: pd.DataFrame | None, calendar_dates: pd.DataFrame | None,
                 first: dt.date, n_days: int) -> dict[str, np.ndarray]:
    """Per service_id: a bool array of n_days, True where it runs (day 0 is first)."""
    days: dict[str, np.ndarray] = {}
    weekday = (first.weekday() + np.arange(n_days)) % 7
    base = pd.Timestamp(first)
    if calendar is not None and not calendar.empty:
        start = ((_dates(calendar["start_date"]) - base).dt.days).to_numpy(np.float64)
        end = ((_dates(calendar["end_date"]) - base).dt.days).to_numpy(np.float64)
        flags = np.stack([calendar[name].fillna(0).astype("int64").to_numpy() == 1
                          if name in calendar.columns else np.zeros(len(calendar), bool)
                          for name in _WEEKDAYS], axis=1)
        index = np.arange(n_days)
        for row, service in enumerate(calendar["service_id"].astype(str)):
            if np.isnan(start[row]) or np.isnan(end[row]):
                continue
            runs = flags[row][weekday] & (index >= start[row]) & (index <= end[row])
            days[service] = days[service] | runs if service in days else runs
    if calendar_dates is not None and not calendar_dates.empty:
        offset = (_dates(calendar_dates["date"]) - base).dt.days.to_numpy(np.float64)
        kind = calendar_dates["exception_type"].fillna(0).astype("int64").to_numpy()
        services = calendar_dates["service_id"].astype(str).to_numpy()
        valid = ~np.isnan(offset) & (offset >= 0) & (offset < n_days)
        for wanted, value in ((1, True), (2, False)):
            for service, day in zip(services[valid & (kind == wanted)],
                                    offset[valid & (kind == wanted)].astype(np.int64)):
                if service not in days:
                    days[service] = np.zeros(n_days, bool)
                days[service][day] = value
    return days


def day_index(first_day: str, day: dt.date) -> int:
    """Column of a date in bitfields starting at first_day (ISO); may be out of range."""
    return (day - dt.date.fromisoformat(first_day)).days if first_day else -1
