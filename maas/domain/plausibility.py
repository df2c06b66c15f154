"""When a reported trip event can have happened: a pickup, drop-off or no-show reported by a driver or
an operator's system must fall in a window around the trip's scheduled time, and not in the future.

A report two days before the ride (a driver tapping the wrong ride, a test device) would otherwise
be recorded as the ride's pickup and turn the town's figures into nonsense (negative waits, hundreds
of riders per vehicle-hour); the same window keeps such times out of the figures already stored.
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from maas.domain.errors import InvalidRequest


class ImplausibleEvent(InvalidRequest):
    """A trip event reported at a time it cannot have happened; `fields.reason` says why."""

    code = "implausible_event_time"


class EventWindow(BaseModel):
    """How far from the scheduled trip an event may be: `before_s` before it is due to begin,
    `after_s` after it is due to end, and `ahead_s` past now (clocks on devices drift)."""

    model_config = ConfigDict(frozen=True)
    before_s: int = Field(default=2 * 3600, ge=0)
    after_s: int = Field(default=6 * 3600, ge=0)
    ahead_s: int = Field(default=300, ge=0)

    def opens(self, scheduled_from: dt.datetime) -> dt.datetime:
        return scheduled_from - dt.timedelta(seconds=self.before_s)

    def closes(self, scheduled_until: dt.datetime) -> dt.datetime:
        return scheduled_until + dt.timedelta(seconds=self.after_s)

    def admits(self, at: dt.datetime, scheduled_from: dt.datetime, scheduled_until: dt.datetime) -> bool:
        return self.opens(scheduled_from) <= at <= self.closes(scheduled_until)


def check_event_time(at: dt.datetime, *, now: dt.datetime, scheduled_from: dt.datetime,
                     scheduled_until: dt.datetime, window: EventWindow, what: str, zone: dt.tzinfo) -> None:
    """ImplausibleEvent unless `at` lies in the window around [scheduled_from, scheduled_until]
    and not after now (plus the drift allowed); `what` names the trip in the message."""
    local = at.astimezone(zone).isoformat(timespec="minutes")
    scheduled = (f"{scheduled_from.astimezone(zone).isoformat(timespec='minutes')} to "
                 f"{scheduled_until.astimezone(zone).isoformat(timespec='minutes')}")
    if at > now + dt.timedelta(seconds=window.ahead_s):
        raise ImplausibleEvent(f"{what}: an event at {local} has not happened yet",
                               fields={"at": local, "reason": "in_the_future"})
    if at < window.opens(scheduled_from):
        raise ImplausibleEvent(
            f"{what} is scheduled {scheduled}; an event at {local} is more than {window.before_s // 60} min early",
            fields={"at": local, "reason": "too_early", "scheduled": scheduled})
    if at > window.closes(scheduled_until):
        raise ImplausibleEvent(
            f"{what} is scheduled {scheduled}; an event at {local} is more than {window.after_s // 60} min late",
            fields={"at": local, "reason": "too_late", "scheduled": scheduled})
