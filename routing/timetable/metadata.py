"""What an itinerary shows besides times: stop names, routes, operators and accessibility.

Stops: name and GTFS wheelchair_boarding (0 unknown, 1 accessible, 2 not), a stop with 0 and a
parent_station taking its parent's value. Routes (by global id "feed:route_id"): names, type,
colour and agency ("feed:agency_id" and name). Trips: headsign, route, wheelchair_accessible
(0 when missing) and the GTFS-JP office (trips.jp_office_id looked up in office_jp.txt).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from routing.gtfs import LoadedFeed


def _text(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame.columns:
        return pd.Series([""] * len(frame), index=frame.index, dtype=object)
    return frame[column].astype("string").fillna("").str.strip().astype(object)


def _lookup(keys: pd.Series, mapping: pd.Series) -> pd.Series:
    """mapping[key] as text for each key, "" where the key is not in mapping."""
    found = keys.map(mapping).astype(object)
    return found.where(found.notna(), "")


def _small_int(frame: pd.DataFrame, column: str, missing: int = 0) -> np.ndarray:
    if column not in frame.columns:
        return np.full(len(frame), missing, np.int64)
    values = pd.to_numeric(frame[column], errors="coerce")
    return values.fillna(missing).to_numpy(np.int64)


def stop_table(loaded: LoadedFeed, key: str) -> pd.DataFrame:
    """gid, lat, lon, name and inherited wheelchair_boarding of one feed's stops."""
    stops = loaded.feed.stops
    wheelchair = pd.Series(_small_int(stops, "wheelchair_boarding"), index=stops.index)
    wheelchair = wheelchair.where(wheelchair.isin([0, 1, 2]), 0)
    own = pd.Series(wheelchair.to_numpy(), index=stops["stop_id"].astype(str).to_numpy())
    parent = _text(stops, "parent_station")
    inherited = parent.map(own).fillna(0).astype(np.int64)
    wheelchair = wheelchair.where((wheelchair != 0) | (parent == ""), inherited)
    return pd.DataFrame({"gid": key + ":" + stops["stop_id"].astype(str),
                         "stop_lat": stops["stop_lat"], "stop_lon": stops["stop_lon"],
                         "name": _text(stops, "stop_name"),
                         "wheelchair": wheelchair.to_numpy(np.int8)})


def trip_table(loaded: LoadedFeed, key: str) -> pd.DataFrame:
    """Per feed trip_id: service, block, global route id, headsign, wheelchair, office name."""
    trips = loaded.feed.trips
    offices = loaded.extra_tables.get("office_jp")
    office_id = _text(trips, "jp_office_id")
    if offices is not None and {"office_id", "office_name"} <= set(offices.columns):
        names = pd.Series(_text(offices, "office_name").to_numpy(),
                          index=_text(offices, "office_id").to_numpy())
        names = names[~names.index.duplicated()]
        office = _lookup(office_id, names)
    else:
        office = pd.Series([""] * len(trips), index=trips.index, dtype=object)
    wheelchair = _small_int(trips, "wheelchair_accessible")
    return pd.DataFrame({
        "service_id": trips["service_id"].astype(str).to_numpy(),
        "block_id": _text(trips, "block_id").to_numpy(),
        "route": (key + ":" + trips["route_id"].astype(str)).to_numpy(),
        "headsign": _text(trips, "trip_headsign").to_numpy(),
        "wheelchair": np.where(np.isin(wheelchair, [0, 1, 2]), wheelchair, 0).astype(np.int8),
        "office": office.astype(str).to_numpy(),
    }, index=pd.Index(trips["trip_id"].astype(str).to_numpy(), name="trip_id"))


def _agencies(loaded: LoadedFeed, key: str) -> tuple[pd.Series, str]:
    """Agency names by global agency id, and the id of a feed's only (or first) agency."""
    agency = loaded.feed.agency
    if agency is None or agency.empty:
        return pd.Series(dtype=object), f"{key}:"
    ids = key + ":" + _text(agency, "agency_id")
    names = pd.Series(_text(agency, "agency_name").to_numpy(), index=ids.to_numpy())
    return names[~names.index.duplicated()], str(ids.iloc[0])


def route_arrays(feeds: Sequence[LoadedFeed], keys: Sequence[str],
                 route_ids: np.ndarray) -> dict[str, np.ndarray]:
    """Route metadata aligned with route_ids (global ids; unknown ones get empty values)."""
    frames = []
    for loaded, key in zip(feeds, keys):
        routes = loaded.feed.routes
        names, default_agency = _agencies(loaded, key)
        agency_id = _text(routes, "agency_id")
        agency_gid = (key + ":" + agency_id).where(agency_id != "", default_agency)
        frames.append(pd.DataFrame({
            "gid": (key + ":" + routes["route_id"].astype(str)).to_numpy(),
            "short": _text(routes, "route_short_name").to_numpy(),
            "long": _text(routes, "route_long_name").to_numpy(),
            "type": _small_int(routes, "route_type", -1),
            "agency": agency_gid.to_numpy(),
            "agency_name": _lookup(agency_gid, names).to_numpy(),
            "color": _text(routes, "route_color").str.lstrip("#").str.upper().to_numpy(),
        }))
    table = pd.concat(frames, ignore_index=True).drop_duplicates("gid").set_index("gid")
    table = table.reindex(pd.Index(route_ids, dtype=object))
    text = {"short": "route_short_names", "long": "route_long_names",
            "agency": "route_agency_ids", "agency_name": "route_agency_names",
            "color": "route_colors"}
    out = {name: table[column].fillna("").to_numpy(str) for column, name in text.items()}
    out = {name: values if len(values) else np.zeros(0, str) for name, values in out.items()}
    out["route_types"] = table["type"].fillna(-1).to_numpy(np.int32)
    return out


def agency_timezones(feeds: Sequence[LoadedFeed]) -> np.ndarray:
    """Each feed's timezone (GTFS requires one per feed), "" when agency.txt lacks it."""
    zones = []
    for loaded in feeds:
        agency = loaded.feed.agency
        values = [] if agency is None else [z for z in _text(agency, "agency_timezone") if z]
        zones.append(values[0] if values else "")
    return np.asarray(zones, str)
