"""Daily local-time windows ("06:00"-"24:00", "22:00"-"05:00") that may wrap past midnight."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, field_validator, model_validator

MINUTES_PER_DAY = 24 * 60


def minute_of_day(text: str) -> int:
    """Minutes after local midnight of "HH:MM"; "24:00" is the end of the day (1440)."""
    hours, sep, minutes = text.partition(":")
    if not sep or not hours.isdigit() or not minutes.isdigit() or len(minutes) != 2:
        raise ValueError(f"{text!r} is not HH:MM")
    value = int(hours) * 60 + int(minutes)
    if int(minutes) >= 60 or value > MINUTES_PER_DAY:
        raise ValueError(f"{text!r} is not a time of day between 00:00 and 24:00")
    return value


class DailyWindow(BaseModel):
    """From `start` (inclusive) to `end` (exclusive) local time, every day.

    An `end` earlier than `start` wraps midnight: 22:00-05:00 holds at 23:30 and at 04:59.
    "00:00"-"24:00" is the whole day; equal ends are refused as ambiguous.
    """

    model_config = ConfigDict(frozen=True)
    start: str
    end: str

    @field_validator("start", "end")
    @classmethod
    def _clock_time(cls, value: str) -> str:
        minute_of_day(value)
        return value

    @model_validator(mode="after")
    def _not_empty(self) -> DailyWindow:
        if minute_of_day(self.start) % MINUTES_PER_DAY == minute_of_day(self.end) % MINUTES_PER_DAY \
                and not (self.start == "00:00" and self.end == "24:00"):
            raise ValueError(f"window {self.start}-{self.end} is empty or ambiguous")
        return self

    def contains(self, local_time: dt.time) -> bool:
        at = local_time.hour * 60 + local_time.minute
        start, end = minute_of_day(self.start), minute_of_day(self.end)
        if start < end:
            return start <= at < end
        return at >= start or at < end

    def __str__(self) -> str:
        return f"{self.start}-{self.end}"
