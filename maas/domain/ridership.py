"""Ridership counts a town uploads for trips not booked here (paid on board, paper tickets): boardings per
route and service date, optionally per trip, read from CSV and checked row by row.

CSV columns: `route_id`, `date` (YYYY-MM-DD), `boardings` (a whole number >= 0) and optionally `trip_id`.
A later upload of the same (route, date, trip) replaces the earlier count (a correction), so a day's
total per route is the sum over its trips of the latest counts. Scenarios and route figures read the
totals beside the boardings recorded here and say which source each figure came from.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from maas.domain.errors import InvalidRequest

MAX_ROWS = 50_000
MAX_BOARDINGS = 1_000_000
REQUIRED = ("route_id", "date", "boardings")


@dataclass(frozen=True)
class RidershipCount:
    route_id: str
    service_date: dt.date
    boardings: int
    trip_id: str = ""  # "" when counted for the whole day of the route


def parse_ridership_csv(text: str) -> list[RidershipCount]:
    """Every row, or InvalidRequest naming the first bad rows (fields "row N": what is wrong)."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    columns = [c.strip() for c in reader.fieldnames or []]
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise InvalidRequest(f"the ridership CSV needs the columns {', '.join(REQUIRED)}",
                             fields={"content": f"missing columns: {', '.join(missing)}"})
    counts: list[RidershipCount] = []
    problems: dict[str, str] = {}
    seen: set[tuple[str, dt.date, str]] = set()
    for n, raw in enumerate(reader, start=2):  # row 1 is the header
        row = {(k or "").strip(): (v or "").strip() for k, v in raw.items()}
        if len(counts) >= MAX_ROWS:
            raise InvalidRequest(f"at most {MAX_ROWS} rows per upload", fields={"content": "too many rows"})
        try:
            count = _count(row)
        except ValueError as exc:
            problems[f"row {n}"] = str(exc)
            if len(problems) >= 20:
                break
            continue
        key = (count.route_id, count.service_date, count.trip_id)
        if key in seen:
            problems[f"row {n}"] = "the same route, date and trip twice"
            continue
        seen.add(key)
        counts.append(count)
    if problems:
        raise InvalidRequest(f"{len(problems)} bad row(s) in the ridership CSV; nothing was stored", fields=problems)
    if not counts:
        raise InvalidRequest("the ridership CSV has no rows", fields={"content": "no rows"})
    return counts


def _count(row: dict[str, str]) -> RidershipCount:
    route_id = row.get("route_id", "")
    if not route_id or len(route_id) > 200:
        raise ValueError("route_id is empty or longer than 200 characters")
    try:
        day = dt.date.fromisoformat(row.get("date", ""))
    except ValueError:
        raise ValueError(f"date is not YYYY-MM-DD: {row.get('date')!r}") from None
    text = row.get("boardings", "")
    if not text.isdigit() or int(text) > MAX_BOARDINGS:
        raise ValueError(f"boardings must be a whole number from 0 to {MAX_BOARDINGS}: {text!r}")
    trip_id = row.get("trip_id", "")
    if len(trip_id) > 200:
        raise ValueError("trip_id is longer than 200 characters")
    return RidershipCount(route_id, day, int(text), trip_id)


class RidershipLog(Protocol):
    async def put(self, counts: Sequence[RidershipCount], *, uploaded_by: str, uploaded_at: dt.datetime) -> None:
        """Store the counts, each replacing an earlier one of the same route, date and trip."""
        ...

    async def totals(self, day: dt.date) -> dict[str, int]:
        """Boardings per route id on a service date."""
        ...
