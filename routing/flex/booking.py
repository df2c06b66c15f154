"""Booking rules: reading booking_rules.txt, when booking opens and closes, and notice checks."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from routing.flex.model import BookingRule, BookingType, FlexError, ServiceCalendar
from routing.flex.source import clock_s, csv_rows, whole
from routing.gtfs.findings import FindingLog, Severity

FILE = "booking_rules.txt"
_MAX_DAYS_BACK = 400  # a notice calendar that never runs must not loop forever


@dataclass(frozen=True)
class NoticeRefusal:
    """Why a booking made at one moment cannot be accepted for a pickup at another."""

    code: str  # pickup_in_past | notice_too_short | after_cutoff | too_early
    message: str


def _rule(line: int, row: dict[str, str], log: FindingLog) -> BookingRule | None:
    rule_id = row.get("booking_rule_id", "")
    kind = whole(row.get("booking_type"))
    if not rule_id or kind not in (0, 1, 2):
        log.add(FILE, line, "booking_type", Severity.ERROR, "bad_booking_rule",
                f"rule {rule_id!r}: booking_type {row.get('booking_type')!r} is not 0, 1 or 2; rule dropped")
        return None
    minutes_min, minutes_max = whole(row.get("prior_notice_duration_min")), whole(row.get("prior_notice_duration_max"))
    start_day, last_day = whole(row.get("prior_notice_start_day")), whole(row.get("prior_notice_last_day"))
    start_time, last_time = clock_s(row.get("prior_notice_start_time")), clock_s(row.get("prior_notice_last_time"))

    def refuse(column: str, problem: str) -> None:
        log.add(FILE, line, column, Severity.ERROR, "bad_booking_rule", f"rule {rule_id}: {problem}; rule dropped")

    if kind == BookingType.SAME_DAY and minutes_min is None:
        refuse("prior_notice_duration_min", "booking_type 1 needs prior_notice_duration_min")
        return None
    if kind == BookingType.PRIOR_DAYS and (last_day is None or last_time is None):
        refuse("prior_notice_last_day", "booking_type 2 needs prior_notice_last_day and _last_time")
        return None
    if minutes_min is not None and minutes_max is not None and minutes_max < minutes_min:
        refuse("prior_notice_duration_max", "prior_notice_duration_max is below _min")
        return None
    if kind == BookingType.PRIOR_DAYS and start_day is not None and start_day < last_day:  # type: ignore[operator]
        refuse("prior_notice_start_day", "prior_notice_start_day is after prior_notice_last_day")
        return None
    if start_day is not None and start_time is None:
        log.add(FILE, line, "prior_notice_start_time", Severity.WARNING, "missing_start_time",
                f"rule {rule_id}: prior_notice_start_day without _start_time; midnight assumed")
        start_time = 0
    if kind == BookingType.REAL_TIME and any(v is not None for v in (minutes_min, minutes_max, start_day, last_day)):
        log.add(FILE, line, "booking_type", Severity.WARNING, "ignored_notice",
                f"rule {rule_id}: real-time booking ignores its prior notice fields")
        minutes_min = minutes_max = start_day = last_day = None
    return BookingRule(
        rule_id, BookingType(kind),
        notice_min_s=None if minutes_min is None else minutes_min * 60,
        notice_max_s=None if minutes_max is None else minutes_max * 60,
        start_days_before=start_day, start_time_s=start_time if start_day is not None else None,
        last_days_before=last_day if kind == BookingType.PRIOR_DAYS else None,
        last_time_s=last_time if kind == BookingType.PRIOR_DAYS else None,
        notice_service_id=row.get("prior_notice_service_id") or None,
        message=row.get("message", ""), phone_number=row.get("phone_number", ""),
        info_url=row.get("info_url", ""), booking_url=row.get("booking_url", ""))


def read_booking_rules(members: dict[str, bytes], log: FindingLog) -> dict[str, BookingRule]:
    rules: dict[str, BookingRule] = {}
    for line, row in csv_rows(members, FILE):
        rule = _rule(line, row, log)
        if rule is not None and rule.rule_id in rules:
            log.add(FILE, line, "booking_rule_id", Severity.ERROR, "duplicate_id",
                    f"rule {rule.rule_id} is defined twice; the first is kept")
        elif rule is not None:
            rules[rule.rule_id] = rule
    return rules


def _days_before(day: dt.date, days: int, calendar: ServiceCalendar | None) -> dt.date:
    """`days` days before `day`, counting only the calendar's service days when one is given."""
    if calendar is None:
        return day - dt.timedelta(days=days)
    for _ in range(_MAX_DAYS_BACK):
        if days == 0:
            return day
        day -= dt.timedelta(days=1)
        days -= calendar.runs_on(day)
    raise FlexError(f"notice calendar {calendar.service_id} has no service day for {_MAX_DAYS_BACK} days")


def _at(day: dt.date, time_s: int, like: dt.datetime) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), like.tzinfo) + dt.timedelta(seconds=time_s)


def booking_deadline(rule: BookingRule, pickup_at: dt.datetime, *,
                     notice_calendar: ServiceCalendar | None = None) -> dt.datetime:
    """The last moment a booking for a pickup at `pickup_at` is accepted, in pickup_at's timezone.

    notice_calendar is the rule's prior_notice_service_id calendar, when it has one: the days
    before travel are then counted in its service days (business days), not calendar days.
    """
    if rule.booking_type is BookingType.SAME_DAY:
        return pickup_at - dt.timedelta(seconds=rule.notice_min_s or 0)
    if rule.booking_type is BookingType.PRIOR_DAYS:
        day = _days_before(pickup_at.date(), rule.last_days_before or 0, notice_calendar)
        return _at(day, rule.last_time_s or 0, pickup_at)
    return pickup_at


def booking_opens(rule: BookingRule, pickup_at: dt.datetime, *,
                  notice_calendar: ServiceCalendar | None = None) -> dt.datetime | None:
    """The first moment a booking is accepted, or None when the rule sets no limit."""
    if rule.booking_type is BookingType.SAME_DAY and rule.notice_max_s is not None:
        return pickup_at - dt.timedelta(seconds=rule.notice_max_s)
    if rule.booking_type is not BookingType.REAL_TIME and rule.start_days_before is not None:
        day = _days_before(pickup_at.date(), rule.start_days_before, notice_calendar)
        return _at(day, rule.start_time_s or 0, pickup_at)
    return None


def check_notice(rule: BookingRule, booked_at: dt.datetime, pickup_at: dt.datetime, *,
                 notice_calendar: ServiceCalendar | None = None) -> NoticeRefusal | None:
    """None when a booking made at booked_at for a pickup at pickup_at respects the rule."""
    if booked_at > pickup_at:
        return NoticeRefusal("pickup_in_past", f"the pickup at {pickup_at:%Y-%m-%d %H:%M} has passed")
    deadline = booking_deadline(rule, pickup_at, notice_calendar=notice_calendar)
    if booked_at > deadline:
        if rule.booking_type is BookingType.SAME_DAY:
            return NoticeRefusal("notice_too_short", f"book at least {(rule.notice_min_s or 0) // 60} min ahead: "
                                 f"by {deadline:%Y-%m-%d %H:%M}")
        return NoticeRefusal("after_cutoff", f"book {rule.last_days_before} day(s) ahead by "
                             f"{deadline:%H:%M}: by {deadline:%Y-%m-%d %H:%M}")
    opens = booking_opens(rule, pickup_at, notice_calendar=notice_calendar)
    if opens is not None and booked_at < opens:
        return NoticeRefusal("too_early", f"booking opens at {opens:%Y-%m-%d %H:%M}")
    return None
