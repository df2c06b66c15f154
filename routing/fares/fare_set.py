"""The fares of a network of separately compiled feeds: one FareTable per feed, each loaded on
first use and asked only about its own routes (fare rules never match across feeds, so this
answers what one table of every feed would)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping

from routing.fares.model import FareTable, LegFare


class FareSet:
    def __init__(self, tables: Mapping[str, Callable[[], FareTable]]) -> None:
        """tables: per feed key, a function giving that feed's FareTable (called once)."""
        self._loaders = dict(tables)
        self._tables: dict[str, FareTable] = {}
        self._lock = threading.Lock()

    def table(self, key: str) -> FareTable | None:
        with self._lock:
            found = self._tables.get(key)
            if found is None and key in self._loaders:
                found = self._tables[key] = self._loaders[key]()
            return found

    @property
    def n_fares(self) -> int:
        return sum(t.n_fares for key in self._loaders if (t := self.table(key)) is not None)

    def leg_fare(self, route_id: str, board_stop_id: str, alight_stop_id: str) -> LegFare | None:
        """The cheapest fare for riding route_id ("feed_key:route_id") between two stops."""
        table = self.table(route_id.split(":", 1)[0])
        return None if table is None else table.leg_fare(route_id, board_stop_id, alight_stop_id)
