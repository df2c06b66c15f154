"""Donan bus (Muroran) distance fares read from the corpus' raw CSV files with the csv module,
independently of routing: the answers the fare tests check the router's fares against."""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

DONAN = "gtfs-jp/donan-bus-muroran"


def _rows(folder: Path, name: str) -> list[dict[str, str]]:
    with open(folder / f"{name}.txt", encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


class DonanCsv:
    """The answers computed from the raw files with the csv module, independently of routing."""

    def __init__(self, folder: Path) -> None:
        self.price = {r["fare_id"]: int(r["price"]) for r in _rows(folder, "fare_attributes")}
        self.zone = {r["stop_id"]: r["zone_id"] for r in _rows(folder, "stops")}
        self.rules = _rows(folder, "fare_rules")
        self.route_of = {r["trip_id"]: r["route_id"] for r in _rows(folder, "trips")}
        stops: dict[str, list[tuple[int, str]]] = defaultdict(list)
        for r in _rows(folder, "stop_times"):
            stops[r["trip_id"]].append((int(r["stop_sequence"]), r["stop_id"]))
        self.trip_stops = {t: [s for _, s in sorted(v)] for t, v in stops.items()}
        # Donan's rules all name a route, an origin and a destination zone, nothing else.
        assert all(r["route_id"] and r["origin_id"] and r["destination_id"]
                   and not r.get("contains_id") for r in self.rules)
        self.prices: dict[tuple[str, str, str], list[int]] = defaultdict(list)
        for r in self.rules:
            self.prices[r["route_id"], r["origin_id"], r["destination_id"]].append(
                self.price[r["fare_id"]])

    def fare(self, route: str, board: str, alight: str) -> int | None:
        return min(self.prices.get((route, self.zone[board], self.zone[alight]), ()), default=None)
