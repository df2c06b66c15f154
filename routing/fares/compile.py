"""compile_fares: the fare_attributes and fare_rules of loaded feeds merged into one FareTable.

Ids become global ("feed_key:id", keys as routing.timetable.compile.feed_keys gives them).
Prices are converted exactly from the file's text: the reader types price as a float, so the
fare_attributes member is parsed again (only when the feed on disk still has the digest it was
read with; otherwise the float's shortest repr is used, exact for prices of up to 15 digits).
Fares and rules that cannot be used — unknown currency amount, a fare_id, route or zone that the
feed does not define — are skipped and counted in a log warning, never raised.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from routing.fares.model import FareTable
from routing.fares.money import to_minor
from routing.gtfs import InvalidFeed, LoadedFeed
from routing.gtfs.findings import FindingLog
from routing.gtfs.parse import parse_file
from routing.gtfs.source import digest_members, read_members

logger = logging.getLogger(__name__)


def _text(frame: pd.DataFrame, column: str) -> list[str]:
    """A column as stripped strings, "" for missing values or a missing column."""
    if column not in frame:
        return [""] * len(frame)
    return [str(v).strip() for v in frame[column].astype("string").fillna("")]


def _strings(values: Iterable[str]) -> np.ndarray:
    return np.array(list(values), dtype=str)


def _int32s(values: Iterable[int]) -> np.ndarray:
    return np.array(list(values), dtype=np.int32)


def _price_texts(loaded: LoadedFeed) -> dict[str, str]:
    """fare_id -> price exactly as written; empty when the file on disk changed or is gone."""
    try:
        members = read_members(loaded.source)
    except (OSError, InvalidFeed):
        return {}
    name = next((n for n in members if n.lower() == "fare_attributes.txt"), None)
    if name is None or digest_members(members) != loaded.digest:
        return {}
    frame = parse_file(name, members[name], FindingLog())
    if frame is None or "fare_id" not in frame or "price" not in frame:
        return {}
    texts: dict[str, str] = {}
    for fare_id, price in zip(_text(frame, "fare_id"), _text(frame, "price")):
        texts.setdefault(fare_id, price)  # the reader keeps the first of duplicate ids too
    return texts


class _Builder:
    def __init__(self) -> None:
        self.fares: dict[str, tuple[int, str]] = {}  # global id -> (price_minor, currency)
        self.routes: dict[str, int] = {}
        self.zones: dict[str, str] = {}
        self.rules: list[tuple[int, int, str, str, str, str]] = []
        self.skipped: Counter[str] = Counter()

    def add_feed(self, loaded: LoadedFeed, key: str, number: int) -> None:
        feed = loaded.feed
        if feed.fare_attributes is None or feed.fare_attributes.empty:
            return
        fares = self._add_fares(loaded, key)
        if not fares:
            return
        route_ids, route_agencies = _text(feed.routes, "route_id"), _text(feed.routes, "agency_id")
        for route in route_ids:
            self.routes[f"{key}:{route}"] = number
        zones: set[str] = set()
        for stop, zone in zip(_text(feed.stops, "stop_id"), _text(feed.stops, "zone_id")):
            if zone:
                self.zones[f"{key}:{stop}"] = f"{key}:{zone}"
                zones.add(zone)
        if feed.fare_rules is not None and not feed.fare_rules.empty:
            self._add_rules(feed.fare_rules, key, number, fares, set(route_ids), zones)
        elif any(f.file.lower() == "fare_rules.txt" and f.code != "empty_file"
                 for f in loaded.findings):
            # Rows existed but were all dropped as unsound: not "no rules, fare applies to all".
            self.skipped["fares whose fare_rules.txt rows were all dropped"] += len(fares)
        else:
            agencies = {a for a in _text(feed.agency, "agency_id") if a}
            self._add_blanket_rules(key, number, fares, dict(zip(route_ids, route_agencies)),
                                    agencies)

    def _add_fares(self, loaded: LoadedFeed, key: str) -> dict[str, tuple[int, str]]:
        """Usable fares of one feed: local fare_id -> (index in the table, agency_id)."""
        frame = loaded.feed.fare_attributes
        texts = _price_texts(loaded)
        out: dict[str, tuple[int, str]] = {}
        for fare_id, price, currency, agency in zip(
                _text(frame, "fare_id"), frame["price"].tolist(),
                _text(frame, "currency_type"), _text(frame, "agency_id")):
            if not fare_id or fare_id in out or not currency:
                self.skipped["fare_attributes rows without id or currency, or a repeated id"] += 1
                continue
            try:
                minor = to_minor(texts.get(fare_id) or repr(float(price)), currency)
            except ValueError:
                self.skipped["fare_attributes rows with an unusable price"] += 1
                continue
            self.fares[f"{key}:{fare_id}"] = (minor, currency.upper())
            out[fare_id] = (len(self.fares) - 1, agency)
        return out

    def _add_rules(self, frame: pd.DataFrame, key: str, number: int,
                   fares: dict[str, tuple[int, str]], routes: set[str], zones: set[str]) -> None:
        columns = [_text(frame, c) for c in
                   ("fare_id", "route_id", "origin_id", "destination_id", "contains_id")]

        def keyed(value: str) -> str:
            return f"{key}:{value}" if value else ""

        for fare_id, route, origin, destination, contains in zip(*columns):
            if fare_id not in fares:
                self.skipped["fare_rules rows with an unknown fare_id"] += 1
            elif route and route not in routes:
                self.skipped["fare_rules rows with an unknown route_id"] += 1
            elif any(z and z not in zones for z in (origin, destination, contains)):
                self.skipped["fare_rules rows naming a zone no stop is in"] += 1
            else:
                self.rules.append((fares[fare_id][0], number, keyed(route), keyed(origin),
                                   keyed(destination), keyed(contains)))

    def _add_blanket_rules(self, key: str, number: int, fares: dict[str, tuple[int, str]],
                           route_agency: dict[str, str], agencies: set[str]) -> None:
        """No fare_rules.txt: each fare applies to every route of its agency (or of the feed)."""
        for index, agency in fares.values():
            if not agency or len(agencies) <= 1:
                self.rules.append((index, number, "", "", "", ""))
                continue
            routes = [r for r, a in route_agency.items() if a == agency]
            if not routes:
                self.skipped["fares of an agency without routes"] += 1
            self.rules.extend((index, number, f"{key}:{r}", "", "", "") for r in routes)

    def table(self, keys: Sequence[str]) -> FareTable:
        ids = list(self.fares)
        fare, feed, route, origin, destination, contains = (
            zip(*self.rules) if self.rules else [()] * 6)
        return FareTable(
            feed_keys=_strings(keys), fare_ids=_strings(ids),
            fare_price_minor=np.array([self.fares[f][0] for f in ids], dtype=np.int64),
            fare_currency=_strings(self.fares[f][1] for f in ids),
            route_ids=_strings(self.routes), route_feed=_int32s(self.routes.values()),
            stop_ids=_strings(self.zones), stop_zone_ids=_strings(self.zones.values()),
            rule_fare=_int32s(fare), rule_feed=_int32s(feed), rule_route_ids=_strings(route),
            rule_origin_ids=_strings(origin), rule_destination_ids=_strings(destination),
            rule_contains_ids=_strings(contains))


def compile_fares(feeds: Sequence[LoadedFeed], keys: Sequence[str]) -> FareTable:
    """One FareTable for feeds federated under the given keys (same order as feeds)."""
    if len(feeds) != len(keys) or len(set(keys)) != len(keys):
        raise ValueError(f"need one distinct key per feed, got {list(keys)} for {len(feeds)} feeds")
    builder = _Builder()
    for number, (loaded, key) in enumerate(zip(feeds, keys)):
        builder.add_feed(loaded, key, number)
    for reason, count in sorted(builder.skipped.items()):
        logger.warning("fares: skipped %d %s", count, reason)
    table = builder.table(keys)
    logger.debug("compiled %d fares and %d rules from %d feeds", table.n_fares, table.n_rules,
                 len(feeds))
    return table
