"""Raw files of a flex feed (zip or folder): CSV rows with line numbers, GeoJSON, clock times.

Publishers ship BOMs, CRLF line ends, padded headers and H:MM:SS times; all are accepted here so
the reader above sees clean dictionaries.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
import zlib
from pathlib import Path, PurePosixPath

from routing.flex.model import FlexError

_SUFFIXES = (".txt", ".geojson")
# A guard against zip bombs; flex feeds are small, the largest stop_times we hold is a few MB.
MAX_UNCOMPRESSED_BYTES = 1024**3


def _pick_root(names: list[str]) -> str:
    """The folder with stop_times.txt or, failing that, with most files (feeds zipped as a folder)."""
    folders: dict[str, int] = {}
    for name in names:
        path = PurePosixPath(name)
        folders[str(path.parent)] = folders.get(str(path.parent), 0) + 1 + 100 * (path.name == "stop_times.txt")
    return max(sorted(folders), key=lambda f: (folders[f], -f.count("/")))


def _wanted(name: str) -> bool:
    parts = PurePosixPath(name).parts
    return name.lower().endswith(_SUFFIXES) and not any(p.startswith(("__MACOSX", ".")) for p in parts)


def read_members(path: Path) -> dict[str, bytes]:
    """Feed files by lower-case base name; FileNotFoundError or FlexError when there is no feed."""
    if not path.exists():
        raise FileNotFoundError(f"GTFS-Flex feed not found: {path}")
    try:
        if path.is_dir():
            blobs = {p.relative_to(path).as_posix(): p.read_bytes() for p in (*path.glob("*"), *path.glob("*/*"))
                     if p.is_file() and _wanted(p.relative_to(path).as_posix())}
        else:
            with zipfile.ZipFile(path) as archive:
                infos = [i for i in archive.infolist() if not i.is_dir() and _wanted(i.filename)]
                if sum(i.file_size for i in infos) > MAX_UNCOMPRESSED_BYTES:
                    raise FlexError(f"{path} unpacks to more than {MAX_UNCOMPRESSED_BYTES} bytes")
                blobs = {i.filename: archive.read(i) for i in infos}
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError) as exc:
        raise FlexError(f"{path} is neither a folder nor a readable zip archive ({exc})") from exc
    if not blobs:
        raise FlexError(f"{path} holds no GTFS files")
    root = _pick_root(list(blobs))
    return {PurePosixPath(n).name.lower(): data for n, data in blobs.items() if str(PurePosixPath(n).parent) == root}


def _text(name: str, data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FlexError(f"{name} is not UTF-8 ({exc})") from exc


def csv_rows(members: dict[str, bytes], name: str) -> list[tuple[int, dict[str, str]]]:
    """(line, row) pairs of a CSV file, header = line 1; values stripped; [] when the file is absent."""
    if name not in members:
        return []
    reader = csv.reader(io.StringIO(_text(name, members[name]), newline=""))
    header = [column.strip().lower() for column in next(reader, [])]
    rows = []
    for values in reader:
        if not any(v.strip() for v in values):
            continue
        rows.append((reader.line_num, {c: v.strip() for c, v in zip(header, values)}))
    return rows


def geojson(members: dict[str, bytes], name: str) -> dict | None:
    if name not in members:
        return None
    try:
        document = json.loads(_text(name, members[name]))
    except json.JSONDecodeError as exc:
        raise FlexError(f"{name} is not valid JSON ({exc})") from exc
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection" or not isinstance(
            document.get("features"), list):
        raise FlexError(f"{name} is not a GeoJSON FeatureCollection")
    return document


def clock_s(text: str | None) -> int | None:
    """Seconds after the service day's start for H:MM:SS or HH:MM:SS (hours may pass 24), else None."""
    parts = (text or "").split(":")
    if len(parts) != 3 or not all(p.isdigit() and p.isascii() for p in parts):
        return None
    hours, minutes, seconds = (int(p) for p in parts)
    if len(parts[1]) != 2 or len(parts[2]) != 2 or minutes > 59 or seconds > 59:
        return None
    return hours * 3600 + minutes * 60 + seconds


def whole(text: str | None) -> int | None:
    """A non-negative integer from text, else None."""
    text = (text or "").strip()
    return int(text) if text.isdigit() and text.isascii() else None
