"""Byte-stable writers: UTF-8 without BOM, "\\n" line ends, fixed key and column order."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path


def write_text(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    # newline="" stops Windows from turning "\n" into "\r\n" and breaking byte equality.
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write(text)
    return path


def write_json(path: Path, data: object) -> Path:
    return write_text(path, json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def write_csv(path: Path, columns: Sequence[str], rows: Iterable[Mapping[str, object]]) -> Path:
    """Write rows (dicts) under a fixed header; missing keys become empty cells."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        unknown = set(row) - set(columns)
        if unknown:
            raise ValueError(f"{path.name}: columns {sorted(unknown)} are not in the header")
        writer.writerow([_cell(row.get(column)) for column in columns])
    return write_text(path, buffer.getvalue())


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        # Six decimals (about 0.1 m) keeps coordinates readable and identical across platforms.
        return f"{value:.6f}".rstrip("0").rstrip(".")
    return str(value)
