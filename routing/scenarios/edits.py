"""Scenario edits on a baseline feed: change a route's headway or span, remove, add or replace it.

A scenario is a sequence of immutable edits; `apply_edits(feed, edits)` returns a new
`LoadedFeed` (the input is never changed) that compiles with `routing.timetable` and routes
with `routing.access` like any feed. Value errors (a headway <= 0, an empty stop list, a span
ending before it starts) are raised when an edit is built; references to the feed (unknown
route or stop ids) when it is applied. Times are service-day seconds.

- SetHeadway rebuilds a route's trips (of one service_id when given) at a new headway, per
  direction, from a template: the earliest trip of the direction's most common stop pattern,
  keeping its offsets at every stop. Without a window the direction's first to last departure
  is refilled (the first departure kept, the last one kept when the headway divides the span);
  with [start_s, end_s) only trips departing inside it are replaced and the rest stay. New
  trips run on the replaced trips' service, or, when those had several (GTFS-JP feeds often
  give trips their own), on a new service running on every date any of them ran, so trips
  are never duplicated on a day. Without service_id, weekday and weekend trips thus get the
  same headway; give service_id to change one calendar only. New trips get no block_id: one
  vehicle may no longer run them one after the other.
- SetSpan drops trips whose first departure is outside [start_s, end_s) and clips
  frequencies.txt windows to it.
- RemoveRoute drops the route, its trips, stop_times, frequencies, fare rules and transfers;
  stops stay (other routes or walkers may use them).
- AddRoute runs a new route over existing or new stops at a headway within [start_s, end_s),
  on an existing service_id or on given weekdays (a new calendar over the feed's date span;
  holidays of calendar_dates do not apply to it).
- ReplaceByOnDemand removes routes from the fixed-route feed and describes the on-demand zone
  that replaces them (`routing.scenarios.ondemand_sim.simulate_replacement` runs its day).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from types import MappingProxyType

import pandas as pd

from routing.gtfs import LoadedFeed
from routing.scenarios.errors import InvalidEdit, UnknownRoute, UnknownStopId
from routing.scenarios.tables import (ROUTE_COLUMNS, TRIP_COLUMNS, append_rows, clock, date_span,
                                      service_dates, trip_starts, trip_times, without)
from routing.timetable.services import clock_seconds

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _check_span(start_s: int, end_s: int) -> None:
    if end_s <= start_s:
        raise InvalidEdit(f"span end {end_s} must be after its start {start_s}")


def _check_headway(headway_s: int) -> None:
    if not headway_s > 0:
        raise InvalidEdit(f"headway must be positive, got {headway_s}")


@dataclass(frozen=True)
class SetHeadway:
    route_id: str
    headway_s: int
    start_s: int | None = None  # both or neither: the window whose trips are rebuilt
    end_s: int | None = None
    service_id: str | None = None  # only the route's trips of this service

    def __post_init__(self) -> None:
        _check_headway(self.headway_s)
        if (self.start_s is None) != (self.end_s is None):
            raise InvalidEdit("give both start_s and end_s, or neither")
        if self.start_s is not None and self.end_s is not None:
            _check_span(self.start_s, self.end_s)


@dataclass(frozen=True)
class SetSpan:
    route_id: str
    start_s: int
    end_s: int

    def __post_init__(self) -> None:
        _check_span(self.start_s, self.end_s)


@dataclass(frozen=True)
class RemoveRoute:
    route_id: str


@dataclass(frozen=True)
class NewStop:
    stop_id: str
    name: str
    lat: float
    lon: float


@dataclass(frozen=True)
class AddRoute:
    route_id: str
    name: str
    route_type: int
    stop_ids: tuple[str, ...]
    run_times_s: tuple[int, ...]  # between consecutive stops: one fewer than stop_ids
    headway_s: int
    start_s: int  # first departure; the last is the latest start_s + k * headway_s < end_s
    end_s: int
    service_id: str | None = None  # an existing service, or
    weekdays: tuple[bool, ...] | None = None  # Monday .. Sunday
    new_stops: tuple[NewStop, ...] = ()
    agency_id: str | None = None  # None: the feed's first agency
    both_directions: bool = False  # also run the stops backwards (direction_id 1)

    def __post_init__(self) -> None:
        for name in ("stop_ids", "run_times_s", "new_stops"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        if self.weekdays is not None:
            object.__setattr__(self, "weekdays", tuple(bool(d) for d in self.weekdays))
        if len(self.stop_ids) < 2:
            raise InvalidEdit(f"route {self.route_id}: needs at least two stops")
        if len(self.run_times_s) != len(self.stop_ids) - 1:
            raise InvalidEdit(f"route {self.route_id}: {len(self.run_times_s)} run times for "
                              f"{len(self.stop_ids)} stops (need one fewer)")
        if any(t < 0 for t in self.run_times_s):
            raise InvalidEdit(f"route {self.route_id}: negative run time")
        _check_headway(self.headway_s)
        _check_span(self.start_s, self.end_s)
        if (self.service_id is None) == (self.weekdays is None):
            raise InvalidEdit(f"route {self.route_id}: give a service_id or weekdays, not both")
        if self.weekdays is not None and (len(self.weekdays) != 7 or not any(self.weekdays)):
            raise InvalidEdit(f"route {self.route_id}: weekdays must be 7 flags, one set")


@dataclass(frozen=True)
class ReplaceByOnDemand:
    route_ids: tuple[str, ...]
    zone: tuple[tuple[float, float], ...]  # polygon ring as (lon, lat), GeoJSON order
    vehicles: int
    seats: int
    start_s: int  # service window of the on-demand zone
    end_s: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "route_ids", tuple(self.route_ids))
        object.__setattr__(self, "zone", tuple((float(x), float(y)) for x, y in self.zone))
        if not self.route_ids:
            raise InvalidEdit("name at least one route to replace")
        if len(set(self.zone)) < 3:
            raise InvalidEdit("the zone needs at least three distinct corners")
        if self.vehicles < 1 or self.seats < 1:
            raise InvalidEdit("an on-demand zone needs at least one vehicle with one seat")
        _check_span(self.start_s, self.end_s)


Edit = SetHeadway | SetSpan | RemoveRoute | AddRoute | ReplaceByOnDemand


def ondemand_replacements(edits: Iterable[Edit]) -> tuple[ReplaceByOnDemand, ...]:
    """The on-demand zones a scenario introduces, to simulate next to its fixed routes."""
    return tuple(e for e in edits if isinstance(e, ReplaceByOnDemand))


def apply_edits(loaded: LoadedFeed, edits: Sequence[Edit]) -> LoadedFeed:
    """A new LoadedFeed with the edits applied in order; the input feed is left as it was.

    The result keeps the source (so compiled ids stay `feed_key:id`) and gets a digest of the
    baseline's and the edits', so a timetable cache never confuses it with the baseline.
    """
    feed = loaded.feed.copy()  # deep copies of every table: edits below only reassign them
    extras = {name: frame.copy() for name, frame in loaded.extra_tables.items()}
    for edit in edits:
        if isinstance(edit, SetHeadway):
            _set_headway(feed, edit)
        elif isinstance(edit, SetSpan):
            _set_span(feed, edit)
        elif isinstance(edit, RemoveRoute):
            _remove_routes(feed, extras, (edit.route_id,))
        elif isinstance(edit, ReplaceByOnDemand):
            _remove_routes(feed, extras, edit.route_ids)
        elif isinstance(edit, AddRoute):
            _add_route(feed, edit)
        else:
            raise TypeError(f"not a scenario edit: {edit!r}")
    digest = hashlib.sha256(f"{loaded.digest}|{list(edits)!r}".encode()).hexdigest()
    return LoadedFeed(source=loaded.source, digest=digest, feed=feed, findings=loaded.findings,
                      extra_tables=MappingProxyType(extras))


def _route_trips(feed, route_id: str) -> pd.DataFrame:
    if route_id not in set(feed.routes["route_id"].astype(str)):
        raise UnknownRoute(f"unknown route_id {route_id!r}")
    return feed.trips[feed.trips["route_id"].astype(str) == route_id]


def _drop_trips(feed, trip_ids: set[str]) -> None:
    feed.trips = without(feed.trips, ("trip_id",), trip_ids)
    feed.stop_times = without(feed.stop_times, ("trip_id",), trip_ids)
    feed.frequencies = without(feed.frequencies, ("trip_id",), trip_ids)
    feed.transfers = without(feed.transfers, TRIP_COLUMNS, trip_ids)


def _remove_routes(feed, extras: dict, route_ids: Sequence[str]) -> None:
    trip_ids: set[str] = set()
    for route_id in route_ids:
        trip_ids |= set(_route_trips(feed, route_id)["trip_id"].astype(str))
    _drop_trips(feed, trip_ids)
    feed.routes = without(feed.routes, ("route_id",), route_ids)
    feed.fare_rules = without(feed.fare_rules, ("route_id",), route_ids)
    feed.transfers = without(feed.transfers, ROUTE_COLUMNS, route_ids)
    for name, frame in extras.items():
        if "route_id" in frame.columns:  # routes_jp and the like
            extras[name] = without(frame, ("route_id",), route_ids)


def _set_span(feed, edit: SetSpan) -> None:
    ids = set(_route_trips(feed, edit.route_id)["trip_id"].astype(str))
    templated: set[str] = set()
    freq = feed.frequencies
    if freq is not None and not freq.empty:
        # A frequencies.txt trip's own times are only a template: clip its windows instead.
        mine = freq["trip_id"].astype(str).isin(ids).to_numpy(bool)
        templated = set(freq.loc[mine, "trip_id"].astype(str))
        start = clock_seconds(freq["start_time"]).clip(min=edit.start_s)
        end = clock_seconds(freq["end_time"]).clip(max=edit.end_s)
        freq = freq.copy()
        freq.loc[mine, "start_time"] = [clock(s) for s in start[mine]]
        freq.loc[mine, "end_time"] = [clock(s) for s in end[mine]]
        feed.frequencies = freq[~mine | (start < end)].reset_index(drop=True)
    starts = trip_starts(trip_times(feed.stop_times[
        feed.stop_times["trip_id"].astype(str).isin(ids - templated)]))
    outside = set(starts[(starts < edit.start_s) | (starts >= edit.end_s)].index)
    emptied = templated - set(feed.frequencies["trip_id"].astype(str)) if templated else set()
    _drop_trips(feed, outside | emptied)


def _set_headway(feed, edit: SetHeadway) -> None:
    trips = _route_trips(feed, edit.route_id)
    if edit.service_id is not None:
        trips = trips[trips["service_id"].astype(str) == edit.service_id]
    if trips.empty:
        raise InvalidEdit(f"route {edit.route_id} has no trips (of service {edit.service_id}) "
                          "to take a template from")
    times = trip_times(feed.stop_times[feed.stop_times["trip_id"].astype(str).isin(
        set(trips["trip_id"].astype(str)))])
    starts = trip_starts(times)
    patterns = times.groupby("trip", sort=False)["stop_id"].agg(lambda s: tuple(s.astype(str)))
    info = trips.assign(trip=trips["trip_id"].astype(str),
                        direction=(trips["direction_id"].fillna(0).astype("int64")
                                   if "direction_id" in trips.columns else 0))
    info = info[info["trip"].isin(starts.index)]
    info = info.assign(start=info["trip"].map(starts)).sort_values(["start", "trip"])
    dropped: set[str] = set()
    new_trips: list[dict] = []
    new_times: list[dict] = []
    for direction, group in info.groupby("direction", sort=True):
        counts = Counter(patterns[t] for t in group["trip"])
        best = max(counts.values())
        # The earliest trip of the most common pattern (ties: the pattern running first).
        template = next(t for t in group["trip"] if counts[patterns[t]] == best)
        if edit.start_s is None:
            lo, hi = group["start"].min(), group["start"].max() + 1
        else:
            lo, hi = edit.start_s, edit.end_s
        inside = group[(group["start"] >= lo) & (group["start"] < hi)]
        dropped |= set(inside["trip"])
        services = set((inside if not inside.empty else group)["service_id"].astype(str))
        service = _union_service(feed, services, f"{edit.route_id}/{direction}")
        row = group[group["trip"] == template].iloc[0].drop(["trip", "direction", "start"])
        rows = times[times["trip"] == template]
        t0 = starts[template]
        for departure in range(int(lo), int(hi), edit.headway_s):
            trip_id = f"{template}@hw{clock(departure)}"
            new_trips.append({**row.to_dict(), "trip_id": trip_id, "block_id": pd.NA,
                              "service_id": service})
            for stop in rows.itertuples(index=False):
                new_times.append(_shifted(stop, trip_id, departure - t0))
    _drop_trips(feed, dropped)
    feed.trips = append_rows(feed.trips, new_trips)
    feed.stop_times = append_rows(feed.stop_times, new_times)


def _union_service(feed, services: set[str], name: str) -> str:
    """The one service, or a new calendar_dates-only service running whenever any of them does."""
    if len(services) == 1:
        return next(iter(services))
    service_id = f"scenario-hw-{name}"
    dates = service_dates(feed.calendar, feed.calendar_dates, services)
    feed.calendar_dates = append_rows(feed.calendar_dates, [
        {"service_id": service_id, "date": d, "exception_type": 1} for d in dates])
    return service_id


def _shifted(stop, trip_id: str, shift_s: float) -> dict:
    """A template stop_times row moved by shift_s (untimed stops stay untimed)."""
    row = {k: v for k, v in stop._asdict().items()
           if k not in ("trip", "seq", "arr_s", "dep_s")}
    arr = clock_seconds(pd.Series([stop.arrival_time]))[0]
    dep = clock_seconds(pd.Series([stop.departure_time]))[0]
    return {**row, "trip_id": trip_id, "arrival_time": clock(arr + shift_s),
            "departure_time": clock(dep + shift_s)}


def _add_route(feed, edit: AddRoute) -> None:
    if edit.route_id in set(feed.routes["route_id"].astype(str)):
        raise InvalidEdit(f"route_id {edit.route_id!r} already exists")
    known = set(feed.stops["stop_id"].astype(str))
    for stop in edit.new_stops:
        if stop.stop_id in known:
            raise InvalidEdit(f"new stop {stop.stop_id!r} already exists")
    known |= {s.stop_id for s in edit.new_stops}
    missing = [s for s in edit.stop_ids if s not in known]
    if missing:
        raise UnknownStopId(f"route {edit.route_id}: unknown stop ids {missing}")
    feed.stops = append_rows(feed.stops, [
        {"stop_id": s.stop_id, "stop_name": s.name, "stop_lat": float(s.lat),
         "stop_lon": float(s.lon), "location_type": 0} for s in edit.new_stops])
    service_id = _service(feed, edit)
    agency = edit.agency_id
    if agency is None and feed.agency is not None and "agency_id" in feed.agency.columns:
        agency = str(feed.agency["agency_id"].iloc[0])
    feed.routes = append_rows(feed.routes, [{"route_id": edit.route_id, "agency_id": agency,
                                             "route_long_name": edit.name,
                                             "route_type": int(edit.route_type)}])
    runs = [(0, edit.stop_ids, edit.run_times_s)]
    if edit.both_directions:
        runs.append((1, edit.stop_ids[::-1], edit.run_times_s[::-1]))
    trips, times = [], []
    for direction, stops, run_times in runs:
        offsets = [0]
        for run in run_times:
            offsets.append(offsets[-1] + int(run))
        for departure in range(edit.start_s, edit.end_s, edit.headway_s):
            trip_id = f"{edit.route_id}-{direction}-{clock(departure)}"
            trips.append({"route_id": edit.route_id, "service_id": service_id,
                          "trip_id": trip_id, "direction_id": direction})
            times += [{"trip_id": trip_id, "arrival_time": clock(departure + off),
                       "departure_time": clock(departure + off), "stop_id": stop,
                       "stop_sequence": seq} for seq, (stop, off) in
                      enumerate(zip(stops, offsets), start=1)]
    feed.trips = append_rows(feed.trips, trips)
    feed.stop_times = append_rows(feed.stop_times, times)


def _service(feed, edit: AddRoute) -> str:
    """The edit's service_id, checked, or a new calendar row for its weekdays."""
    if edit.service_id is not None:
        known = set()
        for table in (feed.calendar, feed.calendar_dates):
            if table is not None:
                known |= set(table["service_id"].astype(str))
        if edit.service_id not in known:
            raise InvalidEdit(f"route {edit.route_id}: unknown service_id {edit.service_id!r}")
        return edit.service_id
    service_id = f"scenario-{edit.route_id}"
    weekdays = edit.weekdays or ()  # one of service_id and weekdays is given (checked)
    start, end = date_span(feed.calendar, feed.calendar_dates)
    row = {day: int(flag) for day, flag in zip(WEEKDAYS, weekdays)}
    feed.calendar = append_rows(feed.calendar, [{"service_id": service_id, **row,
                                                 "start_date": start, "end_date": end}])
    return service_id
