"""Checks across files: ids that refer to other files, agencies of routes, each trip's timetable."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from routing.gtfs.findings import FindingLog, Severity
from routing.gtfs.values import time_to_seconds

Tables = dict[str, pd.DataFrame | None]


def required(tables: Tables, name: str) -> pd.DataFrame:
    """A table the reader guarantees (required files are present, empty if the feed lacks them)."""
    table = tables.get(name)
    if table is None:
        raise KeyError(f"{name}.txt was not read")
    return table


@dataclass(frozen=True)
class Reference:
    child: str
    column: str
    parents: tuple[str, ...]
    parent_column: str
    severity: Severity = Severity.ERROR
    clear: bool = False  # blank the reference instead of dropping the row


# In dependency order, so rows dropped by one reference cascade into the next.
REFERENCES = (
    Reference("stops", "parent_station", ("stops",), "stop_id", clear=True),
    Reference("trips", "route_id", ("routes",), "route_id"),
    Reference("trips", "service_id", ("calendar", "calendar_dates"), "service_id"),
    Reference("trips", "shape_id", ("shapes",), "shape_id", Severity.WARNING, clear=True),
    Reference("stop_times", "trip_id", ("trips",), "trip_id"),
    Reference("stop_times", "stop_id", ("stops",), "stop_id"),
)
# Checked after trips were pruned by their timetables.
LATE_REFERENCES = (
    Reference("frequencies", "trip_id", ("trips",), "trip_id"),
    Reference("transfers", "from_stop_id", ("stops",), "stop_id"),
    Reference("transfers", "to_stop_id", ("stops",), "stop_id"),
    Reference("fare_rules", "fare_id", ("fare_attributes",), "fare_id"),
    Reference("fare_rules", "route_id", ("routes",), "route_id"),
)


def _ids(tables: Tables, names: tuple[str, ...], column: str) -> pd.Series:
    parts = [t[column] for n in names if (t := tables.get(n)) is not None and column in t]
    return pd.concat(parts).drop_duplicates() if parts else pd.Series([], dtype="str")


def apply_references(references: tuple[Reference, ...], tables: Tables, raw: Tables,
                     log: FindingLog) -> None:
    """Drop (or clear) references to unknown ids; references to dropped rows cascade quietly."""
    for ref in references:
        child = tables.get(ref.child)
        if child is None or ref.column not in child or child.empty:
            continue
        values = child[ref.column]
        lost = (values != "") & ~values.isin(_ids(tables, ref.parents, ref.parent_column))
        if not lost.any():
            continue
        cascaded = lost & values.isin(_ids(raw, ref.parents, ref.parent_column))
        file, where = f"{ref.child}.txt", " or ".join(f"{p}.txt" for p in ref.parents)
        log.add_rows(file, values[lost & ~cascaded], ref.column, ref.severity, "dangling_reference",
                     f"{ref.column} {{value!r}} is not in {where}; "
                     + ("reference cleared" if ref.clear else "row dropped"))
        if cascaded.any():
            done = "references cleared" if ref.clear else "rows dropped"
            log.add(file, None, ref.column, Severity.INFO, "dropped_dependent_rows",
                    f"{int(cascaded.sum())} {done}: their {ref.column} refers to rows of {where} "
                    "dropped for errors")
        if ref.clear:
            child = child.copy()
            child.loc[lost, ref.column] = ""
            tables[ref.child] = child
        else:
            tables[ref.child] = child[~lost]


def check_route_agencies(tables: Tables, log: FindingLog) -> None:
    """With several agencies each route must name one; with one, a wrong name is repaired."""
    agency, routes = required(tables, "agency"), required(tables, "routes")
    if agency.empty:
        return
    if "agency_id" not in agency:
        agency["agency_id"] = ""
    if "agency_id" not in routes:
        routes["agency_id"] = ""
    if len(agency) == 1:
        only = agency["agency_id"].iloc[0]
        wrong = (routes["agency_id"] != "") & (routes["agency_id"] != only)
        if only and wrong.any():
            log.add_rows("routes.txt", routes.loc[wrong, "agency_id"], "agency_id",
                         Severity.WARNING, "dangling_reference",
                         f"agency_id {{value!r}} is not in agency.txt; set to the only agency "
                         f"{only!r}")
            routes.loc[wrong, "agency_id"] = only
        return
    unnamed = agency["agency_id"] == ""
    log.add_rows("agency.txt", agency.loc[unnamed, "agency_name"], "agency_id", Severity.ERROR,
                 "missing_value", "agency {value!r} has no agency_id though the feed has several "
                 "agencies; row dropped")
    tables["agency"] = agency[~unnamed]
    apply_references((Reference("routes", "agency_id", ("agency",), "agency_id"),), tables,
                     {"agency": agency}, log)
    routes = required(tables, "routes")
    empty = routes["agency_id"] == ""
    log.add_rows("routes.txt", routes.loc[empty, "route_id"], "agency_id", Severity.ERROR,
                 "missing_value", "route {value!r} names no agency_id though the feed has several "
                 "agencies; row dropped")
    tables["routes"] = routes[~empty]


def _trip_messages(trips: pd.Series, note: str | pd.Series = "") -> pd.Series:
    return "trip " + trips.map(repr) + note


def _fill_one_sided_times(stop_times: pd.DataFrame, log: FindingLog
                          ) -> tuple[pd.DataFrame, pd.Series, pd.Series]:
    arrival = time_to_seconds(stop_times["arrival_time"])
    departure = time_to_seconds(stop_times["departure_time"])
    partial = arrival.isna() != departure.isna()
    if partial.any():
        log.add_rows("stop_times.txt", _trip_messages(stop_times.loc[partial, "trip_id"]), None,
                     Severity.WARNING, "partial_stop_time",
                     "{value} has only one of arrival_time and departure_time; used for both")
        stop_times = stop_times.copy()
        stop_times["arrival_time"] = stop_times["arrival_time"].mask(
            arrival.isna(), stop_times["departure_time"])
        stop_times["departure_time"] = stop_times["departure_time"].mask(
            departure.isna(), stop_times["arrival_time"])
        arrival, departure = arrival.fillna(departure), departure.fillna(arrival)
    return stop_times, arrival, departure


def check_trip_times(tables: Tables, log: FindingLog) -> None:
    """Fill one-sided times, then drop trips with untimed ends or times running backwards."""
    stop_times, arrival, departure = _fill_one_sided_times(required(tables, "stop_times"), log)
    tables["stop_times"] = stop_times
    if not stop_times.empty:
        codes = pd.factorize(stop_times["trip_id"])[0]
        order = np.lexsort((stop_times["stop_sequence"].astype("int64").to_numpy(), codes))
        trip, arr, dep = codes[order], arrival.to_numpy()[order], departure.to_numpy()[order]
        first = np.r_[True, trip[1:] != trip[:-1]]
        last = np.r_[trip[1:] != trip[:-1], True]
        untimed = (first | last) & np.isnan(arr)
        previous = np.r_[np.nan, pd.Series(dep).groupby(trip).ffill().to_numpy()[:-1]]
        previous[first] = np.nan
        backwards = (arr < previous) | (dep < arr)
        rows = stop_times.iloc[order]
        log.add_rows("stop_times.txt", _trip_messages(rows["trip_id"][untimed]), "arrival_time",
                     Severity.ERROR, "missing_endpoint_time",
                     "{value} has no time at its first or last stop; trip dropped")
        late = rows[backwards]
        log.add_rows("stop_times.txt",
                     _trip_messages(late["trip_id"], " at stop_sequence " + late["stop_sequence"]),
                     "arrival_time", Severity.ERROR, "decreasing_time",
                     "{value} is earlier than the stop before it; trip dropped")
        bad_trips = rows["trip_id"][untimed | backwards].unique()
        if len(bad_trips):
            trips = required(tables, "trips")
            tables["trips"] = trips[~trips["trip_id"].isin(bad_trips)]
            apply_references((Reference("stop_times", "trip_id", ("trips",), "trip_id"),), tables,
                             {"trips": trips}, log)
    _warn_short_trips(tables, log)


def _warn_short_trips(tables: Tables, log: FindingLog) -> None:
    trips = required(tables, "trips")
    counts = required(tables, "stop_times")["trip_id"].value_counts()
    short = trips["trip_id"].map(counts).fillna(0) < 2
    log.add_rows("trips.txt", trips.loc[short, "trip_id"], "trip_id", Severity.WARNING,
                 "too_few_stop_times", "trip {value!r} has fewer than two stop_times")
