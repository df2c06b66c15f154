"""Names and emails as stored: NFKC-normalised, so full-width and compatibility look-alikes become
the plain characters, and refused when they hide invisible or control characters (zero-width
spaces, bidi overrides) or, for an email, anything beyond printable ASCII."""

from __future__ import annotations

import unicodedata
from typing import TypeVar

from pydantic import BaseModel

from maas.domain.errors import InvalidRequest

M = TypeVar("M", bound=BaseModel)
_HIDDEN = frozenset({"Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp"})  # controls, format (ZWSP, RLO), unassigned


def clean_text(value: str, field: str) -> str:
    """NFKC, trimmed; InvalidRequest naming `field` for an invisible or control character."""
    text = unicodedata.normalize("NFKC", value).strip()
    if any(unicodedata.category(c) in _HIDDEN for c in text):
        raise InvalidRequest(f"{field} contains an invisible or control character", fields={field: "invisible character"})
    return text


def clean_email(value: str, field: str = "email") -> str:
    text = clean_text(value, field).lower()
    if not text.isascii() or not text.isprintable():
        raise InvalidRequest("an email address is written in plain ASCII letters", fields={field: "not plain ASCII"})
    return text


def normalised(model: M) -> M:
    """A model with its `email`, `display_name` and `display_name_kana` (where present and set) cleaned."""
    update: dict[str, str] = {}
    for name in ("email", "display_name", "display_name_kana"):
        value = getattr(model, name, None)
        if isinstance(value, str):
            update[name] = clean_email(value, name) if name == "email" else clean_text(value, name)
    return model.model_copy(update=update)
