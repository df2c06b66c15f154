"""Field readers shared by the GBFS parsers: typed access, localized strings, per-record findings."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import TypeVar

from operators.gbfs.discovery import choose_language
from operators.gbfs.errors import MalformedFeed
from operators.gbfs.validation import Finding

T = TypeVar("T")

# What a broken record can raise while being read; anything else is a bug, not bad data.
RECORD_ERRORS = (KeyError, TypeError, ValueError)


def data_of(file_name: str, doc: object) -> dict:
    if not isinstance(doc, dict) or not isinstance(doc.get("data"), dict):
        raise MalformedFeed(file_name, "not a GBFS document (no `data` object)")
    return doc["data"]


def text(item: dict, key: str) -> str:
    """A required identifier or code; integers are accepted because some producers publish them."""
    value = item.get(key)
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str) or not value:
        raise ValueError(f"{key} missing or empty")
    return value


def optional_text(item: dict, key: str) -> str | None:
    return None if item.get(key) is None else text(item, key)


def number(item: dict, key: str) -> float:
    value = item.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{key} is not a number: {value!r}")
    return float(value)


def optional_number(item: dict, key: str) -> float | None:
    return None if item.get(key) is None else number(item, key)


def optional_int(item: dict, key: str) -> int | None:
    value = item.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{key} is not an integer: {value!r}")
    return value


def flag(item: dict, key: str, default: bool | None = None) -> bool:
    """A boolean; 0 and 1 are read as false and true, as v1 feeds publish them."""
    value = item.get(key, default)
    if isinstance(value, bool):
        return value
    if value in (0, 1):
        return bool(value)
    raise ValueError(f"{key} is not a boolean: {value!r}")


def decimal(item: dict, key: str) -> Decimal:
    """Money as an exact decimal; a JSON float goes through its shortest repr (0.25, not 0.2500…01)."""
    value = item.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"{key} is not a number: {value!r}")
    try:
        return Decimal(repr(value) if isinstance(value, float) else str(value))
    except InvalidOperation as exc:
        raise ValueError(f"{key} is not a number: {value!r}") from exc


def object_list(item: dict, key: str) -> list[dict]:
    """An optional array of objects, empty when absent."""
    value = item.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise ValueError(f"{key} is not a list of objects")
    return value


def coordinates(item: dict) -> tuple[float, float]:
    lat, lon = number(item, "lat"), number(item, "lon")
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
        raise ValueError(f"coordinates out of range: {lat}, {lon}")
    return lat, lon


def localized(value: object, language: str | None) -> str:
    """A plain string (v1-v2.3) or the best entry of a v3.0 list of {text, language}."""
    if isinstance(value, str) and value:
        return value
    if isinstance(value, list) and value and all(isinstance(v, dict) and "text" in v for v in value):
        by_language = {str(v.get("language")): str(v["text"]) for v in value}
        return by_language[choose_language(list(by_language), language)]
    raise ValueError(f"not a localized string: {value!r}")


def records(file_name: str, doc: object, list_key: str, read: Callable[[dict], T],
            key: Callable[[T], str] | None = None) -> tuple[list[T], list[Finding]]:
    """Read every entry of `data.<list_key>`; unreadable or duplicate entries become findings.

    Of duplicate ids the first entry is kept, so a feed's order decides and repeated reads agree.
    """
    entries = data_of(file_name, doc).get(list_key)
    if not isinstance(entries, list):
        raise MalformedFeed(file_name, f"data.{list_key} is not a list")
    out: list[T] = []
    findings: list[Finding] = []
    seen: set[str] = set()
    for index, entry in enumerate(entries):
        path = f"$.data.{list_key}[{index}]"
        try:
            if not isinstance(entry, dict):
                raise TypeError("entry is not an object")
            record = read(entry)
        except RECORD_ERRORS as exc:
            findings.append(Finding(file_name, path, f"skipped: {exc}"))
            continue
        if key is not None:
            if key(record) in seen:
                findings.append(Finding(file_name, path, f"skipped: duplicate id {key(record)!r}"))
                continue
            seen.add(key(record))
        out.append(record)
    return out, findings
