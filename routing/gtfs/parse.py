"""Decoding and CSV-parsing one feed file into stripped strings indexed by line number."""

from __future__ import annotations

import csv
import io

import pandas as pd

from routing.gtfs.findings import FindingLog, Severity

_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_REPLACEMENT, _NUL = "\ufffd", "\x00"


def _decode(file: str, data: bytes, log: FindingLog) -> tuple[str, bool]:
    """The text without BOM, and whether undecodable bytes were replaced by U+FFFD.

    Wrong encodings are errors, but the text is still read as well as it can be: UTF-16 with a
    BOM, then Shift_JIS (cp932, still met in Japanese feeds), then UTF-8 with replacements.
    """
    if data.startswith(_UTF16_BOMS):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            pass
        else:
            log.add(file, None, None, Severity.ERROR, "bad_encoding",
                    "file is UTF-16 encoded, GTFS requires UTF-8; read as UTF-16")
            return text.removeprefix("\ufeff"), False
    try:
        return data.decode("utf-8").removeprefix("\ufeff"), False
    except UnicodeDecodeError as exc:
        problem = f"file is not valid UTF-8 ({exc.reason} at byte {exc.start})"
    try:
        text = data.decode("cp932")
    except UnicodeDecodeError:
        return data.decode("utf-8", errors="replace").removeprefix("\ufeff"), True
    log.add(file, None, None, Severity.ERROR, "bad_encoding",
            f"{problem}; read as Shift_JIS (cp932)")
    return text, False


def _records(text: str) -> tuple[list[str], int, list[list[str]], list[int]]:
    """Header, its line, the stripped data records and the line each starts on.

    Blank lines and rows of empty cells are skipped; stripping here is cheaper than per column.
    """
    reader = csv.reader(io.StringIO(text, newline=""), skipinitialspace=True)
    header: list[str] = []
    header_line = 0
    for record in reader:
        if any(cell.strip() for cell in record):
            header, header_line = record, reader.line_num
            break
    rows: list[list[str]] = []
    lines: list[int] = []
    previous = reader.line_num
    for record in reader:
        cells = list(map(str.strip, record))
        if any(cells):
            rows.append(cells)
            lines.append(previous + 1)
        previous = reader.line_num
    return header, header_line, rows, lines


def _fit_rows(
    file: str, width: int, rows: list[list[str]], lines: list[int], log: FindingLog
) -> tuple[list[list[str]], list[int]]:
    """Pad short rows, ignore extra empty cells (warnings); drop rows with extra values (errors)."""
    if all(len(r) == width for r in rows):
        return rows, lines
    kept_rows, kept_lines = [], []
    for row, line in zip(rows, lines):
        cells = f"row has {len(row)} cells but the header has {width}"
        if len(row) > width and any(row[width:]):
            log.add(file, line, None, Severity.ERROR, "long_row", f"{cells}; row dropped")
            continue
        if len(row) > width:
            log.add(file, line, None, Severity.WARNING, "extra_empty_cells",
                    f"{cells}; the extra cells are empty and ignored")
        elif len(row) < width:
            log.add(file, line, None, Severity.WARNING, "short_row",
                    f"{cells}; missing cells read as empty")
        kept_rows.append((row + [""] * width)[:width])
        kept_lines.append(line)
    return kept_rows, kept_lines


def _header_columns(file: str, header: list[str], line: int, log: FindingLog) -> dict[int, str]:
    """Position -> name for the usable header cells (first of duplicates, non-blank)."""
    columns: dict[int, str] = {}
    for position, raw in enumerate(header):
        name = raw.replace(_NUL, "").strip().strip("\ufeff").strip()
        if not name:
            continue
        if name in columns.values():
            log.add(file, line, name, Severity.WARNING, "duplicate_column",
                    f"column {name!r} appears twice; the first one is used")
            continue
        columns[position] = name
    return columns


def _report_bad_characters(file: str, frame: pd.DataFrame, header: list[str], header_line: int,
                           char: str, code: str, what: str, log: FindingLog) -> pd.DataFrame:
    """Report each line holding `char`; the row is kept with the character removed or replaced."""
    if any(char in cell for cell in header):
        log.add(file, header_line, None, Severity.ERROR, code, f"header {what}")
    hits = {name: frame[name].str.contains(char, regex=False) for name in frame.columns}
    bad = pd.concat(hits, axis=1).any(axis=1) if hits else pd.Series(False, index=frame.index)
    log.add_rows(file, pd.Series("", index=frame.index[bad]), None, Severity.ERROR, code,
                 f"row {what}")
    if char == _NUL:
        for name, hit in hits.items():
            if hit.any():
                frame[name] = frame[name].str.replace(_NUL, "", regex=False)
    return frame


def parse_file(file: str, data: bytes, log: FindingLog) -> pd.DataFrame | None:
    """The file's rows as stripped strings, index = line number; None if it is not CSV at all."""
    text, replaced = _decode(file, data, log)
    try:
        header, header_line, rows, lines = _records(text)
    except csv.Error as exc:
        log.add(file, None, None, Severity.ERROR, "unreadable_file",
                f"not a readable CSV file: {exc}")
        return None
    columns = _header_columns(file, header, header_line, log)
    rows, lines = _fit_rows(file, len(header), rows, lines, log)
    frame = pd.DataFrame(rows, index=pd.Index(lines, dtype="int64"), columns=range(len(header)))
    frame = frame[list(columns)].set_axis(list(columns.values()), axis=1).astype("str")
    if replaced:
        frame = _report_bad_characters(file, frame, header, header_line, _REPLACEMENT,
                                       "bad_encoding", "has bytes that are not valid UTF-8 "
                                       "(shown as U+FFFD)", log)
    if _NUL in text:
        frame = _report_bad_characters(file, frame, header, header_line, _NUL, "nul_character",
                                       "contains a NUL character (removed)", log)
    return frame
