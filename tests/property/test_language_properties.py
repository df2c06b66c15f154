"""Any Accept-Language header, however odd, negotiates to a supported language without an error."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from maas.api.language import SUPPORTED, negotiate, parse_accept_language

_TAG = st.from_regex(r"(\*|[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8}){0,2})", fullmatch=True)
_ENTRY = st.tuples(_TAG, st.none() | st.floats(0, 1).map(lambda q: f"{q:.3f}")).map(
    lambda pair: pair[0] if pair[1] is None else f"{pair[0]};q={pair[1]}")


@given(st.text(max_size=300))
def test_any_text_gives_a_supported_language(header: str) -> None:
    assert negotiate(header, "ja") in SUPPORTED
    assert negotiate(header, "en") in SUPPORTED


@given(st.lists(_ENTRY, max_size=8).map(", ".join))
def test_well_formed_headers_keep_every_entry_best_first(header: str) -> None:
    ranges = parse_accept_language(header)
    assert len(ranges) == (len(header.split(",")) if header else 0)
    weights = [q for _, q in ranges]
    assert weights == sorted(weights, reverse=True)
    if all(tag != "*" for tag, _ in ranges):  # no wildcard: the weightiest supported language, else the default
        supported = [tag.split("-")[0] for tag, q in ranges if q > 0 and tag.split("-")[0] in SUPPORTED]
        assert negotiate(header, "ja") == (supported[0] if supported else "ja")
