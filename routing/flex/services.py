"""Service calendars from calendar.txt and calendar_dates.txt, and the agency timezone."""

from __future__ import annotations

import datetime as dt

from routing.flex.model import ServiceCalendar
from routing.flex.source import csv_rows
from routing.gtfs.findings import FindingLog, Severity

_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _date(text: str | None) -> dt.date | None:
    try:
        return dt.datetime.strptime(text or "", "%Y%m%d").date()
    except ValueError:
        return None


def read_services(members: dict[str, bytes], log: FindingLog) -> dict[str, ServiceCalendar]:
    weekly: dict[str, tuple[tuple[bool, ...], dt.date | None, dt.date | None]] = {}
    for line, row in csv_rows(members, "calendar.txt"):
        start, end = _date(row.get("start_date")), _date(row.get("end_date"))
        if start is None or end is None:
            log.add("calendar.txt", line, "start_date", Severity.ERROR, "bad_date",
                    f"service {row.get('service_id')}: start_date/end_date are not YYYYMMDD; weekly pattern ignored")
        weekly[row.get("service_id", "")] = (tuple(row.get(d) == "1" for d in _WEEKDAYS), start, end)
    added: dict[str, set[dt.date]] = {}
    removed: dict[str, set[dt.date]] = {}
    for line, row in csv_rows(members, "calendar_dates.txt"):
        day, kind = _date(row.get("date")), row.get("exception_type")
        if day is None or kind not in ("1", "2"):
            log.add("calendar_dates.txt", line, "date", Severity.ERROR, "bad_exception",
                    f"service {row.get('service_id')}: date {row.get('date')!r} / type {kind!r} unusable; row dropped")
            continue
        (added if kind == "1" else removed).setdefault(row.get("service_id", ""), set()).add(day)
    services = {}
    for service_id in sorted(set(weekly) | set(added) | set(removed)):
        days, start, end = weekly.get(service_id, ((False,) * 7, None, None))
        services[service_id] = ServiceCalendar(service_id, days, start, end,
                                               frozenset(added.get(service_id, ())),
                                               frozenset(removed.get(service_id, ())))
    return services


def read_timezone(members: dict[str, bytes]) -> str | None:
    rows = csv_rows(members, "agency.txt")
    return rows[0][1].get("agency_timezone") or None if rows else None
