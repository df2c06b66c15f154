"""The rider's language: `Accept-Language` negotiated to Japanese or English, and names picked by it.

The language chosen for the current request lives in a context variable set by the language
middleware, so response models can pick a name without every handler passing it along."""

from __future__ import annotations

import contextvars
import re

Language = str  # one of SUPPORTED
SUPPORTED: tuple[Language, ...] = ("ja", "en")
DEFAULT: Language = "ja"

language_var: contextvars.ContextVar[Language] = contextvars.ContextVar("language", default=DEFAULT)

# RFC 9110 language-range: a primary tag of letters and subtags of letters and digits, or "*".
_RANGE = re.compile(r"^(?:\*|[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*)$")
_QVALUE = re.compile(r"^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$")
_MAX_HEADER = 1000  # longer headers are not a browser's; ignore rather than parse


def parse_accept_language(header: str | None) -> list[tuple[str, float]]:
    """The language ranges of an `Accept-Language` header with their weights, best first (ties keep
    the header's order); malformed entries are skipped, never an error."""
    if not header or len(header) > _MAX_HEADER:
        return []
    ranges: list[tuple[str, float]] = []
    for item in header.split(","):
        tag, *params = (part.strip() for part in item.split(";"))
        if not _RANGE.match(tag):
            continue
        weight = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                weight = float(value.strip()) if _QVALUE.match(value.strip()) else -1.0
        if weight >= 0:
            ranges.append((tag.lower(), weight))
    return sorted(ranges, key=lambda pair: -pair[1])


def negotiate(header: str | None, default: Language = DEFAULT) -> Language:
    """The supported language the client prefers most: `ja-JP` is Japanese, `en-US` English; "*",
    nothing supported, or a header that cannot be read gives the default."""
    ranges = parse_accept_language(header)
    refused = {tag.split("-", 1)[0] for tag, weight in ranges if weight == 0}
    for tag, weight in ranges:
        primary = tag.split("-", 1)[0]
        if weight == 0:
            break  # best first: only refusals follow
        if primary in SUPPORTED:
            return primary
        if primary == "*":
            if default not in refused:
                return default
            return next((lang for lang in SUPPORTED if lang not in refused), default)
    return default


def current() -> Language:
    return language_var.get()


def pick(name: str, name_en: str) -> str:
    """The name to show in the request's language: the English one when asked for and known."""
    return name_en if current() == "en" and name_en else name
