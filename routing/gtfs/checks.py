"""Checks within one file: columns, empty and malformed values, coordinates, duplicate keys."""

from __future__ import annotations

import numpy as np
import pandas as pd

from routing.gtfs.findings import FindingLog, Severity
from routing.gtfs.schema import ROUTE_TYPES, Column, Kind, Need, Table
from routing.gtfs.values import integers, time_to_seconds, to_float

_CODES = {Kind.TIME: "bad_time", Kind.DATE: "bad_date", Kind.LAT: "bad_coordinate",
          Kind.LON: "bad_coordinate"}
_EXPECTED = {Kind.TIME: "a time H:MM:SS", Kind.DATE: "a date YYYYMMDD",
             Kind.LAT: "a latitude in [-90, 90]", Kind.LON: "a longitude in [-180, 180]",
             Kind.INT: "an integer", Kind.FLOAT: "a number"}


def _parse(kind: Kind, column: Column, values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(is the value valid, canonical text) for non-empty values of a typed column."""
    if kind is Kind.TIME:
        valid = time_to_seconds(values).notna()
        short = valid & (values.str.len() == 7)
        return valid, values.mask(short, "0" + values[short])
    if kind is Kind.DATE:
        digits = values.str.fullmatch(r"\d{8}")
        dates = pd.to_datetime(values.where(digits), format="%Y%m%d", errors="coerce")
        return digits & dates.notna(), values
    if kind is Kind.INT:
        valid, numbers = integers(values)
    else:
        numbers = to_float(values)
        valid = pd.Series(np.isfinite(numbers.to_numpy()), index=values.index)
    if kind is Kind.LAT:
        valid &= numbers.between(-90, 90)
    elif kind is Kind.LON:
        valid &= numbers.between(-180, 180)
    if column.allowed is not None:
        valid &= numbers.isin(column.allowed)
    if column.minimum is not None:
        valid &= numbers >= column.minimum
    return valid, values


def _parse_halfwidth(file: str, column: Column, values: pd.Series, log: FindingLog
                     ) -> tuple[pd.Series, pd.Series]:
    """Like _parse, but values that only fail for full-width digits or colons (common in
    Japanese feeds) are read as ASCII with a warning."""
    valid, canonical = _parse(column.kind, column, values)
    if valid.all():
        return valid, canonical
    failed = values[~valid]
    wide = failed[failed.str.contains(r"[^\x00-\x7f]", regex=True)]
    if wide.empty:
        return valid, canonical
    fixed_valid, fixed = _parse(column.kind, column, wide.str.normalize("NFKC"))
    repaired = fixed_valid[fixed_valid].index
    log.add_rows(file, wide[repaired], column.name, Severity.WARNING, "full_width_value",
                 f"{column.name} {{value!r}} has full-width characters; read as ASCII")
    valid.loc[repaired] = True
    canonical = canonical.copy()
    canonical.loc[repaired] = fixed[repaired]
    return valid, canonical


def _check_column(file: str, frame: pd.DataFrame, column: Column, log: FindingLog) -> pd.Series:
    """Report the column's bad values; return the rows that must be dropped."""
    name = column.name
    empty = frame[name] == ""
    drop = pd.Series(False, index=frame.index)
    if column.need is Need.KEY:
        log.add_rows(file, frame.loc[empty, name], name, Severity.ERROR, "missing_value",
                     f"required {name} is empty; row dropped")
        drop |= empty
    elif column.need is Need.REQUIRED:
        log.add_rows(file, frame.loc[empty, name], name, Severity.WARNING, "missing_value",
                     f"{name} is empty")
    if column.kind is Kind.TEXT or empty.all():
        return drop
    values = frame.loc[~empty, name]
    valid, canonical = _parse_halfwidth(file, column, values, log)
    frame.loc[canonical.index, name] = canonical
    bad = values[~valid]
    if bad.empty:
        return drop
    code = _CODES.get(column.kind, "bad_value")
    expected = _EXPECTED[column.kind] + (f" in {sorted(column.allowed)}" if column.allowed else "")
    if column.kind in _CODES or column.need is Need.KEY:
        log.add_rows(file, bad, name, Severity.ERROR, code,
                     f"{name} {{value!r}} is not {expected}; row dropped")
        drop.loc[bad.index] = True
    else:
        log.add_rows(file, bad, name, Severity.WARNING, code,
                     f"{name} {{value!r}} is not {expected}; value ignored")
        frame.loc[bad.index, name] = ""
    return drop


def _station_centres(frame: pd.DataFrame, usable: pd.Series) -> pd.DataFrame:
    children = frame[usable & (frame["parent_station"] != "")]
    return pd.DataFrame({
        "parent": children["parent_station"],
        "lat": to_float(children["stop_lat"]),
        "lon": to_float(children["stop_lon"]),
    }).groupby("parent").mean()


def _check_stop_coordinates(frame: pd.DataFrame, dropped: pd.Series, log: FindingLog) -> pd.Series:
    """Stops, stations and entrances need a position; (0, 0) is a placeholder, not a place.

    A station without one (common in GTFS-JP) is placed at the mean of its stops rather than
    dropped, so the stops keep their parent_station.
    """
    kind = frame["location_type"] if "location_type" in frame else pd.Series("", index=frame.index)
    no_lat, no_lon = frame["stop_lat"] == "", frame["stop_lon"] == ""
    missing = kind.isin(["", "0", "1", "2"]) & (no_lat | no_lon) & ~dropped
    stations = missing & (kind == "1")
    if stations.any() and "parent_station" in frame:
        centres = _station_centres(frame, ~dropped & ~(no_lat | no_lon)).dropna()
        placed = stations & frame["stop_id"].isin(centres.index)
        ids = frame.loc[placed, "stop_id"]
        frame.loc[placed, "stop_lat"] = ids.map(centres["lat"]).round(7).astype("str")
        frame.loc[placed, "stop_lon"] = ids.map(centres["lon"]).round(7).astype("str")
        log.add_rows("stops.txt", ids, "stop_lat", Severity.ERROR, "missing_value",
                     "station {value!r} has no stop_lat/stop_lon; placed at the mean of its stops")
        missing &= ~placed
    log.add_rows("stops.txt", frame.loc[missing, "stop_id"], "stop_lat", Severity.ERROR,
                 "missing_value", "stop {value!r} has no stop_lat/stop_lon; row dropped")
    lat = to_float(frame["stop_lat"].mask(dropped | missing))
    lon = to_float(frame["stop_lon"].mask(dropped | missing))
    null_island = (lat == 0) & (lon == 0)
    log.add_rows("stops.txt", frame.loc[null_island, "stop_id"], "stop_lat", Severity.ERROR,
                 "bad_coordinate", "stop {value!r} is at (0, 0); row dropped")
    return missing | null_island


def _check_route_types(frame: pd.DataFrame, log: FindingLog) -> None:
    types = pd.to_numeric(frame["route_type"], errors="coerce")
    unknown = types.notna() & ~types.isin(ROUTE_TYPES)
    log.add_rows("routes.txt", frame.loc[unknown, "route_type"], "route_type", Severity.WARNING,
                 "unknown_route_type", "route_type {value} is neither a basic nor an extended type")


def _drop_duplicates(table: Table, frame: pd.DataFrame, log: FindingLog) -> pd.DataFrame:
    """Keep the first row of each primary key; later copies are errors and are dropped."""
    keys = list(table.primary_key)
    if not keys or not set(keys) <= set(frame.columns):
        return frame
    keyed = frame[keys].copy()
    for name in keys:
        column = table.column(name)
        if column is not None and column.kind is Kind.INT:
            keyed[name] = to_float(keyed[name])
    keyed = keyed[(frame[keys] != "").all(axis=1)]
    duplicated = keyed.duplicated(keep="first")
    if not duplicated.any():
        return frame
    first_line = keyed.reset_index(names="line").drop_duplicates(keys).set_index(keys)["line"]
    repeats = keyed[duplicated]
    texts = frame.loc[repeats.index, keys].itertuples(index=False)
    for line, key, text in zip(repeats.index, repeats.itertuples(index=False), texts):
        lookup = key[0] if len(keys) == 1 else tuple(key)
        log.add(table.file, int(line), keys[-1], Severity.ERROR, "duplicate_id",
                f"{'/'.join(keys)} {'/'.join(text)!r} repeats line {first_line.loc[lookup]}; "
                "row dropped")
    return frame.drop(index=keyed.index[duplicated])


def check_table(table: Table, frame: pd.DataFrame, log: FindingLog) -> pd.DataFrame | None:
    """The rows of a known file that pass its own checks; None if a key column is missing."""
    known = {c.name for c in table.columns}
    for name in frame.columns:
        if name not in known:
            log.add(table.file, None, name, Severity.INFO, "unknown_column",
                    f"column {name!r} is not in the GTFS schema; kept as text")
    missing = [c for c in table.columns if c.name not in frame and c.need is not Need.OPTIONAL]
    for column in missing:
        log.add(table.file, None, column.name, Severity.ERROR, "missing_column",
                f"required column {column.name!r} is missing")
    if any(c.need in (Need.KEY, Need.KEY_COLUMN) for c in missing):
        return None
    drop = pd.Series(False, index=frame.index)
    for column in table.columns:
        if column.name in frame:
            drop |= _check_column(table.file, frame, column, log)
    for column in missing:
        frame[column.name] = ""
    if table.name == "stops":
        drop |= _check_stop_coordinates(frame, drop, log)
    if table.name == "routes":
        _check_route_types(frame[~drop], log)
    return _drop_duplicates(table, frame[~drop], log)
