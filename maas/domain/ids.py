"""Identifiers: short, random, URL-safe, with a type prefix so logs and support calls can tell them apart."""

from __future__ import annotations

import secrets


def new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(8)}"
