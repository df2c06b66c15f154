"""The static side real time is read against: each trip's stop times, route, agency, the timezone.

Read from a GTFS zip or folder (BOM and CRLF tolerated) with pandas, kept as sorted numpy arrays
with an offset per trip; a trip's `StaticStopTime`s are built when asked for.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from routing.realtime.propagation import StaticStopTime


def _read(path: Path, name: str, columns: list[str], *, required: bool = True) -> pd.DataFrame:
    raw = b""
    if path.is_dir():
        if (path / name).exists() or required:
            raw = (path / name).read_bytes()
    else:
        with zipfile.ZipFile(path) as archive:
            member = next((n for n in archive.namelist() if n.rsplit("/", 1)[-1] == name), None)
            if member is None and required:
                raise FileNotFoundError(f"{path} has no {name}")
            raw = archive.read(member) if member is not None else b""
    if not raw.strip():
        return pd.DataFrame({column: pd.Series(dtype=object) for column in columns})
    frame = pd.read_csv(io.BytesIO(raw), dtype=str, encoding="utf-8-sig", keep_default_na=False,
                        skipinitialspace=True)
    frame.columns = [c.strip() for c in frame.columns]
    for column in columns:
        if column not in frame.columns:
            frame[column] = ""
    return frame[columns]


def _clock(text: str) -> int:
    parts = text.strip().split(":")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        return -1  # empty (an untimed stop) or unreadable
    return int(parts[0]) * 3600 + int(parts[1]) * 60 + int(parts[2])


def _seconds(values: pd.Series) -> np.ndarray:
    """H:MM:SS to seconds, parsing each distinct text once (a day has few distinct times)."""
    codes, uniques = pd.factorize(values, sort=False)
    lookup = np.array([_clock(str(u)) for u in uniques] + [-1], dtype=np.int64)
    seconds: np.ndarray = lookup[codes]
    return seconds


@dataclass(frozen=True)
class StaticTrips:
    timezone: ZoneInfo
    trip_ids: np.ndarray  # sorted
    route_ids: np.ndarray  # per trip
    offsets: np.ndarray  # trip t's stop times are rows offsets[t]:offsets[t + 1]
    stop_sequences: np.ndarray
    stop_ids: np.ndarray
    arrivals_s: np.ndarray
    departures_s: np.ndarray
    route_agencies: dict[str, str]  # route_id -> agency_id ("" when the feed names none)

    @classmethod
    def read(cls, path: str | Path) -> StaticTrips:
        path = Path(path)
        agency = _read(path, "agency.txt", ["agency_id", "agency_timezone"])
        routes = _read(path, "routes.txt", ["route_id", "agency_id"], required=False)
        sole = agency["agency_id"].iloc[0].strip() if len(agency) == 1 else ""
        route_agencies = {r.strip(): (a.strip() or sole) for r, a in zip(routes["route_id"], routes["agency_id"])}
        trips = _read(path, "trips.txt", ["trip_id", "route_id"]).drop_duplicates("trip_id")
        times = _read(path, "stop_times.txt", ["trip_id", "stop_sequence", "stop_id", "arrival_time",
                                               "departure_time"])
        times["seq"] = pd.to_numeric(times["stop_sequence"], errors="coerce").fillna(-1).astype(np.int64)
        arrival, departure = _seconds(times["arrival_time"]), _seconds(times["departure_time"])
        # Untimed intermediate stops take the neighbouring time so that propagation has a base.
        arrival = np.where(arrival < 0, departure, arrival)
        departure = np.where(departure < 0, arrival, departure)
        times = times.assign(arr=arrival, dep=departure).sort_values(["trip_id", "seq"], kind="stable")
        known = times["arr"].where(times["arr"] >= 0)
        grouped = known.groupby(times["trip_id"])
        times["arr"] = known.fillna(grouped.ffill()).fillna(grouped.bfill()).fillna(0).astype(np.int64)
        times["dep"] = np.maximum(times["dep"].to_numpy(), times["arr"].to_numpy())
        trip_ids = np.array(sorted(set(times["trip_id"])), dtype=object)
        counts = times.groupby("trip_id", sort=True).size().reindex(trip_ids).to_numpy()
        offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        routes = trips.set_index("trip_id")["route_id"].reindex(trip_ids).fillna("").to_numpy(object)
        return cls(timezone=ZoneInfo(agency["agency_timezone"].iloc[0].strip() or "UTC"),
                   trip_ids=trip_ids, route_ids=routes, offsets=offsets,
                   stop_sequences=times["seq"].to_numpy(np.int64), stop_ids=times["stop_id"].to_numpy(object),
                   arrivals_s=times["arr"].to_numpy(np.int64), departures_s=times["dep"].to_numpy(np.int64),
                   route_agencies=route_agencies)

    def _index(self, trip_id: str) -> int | None:
        i = int(np.searchsorted(self.trip_ids, trip_id))
        return i if i < len(self.trip_ids) and self.trip_ids[i] == trip_id else None

    def __contains__(self, trip_id: object) -> bool:
        return isinstance(trip_id, str) and self._index(trip_id) is not None

    def __len__(self) -> int:
        return len(self.trip_ids)

    def agency_id(self, route_id: str) -> str | None:
        return self.route_agencies.get(route_id) or None

    def route_id(self, trip_id: str) -> str | None:
        i = self._index(trip_id)
        return None if i is None else str(self.route_ids[i]) or None

    def stop_times(self, trip_id: str) -> tuple[StaticStopTime, ...] | None:
        i = self._index(trip_id)
        if i is None:
            return None
        rows = range(int(self.offsets[i]), int(self.offsets[i + 1]))
        return tuple(StaticStopTime(int(self.stop_sequences[r]), str(self.stop_ids[r]), int(self.arrivals_s[r]),
                                    int(self.departures_s[r])) for r in rows)

    def day_start(self, day: dt.date) -> int:
        """The POSIX second the service day `day` starts at: local noon minus twelve hours."""
        noon = dt.datetime(day.year, day.month, day.day, 12, tzinfo=self.timezone)
        return int(noon.timestamp()) - 12 * 3600
