"""Vectorised parsing of GTFS text values: times, integers and numbers.

Per-value regexes and pd.to_numeric dominate the load time of 100k-row files, so times and
integers are checked on their UCS-4 code points in numpy instead.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

_ZERO, _COLON = ord("0"), ord(":")
_TIME_DIGITS = [0, 1, 3, 4, 6, 7]


def _codepoints(values: pd.Series, width: int) -> tuple[np.ndarray, np.ndarray]:
    """(code points padded with 0 to `width`, length capped at `width`) of each value.

    Values longer than `width` are cut, so callers pick a width one beyond the longest valid text.
    """
    text = np.asarray(values.to_numpy(dtype=object), dtype=f"U{width}")
    codes = text.view(np.uint32).reshape(len(text), width).astype(np.int64)
    return codes, (codes != 0).sum(axis=1)


def time_to_seconds(values: pd.Series) -> pd.Series:
    """Seconds after the service day's start for H:MM:SS or HH:MM:SS; NaN if empty or malformed.

    Hours may pass 24 (trips running after midnight belong to the previous service day).
    """
    codes, length = _codepoints(values, 9)
    padded = np.concatenate([np.full((len(codes), 1), _ZERO), codes[:, :7]], axis=1)
    chars = np.where((length == 7)[:, None], padded, codes[:, :8])
    digits = chars - _ZERO
    valid = ((length == 7) | (length == 8)) & (chars[:, 2] == _COLON) & (chars[:, 5] == _COLON)
    valid &= ((digits[:, _TIME_DIGITS] >= 0) & (digits[:, _TIME_DIGITS] <= 9)).all(axis=1)
    valid &= (digits[:, 3] <= 5) & (digits[:, 6] <= 5)
    seconds = ((digits[:, 0] * 10 + digits[:, 1]) * 3600 + (digits[:, 3] * 10 + digits[:, 4]) * 60
               + digits[:, 6] * 10 + digits[:, 7])
    return pd.Series(np.where(valid, seconds, np.nan), index=values.index)


def integers(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(is an ASCII integer of at most 9 digits with optional sign, its value or 0)."""
    codes, length = _codepoints(values, 11)
    signed = (codes[:, 0] == ord("+")) | (codes[:, 0] == ord("-"))
    digit = (codes >= _ZERO) & (codes <= ord("9"))
    digit[:, 0] |= signed
    present = np.arange(codes.shape[1]) < length[:, None]
    valid = (digit | ~present).all(axis=1) & (length - signed >= 1) & (length - signed <= 9)
    valid = pd.Series(valid, index=values.index)
    return valid, values.where(valid, "0").astype("int64")


def to_float(values: pd.Series) -> pd.Series:
    """Numbers from text, NaN where not numeric; the fast path skips pd.to_numeric on clean data."""
    try:
        return values.astype("float64")
    except (TypeError, ValueError):
        return pd.to_numeric(values, errors="coerce").astype("float64")
