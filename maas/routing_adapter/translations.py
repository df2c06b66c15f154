"""The domain's TranslationSource: each routed feed's translations.txt, read once per feed set.

Both layouts are read: current GTFS (`table_name, field_name, language, translation, record_id,
record_sub_id, field_value`), where a row names its text by `field_value` or by the record whose
field it translates, and GTFS-JP v1 (`trans_id, lang, translation`), where `trans_id` is the text."""

from __future__ import annotations

import csv
import io
import logging
import threading
from collections.abc import Callable, Iterator, Sequence

from maas.domain.translations import ANY_FIELD, Translations
from routing.gtfs import InvalidFeed
from routing.gtfs.source import read_members
from routing.plan import FeedSource

log = logging.getLogger(__name__)
# table → (its id column, the fields riders read) for translations given by record_id.
_RECORDS = {
    "stops": ("stop_id", ("stop_name",)),
    "routes": ("route_id", ("route_long_name", "route_short_name")),
    "agency": ("agency_id", ("agency_name",)),
    "trips": ("trip_id", ("trip_headsign",)),
}

Table = dict[str, dict[str, dict[str, str]]]


def _rows(members: dict[str, bytes], name: str) -> Iterator[dict[str, str]]:
    data = members.get(f"{name}.txt")
    if data is None:
        return iter(())
    text = data.decode("utf-8-sig", errors="replace")
    return ({(k or "").strip(): (v or "").strip() for k, v in row.items()}
            for row in csv.DictReader(io.StringIO(text, newline="")))


def _language(code: str) -> str:
    # "en", "en-US" and "EN" serve English readers alike; kana readings keep their tag.
    return "en" if code.lower().startswith("en") else code


def feed_translations(members: dict[str, bytes], into: Table) -> None:
    """Adds one feed's translations to `into`; an earlier feed's translation of a text wins."""
    rows = list(_rows(members, "translations"))
    if not rows:
        return
    if "trans_id" in rows[0]:  # GTFS-JP v1
        for row in rows:
            if row.get("trans_id") and row.get("translation"):
                into.setdefault(ANY_FIELD, {}).setdefault(row["trans_id"], {}).setdefault(
                    _language(row.get("lang", "")), row["translation"])
        return
    wanted: dict[str, set[str]] = {}
    for row in rows:
        if row.get("record_id") and not row.get("field_value"):
            wanted.setdefault(row.get("table_name", ""), set()).add(row["record_id"])
    originals = _originals(members, wanted)
    for row in rows:
        field_name, translation = row.get("field_name", ""), row.get("translation", "")
        original = row.get("field_value") or originals.get((row.get("table_name", ""), row.get("record_id", ""),
                                                            field_name), "")
        if field_name and original and translation:
            into.setdefault(field_name, {}).setdefault(original, {}).setdefault(
                _language(row.get("language", "")), translation)


def _originals(members: dict[str, bytes], wanted: dict[str, set[str]]) -> dict[tuple[str, str, str], str]:
    found: dict[tuple[str, str, str], str] = {}
    for table, ids in wanted.items():
        if table not in _RECORDS:
            continue
        id_column, fields = _RECORDS[table]
        for row in _rows(members, table):
            if row.get(id_column) in ids:
                for field_name in fields:
                    found[(table, row[id_column], field_name)] = row.get(field_name, "")
    return found


class FeedTranslations:
    def __init__(self, sources: Callable[[], Sequence[FeedSource]]) -> None:
        self._sources = sources
        self._cached: tuple[tuple[str, ...], Translations] | None = None
        self._lock = threading.Lock()

    def translations(self) -> Translations:
        sources = tuple(self._sources())
        key = tuple(s.digest for s in sources)
        with self._lock:
            if self._cached is None or self._cached[0] != key:
                table: Table = {}
                for source in sources:
                    try:
                        feed_translations(read_members(source.path), table)
                    except (OSError, InvalidFeed) as exc:  # a feed gone or broken keeps its own names
                        log.warning("translations of %s not read: %s", source.path, exc)
                self._cached = (key, Translations(table))
            return self._cached[1]
