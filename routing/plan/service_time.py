"""Instants and service-day seconds: GTFS times count from noon minus 12 h, local time.

A service day starts at local noon minus twelve hours (midnight except on days a DST change
falls on), so times past 24:00 belong to the previous date's service day.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo


def service_day_start(day: dt.date, tz: ZoneInfo) -> dt.datetime:
    noon = dt.datetime(day.year, day.month, day.day, 12, tzinfo=tz)
    return noon.astimezone(dt.UTC) - dt.timedelta(hours=12)


def to_service_time(instant: dt.datetime, tz: ZoneInfo) -> tuple[dt.date, int]:
    """The local calendar date of an aware instant and its seconds in that date's service day."""
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError("the instant needs a UTC offset")
    try:
        day = instant.astimezone(tz).date()
        if not 1 < day.year < 9999:  # keep a day either side representable
            raise OverflowError
        seconds = (instant.astimezone(dt.UTC) - service_day_start(day, tz)).total_seconds()
    except OverflowError:
        raise ValueError("the instant is out of the supported range") from None
    return day, int(seconds // 1)


def to_instant(day: dt.date, seconds: int, tz: ZoneInfo) -> dt.datetime:
    """Service-day seconds of a date as an aware datetime in the feed's timezone."""
    return (service_day_start(day, tz) + dt.timedelta(seconds=int(seconds))).astimezone(tz)
